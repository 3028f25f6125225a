"""In-process driver of the two detection levels over a sorted, in-memory stream (TEMPORARY).

Until the event-time engine (``detectors/engine.py``, the lead's issue "One event-time engine") drives
the campaign level in ``choruswatch detect`` and in the stream, this module runs it the way the agreed
design does, for the quality benchmark, the golden campaign scenarios and the evaluator's tests:

* every mention is routed to a bucket by :func:`detectors.routing.route_buckets` (as stage 1 does);
* event time is cut into slots of ``slot_s``; in every slot from the first mention to the last, each
  bucket's :class:`~detectors.detector.Detector` gets one ``process`` call with its mentions of the
  slot sorted by ``(created_at, id)`` (none in an empty slot), then ``advance(slot end)``, so
  time-driven re-scores and expiry happen when they are due, as in the engine;
* the slot's facts from every bucket, in bucket order and in each bucket's emission order, go to
  :class:`~detectors.campaigns.CampaignTracker` in one ``process`` call, then ``advance(slot end)``;
* at the end every Detector flushes (its facts reach the tracker), then the tracker flushes.

Replace it with the engine once that lands: the engine must feed the tracker the same way, and the
golden tests that use :func:`run_campaigns` then switch to it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from detectors.campaigns import CampaignTracker
from detectors.config import DetectorConfig
from detectors.detector import Detector, StepResult
from detectors.routing import route_buckets

if TYPE_CHECKING:
    from detectors.facts import Action, NarrativeReport
    from schemas.alert_v2 import AlertV2
    from schemas.models import Alert, Mention

DEFAULT_SLOT_S = 1.0
DEFAULT_BUCKETS = 4


@dataclass(slots=True)
class CampaignRun:
    """Everything one run produced."""

    narrative_alerts: list[Alert] = field(default_factory=list)  # Alert v1, per narrative (old path)
    campaign_alerts: list[AlertV2] = field(default_factory=list)  # Alert v2, per campaign
    # mention id -> (narrative id, theme id, campaign id as of the slot that processed it)
    assignments: dict[str, tuple[str | None, str | None, str | None]] = field(default_factory=dict)
    detector_seconds: float = 0.0
    tracker_seconds: float = 0.0
    facts: int = 0


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
    """Run per-bucket Detectors and the CampaignTracker over ``mentions`` (sorted by ``created_at``)."""
    vecs = np.asarray(vectors, dtype=np.float32)
    if vecs.shape[0] != len(mentions):
        raise ValueError(f"{len(mentions)} mentions but {vecs.shape[0]} vectors")
    buckets = route_buckets(vecs, n_buckets, routing_seed) if len(mentions) else np.zeros(0, np.int64)
    detectors = [Detector(config, model_name=model_name, allowlist=allowlist) for _ in range(n_buckets)]
    tracker = CampaignTracker(config, model_name=model_name)
    run = CampaignRun()
    order = sorted(range(len(mentions)), key=lambda i: (mentions[i].timestamp, mentions[i].id))
    slots: dict[int, dict[int, list[int]]] = {}
    for i in order:
        slot = math.floor(mentions[i].timestamp / slot_s)
        slots.setdefault(slot, {}).setdefault(int(buckets[i]), []).append(i)
    for slot in range(min(slots, default=0), max(slots, default=-1) + 1):
        per_bucket = slots.pop(slot, {})
        facts: list[Action | NarrativeReport] = []
        slot_end = (slot + 1) * slot_s
        t0 = time.perf_counter()
        for b in sorted(per_bucket):
            idx = per_bucket[b]
            _collect(run, facts, detectors[b].process([mentions[i] for i in idx], vecs[idx]))
        for b in range(n_buckets):
            _collect(run, facts, detectors[b].advance(slot_end))
        t1 = time.perf_counter()
        _feed(run, tracker, facts, slot_end)
        run.detector_seconds += t1 - t0
        run.tracker_seconds += time.perf_counter() - t1
    facts = []
    for det in detectors:
        _collect(run, facts, det.flush())
    _feed(run, tracker, facts, None)
    run.campaign_alerts.extend(tracker.flush().alerts)
    return run


def _collect(run: CampaignRun, facts: list[Action | NarrativeReport], step: StepResult) -> None:
    run.narrative_alerts.extend(step.alerts)
    facts.extend(step.actions)
    facts.extend(step.reports)


def _feed(
    run: CampaignRun, tracker: CampaignTracker, facts: list[Action | NarrativeReport], slot_end: float | None
) -> None:
    run.facts += len(facts)
    step = tracker.process(facts)
    run.campaign_alerts.extend(step.alerts)
    for a in step.assignments:
        run.assignments[a.mention_id] = (a.narrative_id, a.theme_id, a.campaign_id)
    if slot_end is not None:
        run.campaign_alerts.extend(tracker.advance(slot_end).alerts)
