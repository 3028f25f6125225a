"""Alert lifecycle: when a scored narrative opens, updates or closes its alert, and what it says.

One ``alert_id`` per narrative (``cw-`` + the narrative's hex id). Rules, all in event time:

* **open** (revision 1): the narrative's score reaches the alert threshold (the ``low`` severity band;
  the account gate already makes it 0 below ``min_accounts``);
* **updated**: only on a material change — size or distinct accounts grew by ``revision_growth``, the
  severity band or the authentic verdict changed — and at most once per ``min_revision_s``, except
  that a severity *increase* is published at once;
* **closed**: the narrative expired, was evicted, or the input ended (flush).
* **verdicts** (:mod:`detectors.verdicts`, with a :class:`VerdictBook`): a revision of an alert an
  analyst judged ``false_positive`` is held back (counted in :attr:`AlertLifecycle.suppressed`) unless
  it grew by ``false_positive_growth`` over the last *published* one; the rules above still follow the
  narrative as if it had been published, so holding back changes nothing else. A revision that comes
  through says why in its ``analyst_verdict`` signal; an alert never published is never closed.

Revision numbers only move forward. The alert body (label, keywords, representative texts, evidence)
is built here from the narrative's bounded state.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, cast

from detectors.config import SEVERITY_ORDER, DetectorConfig
from detectors.facts import NarrativeSummary
from detectors.scoring import CoordinationScore, NarrativeState
from detectors.text import SharedObject, keywords, make_label
from detectors.verdicts import VERDICT_SIGNAL, PublishDecision, RevisionMeasure, VerdictBook, verdict_signal
from schemas.models import (
    AccountCount,
    Alert,
    AlertStatus,
    DetectorInfo,
    Evidence,
    HashtagCount,
    LinkCount,
    NarrativeInfo,
    Severity,
    SignalValue,
    TimelinePoint,
)

__all__ = ["DETECTOR_VERSION", "AlertLifecycle", "alert_id_for", "build_alert", "next_revision", "summarize"]

#: Version of the detection rules (bumped when scoring or lifecycle semantics change).
DETECTOR_VERSION: Final = "1.1"  # 1.1: synchrony against a Poisson expectation; labels from shared objects

_MAX_REPRESENTATIVE: Final = 5
_MAX_SAMPLE_IDS: Final = 50
_KEYWORDS: Final = 8


def alert_id_for(narrative_id: str) -> str:
    """``nar-1a2b...`` -> ``cw-1a2b...``: stable across revisions and restarts."""
    return "cw-" + narrative_id.removeprefix("nar-")


def _ts(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=UTC)


def _rank(severity: str) -> int:
    return SEVERITY_ORDER.index(severity)


@dataclass(slots=True)
class _Published:
    """What the last published revision of an alert said (for the material-change test)."""

    revision: int
    as_of: float
    size: int
    accounts: int
    severity: str
    authentic: bool
    # (size, accounts) of the last *published* revision while later ones are held back by a verdict
    # (the fields above then follow the narrative as if they had gone out); revision 0: none went out.
    shown: tuple[int, int] | None = None

    def to_list(self) -> list[Any]:
        out: list[Any] = [self.revision, self.as_of, self.size, self.accounts, self.severity, self.authentic]
        return out if self.shown is None else [*out, list(self.shown)]

    @classmethod
    def from_list(cls, v: list[Any]) -> _Published:
        shown = (int(v[6][0]), int(v[6][1])) if len(v) > 6 else None
        return cls(int(v[0]), float(v[1]), int(v[2]), int(v[3]), str(v[4]), bool(v[5]), shown)

    def last_shown(self) -> RevisionMeasure | None:
        """What the verdict's growth rule compares with: the last published revision, or (when a
        verdict held back the very first one) the first revision held back."""
        if self.shown is not None:
            return RevisionMeasure(self.revision, *self.shown)
        return None if self.revision == 0 else RevisionMeasure(self.revision, self.size, self.accounts)


class AlertLifecycle:
    """Decides alert revisions for narratives and builds the Alert v1 records."""

    def __init__(self, cfg: DetectorConfig, *, model_name: str, verdicts: VerdictBook | None = None) -> None:
        self.cfg = cfg
        self.info = DetectorInfo(DETECTOR_VERSION, model_name, cfg.thresholds())
        self.verdicts = verdicts
        self._open: dict[str, _Published] = {}  # narrative id -> last revision of its open alert
        self.suppressed = 0  # revisions held back by a verdict (a counter: the caller resets it)

    @property
    def open_alerts(self) -> int:
        return len(self._open)

    def is_open(self, narrative_id: str) -> bool:
        return narrative_id in self._open

    def on_score(self, state: NarrativeState, score: CoordinationScore, now: float) -> Alert | None:
        """The revision to publish after a re-score, or None."""
        last = self._open.get(state.narrative_id)
        growth = 1.0 + self.cfg.revision_growth
        decision = next_revision(
            None if last is None else (last.severity, last.as_of, last.authentic),
            score,
            now,
            self.cfg,
            grew=last is not None
            and (state.size >= last.size * growth or state.distinct_accounts >= last.accounts * growth),
        )
        return None if decision is None else self._publish(state, score, now, *decision)

    def on_close(self, state: NarrativeState, now: float) -> Alert | None:
        """The closing revision when a narrative with an open alert ends, else None."""
        last = self._open.get(state.narrative_id)
        if last is None or state.last_score is None or last.revision == 0:
            self._open.pop(state.narrative_id, None)
            return None
        alert = self._publish(state, state.last_score, now, "closed", last.severity)
        del self._open[state.narrative_id]
        return alert

    def _publish(
        self, state: NarrativeState, score: CoordinationScore, now: float, status: AlertStatus, severity: str
    ) -> Alert | None:
        nid = state.narrative_id
        last = self._open.get(nid)
        revision = 1 if last is None else last.revision + 1
        decision = self._decide(
            nid, last, RevisionMeasure(revision, state.size, state.distinct_accounts, status)
        )
        if not decision.publish:
            self.suppressed += 1
            shown = (
                (state.size, state.distinct_accounts)
                if last is None
                else (last.shown or (last.size, last.accounts))
            )
            self._open[nid] = _Published(
                revision - 1, now, state.size, state.distinct_accounts, severity, score.authentic, shown
            )
            return None
        if revision == 1:
            status = "open" if status == "updated" else status  # the first revision that went out
        self._open[nid] = _Published(
            revision, now, state.size, state.distinct_accounts, severity, score.authentic
        )
        alert = build_alert(
            state, score, self.info, revision=revision, status=status, severity=severity, now=now
        )
        if not decision.reason:
            return alert
        return dataclasses.replace(
            alert, signals={**alert.signals, VERDICT_SIGNAL: verdict_signal(decision.reason)}
        )

    def _decide(self, nid: str, last: _Published | None, candidate: RevisionMeasure) -> PublishDecision:
        if self.verdicts is None:
            return PublishDecision(True, None, "")
        base = None if last is None else last.last_shown()
        return self.verdicts.should_publish(alert_id_for(nid), candidate, base)

    # -- snapshot -------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {nid: p.to_list() for nid, p in self._open.items()}

    def load(self, snap: Mapping[str, Any]) -> None:
        self._open = {str(nid): _Published.from_list(v) for nid, v in snap.items()}


def next_revision(
    last: tuple[str, float, bool] | None,
    score: CoordinationScore,
    now: float,
    cfg: DetectorConfig,
    *,
    grew: bool,
) -> tuple[AlertStatus, str] | None:
    """The revision rule shared by narrative and campaign alerts: (status, severity) or None.

    ``last`` is (severity, as_of, authentic) of the open alert's last revision, None when none is
    open; ``grew`` says whether the subject grew materially since (``revision_growth``). Opens at the
    ``low`` band; once open, an alert keeps at least ``low`` until it closes (a dip below the threshold
    is a change of degree, not the end); a severity increase is published at once, any other material
    change (growth, severity band, authentic verdict) at most once per ``min_revision_s``.
    """
    if last is None:
        return None if score.severity is None else ("open", score.severity)
    last_severity, as_of, authentic = last
    severity = score.severity or SEVERITY_ORDER[0]
    if _rank(severity) > _rank(last_severity):
        return "updated", severity
    if now - as_of < cfg.min_revision_s:
        return None
    material = grew or severity != last_severity or score.authentic != authentic
    return ("updated", severity) if material else None


def build_alert(
    state: NarrativeState,
    score: CoordinationScore,
    info: DetectorInfo,
    *,
    revision: int,
    status: AlertStatus,
    severity: str,
    now: float,
) -> Alert:
    """Assemble one Alert v1 revision from a narrative's state and its latest score."""
    top_n = state.cfg.evidence_top_n
    summary = summarize(state, top_n)
    narrative = NarrativeInfo(
        id=state.narrative_id,
        label=summary.label,
        keywords=summary.keywords,
        representative_texts=summary.texts,
        size=summary.size,
        accounts=summary.accounts,
        languages=summary.languages,
        platforms=summary.platforms,
    )
    signals = {
        name: SignalValue(s.value, s.weight, s.contribution, s.detail) for name, s in score.signals.items()
    }
    return Alert(
        alert_id=alert_id_for(state.narrative_id),
        revision=revision,
        status=status,
        as_of=_ts(now),
        first_seen=_ts(state.first_seen),
        last_seen=_ts(state.last_seen),
        severity=cast(Severity, severity),
        score=round(score.score, 4),
        authentic=score.authentic,
        authentic_reason=score.authentic_reason,
        narrative=narrative,
        signals=signals,
        evidence=_evidence(state, summary, top_n),
        detector=info,
    )


def _shared(summary: NarrativeSummary) -> list[SharedObject]:
    """The links and hashtags of the summary (counted over the scoring window) as label candidates."""
    return [SharedObject("link", u, c, a) for u, c, a in summary.links] + [
        SharedObject("hashtag", t, c, a) for t, c, a in summary.hashtags
    ]


def summarize(state: NarrativeState, top_n: int) -> NarrativeSummary:
    """What an alert says about a narrative: label, keywords, texts, counts, timeline, top links/tags."""
    by_count = sorted(state.texts.values(), key=lambda e: -int(e[0]))  # stable: ties keep arrival order
    texts: list[str] = []
    for _, text in by_count:
        if text and text not in texts:
            texts.append(text)
    representative = texts[:_MAX_REPRESENTATIVE]
    words = keywords(texts, _KEYWORDS)
    links: dict[str, tuple[int, set[str]]] = {}
    tags: dict[str, tuple[int, set[str]]] = {}
    for r in state.records:
        for url in r.links:
            _tally(links, url, r.account)
        for tag in r.tags.split():
            _tally(tags, tag, r.account)
    summary = NarrativeSummary(
        label="",
        keywords=tuple(words),
        texts=tuple(representative),
        size=state.size,
        accounts=state.distinct_accounts,
        languages=_by_count(state.languages),
        platforms=_by_count(state.platforms),
        first_seen=state.first_seen,
        last_seen=state.last_seen,
        timeline=tuple(sorted(state.timeline.items())),
        links=tuple((u, c, len(a)) for u, (c, a) in _top(links, top_n)),
        hashtags=tuple((t, c, len(a)) for t, (c, a) in _top(tags, top_n)),
    )
    label = make_label(representative, words, shared=_shared(summary), posts=len(state.records))
    return dataclasses.replace(summary, label=label)


def _by_count(counts: Mapping[str, int]) -> tuple[str, ...]:
    return tuple(k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _evidence(state: NarrativeState, summary: NarrativeSummary, top_n: int) -> Evidence:
    accounts = sorted(state.accounts.items(), key=lambda kv: (-kv[1], kv[0]))[:top_n]
    founders = list(state.founders)
    recent = [r.mention_id for r in reversed(state.records) if r.mention_id not in founders]
    sample = founders + recent[: _MAX_SAMPLE_IDS - len(founders)]
    return Evidence(
        top_accounts=tuple(AccountCount(a, state.handles.get(a), c) for a, c in accounts),
        links=tuple(LinkCount(u, c, a) for u, c, a in summary.links),
        hashtags=tuple(HashtagCount(t, c, a) for t, c, a in summary.hashtags),
        timeline=tuple(TimelinePoint(_ts(m * 60.0), c) for m, c in summary.timeline),
        sample_mention_ids=tuple(sample[:_MAX_SAMPLE_IDS]),
    )


def _tally(table: dict[str, tuple[int, set[str]]], item: str, account: str) -> None:
    count, accounts = table.get(item, (0, set()))
    accounts.add(account)
    table[item] = (count + 1, accounts)


def _top(table: dict[str, tuple[int, set[str]]], n: int) -> list[tuple[str, tuple[int, set[str]]]]:
    return sorted(table.items(), key=lambda kv: (-len(kv[1][1]), -kv[1][0], kv[0]))[:n]
