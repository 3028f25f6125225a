"""The provisioned Grafana board (deploy/grafana/): stable uid, data source by uid, PromQL that parses
(checked by promtool) and selects only metrics the worker exports, and the panels the issue asks for."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy.contract import DEPLOY_DIR, exported_sample_names, promql_metric_names

GRAFANA_DIR = DEPLOY_DIR / "grafana"
DASHBOARD = GRAFANA_DIR / "dashboards" / "choruswatch.json"
DATASOURCES = GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yml"
# What each panel group of the issue must show, by the metric that carries it.
REQUIRED_METRICS = {
    "throughput": "choruswatch_mentions_processed_total",
    "lag": "choruswatch_consumer_lag",
    "latency percentiles": "choruswatch_event_to_alert_latency_seconds_bucket",
    "dead-letter rate": "choruswatch_mentions_dead_lettered_total",
    "Elasticsearch errors": "choruswatch_es_bulk_failures_total",
    "live narratives": "choruswatch_live_narratives",
    "alerts by severity": "choruswatch_alerts_emitted_total",
}


def _dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return data


def _targets() -> list[dict[str, Any]]:
    return [target for panel in _dashboard()["panels"] for target in panel.get("targets", [])]


def test_dashboard_has_a_stable_uid_and_unique_panel_ids() -> None:
    dashboard = _dashboard()
    assert dashboard["uid"] == "choruswatch-pipeline"
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    titles = [panel["title"] for panel in dashboard["panels"]]
    assert len(titles) == len(set(titles))


def test_every_panel_and_query_uses_the_provisioned_datasource_by_uid() -> None:
    provisioned = yaml.safe_load(DATASOURCES.read_text(encoding="utf-8"))["datasources"]
    uids = {source["uid"] for source in provisioned if source["type"] == "prometheus"}
    assert len(uids) == 1
    for panel in _dashboard()["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": next(iter(uids))}, panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == panel["datasource"], panel["title"]


def test_panels_do_not_overlap_on_the_grid() -> None:
    cells: dict[tuple[int, int], str] = {}
    for panel in _dashboard()["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
        for x in range(pos["x"], pos["x"] + pos["w"]):
            for y in range(pos["y"], pos["y"] + pos["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps {cells[(x, y)]}"
                cells[(x, y)] = panel["title"]


def test_every_query_selects_only_metrics_the_worker_exports() -> None:
    exported = exported_sample_names()
    for target in _targets():
        unknown = promql_metric_names(target["expr"]) - exported
        assert not unknown, f"{target['expr']!r} uses metrics streams/metrics.py does not export: {unknown}"


def test_the_board_shows_every_panel_group_of_the_issue() -> None:
    used = set().union(*(promql_metric_names(target["expr"]) for target in _targets()))
    missing = {group: metric for group, metric in REQUIRED_METRICS.items() if metric not in used}
    assert not missing


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed (make system-deps)")
def test_every_query_is_valid_promql(tmp_path: Path) -> None:
    # promtool has no "check this expression" command, but it parses every recording rule it checks.
    # $__rate_interval is a Grafana macro; any duration stands in for it.
    rules = [
        {"record": f"dashboard:query_{i}", "expr": target["expr"].replace("$__rate_interval", "5m")}
        for i, target in enumerate(_targets())
    ]
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}), encoding="utf-8")
    result = subprocess.run(
        ["promtool", "check", "rules", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
