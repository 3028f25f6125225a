"""Facts a per-bucket :class:`~detectors.detector.Detector` emits for the global campaign level.

Routing puts paraphrases of one claim, and the narratives of one campaign, on different buckets and
workers, so who acts together across narratives can only be seen globally. Each ``Detector`` step
therefore returns, beside its assignments and alerts, two kinds of small frozen records that the
:class:`~detectors.campaigns.CampaignTracker` consumes:

* an :class:`Action` per mention (clustered or not): who did what, when, on which objects (narrative,
  canonical links, hashtag set, repost / reply / quote target), with the author facts the campaign
  score needs and the exact-text key for content reuse; with a watchlist, the known claims the
  mention matched (:attr:`Action.claims`); with sensors, a reply's text and float16 vector
  (:class:`ReplyText`) so the global level can judge reply storms on them;
* a :class:`NarrativeReport` when a narrative is born (with its founding vector as float16, so the
  global level can group narratives from every bucket into themes), re-scored (its
  :class:`~detectors.scoring.CoordinationScore` and, when it could matter, a compact
  :class:`NarrativeSummary` for the alert body) or closed.

Both travel on a Kafka topic in the stream (one action per mention), so they are compact: plain JSON
lists via ``to_list`` / ``from_list``, no field names. ``sort_key`` orders the facts of one bucket's
step deterministically; the engine orders buckets.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from detectors.scoring import CoordinationScore, Record

__all__ = [
    "Action",
    "NarrativeReport",
    "NarrativeSummary",
    "ReplyText",
    "ReportKind",
    "decode_centroid",
    "encode_centroid",
]

ReportKind = Literal["born", "scored", "closed"]
REPORT_KINDS: Final = ("born", "scored", "closed")
_ACTION_FIELDS: Final = 21


def _opt_str(v: Any) -> str | None:
    return None if v is None else str(v)


def _opt_float(v: Any) -> float | None:
    return None if v is None else float(v)


def _opt_int(v: Any) -> int | None:
    return None if v is None else int(v)


def _opt_bool(v: Any) -> bool | None:
    return None if v is None else bool(v)


@dataclass(frozen=True, slots=True)
class ReplyText:
    """What the reply-storm tracker needs beyond the action: the text (for sensor @handles,
    near-duplicates) and the vector (semantic tightness), as base64 float16 (:func:`encode_centroid`).
    Carried only by mentions that reply to, quote or name a sensor when sensors are configured: about
    1.1 kB per such action on the facts topic (768 bytes of float16 for 384 dimensions, base64)."""

    text: str
    vector: str

    def to_list(self) -> list[str]:
        return [self.text, self.vector]


@dataclass(frozen=True, slots=True)
class Action:
    """One mention as an action of its account: the unit of the account co-action graph."""

    t: float  # event time, epoch seconds
    mention_id: str
    account: str
    narrative_id: str | None  # None: a short text kept out of clustering
    similarity: float  # cosine to the narrative centroid when it joined (1.0 founder, 0.0 unclustered)
    founder: bool
    text_key: str  # exact-duplicate key of the normalised text
    tokens: int
    links: tuple[str, ...]  # canonical URLs
    tags: str  # hashtag set key: sorted, case-folded tags joined by spaces; "" when none
    repost_of: str | None
    reply_to: str | None
    quote_of: str | None
    lang: str | None
    platform: str
    handle: str | None
    account_created: float | None  # epoch seconds
    followers: int | None
    new_account: bool | None  # created at most new_account_days before the post
    low_followers: bool | None
    official: bool  # author on the allowlist
    # Known claims the text matched, best first: (claim id, cosine). Empty without a watchlist.
    claims: tuple[tuple[str, float], ...] = ()
    reply: ReplyText | None = None  # see ReplyText; None unless it may target a sensor

    @property
    def claim_ids(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.claims)

    def sort_key(self) -> tuple[float, str]:
        return (self.t, self.mention_id)

    def record(self) -> Record:
        """The scoring record of this action (for the signal functions of :mod:`detectors.scoring`)."""
        return Record(
            t=self.t,
            account=self.account,
            key=self.text_key,
            simhash=None,
            links=self.links,
            tags=self.tags,
            repost_of=self.repost_of,
            new_account=self.new_account,
            low_followers=self.low_followers,
            similarity=self.similarity,
            mention_id=self.mention_id,
            official=self.official,
            founder=self.founder,
            tokens=self.tokens,
        )

    def to_list(self) -> list[Any]:
        out = [
            self.t,
            self.mention_id,
            self.account,
            self.narrative_id,
            self.similarity,
            self.founder,
            self.text_key,
            self.tokens,
            list(self.links),
            self.tags,
            self.repost_of,
            self.reply_to,
            self.quote_of,
            self.lang,
            self.platform,
            self.handle,
            self.account_created,
            self.followers,
            self.new_account,
            self.low_followers,
            self.official,
        ]
        # Trailing analyst fields only when present: an action without them is the 21 values it
        # always was (older readers and the byte-identical outputs of runs without analyst files).
        if self.reply is not None:
            return [*out, [list(c) for c in self.claims], self.reply.to_list()]
        if self.claims:
            return [*out, [list(c) for c in self.claims]]
        return out

    @classmethod
    def from_list(cls, v: Sequence[Any]) -> Action:
        if not isinstance(v, list | tuple) or not _ACTION_FIELDS <= len(v) <= _ACTION_FIELDS + 2:
            raise ValueError(f"an action is a list of {_ACTION_FIELDS} to {_ACTION_FIELDS + 2} values")
        claims = tuple((str(c), float(s)) for c, s in v[21]) if len(v) > 21 else ()
        reply = ReplyText(str(v[22][0]), str(v[22][1])) if len(v) > 22 and v[22] is not None else None
        return cls(
            t=float(v[0]),
            mention_id=str(v[1]),
            account=str(v[2]),
            narrative_id=_opt_str(v[3]),
            similarity=float(v[4]),
            founder=bool(v[5]),
            text_key=str(v[6]),
            tokens=int(v[7]),
            links=tuple(str(u) for u in v[8]),
            tags=str(v[9]),
            repost_of=_opt_str(v[10]),
            reply_to=_opt_str(v[11]),
            quote_of=_opt_str(v[12]),
            lang=_opt_str(v[13]),
            platform=str(v[14]),
            handle=_opt_str(v[15]),
            account_created=_opt_float(v[16]),
            followers=_opt_int(v[17]),
            new_account=_opt_bool(v[18]),
            low_followers=_opt_bool(v[19]),
            official=bool(v[20]),
            claims=claims,
            reply=reply,
        )


@dataclass(frozen=True, slots=True)
class NarrativeSummary:
    """What the alert body says about one narrative, as of its latest score."""

    label: str
    keywords: tuple[str, ...]
    texts: tuple[str, ...]  # representative texts, most repeated first (at most 5)
    size: int
    accounts: int
    languages: tuple[str, ...]  # most frequent first
    platforms: tuple[str, ...]
    first_seen: float
    last_seen: float
    timeline: tuple[tuple[int, int], ...]  # (epoch minute, posts), ascending
    links: tuple[tuple[str, int, int], ...]  # (url, posts, accounts), top first
    hashtags: tuple[tuple[str, int, int], ...]

    def to_list(self) -> list[Any]:
        return [
            self.label,
            list(self.keywords),
            list(self.texts),
            self.size,
            self.accounts,
            list(self.languages),
            list(self.platforms),
            self.first_seen,
            self.last_seen,
            [list(p) for p in self.timeline],
            [list(x) for x in self.links],
            [list(x) for x in self.hashtags],
        ]

    @classmethod
    def from_list(cls, v: Sequence[Any]) -> NarrativeSummary:
        return cls(
            label=str(v[0]),
            keywords=tuple(str(k) for k in v[1]),
            texts=tuple(str(t) for t in v[2]),
            size=int(v[3]),
            accounts=int(v[4]),
            languages=tuple(str(x) for x in v[5]),
            platforms=tuple(str(x) for x in v[6]),
            first_seen=float(v[7]),
            last_seen=float(v[8]),
            timeline=tuple((int(m), int(c)) for m, c in v[9]),
            links=tuple((str(u), int(c), int(a)) for u, c, a in v[10]),
            hashtags=tuple((str(u), int(c), int(a)) for u, c, a in v[11]),
        )


def encode_centroid(vector: npt.ArrayLike) -> str:
    """A unit vector as base64 little-endian float16 (768 bytes for 384 dimensions)."""
    arr = np.asarray(vector, dtype="<f2")
    return base64.b64encode(arr.tobytes()).decode("ascii")


def decode_centroid(text: str) -> npt.NDArray[np.float32]:
    """The inverse of :func:`encode_centroid`, re-normalised to unit length (float16 rounding)."""
    arr = np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float32)
    norm = float(np.linalg.norm(arr))
    out: npt.NDArray[np.float32] = arr / norm if norm > 0 else arr
    return out


@dataclass(frozen=True, slots=True)
class NarrativeReport:
    """A narrative's life event: born (founding vector), re-scored, or closed."""

    narrative_id: str
    kind: ReportKind
    t: float  # event time of the report
    script: str = ""  # born only: the script group the narrative clusters in
    # born: encode_centroid(founding vector); scored: the current centroid while the narrative is
    # young and translation links are on (detectors/translation_links.py); otherwise None
    centroid: str | None = None
    founder_text: str | None = None  # born only: the founding post's text (a label when never scored)
    score: CoordinationScore | None = None  # scored / closed: the latest score
    summary: NarrativeSummary | None = None  # scored / closed, when the score could matter
    # closed only: (seconds to the second account, seconds to half of the posts) for the global
    # coordination-interval estimate (CooRnet's method, see scoring.CoordinationInterval)
    interval_sample: tuple[float, float] | None = None
    # scored / closed: the accounts of the narrative's coordinated core (posts flagged by synchrony,
    # near-duplicate, co-link, co-hashtag or co-repost), at most 200; empty when unknown
    core_accounts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in REPORT_KINDS:
            raise ValueError(f"report kind must be one of {REPORT_KINDS}, got {self.kind!r}")

    def sort_key(self) -> tuple[float, str, int]:
        return (self.t, self.narrative_id, REPORT_KINDS.index(self.kind))

    def to_list(self) -> list[Any]:
        return [
            self.narrative_id,
            self.kind,
            self.t,
            self.script,
            self.centroid,
            self.founder_text,
            None if self.score is None else self.score.to_dict(),
            None if self.summary is None else self.summary.to_list(),
            None if self.interval_sample is None else list(self.interval_sample),
            list(self.core_accounts),
        ]

    @classmethod
    def from_list(cls, v: Sequence[Any]) -> NarrativeReport:
        if not isinstance(v, list | tuple) or len(v) != 10:
            raise ValueError("a narrative report is a list of 10 values")
        kind = str(v[1])
        if kind == "born":
            typed: ReportKind = "born"
        elif kind == "scored":
            typed = "scored"
        elif kind == "closed":
            typed = "closed"
        else:
            raise ValueError(f"report kind must be one of {REPORT_KINDS}, got {kind!r}")
        score: Mapping[str, Any] | None = v[6]
        return cls(
            narrative_id=str(v[0]),
            kind=typed,
            t=float(v[2]),
            script=str(v[3]),
            centroid=_opt_str(v[4]),
            founder_text=_opt_str(v[5]),
            score=None if score is None else CoordinationScore.from_dict(score),
            summary=None if v[7] is None else NarrativeSummary.from_list(v[7]),
            interval_sample=None if v[8] is None else (float(v[8][0]), float(v[8][1])),
            core_accounts=tuple(str(a) for a in v[9]),
        )
