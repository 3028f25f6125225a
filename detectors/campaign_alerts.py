"""Campaign alert lifecycle and the Alert v2 body: one alert per campaign, covering all its narratives.

One ``alert_id`` per campaign (``cwc-`` + the campaign's hex id). Rules, all in event time, as for
narrative alerts (``docs/detection.md``):

* **open** (revision 1) when the campaign's score reaches the ``low`` band;
* **updated** on a material change only: its accounts or posts grew by ``revision_growth``, it covers
  a new narrative, the severity band or the authentic verdict changed; at most once per
  ``min_revision_s``, except that a severity *increase* is published at once;
* **closed** when its accounts were idle for ``campaign_idle_s``, it was evicted, or the input ended;
* **merged**: when two alerted campaigns turn out to be one, the survivor goes on (its next revision
  lists the narratives of both) and the other closes with ``merged_into`` set to the survivor's id.

Every revision lists every narrative it covers in ``campaign.narrative_ids`` (the evaluation contract)
and carries the evidence an analyst follows: the account network (nodes with posts, age and
followers; the strongest edges with their weight and evidence pairs), the narratives with labels,
sizes and per-minute timelines, links and hashtag sets, sample posts.

With the analyst loop (:class:`CampaignAnalyst`, given by the global level):

* every revision lists the watchlist claims its narratives' mentions matched (``watchlist.claim_ids``);
* ``confirmed`` verdicts: a campaign whose accounts include known actors gets a ``known_actors``
  signal (:func:`with_known_actors`) that lifts its score and says from which confirmed alerts;
* ``false_positive`` verdicts hold revisions back as for narrative alerts (:mod:`detectors.lifecycle`;
  counted in :attr:`CampaignLifecycle.suppressed`); a revision that comes through says why in its
  ``analyst_verdict`` signal;
* ``authentic`` verdicts: an authentic revision names the learned-allowlist accounts it holds and the
  verdicts that put them there.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal, cast

from detectors.campaign_state import CampaignScore, CampaignState, NarrativeTrack
from detectors.coaction import CoActionGraph, Edge
from detectors.config import DetectorConfig
from detectors.facts import Action
from detectors.lifecycle import next_revision
from detectors.scoring import CoordinationScore, SignalResult
from detectors.text import keywords, make_label
from detectors.verdicts import VERDICT_SIGNAL, PublishDecision, RevisionMeasure, VerdictBook, verdict_signal
from schemas.alert_v2 import (
    MAX_ALERT_EDGES,
    MAX_ALERT_NARRATIVES,
    MAX_ALERT_NODES,
    AlertV2,
    CampaignEvidence,
    CampaignInfo,
    EdgeEvidenceItem,
    NarrativeEntry,
    Network,
    NetworkEdge,
    NetworkNode,
    RuleInfo,
    Tally,
)
from schemas.models import DetectorInfo, Severity, SignalValue, TimelinePoint

__all__ = [
    "CAMPAIGN_RULES_VERSION",
    "KNOWN_ACTORS_SIGNAL",
    "CampaignAnalyst",
    "CampaignLifecycle",
    "CampaignView",
    "campaign_alert_id",
    "known_actor_weight",
    "with_known_actors",
]

#: Version of the campaign rules (bumped when campaign scoring or lifecycle semantics change).
CAMPAIGN_RULES_VERSION: Final = "2.0"
RULE: Final = RuleInfo("coordinated-campaign", "coordinated campaign", CAMPAIGN_RULES_VERSION)
_MAX_ACCOUNT_IDS: Final = 1000
_MAX_SAMPLE_IDS: Final = 50
_FIRST_SAMPLE_IDS: Final = 25
_KIND_OF_PREFIX: Final = {"n": "narrative", "t": "theme", "l": "link", "h": "hashtags", "r": "repost"}
KNOWN_ACTORS_SIGNAL: Final = "known_actors"
_PROVENANCE_SHOWN: Final = 3


@dataclass(frozen=True, slots=True)
class CampaignAnalyst:
    """What the analyst loop adds to campaign alerts: the verdict book and, per narrative, the
    watchlist claims its mentions matched (the global level's resurfacing tracker remembers them)."""

    verdicts: VerdictBook | None = None
    claims_for: Callable[[Iterable[str]], tuple[str, ...]] | None = None


def known_actor_weight(cfg: DetectorConfig) -> float:
    """How far known actors lift a score: ``(low - seed) / (1 - seed)``, so that a group made only of
    known actors that scores as a campaign candidate (``campaign_seed_score``, 0.30) reaches the alert
    threshold (the ``low`` band, 0.50): 0.286 with the defaults. Derived, not tuned: an analyst's
    confirmation is worth exactly the gap between "worth watching" and "worth an alert"."""
    low, seed = cfg.alert_threshold, cfg.campaign_seed_score
    return max(0.0, (low - seed) / (1.0 - seed)) if seed < 1.0 else 0.0


def with_known_actors(
    score: CampaignScore, accounts: Iterable[str], book: VerdictBook, cfg: DetectorConfig
) -> CampaignScore:
    """The score with a ``known_actors`` signal when some of ``accounts`` were named by alerts that
    analysts confirmed: ``score + w * share * (1 - score)`` (w: :func:`known_actor_weight`; share: the
    known accounts' share), so contributions still add up to the score and it stays below 1. Below
    the account gate (``min_accounts``) and for authentic groups nothing changes."""
    base = score.score
    known = book.known_actor_share(accounts)
    if not known.known or base.authentic or base.accounts < cfg.min_accounts:
        return score
    weight = known_actor_weight(cfg)
    lift = weight * known.value * (1.0 - base.score)
    value = min(1.0, base.score + lift)
    signal = SignalResult(known.value, weight, lift, known.detail, f"{known.known} known actors")
    lifted = CoordinationScore(
        value,
        cfg.severity_for(value),
        {**base.signals, KNOWN_ACTORS_SIGNAL: signal},
        base.accounts,
        base.authentic,
        base.authentic_reason,
    )
    return dataclasses.replace(score, score=lifted)


def campaign_alert_id(campaign_id: str) -> str:
    """``cmp-1a2b...`` -> ``cwc-1a2b...``: stable across revisions, merges and restarts."""
    return "cwc-" + campaign_id.removeprefix("cmp-")


def _ts(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=UTC)


@dataclass(frozen=True, slots=True)
class CampaignView:
    """What the alert needs to know about one campaign at one moment."""

    state: CampaignState
    tracks: Mapping[str, NarrativeTrack]  # covered narratives the tracker still knows
    covered: Sequence[str]  # every covered narrative, most member posts first
    graph: CoActionGraph


@dataclass(slots=True)
class _Published:
    revision: int
    as_of: float
    accounts: int
    posts: int
    narratives: int
    severity: str
    authentic: bool
    # (accounts, posts) that the verdict's growth rule compares with while a verdict holds revisions
    # back (see detectors.lifecycle._Published.shown); revision 0: none went out yet
    shown: tuple[int, int] | None = None

    def to_list(self) -> list[Any]:
        out: list[Any] = [
            self.revision,
            self.as_of,
            self.accounts,
            self.posts,
            self.narratives,
            self.severity,
            self.authentic,
        ]
        return out if self.shown is None else [*out, list(self.shown)]

    @classmethod
    def from_list(cls, v: Sequence[Any]) -> _Published:
        shown = (int(v[7][0]), int(v[7][1])) if len(v) > 7 else None
        return cls(int(v[0]), float(v[1]), int(v[2]), int(v[3]), int(v[4]), str(v[5]), bool(v[6]), shown)

    def last_shown(self) -> RevisionMeasure | None:
        if self.shown is not None:
            return RevisionMeasure(self.revision, self.shown[1], self.shown[0])
        return None if self.revision == 0 else RevisionMeasure(self.revision, self.posts, self.accounts)


class CampaignLifecycle:
    """Decides campaign alert revisions and builds the Alert v2 records."""

    def __init__(
        self, cfg: DetectorConfig, *, model_name: str, analyst: CampaignAnalyst | None = None
    ) -> None:
        self.cfg = cfg
        self.info = DetectorInfo(CAMPAIGN_RULES_VERSION, model_name, cfg.campaign_thresholds())
        self.analyst = analyst or CampaignAnalyst()
        self._open: dict[str, _Published] = {}  # campaign id -> last revision of its open alert
        self.suppressed = 0  # revisions held back by a verdict (a counter: the caller resets it)

    @property
    def open_alerts(self) -> int:
        return len(self._open)

    def is_open(self, campaign_id: str) -> bool:
        return campaign_id in self._open

    def on_score(self, view: CampaignView, score: CampaignScore, now: float) -> AlertV2 | None:
        """The revision to publish after a re-score, or None."""
        score = self._lifted(view, score)
        last = self._open.get(view.state.id)
        growth = 1.0 + self.cfg.revision_growth
        decision = next_revision(
            None if last is None else (last.severity, last.as_of, last.authentic),
            score.score,
            now,
            self.cfg,
            grew=last is not None
            and (
                len(view.state.accounts) >= last.accounts * growth
                or view.state.posts >= last.posts * growth
                or len(view.covered) > last.narratives
            ),
        )
        return None if decision is None else self._publish(view, score, now, *decision)

    def on_close(self, view: CampaignView, now: float, *, merged_into: str | None = None) -> AlertV2 | None:
        """The closing revision when a campaign with an open alert ends (or merges), else None."""
        last = self._open.get(view.state.id)
        result = view.state.result
        if last is None or result is None or last.revision == 0:
            self._open.pop(view.state.id, None)
            return None
        result = self._lifted(view, result)
        into = None if merged_into is None else campaign_alert_id(merged_into)
        alert = self._publish(view, result, now, "closed", last.severity, merged_into=into)
        del self._open[view.state.id]
        return alert

    def _publish(
        self,
        view: CampaignView,
        score: CampaignScore,
        now: float,
        status: Literal["open", "updated", "closed"],
        severity: str,
        *,
        merged_into: str | None = None,
    ) -> AlertV2 | None:
        state = view.state
        last = self._open.get(state.id)
        if not view.covered and not state.seeds:
            return None  # no clustered post (e.g. bare reposts only): nothing an alert could list yet
        revision = 1 if last is None else last.revision + 1
        measure = (len(state.accounts), state.posts)
        decision = self._decide(state.id, last, RevisionMeasure(revision, measure[1], measure[0], status))
        shown = None
        if not decision.publish:
            self.suppressed += 1
            revision -= 1
            shown = measure if last is None else (last.shown or (last.accounts, last.posts))
        elif revision == 1 and status == "updated":
            status = "open"  # the first revision that goes out
        self._open[state.id] = _Published(
            revision, now, *measure, len(view.covered), severity, score.score.authentic, shown
        )
        if not decision.publish:
            return None
        alert = build_campaign_alert(
            view,
            score,
            self.info,
            revision=revision,
            status=status,
            severity=severity,
            now=now,
            merged_into=merged_into,
        )
        return self._annotate(alert, decision)

    def _lifted(self, view: CampaignView, score: CampaignScore) -> CampaignScore:
        book = self.analyst.verdicts
        return score if book is None else with_known_actors(score, view.state.accounts, book, self.cfg)

    def _decide(
        self, campaign_id: str, last: _Published | None, candidate: RevisionMeasure
    ) -> PublishDecision:
        book = self.analyst.verdicts
        if book is None:
            return PublishDecision(True, None, "")
        base = None if last is None else last.last_shown()
        return book.should_publish(campaign_alert_id(campaign_id), candidate, base)

    def _annotate(self, alert: AlertV2, decision: PublishDecision) -> AlertV2:
        """The analyst fields: matched claims, why a judged alert came through, learned allowlist."""
        claims_for, book = self.analyst.claims_for, self.analyst.verdicts
        changes: dict[str, Any] = {}
        if claims_for is not None:
            claim_ids = claims_for(alert.campaign.narrative_ids)
            if claim_ids:
                changes["claim_ids"] = claim_ids
        if decision.reason:
            changes["signals"] = {**alert.signals, VERDICT_SIGNAL: verdict_signal(decision.reason)}
        if book is not None and alert.authentic:
            reason = learned_allowlist_reason(book, alert.campaign.account_ids)
            if reason:
                changes["authentic_reason"] = "; ".join(x for x in (alert.authentic_reason, reason) if x)
        return dataclasses.replace(alert, **changes) if changes else alert

    # -- snapshot -------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {cid: p.to_list() for cid, p in self._open.items()}

    def load(self, snap: Mapping[str, Any]) -> None:
        self._open = {str(cid): _Published.from_list(v) for cid, v in snap.items()}


# ---------------------------------------------------------------------------------------------------
# the alert body


def build_campaign_alert(
    view: CampaignView,
    score: CampaignScore,
    info: DetectorInfo,
    *,
    revision: int,
    status: Literal["open", "updated", "closed"],
    severity: str,
    now: float,
    merged_into: str | None = None,
) -> AlertV2:
    """Assemble one Alert v2 revision from a campaign's state and its latest score."""
    state = view.state
    actions = state.ordered_actions()
    posts_by = Counter(a.account for a in actions)
    ranked_accounts = sorted(state.accounts, key=lambda a: (-posts_by.get(a, 0), a))
    narratives = tuple(
        entry
        for nid in view.covered[:MAX_ALERT_NARRATIVES]
        if (entry := _narrative_entry(view, nid)) is not None
    )
    verdict = score.score
    signals = {
        n: SignalValue(s.value, s.weight, s.contribution, s.detail) for n, s in verdict.signals.items()
    }
    themes = sorted({t.theme for nid in view.covered if (t := view.tracks.get(nid)) is not None and t.theme})
    covered = tuple(view.covered) or tuple(sorted(state.seeds))
    campaign = CampaignInfo(
        id=state.id,
        narrative_ids=covered,
        theme_ids=tuple(themes),
        accounts=len(state.accounts),
        posts=len(actions),
        account_ids=tuple(ranked_accounts[:_MAX_ACCOUNT_IDS]),
        score_basis=score.basis,
    )
    languages = Counter(a.lang for a in actions if a.lang)
    platforms = Counter(a.platform for a in actions)
    return AlertV2(
        alert_id=campaign_alert_id(state.id),
        revision=revision,
        status=status,
        as_of=_ts(now),
        first_seen=_ts(state.first if actions else now),
        last_seen=_ts(state.last if actions else now),
        severity=cast(Severity, severity),
        score=round(verdict.score, 4),
        authentic=verdict.authentic,
        authentic_reason=verdict.authentic_reason,
        campaign=campaign,
        narratives=narratives,
        signals=signals,
        network=_network(view, ranked_accounts, actions, posts_by, now),
        evidence=_evidence(actions, view.state.cfg.evidence_top_n),
        detector=info,
        rule=RULE,
        merged_into=merged_into,
        summary=campaign_summary(view, score, narratives, actions),
        languages=tuple(k for k, _ in sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))),
        platforms=tuple(k for k, _ in sorted(platforms.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def learned_allowlist_reason(book: VerdictBook, accounts: Iterable[str]) -> str | None:
    """Which of ``accounts`` are on the learned allowlist and which authentic verdicts put them there."""
    learned = [a for a in accounts if book.is_allowlisted(a)]
    if not learned:
        return None
    sources = {p for a in learned for p in book.allowlist_provenance(a)}
    shown = "; ".join(
        p.describe() for p in sorted(sources, key=lambda p: (p.at, p.alert_id))[:_PROVENANCE_SHOWN]
    )
    return f"{len(learned)} accounts on the learned allowlist, from alerts judged authentic: {shown}"


def _narrative_entry(view: CampaignView, nid: str) -> NarrativeEntry | None:
    track = view.tracks.get(nid)
    if track is None or track.size == 0:
        return None
    summary = track.summary
    if summary is not None:
        label, words, texts = summary.label, summary.keywords, summary.texts
    else:
        texts = (track.founder_text,) if track.founder_text else ()
        words = tuple(keywords(texts, 8))
        label = make_label(list(texts), list(words)) if texts else nid
    return NarrativeEntry(
        id=nid,
        label=label,
        keywords=tuple(words),
        representative_texts=tuple(texts[:5]),
        size=max(track.size, summary.size if summary is not None else 0),
        accounts=track.distinct_accounts,
        languages=_by_count(track.languages),
        platforms=_by_count(track.platforms),
        first_seen=_ts(track.first),
        last_seen=_ts(track.last),
        theme_id=track.theme,
        score=None if track.score is None else round(track.score.score, 4),
        timeline=tuple(TimelinePoint(_ts(m * 60.0), c) for m, c in sorted(track.timeline.items())),
    )


def _by_count(counts: Mapping[str, int]) -> tuple[str, ...]:
    return tuple(k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _network(
    view: CampaignView, ranked: Sequence[str], actions: Sequence[Action], posts_by: Counter[str], now: float
) -> Network:
    latest: dict[str, Action] = {a.account: a for a in actions}
    nodes = tuple(
        _node(view.graph, account, latest.get(account), posts_by.get(account, 0)) for account in ranked
    )
    edges = sorted(
        view.graph.edges_among(view.state.accounts),
        key=lambda e: (-e.weight(now, view.graph.half_life), e.a, e.b),
    )
    return Network(
        nodes=nodes[:MAX_ALERT_NODES],
        edges=tuple(_edge(e, now, view.graph.half_life) for e in edges[:MAX_ALERT_EDGES]),
        node_count=len(ranked),
        edge_count=len(edges),
    )


def _node(graph: CoActionGraph, account: str, latest: Action | None, posts: int) -> NetworkNode:
    node = graph.node(account)
    created = latest.account_created if latest is not None else (node.created if node is not None else None)
    followers = latest.followers if latest is not None else (node.followers if node is not None else None)
    handle = latest.handle if latest is not None else (node.handle if node is not None else None)
    age = None if created is None or latest is None else round((latest.t - created) / 86400.0, 1)
    return NetworkNode(
        account_id=account,
        handle=handle,
        posts=posts,
        created_at=None if created is None else _ts(created),
        age_days=age,
        followers=followers,
        new_account=None if latest is None else latest.new_account,
        low_followers=None if latest is None else latest.low_followers,
        allowlisted=latest is not None and latest.official,
    )


def _edge(edge: Edge, now: float, half_life: float) -> NetworkEdge:
    items = []
    for ev in edge.evidence:
        prefix, _, obj = ev.object_key.partition(":")
        kind = cast(
            Literal["narrative", "theme", "link", "hashtags", "repost"],
            _KIND_OF_PREFIX.get(prefix, "narrative"),
        )
        items.append(EdgeEvidenceItem((ev.mention_a, ev.mention_b), round(ev.gap_s, 3), kind, obj))
    return NetworkEdge(
        source=edge.a,
        target=edge.b,
        weight=round(edge.weight(now, half_life), 3),
        co_actions=edge.count,
        fast=edge.fast,
        symmetry=round(edge.symmetry, 3),
        evidence=tuple(items),
    )


def _evidence(actions: Sequence[Action], top_n: int) -> CampaignEvidence:
    links: dict[str, tuple[int, set[str]]] = {}
    tags: dict[str, tuple[int, set[str]]] = {}
    for a in actions:
        for url in a.links:
            _tally(links, url, a.account)
        if a.tags:
            _tally(tags, a.tags, a.account)
    ids = [a.mention_id for a in actions]
    sample = ids[:_FIRST_SAMPLE_IDS] + ids[_FIRST_SAMPLE_IDS:][-(_MAX_SAMPLE_IDS - _FIRST_SAMPLE_IDS) :]
    return CampaignEvidence(
        links=tuple(Tally(u, c, len(a)) for u, (c, a) in _top(links, top_n)),
        hashtags=tuple(Tally(t, c, len(a)) for t, (c, a) in _top(tags, top_n)),
        sample_mention_ids=tuple(sample),
    )


def _tally(table: dict[str, tuple[int, set[str]]], item: str, account: str) -> None:
    count, accounts = table.get(item, (0, set()))
    accounts.add(account)
    table[item] = (count + 1, accounts)


def _top(table: dict[str, tuple[int, set[str]]], n: int) -> list[tuple[str, tuple[int, set[str]]]]:
    return sorted(table.items(), key=lambda kv: (-len(kv[1][1]), -kv[1][0], kv[0]))[:n]


def campaign_summary(
    view: CampaignView, score: CampaignScore, narratives: Sequence[NarrativeEntry], actions: Sequence[Action]
) -> str:
    """One line: who (accounts, how many young), what (narratives, the largest's label), how fast,
    and the two signals that contributed most."""
    accounts = {a.account: a for a in actions}
    young = sum(1 for a in accounts.values() if a.new_account)
    span = (max(a.t for a in actions) - min(a.t for a in actions)) / 60.0 if actions else 0.0
    label = narratives[0].label if narratives else "unlabelled"
    top = sorted(
        ((s.contribution, name) for name, s in score.score.signals.items() if s.contribution > 0),
        reverse=True,
    )[:2]
    why = ", ".join(name.replace("_", " ") for _, name in top) or "no single dominant signal"
    n_narr = len(view.covered)
    text = (
        f"{len(accounts)} accounts ({young} under {view.state.cfg.new_account_days:.0f} days old) posted "
        f"{len(actions)} times across {n_narr} narrative{'s' if n_narr != 1 else ''} in {span:.0f} min, "
        f"led by «{label}»; strongest signals: {why}"
    )
    return text if len(text) <= 500 else text[:497] + "…"
