"""Both detection levels over an in-memory scenario with precomputed vectors, through the event-time
engine (:class:`detectors.engine.Engine` with a campaign tracker): what `choruswatch detect` runs,
without the file and the embedder, for the quality benchmark and the golden campaign scenarios.

Mentions go to the engine in event-time order in chunks (the order and chunking do not change the
result: the engine releases fixed event-time slots); at the end every Detector and the tracker flush.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from detectors.campaigns import CampaignTracker
from detectors.config import DetectorConfig
from detectors.detector import Detector
from detectors.engine import SLOT_S, Engine, Step

if TYPE_CHECKING:
    from schemas.alert_v2 import AlertV2
    from schemas.models import Alert, Mention

DEFAULT_SLOT_S = SLOT_S
DEFAULT_BUCKETS = 4
_CHUNK = 512


@dataclass(slots=True)
class CampaignRun:
    """Everything one run produced."""

    narrative_alerts: list[Alert] = field(default_factory=list)  # Alert v1, per narrative
    campaign_alerts: list[AlertV2] = field(default_factory=list)  # Alert v2, per campaign
    # mention id -> (narrative id, theme id, campaign id as of the slot that processed it)
    assignments: dict[str, tuple[str | None, str | None, str | None]] = field(default_factory=dict)
    seconds: float = 0.0
    facts: int = 0
    late: int = 0


def run_campaigns(
    mentions: Sequence[Mention],
    vectors: npt.ArrayLike,
    *,
    config: DetectorConfig,
    model_name: str,
    allowlist: frozenset[str] = frozenset(),
    n_buckets: int = DEFAULT_BUCKETS,
    slot_s: float = DEFAULT_SLOT_S,
    routing_seed: int = 0,
) -> CampaignRun:
    """Run per-bucket Detectors and the CampaignTracker over ``mentions`` with their ``vectors``."""
    vecs = np.asarray(vectors, dtype=np.float32)
    if vecs.shape[0] != len(mentions):
        raise ValueError(f"{len(mentions)} mentions but {vecs.shape[0]} vectors")
    engine = Engine(
        lambda: Detector(config, model_name=model_name, allowlist=allowlist),
        buckets=n_buckets,
        routing_seed=routing_seed,
        slot_s=slot_s,
        make_tracker=lambda: CampaignTracker(config, model_name=model_name),
    )
    run = CampaignRun()
    order = sorted(range(len(mentions)), key=lambda i: (mentions[i].timestamp, mentions[i].id))
    started = time.perf_counter()
    for at in range(0, len(order), _CHUNK):
        idx = order[at : at + _CHUNK]
        _collect(run, engine, engine.add([mentions[i] for i in idx], vecs[idx]))
    _collect(run, engine, engine.finish(close=True))
    run.seconds = time.perf_counter() - started
    run.late = engine.late
    return run


def _collect(run: CampaignRun, engine: Engine, steps: list[tuple[int, Step[Any, Any]]]) -> None:
    for _, step in steps:
        run.narrative_alerts.extend(step.result.alerts)
        run.facts += len(step.result.actions) + len(step.result.reports)
    for campaign_step in engine.take_campaign_steps():
        run.campaign_alerts.extend(campaign_step.result.alerts)
        for a in campaign_step.result.assignments:
            run.assignments[a.mention_id] = (a.narrative_id, a.theme_id, a.campaign_id)
