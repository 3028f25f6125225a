"""State of the campaign level: what it knows about narratives and about each campaign, and the score.

* :class:`NarrativeTrack` — per narrative seen in the actions (from every bucket): its theme, size,
  distinct accounts, timeline, languages and platforms, and the latest score and summary its
  Detector reported. It lets a campaign alert describe narratives that were never scored on their
  own (a paraphrase wave splits into many narratives below ``min_accounts``).
* :class:`CampaignState` — a group of accounts acting together: its accounts (most recently active
  last), a bounded window of their posts as scoring :class:`~detectors.scoring.Record` s, which of
  its accounts acted on which narrative (for coverage), the objects it burst on (so a later burst on
  the same theme, link or hashtag set joins it) and the narratives that seeded it.
* :func:`score_campaign` — the campaign score: the narrative signals of :mod:`detectors.scoring` over
  the campaign's posts, plus repeated co-action from the account graph, combined the same way
  (gates x weighted mean of the available signals). A campaign's strongest narrative may score
  higher on its own; then that score stands (``basis = "narrative"``), so a campaign of one narrative
  scores as the narrative does — with one exception, the **single-source gate**: when most of the
  campaign's posts repost or link one source and its accounts are established, the score is
  discounted (:func:`single_source_gate`), because that is how organic news spreads.

Every structure is capped; all of it converts to JSON lists for snapshots.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, OrderedDict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from detectors.coaction import CoActionGraph
from detectors.config import DetectorConfig
from detectors.facts import Action, NarrativeSummary
from detectors.scoring import (
    CoordinationScore,
    IntervalChoice,
    Record,
    Signal,
    SignalResult,
    account_gate,
    authenticity,
    combine_signals,
    concentration_gate,
    raw_signals,
)

__all__ = [
    "CampaignScore",
    "CampaignState",
    "NarrativeTrack",
    "ThemeWindow",
    "coaction_signal",
    "score_campaign",
    "single_source_gate",
]

_TRACKED_ACCOUNTS: Final = 200  # distinct accounts counted exactly per narrative
_TRACKED_MINUTES: Final = 720
_TRACKED_VALUES: Final = 16  # languages / platforms per narrative
_NARRATIVES_PER_CAMPAIGN: Final = 1000
_MEMBERS_PER_NARRATIVE: Final = 200
_OBJECTS_PER_CAMPAIGN: Final = 200


def _bump(counts: dict[str, int], key: str, cap: int) -> None:
    if key in counts or len(counts) < cap:
        counts[key] = counts.get(key, 0) + 1


class NarrativeTrack:
    """A narrative as the campaign level sees it (bounded)."""

    __slots__ = (
        "accounts",
        "closed",
        "first",
        "founder_text",
        "id",
        "languages",
        "last",
        "platforms",
        "score",
        "size",
        "summary",
        "theme",
        "timeline",
    )

    def __init__(self, narrative_id: str, theme: str | None, founder_text: str | None = None) -> None:
        self.id = narrative_id
        self.theme = theme
        self.founder_text = founder_text
        self.size = 0
        self.accounts: dict[str, int] = {}
        self.first = math.inf
        self.last = -math.inf
        self.timeline: dict[int, int] = {}
        self.languages: dict[str, int] = {}
        self.platforms: dict[str, int] = {}
        self.score: CoordinationScore | None = None
        self.summary: NarrativeSummary | None = None
        self.closed = False

    def observe(self, action: Action) -> None:
        self.size += 1
        _bump(self.accounts, action.account, _TRACKED_ACCOUNTS)
        self.first = min(self.first, action.t)
        self.last = max(self.last, action.t)
        minute = int(action.t // 60)
        self.timeline[minute] = self.timeline.get(minute, 0) + 1
        if len(self.timeline) > _TRACKED_MINUTES:
            del self.timeline[min(self.timeline)]
        if action.lang:
            _bump(self.languages, action.lang, _TRACKED_VALUES)
        _bump(self.platforms, action.platform, _TRACKED_VALUES)

    @property
    def distinct_accounts(self) -> int:
        return max(len(self.accounts), self.summary.accounts if self.summary is not None else 0)

    def to_list(self) -> list[Any]:
        return [
            self.id,
            self.theme,
            self.founder_text,
            self.size,
            self.accounts,
            self.first,
            self.last,
            [[m, c] for m, c in self.timeline.items()],
            self.languages,
            self.platforms,
            None if self.score is None else self.score.to_dict(),
            None if self.summary is None else self.summary.to_list(),
            self.closed,
        ]

    @classmethod
    def from_list(cls, v: Sequence[Any]) -> NarrativeTrack:
        track = cls(str(v[0]), None if v[1] is None else str(v[1]), None if v[2] is None else str(v[2]))
        track.size = int(v[3])
        track.accounts = {str(k): int(c) for k, c in v[4].items()}
        track.first, track.last = float(v[5]), float(v[6])
        track.timeline = {int(m): int(c) for m, c in v[7]}
        track.languages = {str(k): int(c) for k, c in v[8].items()}
        track.platforms = {str(k): int(c) for k, c in v[9].items()}
        track.score = None if v[10] is None else CoordinationScore.from_dict(v[10])
        track.summary = None if v[11] is None else NarrativeSummary.from_list(v[11])
        track.closed = bool(v[12])
        return track


class ThemeWindow:
    """The recent posts of one theme, scored like a narrative so that related claims pushed slowly by
    the same kind of accounts (a drip rotating four claims) are seen together before any one claim
    has ``min_accounts`` accounts of its own."""

    __slots__ = ("pending", "records", "score", "scored_at")

    def __init__(self) -> None:
        self.records: deque[Record] = deque()
        self.pending = 0
        self.scored_at: float | None = None
        self.score: float | None = None

    def add(self, record: Record, cfg: DetectorConfig) -> None:
        self.records.append(record)
        self.pending += 1
        cutoff = record.t - cfg.window_s
        while self.records and (len(self.records) > cfg.window_max_records or self.records[0].t < cutoff):
            self.records.popleft()

    def absorb(self, other: ThemeWindow, cfg: DetectorConfig) -> None:
        """Take ``other``'s posts (its group joined this one's), in event-time order."""
        merged = list(heapq.merge(self.records, other.records, key=lambda r: r.t))
        self.records = deque(merged[-cfg.window_max_records :])
        self.pending += other.pending
        cutoff = self.records[-1].t - cfg.window_s if self.records else 0.0
        while self.records and self.records[0].t < cutoff:
            self.records.popleft()

    def due(self, cfg: DetectorConfig) -> bool:
        """The narrative count rule: first score, then after ``max(rescore_min_mentions,
        rescore_fraction x window)`` new posts."""
        if not self.pending:
            return False
        needed = max(cfg.rescore_min_mentions, int(cfg.rescore_fraction * len(self.records)))
        return self.scored_at is None or self.pending >= needed

    def to_list(self) -> list[Any]:
        return [[r.to_list() for r in self.records], self.pending, self.scored_at, self.score]

    @classmethod
    def from_list(cls, v: Sequence[Any]) -> ThemeWindow:
        w = cls()
        w.records = deque(Record.from_list(r) for r in v[0])
        w.pending = int(v[1])
        w.scored_at = None if v[2] is None else float(v[2])
        w.score = None if v[3] is None else float(v[3])
        return w


class CampaignState:
    """One campaign: accounts, their recent posts, what they acted on, and its scoring bookkeeping."""

    def __init__(self, campaign_id: str, created: float, cfg: DetectorConfig) -> None:
        self.id = campaign_id
        self.cfg = cfg
        self.created = created
        self.accounts: OrderedDict[str, float] = OrderedDict()  # account -> its latest post; LRU first
        # The posts in the scoring window, by mention id. Posts pulled from account histories arrive
        # out of order, so the window is trimmed lazily (sorted once it holds a quarter too many).
        self.actions: dict[str, Action] = {}
        self.members_of: dict[str, set[str]] = {}  # narrative -> campaign accounts that acted on it
        self.seeds: dict[str, float] = {}  # narrative -> its best score when it seeded this campaign
        # Tracks of covered narratives the tracker no longer holds (closed or evicted), kept for alerts.
        self.retired: dict[str, NarrativeTrack] = {}
        self.objects: list[str] = []  # objects it burst on (graph keys)
        self.first = math.inf
        self.last = -math.inf
        self.pending = 0  # changes since the last score (posts and accounts)
        self.scored_at: float | None = None
        self.settle_at: float | None = None
        self.result: CampaignScore | None = None

    # -- membership ---------------------------------------------------------------------------------

    def add_account(self, account: str, t: float) -> list[str]:
        """Add (or refresh) an account; returns the accounts dropped by the cap (least recent)."""
        if account in self.accounts:
            self.accounts[account] = max(self.accounts[account], t)
            self.accounts.move_to_end(account)
            return []
        self.accounts[account] = t
        dropped: list[str] = []
        while len(self.accounts) > self.cfg.campaign_max_accounts:
            gone, _ = self.accounts.popitem(last=False)
            dropped.append(gone)
        return dropped

    @property
    def posts(self) -> int:
        return len(self.actions)

    def records(self) -> list[Record]:
        """The window's posts as scoring records, in event-time order."""
        self._trim()
        return [a.record() for a in self.ordered_actions()]

    def ordered_actions(self) -> list[Action]:
        return sorted(self.actions.values(), key=Action.sort_key)

    def add_action(self, action: Action) -> bool:
        """Record a member's post (once); returns whether it was new."""
        if action.mention_id in self.actions or action.t < self.last - self.cfg.window_s:
            return False
        self.actions[action.mention_id] = action
        self.first = min(self.first, action.t)
        self.last = max(self.last, action.t)
        if action.narrative_id is not None:
            members = self.members_of.get(action.narrative_id)
            if members is None and len(self.members_of) < _NARRATIVES_PER_CAMPAIGN:
                members = self.members_of[action.narrative_id] = set()
            if members is not None and len(members) < _MEMBERS_PER_NARRATIVE:
                members.add(action.account)
        if len(self.actions) > self.cfg.campaign_max_records * 5 // 4:
            self._trim()
        return True

    def _trim(self) -> None:
        """Keep the newest ``campaign_max_records`` posts within ``window_s`` of the latest."""
        cutoff = self.last - self.cfg.window_s
        kept = [a for a in self.ordered_actions() if a.t >= cutoff][-self.cfg.campaign_max_records :]
        if len(kept) != len(self.actions):
            self.actions = {a.mention_id: a for a in kept}

    def add_object(self, key: str) -> None:
        if key not in self.objects:
            self.objects.append(key)
            if len(self.objects) > _OBJECTS_PER_CAMPAIGN:
                del self.objects[0]

    def absorb(self, other: CampaignState) -> list[str]:
        """Take over another campaign's accounts, posts, narratives and objects; returns the accounts
        dropped by the cap."""
        dropped: list[str] = []
        for account, t in other.accounts.items():
            dropped.extend(self.add_account(account, t))
        for action in other.ordered_actions():
            self.add_action(action)
        self._trim()
        for nid, members in other.members_of.items():
            mine = self.members_of.setdefault(nid, set())
            mine.update(list(members)[: max(0, _MEMBERS_PER_NARRATIVE - len(mine))])
        for nid, score in other.seeds.items():
            self.seeds[nid] = max(score, self.seeds.get(nid, 0.0))
        for nid, track in other.retired.items():
            self.retired.setdefault(nid, track)
        for key in other.objects:
            self.add_object(key)
        self.created = min(self.created, other.created)
        self.pending += 1
        return [a for a in dropped if a not in self.accounts]

    def covered(self, tracks: Mapping[str, NarrativeTrack]) -> list[str]:
        """Narratives this campaign covers: those it was seeded by, and those whose accounts are at
        least ``campaign_narrative_share`` campaign accounts (failing any, every narrative its
        accounts posted in); most member posts first. Empty only for a campaign with no clustered post."""
        share = self.cfg.campaign_narrative_share
        out: list[tuple[int, str]] = []
        for nid, members in self.members_of.items():
            track = tracks.get(nid)
            total = track.distinct_accounts if track is not None else len(members)
            if nid in self.seeds or len(members) >= share * max(1, total):
                out.append((len(members), nid))
        for nid in self.seeds:
            if nid not in self.members_of:
                out.append((0, nid))
        if not out:
            # A group tied by co-action whose posts are a minority of every narrative they sit in
            # (large narratives of a loose model): it still acts in them, most member posts first.
            out = [(len(members), nid) for nid, members in self.members_of.items()]
        out.sort(key=lambda x: (-x[0], x[1]))
        return [nid for _, nid in out]

    def due(self, now: float, *, by_time: bool) -> bool:
        """Re-score after ``rescore_fraction`` growth (at least one post: campaigns are few, and a
        wave of a dozen accounts must be judged as it lands, not five posts later) but at most once
        per ``campaign_rescore_s``, or when ``by_time``, ``rescore_s`` after the last score."""
        if not self.pending:
            return False
        if self.scored_at is None:
            return True
        cfg = self.cfg
        since = now - self.scored_at
        needed = max(1, int(cfg.rescore_fraction * len(self.actions)))
        return (self.pending >= needed and since >= cfg.campaign_rescore_s) or (
            by_time and since >= cfg.rescore_s
        )

    # -- snapshot -----------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created": self.created,
            "accounts": [[a, t] for a, t in self.accounts.items()],
            "actions": [a.to_list() for a in self.ordered_actions()],
            "members_of": {nid: sorted(m) for nid, m in self.members_of.items()},
            "seeds": self.seeds,
            "retired": [t.to_list() for t in self.retired.values()],
            "objects": self.objects,
            "first": self.first,
            "last": self.last,
            "pending": self.pending,
            "scored_at": self.scored_at,
            "settle_at": self.settle_at,
            "result": None if self.result is None else self.result.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], cfg: DetectorConfig) -> CampaignState:
        c = cls(str(d["id"]), float(d["created"]), cfg)
        c.accounts = OrderedDict((str(a), float(t)) for a, t in d["accounts"])
        for raw in d["actions"]:
            action = Action.from_list(raw)
            c.actions[action.mention_id] = action
        c.members_of = {str(nid): set(m) for nid, m in d["members_of"].items()}
        c.seeds = {str(k): float(v) for k, v in d["seeds"].items()}
        c.retired = {str(v[0]): NarrativeTrack.from_list(v) for v in d["retired"]}
        c.objects = [str(k) for k in d["objects"]]
        c.first, c.last = float(d["first"]), float(d["last"])
        c.pending = int(d["pending"])
        c.scored_at = d["scored_at"]
        c.settle_at = d["settle_at"]
        c.result = None if d["result"] is None else CampaignScore.from_dict(d["result"])
        return c


@dataclass(frozen=True, slots=True)
class CampaignScore:
    """A campaign's verdict: the score in force, on what basis, and the aggregate it came from."""

    score: CoordinationScore  # the score in force (the campaign's own, or its strongest narrative's)
    basis: Literal["campaign", "narrative"]
    basis_narrative: str | None  # the narrative whose own score stands, when basis == "narrative"
    aggregate: float  # the campaign-wide score, kept for the summary line even when a narrative won

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score.to_dict(),
            "basis": self.basis,
            "basis_narrative": self.basis_narrative,
            "aggregate": self.aggregate,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CampaignScore:
        basis: Literal["campaign", "narrative"] = "narrative" if d["basis"] == "narrative" else "campaign"
        return cls(
            CoordinationScore.from_dict(d["score"]), basis, d["basis_narrative"], float(d["aggregate"])
        )


def coaction_signal(campaign: CampaignState, graph: CoActionGraph, now: float) -> Signal:
    """Share of the campaign's accounts with repeated, symmetric co-action with another of its accounts
    (a strong edge of the graph). Its absence says nothing (a single synchronised wave has none), so
    it is left out of the mean when no account has such an edge."""
    members = set(campaign.accounts)
    strong: set[str] = set()
    for edge in graph.edges_among(members):
        if edge.count >= 2 and graph.is_strong(edge, now):  # one co-action is never repeated
            strong.update((edge.a, edge.b))
    n = len(members)
    if not strong:
        return Signal(0.0, False, f"no repeated co-action between its {n} accounts yet")
    return Signal(
        len(strong) / n,
        True,
        f"{len(strong)} of {n} accounts co-acted repeatedly with another account of the campaign "
        f"(edge weight above {graph.edge_threshold:.1f}, symmetric contributions)",
    )


def single_source_gate(actions: Sequence[Action], coaction: float, cfg: DetectorConfig) -> Signal:
    """Discount for amplification of one source by established accounts: ``1 - S x E x (1 - C)``.

    ``S`` is the share of posts that repost one post or carry one link (the most shared), ``E`` the
    share of accounts that are established (known to be older than ``new_account_days`` and to have
    at least ``low_followers`` followers; unknown counts as not established), ``C`` the share of
    accounts with repeated co-action (:func:`coaction_signal`). Reposting or linking a news outlet's
    story within seconds of each other is what hundreds of ordinary accounts do when news breaks
    (CooRTweet's co-retweet rule fires on it); it only becomes evidence of coordination when the
    accounts are fresh or throwaway, or when the same accounts do it again on other objects.
    """
    if not actions:
        return Signal(1.0, True, "no posts")
    sources: Counter[str] = Counter()
    for a in actions:
        for obj in {*(("r:" + a.repost_of,) if a.repost_of else ()), *("l:" + u for u in a.links)}:
            sources[obj] += 1
    top, top_posts = min(sources.items(), key=lambda kv: (-kv[1], kv[0])) if sources else ("", 0)
    share = top_posts / len(actions)
    latest = {a.account: a for a in actions}
    established = sum(1 for a in latest.values() if a.new_account is False and a.low_followers is False)
    est_share = established / len(latest)
    value = 1.0 - share * est_share * (1.0 - coaction)
    what = (
        ("reposts of " + top[2:])
        if top.startswith("r:")
        else ("links to " + top[2:])
        if top
        else "no shared source"
    )
    return Signal(
        value,
        True,
        f"{top_posts} of {len(actions)} posts ({share:.0%}) are {what}; {established} of {len(latest)} accounts "
        f"are established (over {cfg.new_account_days:g} days old, {cfg.low_followers}+ followers); gate x{value:.2f}",
    )


def _gated(score: CoordinationScore, gate: Signal, cfg: DetectorConfig) -> CoordinationScore:
    """``score`` with one more gate: every contribution scaled by it, the gate listed with weight 0."""
    signals = {
        name: SignalResult(s.value, s.weight, s.contribution * gate.value, s.detail)
        for name, s in score.signals.items()
    }
    signals["single_source"] = SignalResult(gate.value, 0.0, 0.0, gate.detail)
    value = score.score * gate.value
    return CoordinationScore(
        value, cfg.severity_for(value), signals, score.accounts, score.authentic, score.authentic_reason
    )


def score_campaign(
    campaign: CampaignState,
    tracks: Mapping[str, NarrativeTrack],
    covered: Sequence[str],
    graph: CoActionGraph,
    *,
    now: float,
    interval: IntervalChoice,
    background_rate: float | None,
    cfg: DetectorConfig,
) -> CampaignScore:
    """The campaign-wide score over its posts, or its strongest narrative's own score if higher."""
    records = campaign.records()
    accounts = len({r.account for r in records})
    gates = {
        "distinct_accounts": account_gate(accounts, cfg.min_accounts, cfg.accounts_scale),
        "account_concentration": concentration_gate(records, cfg.min_accounts),
    }
    raw, core = raw_signals(records, now=now, interval=interval, background_rate=background_rate, cfg=cfg)
    coaction = coaction_signal(campaign, graph, now)
    raw["coaction"] = coaction
    weights = {**cfg.weights, "coaction": cfg.coaction_weight}
    value, signals = combine_signals(gates, raw, weights)
    authentic, reason = authenticity(records, core, cfg.authentic_share)
    own = CoordinationScore(value, cfg.severity_for(value), signals, accounts, authentic, reason)
    best: tuple[float, str] | None = None
    for nid in covered:
        track = tracks.get(nid)
        if track is not None and track.score is not None and (best is None or track.score.score > best[0]):
            best = (track.score.score, nid)
    gate = single_source_gate(campaign.ordered_actions(), coaction.value if coaction.available else 0.0, cfg)
    if best is not None and best[0] > value:
        narrative_score = tracks[best[1]].score
        if narrative_score is not None:
            return CampaignScore(_gated(narrative_score, gate, cfg), "narrative", best[1], value * gate.value)
    return CampaignScore(_gated(own, gate, cfg), "campaign", None, value * gate.value)
