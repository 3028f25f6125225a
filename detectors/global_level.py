"""The global level: the campaign tracker and the analyst's trackers, fed every bucket's facts.

:class:`GlobalLevel` is what the event-time engine (:class:`detectors.engine.CampaignLevel`) drives
behind the bucket Detectors when the analyst loop is on: it satisfies ``engine.TrackerLike``
(``process`` / ``advance`` / ``next_deadline`` / ``flush``) and owns

* the :class:`~detectors.campaigns.CampaignTracker` (campaign alerts), whose lifecycle applies the
  verdicts and lists matched claims (:class:`~detectors.campaign_alerts.CampaignAnalyst`);
* a :class:`~detectors.watchlist.ResurfacingTracker`, fed one :class:`ClaimSighting` per claim an
  action matched (the Detector tagged it where the vectors are);
* a :class:`~detectors.replystorm.ReplyStormTracker`, fed the actions that target a sensor: the
  sensors' own posts are learned first from the whole slot (a reply and the post it answers may come
  from different buckets), then each action carrying a reply text is resolved to its targets;
* :class:`~detectors.analyst_alerts.FindingAlerts`, which turns findings into Alert v2 revisions.

Within one call: sightings first (so a campaign alert of the same slot already lists the claims its
narratives matched), then the campaign tracker, then the replies. Results depend only on the facts
and the slot boundaries, as for the tracker; ``snapshot()`` / ``restore()`` round-trip through JSON.
The verdict book is an input (the stream rebuilds it from the compacted verdicts topic), not state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from detectors.analyst import AnalystInputs
from detectors.analyst_alerts import FindingAlerts
from detectors.campaign_alerts import CampaignAnalyst
from detectors.campaigns import CampaignAssignment, CampaignCounters, CampaignStep, CampaignTracker
from detectors.config import DetectorConfig
from detectors.facts import Action, NarrativeReport, decode_centroid
from detectors.replystorm import Reply, ReplyStormFinding, ReplyStormTracker, SensorTargets
from detectors.watchlist import ClaimSighting, ResurfacingFinding, ResurfacingTracker
from schemas.alert_v2 import AlertV2

__all__ = ["AnalystCounters", "GlobalLevel", "GlobalStep"]

SNAPSHOT_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class AnalystCounters:
    """Plain counts of one step, for the stream's metrics (``choruswatch_*_total`` counters)."""

    claim_sightings: int = 0  # (mention, claim) matches seen at the global level
    resurfacing_revisions: int = 0  # "known claim resurfacing" revisions published
    replies_watched: int = 0  # (mention, sensor target) pairs fed to the reply-storm tracker
    reply_storm_revisions: int = 0  # "reply storm" revisions published
    suppressed_revisions: int = 0  # campaign, resurfacing and storm revisions held back by verdicts
    open_episodes: int = 0  # gauges: open resurfacing episodes, targets watched
    watched_targets: int = 0


@dataclass(frozen=True, slots=True)
class GlobalStep:
    """One step of the global level: every Alert v2 revision (campaign first, then resurfacing, then
    reply storms), the campaign assignments and the counters."""

    alerts: tuple[AlertV2, ...]
    assignments: tuple[CampaignAssignment, ...]
    counters: CampaignCounters
    analyst: AnalystCounters


class GlobalLevel:
    """The campaign tracker plus the analyst loop; see the module docstring."""

    def __init__(
        self,
        config: DetectorConfig,
        *,
        model_name: str,
        analyst: AnalystInputs,
        tracker_snapshot: Mapping[str, Any] | None = None,
    ) -> None:
        self.config = config
        self.model_name = model_name
        self.analyst = analyst
        self.resurfacing = ResurfacingTracker(config)
        self.storms = ReplyStormTracker(config)
        self.sensors = SensorTargets(analyst.sensors)
        hooks = CampaignAnalyst(analyst.verdicts, self._claims_for)
        self.tracker = (
            CampaignTracker(config, model_name=model_name, analyst=hooks)
            if tracker_snapshot is None
            else CampaignTracker.restore(tracker_snapshot, config, model_name=model_name, analyst=hooks)
        )
        self.findings = FindingAlerts(
            config,
            model_name=model_name,
            watchlist=analyst.watchlist,
            verdicts=analyst.verdicts,
            claims_for=self._claims_for,
        )

    def _claims_for(self, narrative_ids: Iterable[str]) -> tuple[str, ...]:
        # Through self, so a restored resurfacing tracker is the one asked.
        return self.resurfacing.claims_for_narratives(narrative_ids)

    # -- TrackerLike --------------------------------------------------------------------------------

    def process(self, facts: Iterable[Action | NarrativeReport]) -> GlobalStep:
        facts = list(facts)
        actions = sorted((f for f in facts if isinstance(f, Action)), key=Action.sort_key)
        sightings = [
            ClaimSighting(a.t, a.mention_id, a.account, claim, sim, a.lang, a.narrative_id)
            for a in actions
            for claim, sim in a.claims
        ]
        found: list[ResurfacingFinding] = list(self.resurfacing.process(sightings)) if sightings else []
        campaign = self.tracker.process(facts)
        storms, watched = self._replies(actions)
        return self._step(campaign, found, storms, claim_sightings=len(sightings), replies_watched=watched)

    def _replies(self, actions: Sequence[Action]) -> tuple[list[ReplyStormFinding], int]:
        if not self.sensors.sensors:
            return [], 0
        for a in actions:
            self.sensors.learn_post(a.account, a.handle, a.mention_id)
        replies: list[Reply] = []
        vectors = []
        for a in actions:
            if a.reply is None:
                continue
            for target in self.sensors.resolve(a.account, a.handle, a.reply.text, a.reply_to, a.quote_of):
                replies.append(Reply.from_action(a, target))
                vectors.append(decode_centroid(a.reply.vector))
        if not replies:
            return [], 0
        return list(self.storms.process(replies, np.stack(vectors))), len(replies)

    def advance(self, now: float) -> GlobalStep:
        campaign = self.tracker.advance(now)
        return self._step(campaign, list(self.resurfacing.advance(now)), list(self.storms.advance(now)))

    def next_deadline(self) -> float | None:
        """The earliest of the three trackers' deadlines (each a lower bound, so this one is too)."""
        times = [
            t
            for t in (
                self.tracker.next_deadline(),
                self.resurfacing.next_deadline(),
                self.storms.next_deadline(),
            )
            if t is not None
        ]
        return min(times) if times else None

    def flush(self) -> GlobalStep:
        campaign = self.tracker.flush()
        return self._step(campaign, list(self.resurfacing.flush()), list(self.storms.flush()))

    def _step(
        self,
        campaign: CampaignStep,
        resurfacing: Sequence[ResurfacingFinding],
        storms: Sequence[ReplyStormFinding],
        *,
        claim_sightings: int = 0,
        replies_watched: int = 0,
    ) -> GlobalStep:
        found = [a for f in resurfacing if (a := self.findings.resurfacing(f)) is not None]
        attacks = [a for f in storms if (a := self.findings.reply_storm(f)) is not None]
        lifecycle = self.tracker.lifecycle
        counters = AnalystCounters(
            claim_sightings=claim_sightings,
            resurfacing_revisions=len(found),
            replies_watched=replies_watched,
            reply_storm_revisions=len(attacks),
            suppressed_revisions=lifecycle.suppressed + self.findings.suppressed,
            open_episodes=self.resurfacing.open_episodes,
            watched_targets=self.storms.watched_targets,
        )
        lifecycle.suppressed = self.findings.suppressed = 0
        alerts = (*campaign.alerts, *found, *attacks)
        return GlobalStep(alerts, campaign.assignments, campaign.counters, counters)

    # -- snapshot -----------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """JSON-serialisable state (the verdict book and the analyst files are inputs, not state)."""
        return {
            "version": SNAPSHOT_VERSION,
            "tracker": self.tracker.snapshot(),
            "resurfacing": self.resurfacing.snapshot(),
            "storms": self.storms.snapshot(),
            "sensor_posts": self.sensors.snapshot(),
            "findings": self.findings.snapshot(),
        }

    @classmethod
    def restore(
        cls, snap: Mapping[str, Any], config: DetectorConfig, *, model_name: str, analyst: AnalystInputs
    ) -> GlobalLevel:
        if snap.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported global level snapshot version: {snap.get('version')!r}")
        level = cls(config, model_name=model_name, analyst=analyst, tracker_snapshot=snap["tracker"])
        level.resurfacing = ResurfacingTracker.restore(snap["resurfacing"], config)
        level.storms = ReplyStormTracker.restore(snap["storms"], config)
        level.sensors.load(snap["sensor_posts"])
        level.findings.load(snap["findings"])
        return level
