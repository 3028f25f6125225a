"""Watchlist of known claims: semantic matching of mentions, and the "known claim resurfacing" tracker.

A digital-diplomacy team knows the false claims that circulate about its country. It registers each
one (:class:`Claim`: an id, one or more wordings, notes, a severity floor); the adapter that loads the
file embeds the wordings with the stream's embedder and builds a :class:`Watchlist` from the texts and
their vectors: the core never calls a model.

**Matching** (:meth:`Watchlist.match`): a mention matches a claim when its cosine to one of the
claim's wordings reaches ``DetectorConfig.claim_match_threshold`` (same language, or language
unknown) or ``claim_match_cross_threshold`` (the two languages known to differ). Two values because
a multilingual model puts a same-language text on the same topic *closer* than a translation of the
claim (multilingual-e5-small: "Kordan received vaccine doses donated by Veridia" is 0.94 from the
microchip claim, its Arabic translation 0.90), while cross-language texts on the same topic sit lower
(at most 0.89 on the calibration set); D3lta types rewordings and translations apart for the same
reason. Both values belong to the model's calibrated profile (the cosine range is the model's, like
``similarity_threshold``); :func:`calibrate_claim_threshold` picks each on labelled pairs of its kind:
the lowest threshold at which at most ``max_false_match`` of *same topic, different claim* pairs match
(an organic discussion of a related topic must not match), which then gives the recall on paraphrases
or translations (``python -m bench.claims``). A mention's language is its ``lang`` field when the
platform gives one, else a guess from stop words (:func:`language_hint`), as is a wording's.
Scripts the model does not cover follow the clustering rule (``docs/detection.md`` §1): for them,
only wordings in the same script count, at ``uncovered_script_threshold``; with a multilingual model
(``model_scripts = ["*"]``) every script is covered, so an English claim matches its Spanish and
Arabic rewordings. Short texts (under ``min_tokens``) never match: they are near everything.

**Resurfacing** (:class:`ResurfacingTracker`): a claim resurfaces when ``resurfacing_min_accounts``
distinct accounts match it within ``resurfacing_window_s``, whatever the coordination score. The
tracker is a pure event-time object (``process`` / ``advance`` / ``snapshot`` / ``restore``) that
returns :class:`ResurfacingFinding` s, one episode per resurfacing (opened, updated on growth,
closed after a quiet window), which the campaign level turns into alert revisions with
``rule.name = "known claim resurfacing"``. It also remembers which claims each narrative's mentions
matched (:meth:`ResurfacingTracker.claims_for_narratives`) so every alert revision that covers such
a narrative lists them in ``watchlist.claim_ids``.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from detectors.config import ALL_SCRIPTS, SEVERITY_ORDER, DetectorConfig
from detectors.text import normalize, script_of, stopword_hits

__all__ = [
    "RESURFACING_RULE",
    "Claim",
    "ClaimError",
    "ClaimMatch",
    "ClaimSighting",
    "ClaimThreshold",
    "ResurfacingFinding",
    "ResurfacingTracker",
    "Watchlist",
    "calibrate_claim_threshold",
    "language_hint",
]

RESURFACING_RULE: Final = "known claim resurfacing"
_CLAIM_FIELDS: Final = frozenset({"id", "text", "texts", "notes", "severity_floor"})
_EVIDENCE_IDS: Final = 50  # mention ids, accounts and narratives listed in a finding
_NARRATIVE_MEMORY: Final = 100_000  # narratives whose matched claims are remembered (LRU)


def language_hint(text: str, lang: str | None = None) -> str | None:
    """The primary language subtag of ``lang`` (``es-419`` -> ``es``), else a guess from stop words
    (the one language with most of them), else None."""
    if lang:
        return lang.split("-", 1)[0].casefold()
    # Stop words per language (detectors.text keeps them for keywords): enough to tell the languages
    # apart on a sentence, which is all the same-language test needs.
    counts = stopword_hits(normalize(text).split())
    best = max(counts, key=lambda code: counts[code])
    ties = sum(1 for c in counts.values() if c == counts[best])
    return best if counts[best] >= 1 and ties == 1 else None


class ClaimError(ValueError):
    """A watchlist claim is invalid; ``str()`` is ``"field: reason"``."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Claim:
    """A known claim: its wordings (any languages), notes and the lowest severity its alerts get."""

    id: str
    texts: tuple[str, ...]
    notes: str | None = None
    severity_floor: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # other fields of the line, kept as given

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> Claim:
        """One watchlist line: ``{"id", "text"}`` or ``{"id", "texts": [...]}``, optional ``notes``,
        ``severity_floor`` (low, medium, high, critical) and any other fields."""
        if not isinstance(obj, Mapping):
            raise ClaimError("$", f"expected a JSON object, got {type(obj).__name__}")
        claim_id = obj.get("id")
        if not isinstance(claim_id, str) or not claim_id.strip():
            raise ClaimError("id", "required: a non-empty string")
        texts = _claim_texts(obj)
        notes = obj.get("notes")
        if notes is not None and not isinstance(notes, str):
            raise ClaimError("notes", f"expected a string, got {type(notes).__name__}")
        floor = obj.get("severity_floor")
        if floor is not None and floor not in SEVERITY_ORDER:
            raise ClaimError("severity_floor", f"expected one of {', '.join(SEVERITY_ORDER)}, got {floor!r}")
        extra = {k: v for k, v in obj.items() if k not in _CLAIM_FIELDS}
        return cls(claim_id.strip(), texts, notes, floor, extra)


def _claim_texts(obj: Mapping[str, Any]) -> tuple[str, ...]:
    if "text" in obj and "texts" in obj:
        raise ClaimError("texts", "give either text or texts, not both")
    if "text" in obj:
        raw: list[object] = [obj["text"]]
    elif "texts" in obj:
        listed = obj["texts"]
        if not isinstance(listed, list) or not listed:
            raise ClaimError("texts", "expected a non-empty list of strings")
        raw = listed
    else:
        raise ClaimError("text", "required: the claim's wording (text, or texts for several)")
    texts: list[str] = []
    for i, text in enumerate(raw):
        name = "text" if "text" in obj else f"texts[{i}]"
        if not isinstance(text, str) or not text.strip():
            raise ClaimError(name, "expected a non-empty string")
        texts.append(text.strip())
    return tuple(dict.fromkeys(texts))


@dataclass(frozen=True, slots=True)
class ClaimMatch:
    """A mention's match to a claim: the best wording's index and its cosine."""

    claim_id: str
    similarity: float
    wording: int


class Watchlist:
    """Known claims with one embedding per wording (rows in claim order, wordings in order)."""

    def __init__(self, claims: Sequence[Claim], vectors: npt.ArrayLike, config: DetectorConfig) -> None:
        ids = [c.id for c in claims]
        if len(set(ids)) != len(ids):
            raise ClaimError("id", "claim ids must be unique")
        vecs = np.asarray(vectors, dtype=np.float32)
        wordings = [(ci, t) for ci, c in enumerate(claims) for t in c.texts]
        if vecs.ndim != 2 or vecs.shape[0] != len(wordings):
            raise ValueError(
                f"expected {len(wordings)} wording vectors as a 2-D array, got shape {vecs.shape}"
            )
        self.claims: tuple[Claim, ...] = tuple(claims)
        self.config = config
        self._by_id = {c.id: c for c in claims}
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        self._vectors = vecs / np.where(norms > 0, norms, 1.0)
        self._owner = np.array([ci for ci, _ in wordings], dtype=np.int64)
        self._wording_index = [k for c in claims for k in range(len(c.texts))]
        self._scripts = [script_of(normalize(t)) for _, t in wordings]
        self._languages = [language_hint(t) for _, t in wordings]

    def __len__(self) -> int:
        return len(self.claims)

    def claim(self, claim_id: str) -> Claim:
        return self._by_id[claim_id]

    def texts(self) -> list[str]:
        """Every wording in vector order (what the adapter embeds)."""
        return [t for c in self.claims for t in c.texts]

    def match(
        self, texts: Sequence[str], vectors: npt.ArrayLike, langs: Sequence[str | None] | None = None
    ) -> tuple[tuple[ClaimMatch, ...], ...]:
        """Per mention text (with its vector and, when known, its language tag), the claims it
        matches, best first."""
        vecs = np.asarray(vectors, dtype=np.float32)
        if vecs.ndim != 2 or vecs.shape[0] != len(texts):
            raise ValueError(f"expected {len(texts)} vectors as a 2-D array, got shape {vecs.shape}")
        tags = list(langs) if langs is not None else [None] * len(texts)
        if len(tags) != len(texts):
            raise ValueError(f"expected {len(texts)} language tags, got {len(tags)}")
        if not texts or not self.claims:
            return tuple(() for _ in texts)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        sims = (vecs / np.where(norms > 0, norms, 1.0)) @ self._vectors.T
        # Most mentions are nowhere near any claim: skip the per-text language and script work
        # (normalising, stop words: ~20 µs a text) unless the row reaches the lowest threshold.
        floor = min(self.config.claim_match_threshold, self.config.claim_match_cross_threshold)
        near = sims.max(axis=1) >= floor
        return tuple(
            self._matches_of(text, lang, row) if close else ()
            for text, lang, row, close in zip(texts, tags, sims, near, strict=True)
        )

    def _matches_of(
        self, text: str, lang: str | None, sims: npt.NDArray[np.float32]
    ) -> tuple[ClaimMatch, ...]:
        normalized = normalize(text)
        if len(normalized.split()) < self.config.min_tokens:
            return ()
        script, language = script_of(normalized), language_hint(text, lang)
        thresholds = np.array(
            [
                self._pair_threshold(script, s, language, wording_lang)
                for s, wording_lang in zip(self._scripts, self._languages, strict=True)
            ]
        )
        best: dict[int, tuple[float, int]] = {}
        for k in np.flatnonzero(sims >= thresholds):
            owner, sim = int(self._owner[k]), float(sims[k])
            if owner not in best or sim > best[owner][0]:
                best[owner] = (sim, self._wording_index[k])
        found = [ClaimMatch(self.claims[ci].id, round(s, 4), w) for ci, (s, w) in best.items()]
        return tuple(sorted(found, key=lambda m: (-m.similarity, m.claim_id)))

    def _pair_threshold(
        self, mention_script: str, wording_script: str, mention_lang: str | None, wording_lang: str | None
    ) -> float:
        cfg = self.config
        covered = ALL_SCRIPTS in cfg.model_scripts

        def is_covered(script: str) -> bool:
            return covered or script in cfg.model_scripts

        if is_covered(mention_script) and is_covered(wording_script):
            differ = mention_lang is not None and wording_lang is not None and mention_lang != wording_lang
            return cfg.claim_match_cross_threshold if differ else cfg.claim_match_threshold
        if mention_script == wording_script:
            strict = cfg.group_thresholds.get(mention_script, cfg.uncovered_script_threshold)
            return max(cfg.claim_match_threshold, strict)
        return float("inf")  # two scripts, at least one the model does not understand: no evidence


@dataclass(frozen=True, slots=True)
class ClaimThreshold:
    """The outcome of :func:`calibrate_claim_threshold`."""

    threshold: float
    false_match_rate: float  # of the negative (same topic, different claim) pairs at the threshold
    recall: float  # of the positive (paraphrase, translation) pairs at the threshold
    negatives: int
    positives: int


def calibrate_claim_threshold(
    positives: Iterable[float],
    negatives: Iterable[float],
    *,
    max_false_match: float = 0.02,
    step: float = 0.01,
) -> ClaimThreshold:
    """The lowest threshold on a ``step`` grid at which at most ``max_false_match`` of the negative
    pairs (same topic, different claim) reach it; with fewer than ``1 / max_false_match`` negatives
    that is: above every negative."""
    pos = np.asarray(list(positives), dtype=np.float64)
    neg = np.asarray(list(negatives), dtype=np.float64)
    if not len(pos) or not len(neg):
        raise ValueError("need positive and negative pairs")
    allowed = int(np.floor(max_false_match * len(neg)))
    ranked = np.sort(neg)[::-1]
    # The (allowed+1)-th highest negative must fall below the threshold.
    edge = ranked[allowed] if allowed < len(ranked) else -1.0
    threshold = float(np.floor(edge / step) * step + step)
    threshold = round(min(1.0, max(0.0, threshold)), 6)
    return ClaimThreshold(
        threshold,
        float(np.mean(neg >= threshold)),
        float(np.mean(pos >= threshold)),
        len(neg),
        len(pos),
    )


# ---------------------------------------------------------------------------------------------------
# resurfacing


@dataclass(frozen=True, slots=True)
class ClaimSighting:
    """One mention that matched a claim (built by the campaign level from a tagged action)."""

    t: float
    mention_id: str
    account: str
    claim_id: str
    similarity: float
    lang: str | None = None
    narrative_id: str | None = None

    def to_list(self) -> list[Any]:
        return [
            self.t,
            self.mention_id,
            self.account,
            self.claim_id,
            self.similarity,
            self.lang,
            self.narrative_id,
        ]

    @classmethod
    def from_list(cls, v: Sequence[Any]) -> ClaimSighting:
        return cls(float(v[0]), str(v[1]), str(v[2]), str(v[3]), float(v[4]), v[5], v[6])


FindingStatus = Literal["open", "updated", "closed"]


@dataclass(frozen=True, slots=True)
class ResurfacingFinding:
    """One revision of a resurfacing episode of a known claim (the evidence for an alert revision)."""

    episode_id: str
    status: FindingStatus
    revision: int
    claim_id: str
    as_of: float
    first_seen: float
    last_seen: float
    accounts: int
    mentions: int
    account_ids: tuple[str, ...]  # the first _EVIDENCE_IDS accounts
    sample_mention_ids: tuple[str, ...]
    narrative_ids: tuple[str, ...]
    languages: tuple[str, ...]  # most matches first
    best_similarity: float
    summary: str
    rule: str = RESURFACING_RULE


@dataclass(slots=True)
class _Episode:
    episode_id: str
    first_seen: float
    last_seen: float
    accounts: dict[str, None]
    mentions: int
    mention_ids: list[str]
    narratives: dict[str, None]
    languages: dict[str, int]
    best: float
    revision: int = 0
    reported_accounts: int = 0
    reported_at: float = float("-inf")

    def add(self, s: ClaimSighting, max_accounts: int) -> None:
        self.last_seen = max(self.last_seen, s.t)
        if s.account not in self.accounts and len(self.accounts) < max_accounts:
            self.accounts[s.account] = None
        self.mentions += 1
        if len(self.mention_ids) < _EVIDENCE_IDS:
            self.mention_ids.append(s.mention_id)
        if s.narrative_id and len(self.narratives) < _EVIDENCE_IDS:
            self.narratives[s.narrative_id] = None
        if s.lang:
            self.languages[s.lang] = self.languages.get(s.lang, 0) + 1
        self.best = max(self.best, s.similarity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.episode_id,
            "t": [self.first_seen, self.last_seen, self.reported_at],
            "accounts": list(self.accounts),
            "mentions": self.mentions,
            "mention_ids": self.mention_ids,
            "narratives": list(self.narratives),
            "languages": self.languages,
            "best": self.best,
            "revision": [self.revision, self.reported_accounts],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> _Episode:
        first, last, reported_at = (float(x) for x in d["t"])
        return cls(
            str(d["id"]),
            first,
            last,
            dict.fromkeys(d["accounts"]),
            int(d["mentions"]),
            list(d["mention_ids"]),
            dict.fromkeys(d["narratives"]),
            {str(k): int(v) for k, v in d["languages"].items()},
            float(d["best"]),
            int(d["revision"][0]),
            int(d["revision"][1]),
            reported_at,
        )


class ResurfacingTracker:
    """Known claims matched by ``resurfacing_min_accounts`` accounts within ``resurfacing_window_s``.

    Deterministic for a given sequence of calls; memory per claim is bounded by the window (at most
    ``window_max_records`` sightings) and by ``max_tracked_accounts`` per episode.
    """

    def __init__(self, config: DetectorConfig) -> None:
        self.config = config
        self._recent: dict[str, deque[ClaimSighting]] = {}
        self._episodes: dict[str, _Episode] = {}  # claim id -> open episode
        self._narrative_claims: OrderedDict[str, dict[str, None]] = OrderedDict()
        self._now = float("-inf")

    @property
    def open_episodes(self) -> int:
        return len(self._episodes)

    def process(self, sightings: Sequence[ClaimSighting]) -> tuple[ResurfacingFinding, ...]:
        """Add sightings (any order within the call; sorted by time and mention id here)."""
        findings: list[ResurfacingFinding] = []
        for s in sorted(sightings, key=lambda s: (s.t, s.mention_id, s.claim_id)):
            self._now = max(self._now, s.t)
            findings.extend(self._close_quiet(s.t))
            self._remember_narrative(s)
            window = self._recent.setdefault(s.claim_id, deque())
            window.append(s)
            self._trim(window, s.t)
            finding = self._observe(s, window)
            if finding is not None:
                findings.append(finding)
        return tuple(findings)

    def advance(self, now: float) -> tuple[ResurfacingFinding, ...]:
        """Move event time on: episodes quiet for a whole window close."""
        self._now = max(self._now, now)
        return tuple(self._close_quiet(now))

    def next_deadline(self) -> float | None:
        """The earliest event time at which :meth:`advance` may close an episode (None: none open).
        Sightings outside an episode only age out of their window; that changes nothing by itself."""
        return min(
            (ep.last_seen + self.config.resurfacing_window_s for ep in self._episodes.values()), default=None
        )

    def flush(self) -> tuple[ResurfacingFinding, ...]:
        """End of input: close every open episode."""
        return tuple(self._close(claim_id, self._now) for claim_id in sorted(self._episodes))

    def claims_for_narratives(self, narrative_ids: Iterable[str]) -> tuple[str, ...]:
        """Claims matched by mentions of these narratives (for ``watchlist.claim_ids``), sorted."""
        found: set[str] = set()
        for nid in narrative_ids:
            found.update(self._narrative_claims.get(nid, ()))
        return tuple(sorted(found))

    # -- internals ---------------------------------------------------------------------------------

    def _remember_narrative(self, s: ClaimSighting) -> None:
        if s.narrative_id is None:
            return
        claims = self._narrative_claims.setdefault(s.narrative_id, {})
        claims[s.claim_id] = None
        self._narrative_claims.move_to_end(s.narrative_id)
        if len(self._narrative_claims) > _NARRATIVE_MEMORY:
            self._narrative_claims.popitem(last=False)

    def _trim(self, window: deque[ClaimSighting], now: float) -> None:
        cutoff = now - self.config.resurfacing_window_s
        while window and (window[0].t < cutoff or len(window) > self.config.window_max_records):
            window.popleft()

    def _observe(self, s: ClaimSighting, window: deque[ClaimSighting]) -> ResurfacingFinding | None:
        cfg = self.config
        episode = self._episodes.get(s.claim_id)
        if episode is None:
            if len({w.account for w in window}) < cfg.resurfacing_min_accounts:
                return None
            first = window[0]
            digest = hashlib.blake2b(f"{s.claim_id}|{first.mention_id}".encode(), digest_size=8).hexdigest()
            episode = _Episode(f"res-{digest}", first.t, first.t, {}, 0, [], {}, {}, 0.0)
            for w in window:
                episode.add(w, cfg.max_tracked_accounts)
            self._episodes[s.claim_id] = episode
            return self._report(s.claim_id, episode, "open", s.t)
        episode.add(s, cfg.max_tracked_accounts)
        grown = len(episode.accounts) >= episode.reported_accounts * (1.0 + cfg.revision_growth)
        if grown and s.t - episode.reported_at >= cfg.min_revision_s:
            return self._report(s.claim_id, episode, "updated", s.t)
        return None

    def _close_quiet(self, now: float) -> list[ResurfacingFinding]:
        quiet = [
            claim_id
            for claim_id, ep in self._episodes.items()
            if now - ep.last_seen > self.config.resurfacing_window_s
        ]
        return [self._close(claim_id, now) for claim_id in sorted(quiet)]

    def _close(self, claim_id: str, now: float) -> ResurfacingFinding:
        episode = self._episodes.pop(claim_id)
        return self._report(claim_id, episode, "closed", now)

    def _report(self, claim_id: str, ep: _Episode, status: FindingStatus, now: float) -> ResurfacingFinding:
        ep.revision += 1
        ep.reported_accounts = len(ep.accounts)
        ep.reported_at = now
        languages = tuple(k for k, _ in sorted(ep.languages.items(), key=lambda kv: (-kv[1], kv[0])))
        minutes = (ep.last_seen - ep.first_seen) / 60.0
        langs = f" ({', '.join(languages)})" if languages else ""
        summary = (
            f"Known claim {claim_id} resurfaced: {len(ep.accounts)} accounts, {ep.mentions} mentions "
            f"in {minutes:.0f} min{langs}; best match {ep.best:.2f}"
        )
        return ResurfacingFinding(
            ep.episode_id,
            status,
            ep.revision,
            claim_id,
            now,
            ep.first_seen,
            ep.last_seen,
            len(ep.accounts),
            ep.mentions,
            tuple(list(ep.accounts)[:_EVIDENCE_IDS]),
            tuple(ep.mention_ids),
            tuple(ep.narratives),
            languages,
            round(ep.best, 4),
            summary,
        )

    # -- snapshot ------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {
            "v": 1,
            "now": self._now if self._now != float("-inf") else None,
            "recent": {c: [s.to_list() for s in w] for c, w in self._recent.items() if w},
            "episodes": {c: ep.to_dict() for c, ep in self._episodes.items()},
            "narratives": [[nid, list(claims)] for nid, claims in self._narrative_claims.items()],
        }

    @classmethod
    def restore(cls, snap: Mapping[str, Any], config: DetectorConfig) -> ResurfacingTracker:
        tracker = cls(config)
        tracker._now = float("-inf") if snap["now"] is None else float(snap["now"])
        tracker._recent = {c: deque(ClaimSighting.from_list(v) for v in w) for c, w in snap["recent"].items()}
        tracker._episodes = {c: _Episode.from_dict(d) for c, d in snap["episodes"].items()}
        tracker._narrative_claims = OrderedDict((nid, dict.fromkeys(cl)) for nid, cl in snap["narratives"])
        return tracker
