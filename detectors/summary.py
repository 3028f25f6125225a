"""The one-line summary of an alert: what, how many accounts and posts in how long, and why.

    «BREAKING: the so-called aid convoy to Kordan was staged…»: 34 accounts (31 under 30 days old)
    posted 41 times in 3 min (38 near-copies); link veridia-news.example shared by 30 accounts

The inputs are plain facts (:class:`SummaryFacts`) that a single narrative gives today
(:func:`narrative_facts`) and that a campaign of several narratives can give by the same fields
(``narratives`` > 1, its own reasons), so one function words both. The "why" is the two or three
signals that contributed most to the score, each in the few words its signal function wrote
(``Signal.brief``): account traits go beside the account count, copying beside the post count, the
rest (links, hashtags, timing, burst) after a semicolon.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from detectors.scoring import CoordinationScore, SignalResult
from detectors.text import shorten

__all__ = ["Reason", "SummaryFacts", "narrative_facts", "reasons_from_signals", "summarize"]

# Signals whose phrase describes the accounts ("31 under 30 days old") or the posts ("38 near-copies").
_ABOUT_ACCOUNTS: Final = ("new_accounts", "low_followers")
_ABOUT_POSTS: Final = ("near_duplicate",)


@dataclass(frozen=True, slots=True)
class Reason:
    """One signal behind the verdict: its name, its share of the score and a few plain words."""

    signal: str
    contribution: float
    phrase: str


@dataclass(frozen=True, slots=True)
class SummaryFacts:
    """What a summary says. Times are event-time epoch seconds."""

    label: str
    accounts: int
    posts: int
    first_seen: float
    last_seen: float
    reasons: tuple[Reason, ...] = ()
    narratives: int = 1  # a campaign names how many narratives it covers
    authentic: bool = False  # allowlisted official accounts lead it

    def __post_init__(self) -> None:
        if self.accounts < 0 or self.posts < 0 or self.narratives < 1:
            raise ValueError(f"counts must be non-negative and narratives >= 1: {self}")
        if self.last_seen < self.first_seen:
            raise ValueError(f"last_seen {self.last_seen} is before first_seen {self.first_seen}")


def reasons_from_signals(signals: Mapping[str, SignalResult]) -> tuple[Reason, ...]:
    """The signals that added to the score and have a phrase, largest contribution first (ties by
    name, so the order is deterministic)."""
    reasons = [
        Reason(name, s.contribution, s.brief) for name, s in signals.items() if s.contribution > 0 and s.brief
    ]
    return tuple(sorted(reasons, key=lambda r: (-r.contribution, r.signal)))


def narrative_facts(
    label: str, *, accounts: int, posts: int, first_seen: float, last_seen: float, score: CoordinationScore
) -> SummaryFacts:
    """The facts of one narrative's alert revision."""
    return SummaryFacts(
        label=label,
        accounts=accounts,
        posts=posts,
        first_seen=first_seen,
        last_seen=last_seen,
        reasons=reasons_from_signals(score.signals),
        authentic=score.authentic,
    )


def duration_words(seconds: float) -> str:
    """``45 s``, ``3 min``, ``5 h``, ``2 days``: rounded to the unit that keeps it short."""
    if seconds < 90:
        return f"{max(0.0, seconds):.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def summarize(
    facts: SummaryFacts, *, max_reasons: int = 3, max_label_chars: int = 60, max_chars: int = 300
) -> str:
    """One line: «label»: N accounts (traits) posted M times in T (copying); other reasons.

    The label is cut to ``max_label_chars`` (whole words where possible), the line to ``max_chars``;
    only the ``max_reasons`` signals that contributed most are named.
    """
    top = facts.reasons[:max_reasons]
    about_accounts = [r.phrase for r in top if r.signal in _ABOUT_ACCOUNTS]
    about_posts = [r.phrase for r in top if r.signal in _ABOUT_POSTS]
    others = [r.phrase for r in top if r.signal not in _ABOUT_ACCOUNTS + _ABOUT_POSTS]
    what = f"«{shorten(facts.label, max_label_chars)}»" if facts.label else "a narrative"
    if facts.narratives > 1:
        what += f" and {facts.narratives - 1} related narrative{'s' if facts.narratives > 2 else ''}"
    who = _counted(facts.accounts, "account") + _paren(about_accounts)
    how = f"posted {_times(facts.posts)} in {duration_words(facts.last_seen - facts.first_seen)}"
    line = f"{what}: {who} {how}{_paren(about_posts)}"
    if facts.authentic:
        others.insert(0, "led by allowlisted official accounts")
    return shorten("; ".join([line, *others]), max_chars)


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _paren(phrases: list[str]) -> str:
    return f" ({', '.join(phrases)})" if phrases else ""
