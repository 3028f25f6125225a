"""The detection core stays pure: a mechanical AST scan of ``detectors/*.py``, and its pinned public API.

``detectors/`` may import the standard library, numpy and ``schemas``; sentence-transformers / torch only
inside ``detectors/embedding.py``. It must not import adapter libraries or the adapter packages, read
the environment, or read the wall clock (time is event time, passed in).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import detectors

CORE = Path(detectors.__file__).parent

BANNED_MODULES = frozenset(
    {
        "faust",
        "mode",
        "kafka",
        "aiokafka",
        "elasticsearch",
        "elastic_transport",
        "prometheus_client",
        "streams",
        "choruswatch",
    }
)
MODEL_MODULES = frozenset({"sentence_transformers", "torch", "transformers", "optimum", "onnxruntime"})
MODEL_ALLOWED_IN = frozenset({"embedding.py"})
# (object, attribute) pairs that read the environment or the wall clock.
BANNED_ATTRIBUTES = frozenset(
    {
        ("os", "environ"),
        ("os", "getenv"),
        ("os", "putenv"),
        ("os", "environb"),
        ("datetime", "now"),
        ("datetime", "utcnow"),
        ("datetime", "today"),
        ("date", "today"),
        ("time", "time"),
        ("time", "time_ns"),
    }
)
BANNED_FROM_IMPORTS = frozenset(
    {("os", "environ"), ("os", "getenv"), ("os", "environb"), ("time", "time"), ("time", "time_ns")}
)

PUBLIC_API = {
    "DEFAULT_MODEL",
    "DETECTOR_VERSION",
    "Action",
    "Assignment",
    "CachedEmbedder",
    "CampaignAssignment",
    "CampaignCounters",
    "CampaignStep",
    "CampaignTracker",
    "ClusterAssignment",
    "ConfigError",
    "CoordinationScore",
    "Detector",
    "DetectorConfig",
    "Embedder",
    "EmbeddingError",
    "HashingEmbedder",
    "NarrativeReport",
    "NarrativeSummary",
    "OnlineClusterer",
    "SentenceTransformerEmbedder",
    "StepFacts",
    "StepResult",
    "alert_id_for",
    # the analyst loop (verdicts, watchlist, sensors)
    "Claim",
    "ClaimSighting",
    "Reply",
    "ReplyStormFinding",
    "ReplyStormTracker",
    "ResurfacingFinding",
    "ResurfacingTracker",
    "Sensor",
    "SensorTargets",
    "VerdictBook",
    "VerdictRecord",
    "Watchlist",
}


def violations(source: str, filename: str) -> list[str]:
    """Every forbidden import or attribute use in one module's source."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            roots = [(alias.name.split(".")[0], None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            root = node.module.split(".")[0]
            roots = [(root, alias.name) for alias in node.names]
        elif isinstance(node, ast.Attribute):
            base = node.value
            name = (
                base.id
                if isinstance(base, ast.Name)
                else base.attr
                if isinstance(base, ast.Attribute)
                else None
            )
            if (name, node.attr) in BANNED_ATTRIBUTES:
                found.append(f"{filename}:{node.lineno} uses {name}.{node.attr}")
            continue
        else:
            continue
        for root, imported in roots:
            if root in BANNED_MODULES:
                found.append(f"{filename}:{node.lineno} imports {root}")
            if root in MODEL_MODULES and filename not in MODEL_ALLOWED_IN:
                found.append(f"{filename}:{node.lineno} imports the model library {root}")
            if imported is not None and (root, imported) in BANNED_FROM_IMPORTS:
                found.append(f"{filename}:{node.lineno} imports {root}.{imported}")
    return found


def core_modules() -> list[Path]:
    return sorted(CORE.glob("*.py"))


def test_core_modules_exist() -> None:
    names = {p.name for p in core_modules()}
    assert {"config.py", "scoring.py", "lifecycle.py", "detector.py", "clustering.py", "text.py"} <= names


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: p.name)
def test_core_module_is_pure(path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8"), path.name) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "import faust",
        "from kafka.admin import KafkaAdminClient",
        "import elasticsearch.helpers",
        "from prometheus_client import Counter",
        "import streams.settings",
        "from choruswatch import cli",
        "import os\nx = os.environ['A']",
        "import os\nx = os.getenv('A')",
        "from os import getenv",
        "import datetime\nx = datetime.datetime.now()",
        "from datetime import datetime\nx = datetime.utcnow()",
        "import time\nx = time.time()",
        "from time import time",
        "import torch",
    ],
)
def test_checker_catches_forbidden_code(snippet: str) -> None:
    assert violations(snippet, "scoring.py"), snippet


def test_checker_allows_pure_code() -> None:
    ok = (
        "import math\nfrom datetime import UTC, datetime\nx = datetime.fromtimestamp(0, tz=UTC)\nimport numpy"
    )
    assert violations(ok, "scoring.py") == []
    assert violations("from sentence_transformers import SentenceTransformer", "embedding.py") == []


def test_public_api_is_pinned() -> None:
    assert set(detectors.__all__) == PUBLIC_API
    for name in PUBLIC_API:
        assert getattr(detectors, name) is not None


STREAMS = CORE.parent / "streams"
# The only modules that may touch faust / aiokafka objects: the binding and the Kafka adapters.
FAUST_ALLOWED_IN = frozenset({"app.py", "kafka_io.py", "clients.py", "worker.py"})


def _imports(path: Path) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name.split(".")[0]) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module.split(".")[0]))
    return out


@pytest.mark.parametrize("path", sorted(STREAMS.glob("*.py")), ids=lambda p: p.name)
def test_adapters_never_import_entry_points_and_keep_faust_at_the_edge(path: Path) -> None:
    found = [f"{path.name}:{line} imports {mod}" for line, mod in _imports(path) if mod == "choruswatch"]
    if path.name not in FAUST_ALLOWED_IN:
        found += [
            f"{path.name}:{line} imports {mod}" for line, mod in _imports(path) if mod in {"faust", "mode"}
        ]
    assert found == []
