"""ChorusWatch detection core: pure, synchronous, event-time only.

The public API is re-exported here (pinned by ``tests/unit/test_layering.py``); the modules behind it
are free to change. Typical use::

    from detectors import Detector, DetectorConfig, HashingEmbedder

    det = Detector(DetectorConfig(), model_name=embedder.name, allowlist=frozenset(official_ids))
    step = det.process(mentions, embedder.encode([m.text for m in mentions]))
    for alert in step.alerts: ...
    det.flush()  # end of input: closes every open alert

The campaign level takes every bucket's facts, one event-time slot at a time::

    tracker = CampaignTracker(config, model_name=embedder.name)
    step = tracker.process([*step.actions, *step.reports])  # facts of the slot, all buckets
    tracker.advance(slot_end)
    for alert in step.alerts: ...  # Alert v2, one per campaign

Nothing in this package reads the environment, the wall clock, or talks to Kafka, Elasticsearch or
Prometheus; adapters in ``streams/`` and ``choruswatch/`` do.
"""

from detectors.campaigns import CampaignAssignment, CampaignCounters, CampaignStep, CampaignTracker
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
from detectors.facts import Action, NarrativeReport, NarrativeSummary
from detectors.lifecycle import DETECTOR_VERSION, alert_id_for
from detectors.replystorm import Reply, ReplyStormFinding, ReplyStormTracker, Sensor, SensorTargets
from detectors.scoring import CoordinationScore
from detectors.verdicts import VerdictBook, VerdictRecord
from detectors.watchlist import Claim, ClaimSighting, ResurfacingFinding, ResurfacingTracker, Watchlist

__all__ = [
    "DEFAULT_MODEL",
    "DETECTOR_VERSION",
    "Action",
    "Assignment",
    "CachedEmbedder",
    "CampaignAssignment",
    "CampaignCounters",
    "CampaignStep",
    "CampaignTracker",
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
    "NarrativeReport",
    "NarrativeSummary",
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
