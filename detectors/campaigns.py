"""The campaign level: groups of accounts acting together across narratives, one alert per campaign.

:class:`CampaignTracker` consumes the facts every bucket's :class:`~detectors.detector.Detector`
emits (:mod:`detectors.facts`), one event-time slot at a time, and keeps, globally:

1. **themes** (:mod:`detectors.themes`): each narrative joins a theme when it is born, so paraphrases
   and related claims split over narratives and buckets meet again;
2. the **account co-action graph** (:mod:`detectors.coaction`): pairs of accounts acting on the same
   narrative, theme, link, hashtag set or reposted post within the coordination window; repeated,
   symmetric pairs become strong edges, and many accounts on one object at once become a burst;
3. **campaigns** (:mod:`detectors.campaign_state`): groups of accounts linked by evidence — a
   synchronised burst, a strong edge, or a narrative or theme that scored at least
   ``campaign_seed_score`` (a theme is scored over its recent posts like a narrative; its coordinated
   core becomes the group) — maintained incrementally. Evidence whose accounts overlap a campaign (at least
   ``campaign_merge_share`` of the smaller group, and 2 accounts), or that bursts on an object the
   campaign already burst on, joins it; when it joins several campaigns they merge;
4. **alerts** (:mod:`detectors.campaign_alerts`): the campaign score (narrative signals over the
   campaign's posts plus repeated co-action; or its strongest narrative's own score when higher) and
   the Alert v2 lifecycle, with merges closing the absorbed alert with ``merged_into``.

Driving: ``process(facts)`` once per slot with that slot's facts from every bucket (in the engine's
order), then ``advance(slot end)``; ``flush()`` at the end of input. Within one call, born reports
are applied first (so a narrative's first post already has its theme), then actions in order, then
the other reports. The tracker is pure and deterministic: results depend only on the facts and the
slot boundaries; ``snapshot()`` / ``restore()`` round-trip through JSON and continue exactly.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from detectors.campaign_alerts import CampaignAnalyst, CampaignLifecycle, CampaignView
from detectors.campaign_state import CampaignState, NarrativeTrack, ThemeWindow, score_campaign
from detectors.coaction import CoActionGraph, Evidence
from detectors.config import DetectorConfig
from detectors.facts import Action, NarrativeReport
from detectors.scoring import BackgroundRate, CoordinationInterval, score_records_with_core
from detectors.text import script_of
from detectors.themes import ThemeIndex
from detectors.translation_links import TranslationLinks
from schemas.alert_v2 import AlertV2

__all__ = ["CampaignAssignment", "CampaignCounters", "CampaignStep", "CampaignTracker"]

SNAPSHOT_VERSION: Final = 1
# Decayed edges and idle objects are swept at most once per this much event time (a sweep scans a
# bounded number of edges; sweeping every 0.25 s slot would cost more than it sheds).
_SWEEP_EVERY_S: Final = 60.0


@dataclass(frozen=True, slots=True)
class CampaignAssignment:
    """Where one mention went at the campaign level (as of the step that processed it)."""

    mention_id: str
    narrative_id: str | None
    theme_id: str | None
    campaign_id: str | None


@dataclass(frozen=True, slots=True)
class CampaignCounters:
    """Counters of one step, for metrics and summaries."""

    actions: int = 0
    reports: int = 0
    bursts: int = 0
    strong_edges: int = 0
    campaigns_formed: int = 0
    merged: int = 0
    closed: int = 0
    scored: int = 0
    live_campaigns: int = 0
    live_themes: int = 0
    graph_edges: int = 0
    graph_accounts: int = 0
    edge_threshold: float = 0.0


@dataclass(frozen=True, slots=True)
class CampaignStep:
    alerts: tuple[AlertV2, ...]
    assignments: tuple[CampaignAssignment, ...]
    counters: CampaignCounters


@dataclass(slots=True)
class _Tally:
    bursts: int = 0
    strong_edges: int = 0
    formed: int = 0
    merged: int = 0
    closed: int = 0
    scored: int = 0


def _specific(obj: str) -> bool:
    """Whether a later burst on ``obj`` belongs to the campaign that burst on it before: a narrative,
    a link, a reposted post or a set of several hashtags is one campaign's material; a theme or a
    single hashtag is a subject many people post about, so owning it would pull every later burst on
    that subject into the first group that burst there."""
    kind, _, value = obj.partition(":")
    return kind in ("n", "l", "r") or (kind == "h" and " " in value)


class CampaignTracker:
    """Global, event-time campaign detection over the facts of every bucket."""

    def __init__(
        self, config: DetectorConfig, *, model_name: str, analyst: CampaignAnalyst | None = None
    ) -> None:
        self.config = config
        self.model_name = model_name
        self._themes = ThemeIndex(config)
        self._links = TranslationLinks(config)
        self._graph = CoActionGraph(config)
        self._tracks: OrderedDict[str, NarrativeTrack] = OrderedDict()  # least recently active first
        self._theme_windows: OrderedDict[str, ThemeWindow] = OrderedDict()  # least recently active first
        self._dirty_themes: set[str] = set()
        self._campaigns: dict[str, CampaignState] = {}
        self._campaign_of: dict[str, str] = {}  # account -> its campaign
        self._by_narrative: dict[str, set[str]] = {}  # narrative -> campaigns with members on it
        self._owner: dict[str, str] = {}  # object key -> campaign that burst on it
        self._idle: list[tuple[float, str]] = []  # (last post, campaign) heap; stale entries skipped
        self._due: list[tuple[float, str]] = []  # (re-score time, campaign) heap: time-driven re-scores
        self._dirty: set[str] = set()  # campaigns changed since the last step
        self._next_sweep = -math.inf
        self._lifecycle = CampaignLifecycle(config, model_name=model_name, analyst=analyst)
        self._interval = CoordinationInterval(config)
        self._background = BackgroundRate(config.background_half_life_s)
        self._now = -math.inf
        self._tally = _Tally()

    # -- public API ---------------------------------------------------------------------------------

    @property
    def live_campaigns(self) -> int:
        return len(self._campaigns)

    @property
    def lifecycle(self) -> CampaignLifecycle:
        """The alert lifecycle (its ``suppressed`` counter is read by the global level)."""
        return self._lifecycle

    @property
    def graph(self) -> CoActionGraph:
        return self._graph

    def campaign_of(self, account: str) -> str | None:
        return self._campaign_of.get(account)

    def theme_of(self, narrative_id: str | None) -> str | None:
        return self._themes.theme_of(narrative_id)

    def process(self, facts: Iterable[Action | NarrativeReport]) -> CampaignStep:
        """Apply one slot's facts: born reports, then actions in event-time order, then the other
        reports (scores and closings, in the order given)."""
        actions: list[Action] = []
        reports: list[NarrativeReport] = []
        for fact in facts:
            if isinstance(fact, Action):
                actions.append(fact)
            elif isinstance(fact, NarrativeReport):
                reports.append(fact)
            else:
                raise TypeError(f"expected Action or NarrativeReport, got {type(fact).__name__}")
        alerts: list[AlertV2] = []
        founders = {a.narrative_id: a.lang for a in actions if a.founder and a.narrative_id is not None}
        texts = {r.narrative_id: r.founder_text or "" for r in reports if r.kind == "born"}
        for birth in self._themes.assign(reports):
            self._links.born(
                birth.narrative_id,
                birth.theme_id,
                created=birth.created,
                t=birth.t,
                script=script_of(texts[birth.narrative_id]) if self._links.enabled else "",
                lang=founders.get(birth.narrative_id),
                centroid=birth.centroid,
            )
        # Buckets arrive one after the other; event order makes the result independent of how many
        # buckets (and workers) the slot's facts came from.
        actions.sort(key=Action.sort_key)
        assignments = [self._on_action(action, alerts) for action in actions]
        # Event time is the newest fact's, reports included (a slot may hold only reports).
        self._now = max([self._now, *(r.t for r in reports)])
        for report in reports:
            if report.kind != "born":
                self._on_report(report, alerts)
        alerts.extend(self._score_themes())
        alerts.extend(self._score_due(by_count=True))
        return self._step(alerts, assignments, len(actions), len(reports))

    def next_deadline(self) -> float | None:
        """The earliest event time at which :meth:`advance` may change anything (a lower bound: stale
        heap entries make it early, never late): a re-score due, a campaign going idle, the graph's
        sweep, a theme expiring. None: nothing is live. The event-time engine skips empty slots before it."""
        times = [self._next_sweep] if len(self._graph) else []
        if self._due:
            times.append(self._due[0][0])
        if self._idle:
            times.append(self._idle[0][0] + self.config.campaign_idle_s)
        expiry = self._themes.next_expiry()
        if expiry is not None:
            times.append(expiry)
        return min(times) if times else None  # -inf: the first sweep is due at once

    def advance(self, now: float) -> CampaignStep:
        """Move event time to ``now``: settle scores, close idle campaigns, shed decayed state."""
        self._now = max(self._now, float(now))
        alerts = self._score_due(by_count=False)
        alerts.extend(self._close_idle())
        if self._now >= self._next_sweep:
            self._graph.sweep(self._now)
            self._next_sweep = self._now + _SWEEP_EVERY_S
        self._links.forget_themes(self._themes.expire(self._now))
        return self._step(alerts, [], 0, 0)

    def flush(self) -> CampaignStep:
        """End of input: score every campaign with unscored posts, then close every open alert."""
        alerts: list[AlertV2] = []
        for cid in sorted(self._campaigns):
            campaign = self._campaigns[cid]
            if campaign.pending and len(campaign.accounts) >= self.config.min_accounts:
                alerts.extend(self._score(campaign))
        for cid in sorted(self._campaigns):
            closing = self._lifecycle.on_close(self._view(self._campaigns[cid]), self._now)
            if closing is not None:
                alerts.append(closing)
                self._tally.closed += 1
        self._due.clear()
        return self._step(alerts, [], 0, 0)

    # -- facts --------------------------------------------------------------------------------------

    def _on_action(self, action: Action, alerts: list[AlertV2]) -> CampaignAssignment:
        self._now = max(self._now, action.t)
        self._background.observe(action.t)
        theme = self._themes.theme_of(action.narrative_id)
        if action.narrative_id is not None:
            self._track(action.narrative_id, theme).observe(action)
        group = None  # the theme's translation group: scored and co-acted on as one theme
        if theme is not None:
            self._merge_windows(self._links.observe(theme, action.account, action.t))
            group = self._links.group_of(theme)
            self._theme_window(group).add(action.record(), self.config)
            self._dirty_themes.add(group)
        for evidence in self._graph.observe(action, group):
            alerts.extend(self._on_evidence(evidence))
        cid = self._campaign_of.get(action.account)
        if cid is not None:
            self._add_action(self._campaigns[cid], action)
        return CampaignAssignment(action.mention_id, action.narrative_id, theme, cid)

    def _on_report(self, report: NarrativeReport, alerts: list[AlertV2]) -> None:
        nid = report.narrative_id
        track = self._tracks.get(nid)
        if report.interval_sample is not None:
            self._interval.add(*report.interval_sample)
        theme = self._themes.theme_of(nid)
        if report.kind == "scored" and report.centroid is not None and theme is not None:
            self._merge_windows(self._links.refresh(nid, theme, report.centroid, report.t))
        if track is not None:
            track.score = report.score or track.score
            track.summary = report.summary or track.summary
        score = report.score.score if report.score is not None else 0.0
        if track is not None and score >= self.config.campaign_seed_score and track.accounts:
            # The coordinated core, not every account: a narrative also collects bystanders (an
            # organic post close enough to join it), who are no part of the group.
            members = report.core_accounts if len(report.core_accounts) >= 2 else sorted(track.accounts)
            alerts.extend(self._link(members, "n:" + nid, report.t, seed=(nid, score)))
        if report.kind == "closed":
            self._themes.forget(nid)
            self._retire(nid)

    def _track(self, nid: str, theme: str | None) -> NarrativeTrack:
        track = self._tracks.get(nid)
        if track is None:
            track = self._tracks[nid] = NarrativeTrack(nid, theme)
            while len(self._tracks) > self.config.max_live_narratives:
                old, _ = next(iter(self._tracks.items()))
                self._retire(old)
        else:
            self._tracks.move_to_end(nid)
        return track

    def _theme_window(self, theme: str) -> ThemeWindow:
        window = self._theme_windows.get(theme)
        if window is None:
            window = self._theme_windows[theme] = ThemeWindow()
            while len(self._theme_windows) > self.config.max_live_themes:
                self._theme_windows.popitem(last=False)
        else:
            self._theme_windows.move_to_end(theme)
        return window

    def _merge_windows(self, merged: list[tuple[str, str]]) -> None:
        """Translation links joined groups: each absorbed group's window goes into the kept one's."""
        for absorbed, kept in merged:
            window = self._theme_windows.pop(absorbed, None)
            self._dirty_themes.discard(absorbed)
            if window is not None:
                self._theme_window(kept).absorb(window, self.config)
                self._dirty_themes.add(kept)

    def _score_themes(self) -> list[AlertV2]:
        """Score themes with enough new posts; a theme that scores ``campaign_seed_score`` makes the
        accounts of its coordinated core (all of them if fewer than 2 posts are flagged) a group."""
        alerts: list[AlertV2] = []
        dirty, self._dirty_themes = sorted(self._dirty_themes), set()
        for theme in dirty:
            window = self._theme_windows.get(theme)
            if window is None or not window.due(self.config):
                continue
            records = list(window.records)
            if len({r.account for r in records}) < self.config.min_accounts:
                continue
            verdict, core = score_records_with_core(
                records,
                now=self._now,
                interval=self._interval.current(),
                background_rate=self._background.rate(),
                cfg=self.config,
            )
            window.pending, window.scored_at, window.score = 0, self._now, verdict.score
            if verdict.score >= self.config.campaign_seed_score:
                members = (
                    [records[i].account for i in core] if len(core) >= 2 else [r.account for r in records]
                )
                alerts.extend(self._link(members, "t:" + theme, self._now))
        return alerts

    def _retire(self, nid: str) -> None:
        """A narrative leaves the table; campaigns covering it keep its track for their alerts."""
        track = self._tracks.pop(nid, None)
        if track is None:
            return
        track.closed = True
        for cid in sorted(self._by_narrative.pop(nid, ())):
            campaign = self._campaigns.get(cid)
            if campaign is not None:
                campaign.retired[nid] = track

    # -- campaigns ----------------------------------------------------------------------------------

    def _on_evidence(self, ev: Evidence) -> list[AlertV2]:
        if ev.kind == "burst":
            self._tally.bursts += 1
            return self._link(ev.accounts, ev.object_key, ev.t)
        self._tally.strong_edges += 1
        a, b = ev.accounts
        ca, cb = self._campaign_of.get(a), self._campaign_of.get(b)
        if ca is not None and cb is None:
            self._join(self._campaigns[ca], b, ev.t)
        elif cb is not None and ca is None:
            self._join(self._campaigns[cb], a, ev.t)
        elif ca is None and cb is None:
            return self._link(ev.accounts, None, ev.t)
        return []

    def _link(
        self, accounts: Iterable[str], obj: str | None, t: float, *, seed: tuple[str, float] | None = None
    ) -> list[AlertV2]:
        """Evidence that ``accounts`` act together: join, merge or found a campaign."""
        group = list(dict.fromkeys(accounts))
        overlap: dict[str, int] = {}
        for account in group:
            cid = self._campaign_of.get(account)
            if cid is not None:
                overlap[cid] = overlap.get(cid, 0) + 1
        linked = {
            cid
            for cid, n in overlap.items()
            if n
            >= max(
                2,
                math.ceil(
                    self.config.campaign_merge_share * min(len(group), len(self._campaigns[cid].accounts))
                ),
            )
        }
        owner = self._owner.get(obj) if obj is not None else None
        if owner is not None and owner in self._campaigns:
            linked.add(owner)
        free = [a for a in group if a not in self._campaign_of]
        alerts: list[AlertV2] = []
        if linked:
            survivor, alerts = self._merge(sorted(linked))
        elif len(free) >= 2:
            survivor = self._found(obj or group[0], t)
        else:
            return []
        for account in free:
            self._join(survivor, account, t)
        if obj is not None and _specific(obj):
            survivor.add_object(obj)
            self._owner[obj] = survivor.id
        if seed is not None:
            nid, score = seed
            survivor.seeds[nid] = max(score, survivor.seeds.get(nid, 0.0))
            self._by_narrative.setdefault(nid, set()).add(survivor.id)
            self._touch(survivor)
        return alerts

    def _found(self, key: str, t: float) -> CampaignState:
        cid = "cmp-" + hashlib.blake2b(f"{key}\x00{t!r}".encode(), digest_size=8).hexdigest()
        salt = 0
        while cid in self._campaigns:
            salt += 1
            cid = "cmp-" + hashlib.blake2b(f"{key}\x00{t!r}\x00{salt}".encode(), digest_size=8).hexdigest()
        campaign = self._campaigns[cid] = CampaignState(cid, t, self.config)
        self._tally.formed += 1
        return campaign

    def _merge(self, linked: list[str]) -> tuple[CampaignState, list[AlertV2]]:
        """Merge linked campaigns into one survivor: the oldest with an open alert, else the oldest.
        Absorbed campaigns with an open alert close it with ``merged_into``."""
        campaigns = [self._campaigns[cid] for cid in linked]
        alerted = [c for c in campaigns if self._lifecycle.is_open(c.id)]
        survivor = min(alerted or campaigns, key=lambda c: (c.created, c.id))
        alerts: list[AlertV2] = []
        for other in campaigns:
            if other is survivor:
                continue
            closing = self._lifecycle.on_close(self._view(other), self._now, merged_into=survivor.id)
            if closing is not None:
                alerts.append(closing)
            for dropped in survivor.absorb(other):
                self._campaign_of.pop(dropped, None)
            for account in other.accounts:
                if account in survivor.accounts:
                    self._campaign_of[account] = survivor.id
            self._forget(other, into=survivor.id)
            self._tally.merged += 1
        return survivor, alerts

    def _join(self, campaign: CampaignState, account: str, t: float) -> None:
        for dropped in campaign.add_account(account, t):
            self._campaign_of.pop(dropped, None)
        self._campaign_of[account] = campaign.id
        node = self._graph.node(account)
        if node is not None:
            for action in list(node.history):
                self._add_action(campaign, action)
        heapq.heappush(self._idle, (campaign.last, campaign.id))

    def _add_action(self, campaign: CampaignState, action: Action) -> None:
        if not campaign.add_action(action):
            return
        campaign.add_account(action.account, action.t)
        if action.narrative_id is not None:
            self._by_narrative.setdefault(action.narrative_id, set()).add(campaign.id)
        self._touch(campaign)

    def _touch(self, campaign: CampaignState) -> None:
        """Mark a campaign changed; a scored one that could alert is re-scored rescore_s later anyway."""
        campaign.pending += 1
        if (
            campaign.id not in self._dirty
            and campaign.scored_at is not None
            and self._worth_watching(campaign)
        ):
            heapq.heappush(self._due, (campaign.scored_at + self.config.rescore_s, campaign.id))
        self._dirty.add(campaign.id)

    def _forget(self, campaign: CampaignState, *, into: str | None = None) -> None:
        """Remove a campaign (closed, or absorbed ``into`` another) from every index."""
        self._campaigns.pop(campaign.id, None)
        for account in campaign.accounts:
            if self._campaign_of.get(account) == campaign.id:
                if into is None:
                    del self._campaign_of[account]
                else:
                    self._campaign_of[account] = into
        for key in campaign.objects:
            if self._owner.get(key) == campaign.id:
                if into is None:
                    del self._owner[key]
                else:
                    self._owner[key] = into
        for nid in list(campaign.members_of) + list(campaign.seeds):
            owners = self._by_narrative.get(nid)
            if owners is not None:
                owners.discard(campaign.id)
                if into is not None:
                    owners.add(into)
                elif not owners:
                    del self._by_narrative[nid]

    def _view(self, campaign: CampaignState) -> CampaignView:
        """The campaign with the tracks of the narratives it has posts on (live ones from the table,
        closed ones from the campaign) and the narratives it covers."""
        tracks: dict[str, NarrativeTrack] = {}
        for nid in (*campaign.members_of, *campaign.seeds):
            track = self._tracks.get(nid) or campaign.retired.get(nid)
            if track is not None:
                tracks[nid] = track
        return CampaignView(campaign, tracks, campaign.covered(tracks), self._graph)

    # -- scoring and lifecycle ----------------------------------------------------------------------

    def _worth_watching(self, campaign: CampaignState) -> bool:
        last = campaign.result
        return (
            last is None
            or last.score.score >= self.config.idle_rescore_min_score
            or self._lifecycle.is_open(campaign.id)
        )

    def _score_due(self, *, by_count: bool) -> list[AlertV2]:
        alerts: list[AlertV2] = []
        if by_count:
            dirty, self._dirty = sorted(self._dirty), set()
            for cid in dirty:
                campaign = self._campaigns.get(cid)
                if campaign is None or len(campaign.accounts) < self.config.min_accounts:
                    continue
                if campaign.due(self._now, by_time=self._worth_watching(campaign)):
                    alerts.extend(self._score(campaign))
                elif campaign.scored_at is not None:
                    # Growth within campaign_rescore_s of the last score: judge it once that has passed.
                    heapq.heappush(self._due, (campaign.scored_at + self.config.campaign_rescore_s, cid))
        while self._due and self._due[0][0] <= self._now:
            _, cid = heapq.heappop(self._due)
            campaign = self._campaigns.get(cid)
            if campaign is None or len(campaign.accounts) < self.config.min_accounts:
                continue
            settling = campaign.settle_at is not None and campaign.settle_at <= self._now
            if settling or campaign.due(self._now, by_time=self._worth_watching(campaign)):
                alerts.extend(self._score(campaign))
        return alerts

    def _score(self, campaign: CampaignState) -> list[AlertV2]:
        now = self._now
        view = self._view(campaign)
        result = score_campaign(
            campaign,
            view.tracks,
            view.covered,
            self._graph,
            now=now,
            interval=self._interval.current(),
            background_rate=self._background.rate(),
            cfg=self.config,
        )
        campaign.result = result
        campaign.pending = 0
        campaign.scored_at = now
        self._tally.scored += 1
        # As for narratives: timing is only final sync_reference_s after the latest post.
        settle = campaign.last + self.config.sync_reference_s
        if now < settle and self._worth_watching(campaign):
            if campaign.settle_at != settle:
                campaign.settle_at = settle
                heapq.heappush(self._due, (settle, campaign.id))
        else:
            campaign.settle_at = None
        alert = self._lifecycle.on_score(view, result, now)
        if alert is None and self._holds_no_evidence(campaign):
            # A group that, taken together, scores below the candidate threshold once it is large
            # enough for the account gate not to be the reason is not a campaign: release its
            # accounts, so that it cannot grow into an organic blob that absorbs real campaigns.
            self._forget(campaign)
            self._tally.closed += 1
        return [alert] if alert is not None else []

    def _holds_no_evidence(self, campaign: CampaignState) -> bool:
        result = campaign.result
        return (
            result is not None
            and result.score.score < self.config.campaign_seed_score
            and len(campaign.accounts) >= 2 * self.config.min_accounts
            and not self._lifecycle.is_open(campaign.id)
        )

    def _close_idle(self) -> list[AlertV2]:
        alerts: list[AlertV2] = []
        cutoff = self._now - self.config.campaign_idle_s
        while self._idle and self._idle[0][0] < cutoff:
            _, cid = heapq.heappop(self._idle)
            campaign = self._campaigns.get(cid)
            if campaign is None:
                continue
            if campaign.last >= cutoff:
                heapq.heappush(self._idle, (campaign.last, cid))
                continue
            alerts.extend(self._close(campaign))
        while len(self._campaigns) > self.config.max_live_campaigns:
            oldest = min(self._campaigns.values(), key=lambda c: (c.last, c.id))
            alerts.extend(self._close(oldest))
        return alerts

    def _close(self, campaign: CampaignState) -> list[AlertV2]:
        closing = self._lifecycle.on_close(self._view(campaign), self._now)
        self._forget(campaign)
        self._tally.closed += 1
        return [closing] if closing is not None else []

    def _step(
        self, alerts: list[AlertV2], assignments: list[CampaignAssignment], actions: int, reports: int
    ) -> CampaignStep:
        tally, self._tally = self._tally, _Tally()
        counters = CampaignCounters(
            actions=actions,
            reports=reports,
            bursts=tally.bursts,
            strong_edges=tally.strong_edges,
            campaigns_formed=tally.formed,
            merged=tally.merged,
            closed=tally.closed,
            scored=tally.scored,
            live_campaigns=len(self._campaigns),
            live_themes=len(self._themes),
            graph_edges=len(self._graph),
            graph_accounts=self._graph.accounts,
            edge_threshold=self._graph.edge_threshold,
        )
        return CampaignStep(tuple(alerts), tuple(assignments), counters)

    # -- snapshot -----------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """JSON-serialisable state; :meth:`restore` with the same config continues identically."""
        return {
            "version": SNAPSHOT_VERSION,
            "themes": self._themes.snapshot(),
            "links": self._links.snapshot(),
            "graph": self._graph.snapshot(),
            "tracks": [t.to_list() for t in self._tracks.values()],
            "theme_windows": [[k, w.to_list()] for k, w in self._theme_windows.items()],
            "dirty_themes": sorted(self._dirty_themes),
            "campaigns": [self._campaigns[cid].to_dict() for cid in self._campaigns],
            "campaign_of": [[a, c] for a, c in self._campaign_of.items()],
            "by_narrative": {nid: sorted(c) for nid, c in self._by_narrative.items()},
            "owner": self._owner,
            "idle": [[t, c] for t, c in self._idle],
            "due": [[t, c] for t, c in self._due],
            "dirty": sorted(self._dirty),
            "next_sweep": None if self._next_sweep == -math.inf else self._next_sweep,
            "lifecycle": self._lifecycle.snapshot(),
            "interval": self._interval.to_list(),
            "background": self._background.to_list(),
            "now": None if self._now == -math.inf else self._now,
        }

    @classmethod
    def restore(
        cls,
        snap: Mapping[str, Any],
        config: DetectorConfig,
        *,
        model_name: str,
        analyst: CampaignAnalyst | None = None,
    ) -> CampaignTracker:
        """Rebuild a tracker from :meth:`snapshot` output (after a JSON round trip or not)."""
        if snap.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported campaign tracker snapshot version: {snap.get('version')!r}")
        tracker = cls(config, model_name=model_name, analyst=analyst)
        tracker._themes = ThemeIndex.restore(snap["themes"], config)
        tracker._links = TranslationLinks.restore(snap.get("links"), config)
        tracker._graph = CoActionGraph.restore(snap["graph"], config)
        tracker._tracks = OrderedDict((str(v[0]), NarrativeTrack.from_list(v)) for v in snap["tracks"])
        tracker._theme_windows = OrderedDict(
            (str(k), ThemeWindow.from_list(v)) for k, v in snap["theme_windows"]
        )
        tracker._dirty_themes = {str(k) for k in snap["dirty_themes"]}
        for raw in snap["campaigns"]:
            campaign = CampaignState.from_dict(raw, config)
            tracker._campaigns[campaign.id] = campaign
        tracker._campaign_of = {str(a): str(c) for a, c in snap["campaign_of"]}
        tracker._by_narrative = {str(n): set(c) for n, c in snap["by_narrative"].items()}
        tracker._owner = {str(k): str(v) for k, v in snap["owner"].items()}
        tracker._idle = [(float(t), str(c)) for t, c in snap["idle"]]
        tracker._due = [(float(t), str(c)) for t, c in snap["due"]]
        tracker._dirty = {str(c) for c in snap["dirty"]}
        tracker._next_sweep = -math.inf if snap["next_sweep"] is None else float(snap["next_sweep"])
        tracker._lifecycle.load(snap["lifecycle"])
        tracker._interval.load(snap["interval"])
        tracker._background.load(snap["background"])
        tracker._now = -math.inf if snap["now"] is None else float(snap["now"])
        return tracker
