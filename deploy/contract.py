"""The code-side contracts that the files under deploy/ must agree with, read from the code itself.

The compose file, the Kubernetes manifests, the Prometheus rules, the Grafana board and the Kibana
objects all name things the code defines: environment variables (what `Settings.from_env` in streams/settings.py reads), metrics
(streams/metrics.py) and index fields (schemas/elasticsearch/alerts-index-template.json). The deploy
tests read those names from these source files, never from a copy, so a rename in the code fails the
test of every deploy file that still uses the old name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEPLOY_DIR = REPO_ROOT / "deploy"
INDEX_TEMPLATE = REPO_ROOT / "schemas" / "elasticsearch" / "alerts-index-template.json"

_ENV_VAR = re.compile(r"^CHORUSWATCH_[A-Z0-9_]+$")
_PROMQL_METRIC = re.compile(r"\bchoruswatch_[a-z0-9_]+\b")
# The text format appends these to a family name (prometheus_client drops `_total` from a counter's
# family name and adds it back to the sample).
_SAMPLE_SUFFIXES = {
    "counter": ("_total",),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("_sum", "_count"),
    "info": ("_info",),
    "stateset": ("",),
    "unknown": ("",),
}


class _RecordingEnviron(dict[str, str]):
    """An empty environment that remembers every variable looked up in it."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.asked.add(key)
        return super().__contains__(key)


def settings_env_vars() -> frozenset[str]:
    """Every `CHORUSWATCH_*` variable that `Settings.from_env` reads, found by letting it read an empty
    environment that records the look-ups (so variables built from a prefix are found too)."""
    from streams.settings import Settings

    environ = _RecordingEnviron()
    Settings.from_env(environ)
    return frozenset(name for name in environ.asked if _ENV_VAR.match(name))


def settings_defaults() -> dict[str, str]:
    """The variables with their default values, as `Settings().to_env()` writes them."""
    from streams.settings import Settings

    return Settings().to_env()


def metric_families() -> dict[str, str]:
    """Family name -> Prometheus type, for every metric a worker's `streams.metrics.Metrics` registers
    (read from a fresh registry, so names built in code are found as the worker really exports them)."""
    from streams.metrics import Metrics

    return {family.name: family.type for family in Metrics().registry.collect()}


def exported_sample_names() -> frozenset[str]:
    """Every sample name a worker's /metrics page can carry (counters end in _total, histograms in
    _bucket/_sum/_count), which is what PromQL queries select."""
    return frozenset(
        family + suffix for family, kind in metric_families().items() for suffix in _SAMPLE_SUFFIXES[kind]
    )


def promql_metric_names(expr: str) -> frozenset[str]:
    """The ChorusWatch metric names a PromQL expression selects (recording-rule names use `:` and are
    not matched)."""
    return frozenset(_PROMQL_METRIC.findall(expr))


def load_index_template() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(INDEX_TEMPLATE.read_text(encoding="utf-8"))
    return data


def mapping_field_types(template: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Dotted field path -> Elasticsearch type, for every leaf and multi-field in the template's
    mappings (object fields are not listed; `type: object` nodes are walked through)."""
    tpl = load_index_template() if template is None else template
    mappings = tpl.get("template", tpl).get("mappings", {})
    fields: dict[str, str] = {}

    def walk(properties: Mapping[str, Any], prefix: str) -> None:
        for name, spec in properties.items():
            path = f"{prefix}{name}"
            if "properties" in spec:
                walk(spec["properties"], f"{path}.")
                continue
            fields[path] = spec.get("type", "object")
            for sub, sub_spec in spec.get("fields", {}).items():
                fields[f"{path}.{sub}"] = sub_spec.get("type", "object")

    walk(mappings.get("properties", {}), "")
    return fields


def markdown_anchors(path: Path) -> frozenset[str]:
    """The anchors GitHub generates for the headings of a Markdown file (lower case, punctuation
    dropped, spaces to hyphens), which is what `runbook_url`s and cross-links point at."""
    anchors = set()
    in_fence = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        match = None if in_fence else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            text = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower())
            anchors.add(text.replace(" ", "-"))
    return frozenset(anchors)
