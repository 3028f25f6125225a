"""Coordination scoring: per-narrative window state, the coordination signals and their combination.

A narrative is a cluster of mentions that say the same thing. Whether saying the same thing is
*coordinated* is judged here from a bounded sliding window of compact :class:`Record` s per narrative:

* gates (multiply the score): distinct accounts (saturating above ``min_accounts``) and account
  concentration (effective number of accounts, so one hyperactive account cannot fake a chorus);
* weighted signals in [0, 1]: near-duplicate text across accounts, synchrony in excess of chance
  within the coordination interval, burstiness, co-shared links, co-used hashtag sets, co-reposts,
  new accounts, low-follower accounts and semantic tightness.

The score is ``gates x weighted mean of the available signals``; a signal whose data is absent (no
author ages, nobody shared a link) is left out of the mean instead of counting as zero, and its detail
says so. ``docs/detection.md`` gives every formula and where each idea comes from.

Everything here is pure: times are event-time epoch seconds passed in; state converts to and from
JSON-compatible lists for snapshots.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from detectors.config import DetectorConfig
from detectors.text import simhash64, url_domain

__all__ = [
    "BackgroundRate",
    "CoordinationInterval",
    "CoordinationScore",
    "IntervalChoice",
    "NarrativeState",
    "Record",
    "Signal",
    "SignalResult",
    "account_gate",
    "authenticity",
    "burstiness",
    "co_hashtags",
    "co_links",
    "co_reposts",
    "combine_signals",
    "concentration_gate",
    "low_followers",
    "near_duplicates",
    "new_accounts",
    "raw_signals",
    "score_records",
    "score_records_with_core",
    "synchrony",
    "tightness",
]

_BANDS: Final = 4  # 64-bit simhash in 4 bands of 16 bits: hamming <= 3 shares at least one band
_BAND_MASK: Final = 0xFFFF
_FOUNDERS_KEPT: Final = 25


@dataclass(slots=True)
class Record:
    """What scoring needs to remember about one mention of a narrative."""

    t: float
    account: str
    key: str  # exact-duplicate key of the normalised text
    simhash: int | None  # None until the narrative is first scored (most narratives never are)
    links: tuple[str, ...]  # canonical URLs
    tags: str  # sorted, case-folded hashtag set joined by spaces; "" when none
    repost_of: str | None
    new_account: bool | None  # None: account age unknown
    low_followers: bool | None  # None: follower count unknown
    similarity: float  # to the narrative centroid when it joined
    mention_id: str
    official: bool  # author on the allowlist
    founder: bool  # founded the narrative (similarity is trivially 1)
    tokens: int = 0  # tokens of the normalised text
    normalized: str = ""  # kept only until the simhash is computed

    def to_list(self) -> list[Any]:
        return [
            self.t,
            self.account,
            self.key,
            self.simhash,
            list(self.links),
            self.tags,
            self.repost_of,
            self.new_account,
            self.low_followers,
            self.similarity,
            self.mention_id,
            self.official,
            self.founder,
            self.tokens,
            self.normalized,
        ]

    @classmethod
    def from_list(cls, v: Sequence[Any]) -> Record:
        return cls(
            float(v[0]),
            str(v[1]),
            str(v[2]),
            None if v[3] is None else int(v[3]),
            tuple(v[4]),
            str(v[5]),
            v[6],
            v[7],
            v[8],
            float(v[9]),
            str(v[10]),
            bool(v[11]),
            bool(v[12]),
            int(v[13]),
            str(v[14]),
        )


@dataclass(frozen=True, slots=True)
class Signal:
    """One signal's value in [0, 1], whether its data was present, and a sentence for analysts."""

    value: float
    available: bool
    detail: str
    brief: str = ""  # a few plain words for the one-line summary, e.g. "31 under 30 days old"


@dataclass(frozen=True, slots=True)
class SignalResult:
    """A signal as it entered the score: ``contribution`` is its share of the final score."""

    value: float
    weight: float
    contribution: float
    detail: str
    brief: str = ""


@dataclass(frozen=True, slots=True)
class CoordinationScore:
    """The verdict on one narrative at one event time."""

    score: float
    severity: str | None  # None: below the alert threshold
    signals: Mapping[str, SignalResult]
    accounts: int  # distinct accounts in the window
    authentic: bool
    authentic_reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "severity": self.severity,
            "signals": {
                k: [s.value, s.weight, s.contribution, s.detail, s.brief] for k, s in self.signals.items()
            },
            "accounts": self.accounts,
            "authentic": self.authentic,
            "authentic_reason": self.authentic_reason,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CoordinationScore:
        return cls(
            float(d["score"]),
            d["severity"],
            {
                # Snapshots written before the summary phrases have 4 fields.
                k: SignalResult(float(v[0]), float(v[1]), float(v[2]), str(v[3]), str(v[4]) if v[4:] else "")
                for k, v in d["signals"].items()
            },
            int(d["accounts"]),
            bool(d["authentic"]),
            d["authentic_reason"],
        )


def _clip(x: float) -> float:
    return 0.0 if x <= 0.0 else 1.0 if x >= 1.0 else x


def _pct(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.0f}%" if whole else "0%"


# ---------------------------------------------------------------------------------------------------
# gates


def account_gate(accounts: int, min_accounts: int, scale: float) -> Signal:
    """0 below ``min_accounts``; from 0.5 at the minimum saturating to 1 (``scale`` accounts ~ 82%)."""
    if accounts < min_accounts:
        return Signal(0.0, True, f"{accounts} distinct accounts, fewer than the minimum {min_accounts}")
    value = 0.5 + 0.5 * (1.0 - math.exp(-(accounts - min_accounts) / scale))
    return Signal(value, True, f"{accounts} distinct accounts (minimum {min_accounts}); gate x{value:.2f}")


def concentration_gate(records: Sequence[Record], min_accounts: int) -> Signal:
    """Effective number of accounts (inverse Simpson index of posts per account) over the minimum.

    CooRTweet's edge-symmetry idea at narrative level: 40 posts from one account and one post each
    from 5 others is 1.3 effective accounts, not 6.
    """
    counts = Counter(r.account for r in records)
    n = len(records)
    if not n:
        return Signal(0.0, True, "no posts")
    effective = n * n / sum(c * c for c in counts.values())
    value = _clip(effective / min_accounts)
    top = max(counts.values())
    return Signal(
        value,
        True,
        f"{effective:.1f} effective accounts; the most active account has {top} of {n} posts; "
        f"gate x{value:.2f}",
    )


# ---------------------------------------------------------------------------------------------------
# weighted signals


@dataclass(frozen=True, slots=True)
class IntervalChoice:
    """The coordination interval in force and, in plain words, why it is that long."""

    seconds: float
    basis: str = ""  # e.g. "default until 50 closed narratives give an estimate (12 so far)"

    def describe(self) -> str:
        return f"{self.seconds:.0f} s: {self.basis}" if self.basis else f"{self.seconds:.0f} s"


def synchrony(
    records: Sequence[Record], interval: IntervalChoice, reference: float, now: float
) -> tuple[Signal, list[bool]]:
    """How consistently posts have more *accounts* posting within ``interval`` seconds than chance
    at the narrative's own rate over the surrounding ``reference`` seconds predicts.

    For post i: ``o_i`` distinct other accounts post within +-interval; the reference window is
    ``W_i = [t_i - reference, min(t_i + reference, now)]`` (not cut at the narrative's first post:
    the quiet before a narrative existed is part of its longer-run rate; the future is not seen
    yet). If each other account's ``k`` posts in ``W_i`` were placed uniformly there, it would post
    within +-interval of ``t_i`` with probability ``1 - (1 - p_i)^k``, ``p_i`` the interval's share of
    ``W_i``; their sum ``e_i`` is the chance expectation and ``o_i`` is about Poisson(``e_i``). With
    ``F_i = P(X < o_i) + P(X = o_i)/2`` (the mid-distribution function, mean 1/2 under chance),
    each account's mean of ``2 F_i - 1`` over its posts is its excess, and the value is the mean
    excess over accounts clipped to [0, 1]: 0 when posts are as close as chance puts them, 1 when
    every account's posts have far more accounts beside them. One vote per account, so a single
    account posting 40 times in a minute cannot make the narrative look synchronous. A moved or
    added post changes one or two ``F_i`` by a bounded step, so the value moves by O(1/n). The flags
    mark posts with any other account within the interval (the coordinated core for the allowlist
    rule).
    """
    n = len(records)
    if n < 2:
        return Signal(0.0, False, "fewer than 2 posts"), [False] * n
    order = sorted(range(n), key=lambda i: records[i].t)
    times = [records[i].t for i in order]
    number: dict[str, int] = {}
    ids = [number.setdefault(records[i].account, len(number)) for i in order]
    near = _AccountWindow(times, ids, len(number), by_count=False)
    wide = _AccountWindow(times, ids, len(number), by_count=True)
    posts_of = Counter(ids)
    tau = interval.seconds
    flags = [False] * n
    partners: list[int] = []
    chance: list[float] = []
    excess = [0.0] * len(number)
    beyond = 0
    for pos in range(n):
        t, account = times[pos], ids[pos]
        near.slide(t - tau, t + tau)
        lo = t - reference
        hi = max(min(t + reference, now), t)
        wide.slide(lo, hi)
        observed = near.distinct - 1  # the post's own account is in its window
        span = hi - lo
        p = 1.0 if span <= 0 else (min(t + tau, hi) - max(t - tau, lo)) / span
        expected = wide.chance_of_others(account, p)
        f = _poisson_mid_cdf(observed, expected)
        flags[order[pos]] = observed > 0
        partners.append(observed)
        chance.append(expected)
        excess[account] += (2.0 * f - 1.0) / posts_of[account]
        beyond += f >= 0.95
    value = _clip(statistics.fmean(excess))
    detail = (
        f"a typical post has {statistics.median(partners):.0f} other accounts posting within {tau:.0f} s where "
        f"this narrative's rate over +-{reference / 60:.0f} min predicts {statistics.median(chance):.1f}; "
        f"{beyond} of {n} posts ({_pct(beyond, n)}) beyond chance (p < 0.05); "
        f"interval {interval.describe()}"
    )
    brief = f"{beyond} of {n} posts bunched with other accounts within {tau:.0f} s beyond chance"
    return Signal(value, True, detail, brief), flags


def _poisson_mid_cdf(k: int, mean: float) -> float:
    """``P(X < k) + P(X = k) / 2`` for X ~ Poisson(``mean``): about uniform under chance, so a
    post's value says how far its count sits in chance's tail without jumping from 0 to 1.

    Sums the shorter tail outward from ``k`` (terms shrink geometrically there), so the cost is a few
    dozen steps near the mean and a handful in the tails, whatever ``k`` is.
    """
    if mean <= 0.0:
        return 0.5 if k == 0 else 1.0
    if k == 0:  # most posts of a quiet narrative: no other account nearby
        return math.exp(-mean) / 2.0
    at_k = math.exp(k * math.log(mean) - mean - math.lgamma(k + 1))
    tail, term, j = 0.0, at_k, k
    if k <= mean:  # P(X < k): pmf(j-1) = pmf(j) * j / mean
        while j > 0 and term > _TAIL_EPS * tail:
            term *= j / mean
            j -= 1
            tail += term
        return min(1.0, tail + at_k / 2.0)
    while term > _TAIL_EPS * tail:  # P(X > k): pmf(j+1) = pmf(j) * mean / (j + 1)
        j += 1
        term *= mean / j
        tail += term
    return max(0.0, 1.0 - tail - at_k / 2.0)


_TAIL_EPS: Final = 1e-10


class _AccountWindow:
    """Two-pointer sliding window over time-sorted posts: posts per account (accounts numbered
    0..n-1), distinct accounts, and, when ``by_count``, how many accounts have each post count (for
    the chance that an account lands near a post). Lists and local variables: this runs for every
    post of every scored narrative."""

    __slots__ = ("by_count", "distinct", "hi", "ids", "lo", "per_account", "times", "with_count")

    def __init__(self, times: Sequence[float], ids: Sequence[int], n_ids: int, *, by_count: bool) -> None:
        self.times = times
        self.ids = ids
        self.lo = 0
        self.hi = 0  # window is [lo, hi)
        self.per_account = [0] * n_ids
        self.by_count = by_count
        self.with_count: dict[int, int] = {}  # k -> accounts with k posts in the window
        self.distinct = 0

    def slide(self, start: float, end: float) -> None:
        # Bounds only move forward: posts are visited in time order and both ends are
        # non-decreasing in t (the end is clipped by a fixed `now`).
        times, ids, per = self.times, self.ids, self.per_account
        while self.hi < len(times) and times[self.hi] <= end:
            old = per[ids[self.hi]]
            per[ids[self.hi]] = old + 1
            self.distinct += old == 0
            if self.by_count:
                self._recount(old, old + 1)
            self.hi += 1
        while self.lo < self.hi and times[self.lo] < start:
            old = per[ids[self.lo]]
            per[ids[self.lo]] = old - 1
            self.distinct -= old == 1
            if self.by_count:
                self._recount(old, old - 1)
            self.lo += 1

    def _recount(self, old: int, new: int) -> None:
        with_count = self.with_count
        if old:
            if with_count[old] == 1:
                del with_count[old]
            else:
                with_count[old] -= 1
        if new:
            with_count[new] = with_count.get(new, 0) + 1

    def chance_of_others(self, account: int, p: float) -> float:
        """Expected accounts other than ``account`` with a post in a sub-window holding share ``p``
        of this window, each account's posts placed uniformly and independently."""
        miss = 1.0 - p
        total = sum(accs * (1.0 - miss**k) for k, accs in self.with_count.items())
        own = self.per_account[account]
        return max(0.0, total - (1.0 - miss**own if own else 0.0))


def near_duplicates(
    records: Sequence[Record], max_hamming: int, min_tokens: int = 0
) -> tuple[Signal, list[bool]]:
    """Share of original posts whose text (exact key, or simhash within ``max_hamming`` bits) was also
    posted by a different account. Reposts are left out: copying is what a repost is, and co-reposts
    are judged by :func:`co_reposts`. So are texts under ``min_tokens`` tokens: thousands of people
    independently write "This is so true", so a shared short text is no evidence of a shared script."""
    originals = [i for i, r in enumerate(records) if r.repost_of is None and r.tokens >= min_tokens]
    flags = [False] * len(records)
    if len(originals) < 2:
        return Signal(0.0, False, f"fewer than 2 original posts of {min_tokens}+ tokens"), flags
    key_accounts: dict[str, set[str]] = {}
    key_hash: dict[str, int] = {}
    for i in originals:
        r = records[i]
        key_accounts.setdefault(r.key, set()).add(r.account)
        if r.simhash is not None:
            key_hash[r.key] = r.simhash
    matched = {k for k, accs in key_accounts.items() if len(accs) > 1}
    if max_hamming > 0:
        buckets: dict[tuple[int, int], list[str]] = {}
        for key, h in key_hash.items():
            for band in range(_BANDS):
                buckets.setdefault((band, (h >> (16 * band)) & _BAND_MASK), []).append(key)
        seen: set[tuple[str, str]] = set()
        for keys in buckets.values():
            for a_i in range(len(keys)):
                for b_i in range(a_i + 1, len(keys)):
                    a, b = keys[a_i], keys[b_i]
                    if (a, b) in seen:
                        continue
                    seen.add((a, b))
                    if (key_hash[a] ^ key_hash[b]).bit_count() <= max_hamming and (
                        len(key_accounts[a] | key_accounts[b]) > 1
                    ):
                        matched.update((a, b))
    hits = 0
    for i in originals:
        if records[i].key in matched:
            flags[i] = True
            hits += 1
    n = len(originals)
    return (
        Signal(
            hits / n,
            True,
            f"{hits} of {n} original posts ({_pct(hits, n)}) repeat text posted by another account "
            f"(exact or simhash within {max_hamming} bits)",
            f"{hits} near-copies",
        ),
        flags,
    )


def _co_used(
    records: Sequence[Record], items: Sequence[Iterable[str]], min_posts: int, what: str
) -> tuple[list[int], dict[str, set[str]], str | None]:
    """Posts carrying an item, accounts per item, and an 'unavailable' reason if too few posts."""
    carrying = [i for i, its in enumerate(items) if any(True for _ in its)]
    accounts: dict[str, set[str]] = {}
    for i in carrying:
        for item in items[i]:
            accounts.setdefault(item, set()).add(records[i].account)
    reason = None if len(carrying) >= min_posts else f"only {len(carrying)} posts carry {what}"
    return carrying, accounts, reason


def co_links(records: Sequence[Record], min_posts: int) -> tuple[Signal, list[bool]]:
    """Share of link-carrying posts with a canonical URL that >= 2 distinct accounts shared (CooRnet)."""
    items = [r.links for r in records]
    carrying, accounts, reason = _co_used(records, items, min_posts, "links")
    flags = [False] * len(records)
    if reason:
        return Signal(0.0, False, reason), flags
    for i in carrying:
        flags[i] = any(len(accounts[u]) > 1 for u in items[i])
    hits, n = sum(flags), len(carrying)
    shared = sum(1 for accs in accounts.values() if len(accs) > 1)
    return (
        Signal(
            hits / n,
            True,
            f"{hits} of {n} posts with links ({_pct(hits, n)}) share one of {shared} URLs "
            f"co-shared by 2+ accounts",
            _top_object_brief(accounts, "link"),
        ),
        flags,
    )


def _top_object_brief(accounts: Mapping[str, set[str]], kind: str) -> str:
    """ "link example.org shared by 30 accounts" / "hashtags #a #b used by 25 accounts" for the object
    most accounts shared; "" when no object has two accounts."""
    if not accounts:
        return ""
    item, accs = min(accounts.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    if len(accs) < 2:
        return ""
    if kind == "link":
        return f"link {url_domain(item) or item} shared by {len(accs)} accounts"
    tags = " ".join("#" + t for t in item.split())
    return f"{'hashtags' if ' ' in item else 'hashtag'} {tags} used by {len(accs)} accounts"


def co_hashtags(records: Sequence[Record], min_posts: int) -> tuple[Signal, list[bool]]:
    """Share of hashtag-carrying posts whose exact hashtag set another account also used.

    Identical sets of 2+ tags are strong evidence (Pacheco et al.'s hashtag sequences); a single shared
    tag is what organic event chatter looks like too, so it counts half.
    """
    items = [(r.tags,) if r.tags else () for r in records]
    carrying, accounts, reason = _co_used(records, items, min_posts, "hashtags")
    flags = [False] * len(records)
    if reason:
        return Signal(0.0, False, reason), flags
    total = 0.0
    for i in carrying:
        tags = records[i].tags
        if len(accounts[tags]) > 1:
            flags[i] = True
            total += 1.0 if " " in tags else 0.5
    hits, n = sum(flags), len(carrying)
    return (
        Signal(
            total / n,
            True,
            f"{hits} of {n} posts with hashtags ({_pct(hits, n)}) use a hashtag set another account "
            f"also used (single-tag sets count half)",
            _top_object_brief(accounts, "hashtags"),
        ),
        flags,
    )


def co_reposts(records: Sequence[Record], interval: float, min_posts: int) -> tuple[Signal, list[bool]]:
    """Share of reposts with a repost of the same post by another account within ``interval`` s
    (CooRTweet's co-retweet)."""
    flags = [False] * len(records)
    by_object: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        if r.repost_of is not None:
            by_object.setdefault(r.repost_of, []).append(i)
    n = sum(len(v) for v in by_object.values())
    if n < min_posts:
        return Signal(0.0, False, f"only {n} reposts"), flags
    for idx in by_object.values():
        if len(idx) < 2:
            continue
        idx = sorted(idx, key=lambda i: records[i].t)
        times = [records[i].t for i in idx]
        for pos, i in enumerate(idx):
            lo = bisect.bisect_left(times, times[pos] - interval)
            hi = bisect.bisect_right(times, times[pos] + interval)
            flags[i] = any(records[idx[j]].account != records[i].account for j in range(lo, hi))
    hits = sum(flags)
    return (
        Signal(
            hits / n,
            True,
            f"{hits} of {n} reposts ({_pct(hits, n)}) repost the same post as another account "
            f"within {interval:.0f} s",
            f"{hits} reposts of the same posts within {interval:.0f} s",
        ),
        flags,
    )


def _author_feature(
    records: Sequence[Record], values: Sequence[bool | None], coverage: float, what: str, flagged_as: str
) -> Signal:
    known = sum(1 for v in values if v is not None)
    n = len(records)
    if not n or known / n < coverage:
        return Signal(
            0.0, False, f"{what} known for {known} of {n} posts (under {coverage:.0%}); left out of the score"
        )
    per_account: dict[str, bool] = {}
    for r, v in zip(records, values, strict=True):
        if v is not None:
            per_account[r.account] = per_account.get(r.account, False) or v
    flagged, total = sum(per_account.values()), len(per_account)
    return Signal(
        flagged / total,
        True,
        f"{flagged} of {total} accounts with known {what} ({_pct(flagged, total)}) {flagged_as}",
        f"{flagged} {flagged_as.removeprefix('are ').removeprefix('have ')}",
    )


def new_accounts(records: Sequence[Record], coverage: float, days: float) -> Signal:
    """Share of accounts (with a known creation date) created within ``days`` before posting."""
    flags = [r.new_account for r in records]
    return _author_feature(records, flags, coverage, "account age", f"are under {days:g} days old")


def low_followers(records: Sequence[Record], coverage: float, threshold: int) -> Signal:
    """Share of accounts (with a known follower count) with fewer than ``threshold`` followers."""
    flags = [r.low_followers for r in records]
    return _author_feature(records, flags, coverage, "followers", f"have fewer than {threshold} followers")


def tightness(records: Sequence[Record], low: float, high: float, min_tokens: int = 0) -> Signal:
    """Mean similarity of joining posts to the narrative centroid, mapped from [low, high] to [0, 1].

    Talking points (copied or paraphrased from one script) sit closer to their centroid than
    independent accounts of one event. Short texts (under ``min_tokens``) are left out: stock
    phrases are identical without any script.
    """
    sims = [r.similarity for r in records if not r.founder and r.tokens >= min_tokens]
    if len(sims) < 2:
        return Signal(0.0, False, f"fewer than 2 joining posts of {min_tokens}+ tokens")
    mean = sum(sims) / len(sims)
    return Signal(
        _clip((mean - low) / (high - low)),
        True,
        f"mean similarity to the centroid {mean:.2f}",
        f"wording unusually alike (similarity {mean:.2f})",
    )


def burstiness(
    records: Sequence[Record], now: float, background_rate: float | None, cfg: DetectorConfig
) -> Signal:
    """The recent rate against the narrative's own earlier rate and against the stream's rate.

    ``own = log(recent/earlier) / log(burst_ratio_full)`` (needs earlier posts) and
    ``stream = (recent rate / stream rate) / burst_share_full`` (needs a background estimate); the
    value is the smaller of the two when both exist, so a burst must be both new and large. The recent
    window ends at the narrative's latest post (not at ``now``), so a finished burst keeps its value
    instead of fading while the alert is open.
    """
    if not records:
        return Signal(0.0, False, "no posts")
    recent_start = min(now, max(r.t for r in records)) - cfg.burst_recent_s
    recent = sum(1 for r in records if r.t > recent_start)
    earlier = [r.t for r in records if r.t <= recent_start]
    recent_rate = recent / cfg.burst_recent_s
    parts: list[float] = []
    notes: list[str] = [f"{recent} posts in the last {cfg.burst_recent_s / 60:.0f} min"]
    if earlier:
        span = max(recent_start - min(earlier), cfg.burst_recent_s)
        ratio = recent_rate / (len(earlier) / span)
        parts.append(_clip(math.log(ratio) / math.log(cfg.burst_ratio_full)) if ratio > 0 else 0.0)
        notes.append(f"{ratio:.1f}x its earlier rate")
    if background_rate is not None and background_rate > 0:
        share = recent_rate / background_rate
        parts.append(_clip(share / cfg.burst_share_full))
        notes.append(f"{share:.2%} of the stream's volume")
    if not parts:
        return Signal(0.0, False, notes[0] + "; no earlier posts and no stream rate yet")
    return Signal(min(parts), True, ", ".join(notes), "a burst: " + ", ".join(notes[1:]))


# ---------------------------------------------------------------------------------------------------
# combination


def score_records(
    records: Sequence[Record],
    *,
    now: float,
    interval: IntervalChoice,
    background_rate: float | None,
    cfg: DetectorConfig,
) -> CoordinationScore:
    """Score a narrative window: ``account gate x concentration gate x weighted mean``.

    The mean runs over the *available* weighted signals only; each signal's ``contribution`` is
    ``gates * weight * value / sum(available weights)`` so contributions add up to the score. The
    gates are reported as signals with weight 0 and contribution 0.
    """
    return score_records_with_core(
        records, now=now, interval=interval, background_rate=background_rate, cfg=cfg
    )[0]


def score_records_with_core(
    records: Sequence[Record],
    *,
    now: float,
    interval: IntervalChoice,
    background_rate: float | None,
    cfg: DetectorConfig,
) -> tuple[CoordinationScore, list[int]]:
    """:func:`score_records` and the coordinated core (indices of the posts flagged by synchrony,
    near-duplicate, co-link, co-hashtag or co-repost)."""
    accounts = len({r.account for r in records})
    gates = {
        "distinct_accounts": account_gate(accounts, cfg.min_accounts, cfg.accounts_scale),
        "account_concentration": concentration_gate(records, cfg.min_accounts),
    }
    raw, core = raw_signals(records, now=now, interval=interval, background_rate=background_rate, cfg=cfg)
    score, signals = combine_signals(gates, raw, cfg.weights)
    authentic, reason = authenticity(records, core, cfg.authentic_share)
    return CoordinationScore(score, cfg.severity_for(score), signals, accounts, authentic, reason), core


def raw_signals(
    records: Sequence[Record],
    *,
    now: float,
    interval: IntervalChoice,
    background_rate: float | None,
    cfg: DetectorConfig,
) -> tuple[dict[str, Signal], list[int]]:
    """Every weighted signal of ``SIGNAL_NAMES`` over ``records``, and the coordinated core: the posts
    flagged by synchrony, near-duplicate, co-link, co-hashtag or co-repost."""
    sync, sync_flags = synchrony(records, interval, cfg.sync_reference_s, now)
    dup, dup_flags = near_duplicates(records, cfg.near_dup_hamming, cfg.content_min_tokens)
    links, link_flags = co_links(records, cfg.min_feature_posts)
    tags, tag_flags = co_hashtags(records, cfg.min_feature_posts)
    reposts, repost_flags = co_reposts(records, interval.seconds, cfg.min_feature_posts)
    raw: dict[str, Signal] = {
        "near_duplicate": dup,
        "synchrony": sync,
        "burstiness": burstiness(records, now, background_rate, cfg),
        "co_links": links,
        "co_hashtags": tags,
        "reposts": reposts,
        "new_accounts": new_accounts(records, cfg.author_coverage, cfg.new_account_days),
        "low_followers": low_followers(records, cfg.author_coverage, cfg.low_followers),
        "tightness": tightness(records, cfg.tightness_low, cfg.tightness_high, cfg.content_min_tokens),
    }
    core = [
        i
        for i in range(len(records))
        if sync_flags[i] or dup_flags[i] or link_flags[i] or tag_flags[i] or repost_flags[i]
    ]
    return raw, core


def combine_signals(
    gates: Mapping[str, Signal], raw: Mapping[str, Signal], weights: Mapping[str, float]
) -> tuple[float, dict[str, SignalResult]]:
    """``product of the gates x weighted mean of the available signals``, clipped to [0, 1], and each
    signal as it entered the score (gates with weight 0; contributions add up to the score)."""
    gate = math.prod(g.value for g in gates.values())
    total_weight = sum(weights.get(name, 0.0) for name, s in raw.items() if s.available)
    signals = {name: SignalResult(g.value, 0.0, 0.0, g.detail) for name, g in gates.items()}
    score = 0.0
    for name, s in raw.items():
        weight = weights.get(name, 0.0)
        if s.available and total_weight > 0:
            contribution = gate * weight * s.value / total_weight
            signals[name] = SignalResult(s.value, weight, _clip(contribution), s.detail, s.brief)
            score += contribution
        else:
            signals[name] = SignalResult(s.value, weight, 0.0, s.detail + " (not available: not counted)")
    return _clip(score), signals


def authenticity(records: Sequence[Record], core: Sequence[int], share: float) -> tuple[bool, str | None]:
    """Authentic when allowlisted accounts make up ``share`` of the coordinated core's accounts or
    posts (all posts when fewer than 2 posts are in the core)."""
    idx = list(core) if len(core) >= 2 else list(range(len(records)))
    if not idx:
        return False, None
    accounts = {records[i].account for i in idx}
    official_accounts = {records[i].account for i in idx if records[i].official}
    official_posts = sum(1 for i in idx if records[i].official)
    if not official_accounts:
        return False, None
    where = "in the coordinated core" if len(core) >= 2 else "in the narrative"
    text = (
        f"{len(official_accounts)} of {len(accounts)} accounts {where} are allowlisted official accounts "
        f"({official_posts} of {len(idx)} posts)"
    )
    if len(official_accounts) / len(accounts) >= share or official_posts / len(idx) >= share:
        return True, text
    return False, None


# ---------------------------------------------------------------------------------------------------
# online estimates shared by all narratives


class BackgroundRate:
    """Exponentially decayed estimate of the stream's mentions per second, in event time.

    ``count`` and ``elapsed`` decay with the same half-life, so ``count / elapsed`` is the recent
    rate; it is reported only once ``elapsed`` covers ``min_elapsed`` seconds.
    """

    def __init__(self, half_life: float, min_elapsed: float = 60.0) -> None:
        self.half_life = half_life
        self.min_elapsed = min_elapsed
        self.count = 0.0
        self.elapsed = 0.0
        self.last: float | None = None

    def observe(self, t: float, n: int = 1) -> None:
        if self.last is not None and t > self.last:
            dt = t - self.last
            decay = 0.5 ** (dt / self.half_life)
            self.count *= decay
            self.elapsed = self.elapsed * decay + dt
            self.last = t
        elif self.last is None:
            self.last = t
        self.count += n

    def rate(self) -> float | None:
        if self.elapsed < self.min_elapsed:
            return None
        return self.count / self.elapsed

    def to_list(self) -> list[Any]:
        return [self.count, self.elapsed, self.last]

    def load(self, v: Sequence[Any]) -> None:
        self.count, self.elapsed = float(v[0]), float(v[1])
        self.last = None if v[2] is None else float(v[2])


class CoordinationInterval:
    """CooRnet's coordination interval, maintained online over recently closed narratives.

    Each closed narrative with 2+ accounts gives (seconds to the second account's post, seconds to
    reach half of its posts, counting at least the second post). The estimate is the median of the
    second value over the ``fastest_share`` of samples with the quickest first value, clamped to
    [floor, maximum]; the configured default stands until ``min_samples`` samples exist.
    """

    def __init__(self, cfg: DetectorConfig) -> None:
        self.cfg = cfg
        self.samples: deque[tuple[float, float]] = deque(maxlen=cfg.interval_max_samples)
        self._cached: float | None = None

    def add(self, to_second: float, to_half: float) -> None:
        self.samples.append((max(0.0, to_second), max(0.0, to_half)))
        self._cached = None

    def value(self) -> float:
        if self._cached is None:
            self._cached = self._estimate()
        return self._cached

    def current(self) -> IntervalChoice:
        """The interval in force with the reason, for the synchrony signal's detail."""
        cfg, have = self.cfg, len(self.samples)
        if not self.is_estimated():
            basis = (
                f"default until {cfg.interval_min_samples} closed narratives give an estimate ({have} so far)"
            )
        else:
            basis = f"estimated from {have} closed narratives (CooRnet)"
            if self.value() in (cfg.interval_floor_s, cfg.interval_max_s):
                basis += f", clamped to [{cfg.interval_floor_s:g}, {cfg.interval_max_s:g}] s"
        return IntervalChoice(self.value(), basis)

    def is_estimated(self) -> bool:
        return len(self.samples) >= self.cfg.interval_min_samples

    def _estimate(self) -> float:
        cfg = self.cfg
        if not self.is_estimated():
            return min(max(cfg.interval_default_s, cfg.interval_floor_s), cfg.interval_max_s)
        fastest = sorted(self.samples)[: max(1, math.ceil(len(self.samples) * cfg.interval_fastest_share))]
        median = statistics.median(h for _, h in fastest)
        return min(max(median, cfg.interval_floor_s), cfg.interval_max_s)

    def to_list(self) -> list[list[float]]:
        return [[a, b] for a, b in self.samples]

    def load(self, v: Sequence[Sequence[float]]) -> None:
        self.samples.clear()
        self.samples.extend((float(a), float(b)) for a, b in v)
        self._cached = None


# ---------------------------------------------------------------------------------------------------
# per-narrative state


class NarrativeState:
    """Bounded state of one live narrative: its scoring window plus running totals for evidence.

    Every structure is capped (records, tracked accounts, timeline minutes, sample texts, founders),
    so a narrative that runs for days keeps a flat footprint.
    """

    def __init__(self, narrative_id: str, cfg: DetectorConfig) -> None:
        self.narrative_id = narrative_id
        self.cfg = cfg
        self.records: deque[Record] = deque()
        self.size = 0
        self.first_seen = math.inf
        self.last_seen = -math.inf
        self.second_account_t: float | None = None
        self.accounts: dict[str, int] = {}
        self.handles: dict[str, str] = {}
        self.untracked_posts = 0  # posts by accounts beyond max_tracked_accounts
        self.languages: dict[str, int] = {}
        self.platforms: dict[str, int] = {}
        self.timeline: dict[int, int] = {}  # epoch minute -> posts
        self.texts: dict[str, list[Any]] = {}  # exact key -> [count, raw text]
        self.founders: list[str] = []
        self.pending = 0  # mentions since the last score
        self.scored_at: float | None = None
        self.dropped = False  # records fell out by the count cap (not only by age)
        self.settle_at: float | None = None  # re-score then: the timing of the last posts is final
        self.last_score: CoordinationScore | None = None
        self.core_accounts: tuple[str, ...] = ()

    def add(self, rec: Record, *, handle: str | None, lang: str | None, platform: str, text: str) -> None:
        cfg = self.cfg
        self.records.append(rec)
        self.size += 1
        self.pending += 1
        self.first_seen = min(self.first_seen, rec.t)
        self.last_seen = max(self.last_seen, rec.t)
        if rec.account in self.accounts:
            self.accounts[rec.account] += 1
        elif len(self.accounts) < cfg.max_tracked_accounts:
            if self.accounts and self.second_account_t is None:
                self.second_account_t = rec.t
            self.accounts[rec.account] = 1
            if handle:
                self.handles[rec.account] = handle
        else:
            self.untracked_posts += 1
        if lang and (lang in self.languages or len(self.languages) < 32):
            self.languages[lang] = self.languages.get(lang, 0) + 1
        if platform in self.platforms or len(self.platforms) < 32:
            self.platforms[platform] = self.platforms.get(platform, 0) + 1
        minute = int(rec.t // 60)
        self.timeline[minute] = self.timeline.get(minute, 0) + 1
        if len(self.timeline) > cfg.timeline_max_minutes:
            del self.timeline[min(self.timeline)]
        entry = self.texts.get(rec.key)
        if entry is not None:
            entry[0] += 1
        elif len(self.texts) < cfg.max_sample_texts:
            self.texts[rec.key] = [1, text]
        if len(self.founders) < _FOUNDERS_KEPT:
            self.founders.append(rec.mention_id)
        if len(self.records) > cfg.window_max_records:
            self.records.popleft()
            self.dropped = True
        self.trim(rec.t)

    def trim(self, now: float) -> None:
        """Drop records older than the window."""
        cutoff = now - self.cfg.window_s
        while self.records and self.records[0].t < cutoff:
            self.records.popleft()

    def due(self, now: float, *, by_time: bool = True) -> bool:
        """Whether a re-score is due: enough new posts (geometric in window size) or, when
        ``by_time``, ``rescore_s`` since the last score."""
        if not self.pending:
            return False
        if self.scored_at is None:
            return True
        cfg = self.cfg
        needed = max(cfg.rescore_min_mentions, int(cfg.rescore_fraction * len(self.records)))
        return self.pending >= needed or (by_time and now - self.scored_at >= cfg.rescore_s)

    def score(self, now: float, interval: IntervalChoice, background_rate: float | None) -> CoordinationScore:
        self.trim(now)
        hashed: dict[str, int] = {}
        for r in self.records:
            if r.simhash is None:
                h = hashed.get(r.key)
                r.simhash = h if h is not None else simhash64(r.normalized)
                hashed[r.key] = r.simhash
                r.normalized = ""
        result, core = score_records_with_core(
            self.records, now=now, interval=interval, background_rate=background_rate, cfg=self.cfg
        )
        self.pending = 0
        self.scored_at = now
        self.last_score = result
        # The accounts of the coordinated core, for the campaign level (not persisted in snapshots:
        # recomputed at the next score; a restored narrative reports all its accounts until then).
        self.core_accounts = tuple(sorted({self.records[i].account for i in core}))
        return result

    def interval_sample(self) -> tuple[float, float] | None:
        """(seconds to the second account, seconds to half of the posts) for the interval estimate;
        None when the narrative never had a second account or its early records were dropped."""
        if self.second_account_t is None or self.dropped or len(self.records) != self.size:
            return None
        half_index = max(1, math.ceil(self.size / 2) - 1)
        times = sorted(r.t for r in self.records)
        return self.second_account_t - self.first_seen, times[half_index] - self.first_seen

    @property
    def distinct_accounts(self) -> int:
        """Distinct accounts seen (exact up to max_tracked_accounts, then a lower bound)."""
        return len(self.accounts)

    # -- snapshot -------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "last_score": None if self.last_score is None else self.last_score.to_dict(),
            "records": [r.to_list() for r in self.records],
            "size": self.size,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "second_account_t": self.second_account_t,
            "accounts": self.accounts,
            "handles": self.handles,
            "untracked_posts": self.untracked_posts,
            "languages": self.languages,
            "platforms": self.platforms,
            "timeline": [[k, v] for k, v in self.timeline.items()],
            "texts": self.texts,
            "founders": self.founders,
            "pending": self.pending,
            "scored_at": self.scored_at,
            "dropped": self.dropped,
            "settle_at": self.settle_at,
        }

    @classmethod
    def from_dict(cls, narrative_id: str, d: Mapping[str, Any], cfg: DetectorConfig) -> NarrativeState:
        s = cls(narrative_id, cfg)
        s.records.extend(Record.from_list(v) for v in d["records"])
        s.size = int(d["size"])
        s.first_seen = float(d["first_seen"])
        s.last_seen = float(d["last_seen"])
        s.second_account_t = d["second_account_t"]
        s.accounts = {str(k): int(v) for k, v in d["accounts"].items()}
        s.handles = dict(d["handles"])
        s.untracked_posts = int(d["untracked_posts"])
        s.languages = dict(d["languages"])
        s.platforms = dict(d["platforms"])
        s.timeline = {int(k): int(v) for k, v in d["timeline"]}
        s.texts = {k: [int(v[0]), str(v[1])] for k, v in d["texts"].items()}
        s.founders = list(d["founders"])
        s.pending = int(d["pending"])
        s.scored_at = d["scored_at"]
        s.dropped = bool(d["dropped"])
        s.settle_at = d["settle_at"]
        if d["last_score"] is not None:
            s.last_score = CoordinationScore.from_dict(d["last_score"])
        return s
