"""ChorusWatch detection core: pure, synchronous, event-time only.

The public API is re-exported here (pinned by ``tests/unit/test_layering.py``); the modules behind it
are free to change. Typical use::

    from detectors import Detector, DetectorConfig, HashingEmbedder

    det = Detector(DetectorConfig(), model_name=embedder.name, allowlist=frozenset(official_ids))
    step = det.process(mentions, embedder.encode([m.text for m in mentions]))
    for alert in step.alerts: ...
    det.flush()  # end of input: closes every open alert

Nothing in this package reads the environment, the wall clock, or talks to Kafka, Elasticsearch or
Prometheus; adapters in ``streams/`` and ``choruswatch/`` do.
"""

from detectors.clustering import ClusterAssignment, OnlineClusterer
from detectors.config import ConfigError, DetectorConfig
from detectors.detector import Assignment, Detector, StepFacts, StepResult
from detectors.embedding import (
    DEFAULT_MODEL,
    CachedEmbedder,
    Embedder,
    EmbeddingError,
    HashingEmbedder,
    SentenceTransformerEmbedder,
)
from detectors.lifecycle import DETECTOR_VERSION, alert_id_for
from detectors.replystorm import Reply, ReplyStormFinding, ReplyStormTracker, Sensor, SensorTargets
from detectors.scoring import CoordinationScore
from detectors.verdicts import VerdictBook, VerdictRecord
from detectors.watchlist import Claim, ClaimSighting, ResurfacingFinding, ResurfacingTracker, Watchlist

__all__ = [
    "DEFAULT_MODEL",
    "DETECTOR_VERSION",
    "Assignment",
    "CachedEmbedder",
    "Claim",
    "ClaimSighting",
    "ClusterAssignment",
    "ConfigError",
    "CoordinationScore",
    "Detector",
    "DetectorConfig",
    "Embedder",
    "EmbeddingError",
    "HashingEmbedder",
    "OnlineClusterer",
    "Reply",
    "ReplyStormFinding",
    "ReplyStormTracker",
    "ResurfacingFinding",
    "ResurfacingTracker",
    "Sensor",
    "SensorTargets",
    "SentenceTransformerEmbedder",
    "StepFacts",
    "StepResult",
    "VerdictBook",
    "VerdictRecord",
    "Watchlist",
    "alert_id_for",
]
