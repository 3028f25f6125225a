"""Calibrating a model profile from labelled pairs (pure: vectors in, thresholds out).

The labelled data are *claims*: one claim (e.g. "the water is being poisoned") written in several
languages, each with an original and a paraphrase, grouped by *topic* (two claims of one topic say
different things about one subject), and assigned to a split (``calibration`` or ``heldout``; whole
topics are held out so that no claim helps choose the thresholds it is judged by). From them
:func:`labelled_pairs` forms the pair kinds:

- ``paraphrase``: a claim's original and paraphrase in one language;
- ``translation``: a claim's originals in two languages;
- ``same_topic``: originals of two claims of one topic (any languages);
- ``other_topic``: originals of claims of two different topics (any languages; all the claims are
  about the same two fictional countries, so these are harder than everyday unrelated posts);
- ``unrelated``: everyday posts (food, weather, sport; ``multilingual_chatter.jsonl``) against each
  other and against the claims;
- ``edited_copy``: an original against a copy edited as campaigns edit (a typo, an emoji, a hashtag),
  made deterministically by :func:`edited_copy`.

:func:`calibrate` then applies the documented method (docs/models.md):

- **join** (``similarity_threshold``), the larger of two rules:

  - *per pair*: the lowest cosine at which at most ``max_unrelated`` (2%) of unrelated pairs,
    ``max_other_topic`` (5%) of other-topic pairs and ``max_same_topic`` (20%) of
    same-topic-different-claim pairs join (20% for same-topic claims is a choice: related claims
    meet again at the theme level);
  - *open set*: a new post is compared with every one of the ``live_narratives`` (K) narratives
    live in its routing bucket, so it joins a wrong one with probability about 1 - (1 - p)^K, p the
    per-pair impostor rate (open-set identification against a gallery of K). p is measured as the
    clusterer compares, post against narrative *centroid* (:func:`open_set_scores`: a narrative is
    one claim in one language, or one everyday post; narratives of the post's own topic are left to
    the per-pair rule), and the rule takes the lowest cosine at which 1 - (1 - p)^K is at most
    ``max_false_join`` (5%). Per-pair calibration alone ignored the K: at multilingual-e5-small's
    per-pair join 0.879, 5.6% of the calibration split's post-narrative impostor pairs reach it;
- **copies only** (``copies_only``, used for the hashing embedder, which sees spelling and not
  meaning): the join must also keep out all but ``max_unrelated`` of the paraphrases; such a model
  should join copies, since on templated chatter its low cosines are not evidence of one claim;
- **theme** (``theme_threshold``): the highest cosine that ``claim_recall`` (95%) of a claim's
  posts reach against the centroid of the claim's other posts (every language and version: what a
  theme of that claim holds once several of its narratives joined it), capped at the join. The
  theme is there to keep one claim together across rewordings and languages; a looser threshold
  (Youden's J on pairs, the former rule) let every new narrative join one of thousands of themes;
- **covered scripts**: a script is covered when, at the per-pair join, its same-script unrelated
  pairs join at most ``max_unrelated`` (an English-only model maps any two Arabic sentences close
  together: that script is not covered); when every script of the data is covered the profile says
  ``*``, otherwise join and theme are recalibrated on the pairs of covered scripts only;
- **uncovered-script join**: the same rule as the join, over same-script unrelated pairs of the
  uncovered scripts (with no uncovered script: over all non-Latin scripts; then unused);
- **tightness** scale: from the join threshold (a post that barely joins scores 0) to the median
  cosine of edited copies to their original (a pasted talking point scores 1);
- **copy** (grapheme similarity, relation typing): midway between the rewordings and the copies:
  the mean of the 98th percentile of same-language paraphrases and the 2nd percentile of edited
  copies (the widest margin on both sides; the lowest value that keeps 98% of paraphrases out
  fitted the calibration split too closely).

Each threshold gets a bootstrap confidence interval: claims are resampled with replacement (pairs
of one claim are not independent), pairs rebuilt and the thresholds recomputed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from detectors.config import ALL_SCRIPTS
from detectors.relations import grapheme_similarity
from detectors.text import script_of

__all__ = [
    "PAIR_KINDS",
    "CalibrationError",
    "CalibrationMethod",
    "Claim",
    "Pair",
    "calibrate",
    "claims_from_records",
    "edited_copy",
    "join_rates",
    "labelled_pairs",
]

PAIR_KINDS: Final = ("paraphrase", "translation", "same_topic", "other_topic", "unrelated", "edited_copy")
SPLITS: Final = ("calibration", "heldout")
_EDIT_MARKS: Final = (" 🔥", " 😡😡", " !!!", " #truth", " #share #now", " 👇")


class CalibrationError(ValueError):
    """The labelled data cannot calibrate (bad records, too few pairs of a kind)."""


@dataclass(frozen=True)
class Claim:
    claim: str
    topic: str
    split: str
    texts: Mapping[str, tuple[str, ...]]  # language -> (original, paraphrase, ...)


@dataclass(frozen=True)
class Chatter:
    """Everyday posts of one language (food, weather, sport): unrelated to every claim."""

    lang: str
    split: str
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Pair:
    kind: str
    a: str
    b: str
    lang_a: str
    lang_b: str


@dataclass(frozen=True)
class CalibrationMethod:
    """The constraints of the method (module docstring); defaults are the documented ones."""

    max_unrelated: float = 0.02
    max_other_topic: float = 0.05
    max_same_topic: float = 0.20
    #: For an embedder that sees spelling, not meaning (the hashing embedder): join copies only,
    #: keeping paraphrases out as well (at most ``max_unrelated`` of them join).
    copies_only: bool = False
    #: Open-set join (module docstring): a new post meets ``live_narratives`` live narratives of its
    #: routing bucket and may join a wrong one with probability at most ``max_false_join``.
    live_narratives: int = 200
    max_false_join: float = 0.05
    #: Theme: at least this share of a claim's posts reach the centroid of the claim's other posts.
    claim_recall: float = 0.95
    #: Translation links: a narrative founding a theme meets this many emerging themes' narratives in
    #: other languages (docs/models.md#calibration: the 99th percentile measured by bench.quality).
    emerging_themes: int = 16
    bootstrap: int = 200
    seed: int = 0

    def __post_init__(self) -> None:
        if self.live_narratives < 1 or self.emerging_themes < 1:
            raise CalibrationError("live_narratives and emerging_themes: must be at least 1")
        for name in ("max_unrelated", "max_other_topic", "max_same_topic"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise CalibrationError(f"{name}: must be between 0 and 1")
        for name in ("max_false_join", "claim_recall"):
            if not 0.0 < getattr(self, name) < 1.0:
                raise CalibrationError(f"{name}: must be strictly between 0 and 1")


def claims_from_records(records: Iterable[Mapping[str, Any]]) -> list[Claim]:
    """Validate decoded JSON-lines records (``claim``, ``topic``, ``split``, ``texts``)."""
    claims: list[Claim] = []
    for n, rec in enumerate(records, 1):
        try:
            texts = {str(lang): tuple(str(t) for t in versions) for lang, versions in rec["texts"].items()}
            claim = Claim(str(rec["claim"]), str(rec["topic"]), str(rec["split"]), texts)
        except (KeyError, AttributeError, TypeError) as exc:
            raise CalibrationError(f"record {n}: needs claim, topic, split and texts ({exc})") from None
        if claim.split not in SPLITS:
            raise CalibrationError(f"record {n}: split must be one of {', '.join(SPLITS)}")
        if not texts or any(not versions or not all(versions) for versions in texts.values()):
            raise CalibrationError(f"record {n}: every language needs at least one non-empty text")
        claims.append(claim)
    if len({c.claim for c in claims}) != len(claims):
        raise CalibrationError("claim ids must be unique")
    return claims


def chatter_from_records(records: Iterable[Mapping[str, Any]]) -> list[Chatter]:
    """Validate decoded JSON-lines records (``lang``, ``split``, ``texts``)."""
    out: list[Chatter] = []
    for n, rec in enumerate(records, 1):
        try:
            item = Chatter(str(rec["lang"]), str(rec["split"]), tuple(str(t) for t in rec["texts"]))
        except (KeyError, TypeError) as exc:
            raise CalibrationError(f"chatter record {n}: needs lang, split and texts ({exc})") from None
        if item.split not in SPLITS or not item.texts or not all(item.texts):
            raise CalibrationError(f"chatter record {n}: bad split or empty texts")
        out.append(item)
    return out


def edited_copy(text: str, seed: int = 0) -> str:
    """A copy edited as a campaign account edits it: one dropped letter and/or an emoji or hashtag.

    Seeded by ``seed`` and the text itself, so a text gets the same copy in every sample of it.
    """
    rng = random.Random(f"{seed}\x00{text}")
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if long_words and rng.random() < 0.7:
        i = rng.choice(long_words)
        j = rng.randrange(1, len(words[i]) - 1)
        words[i] = words[i][:j] + words[i][j + 1 :]
    edited = " ".join(words)
    if edited == text or rng.random() < 0.5:
        edited += rng.choice(_EDIT_MARKS)
    return edited


def labelled_pairs(claims: Sequence[Claim], chatter: Sequence[Chatter] = (), *, seed: int = 0) -> list[Pair]:
    """Every pair kind of :data:`PAIR_KINDS` from ``claims`` and ``chatter`` (deterministic for a seed)."""
    pairs: list[Pair] = []
    for c in claims:
        langs = sorted(c.texts)
        for lang in langs:
            original = c.texts[lang][0]
            pairs.extend(Pair("paraphrase", original, p, lang, lang) for p in c.texts[lang][1:])
            pairs.append(Pair("edited_copy", original, edited_copy(original, seed), lang, lang))
        for i, la in enumerate(langs):
            for lb in langs[i + 1 :]:
                pairs.append(Pair("translation", c.texts[la][0], c.texts[lb][0], la, lb))
    for i, c1 in enumerate(claims):
        for c2 in claims[i + 1 :]:
            if c1.claim == c2.claim:
                continue  # a bootstrap sample can hold one claim twice
            kind = "same_topic" if c1.topic == c2.topic else "other_topic"
            for la in sorted(c1.texts):
                for lb in sorted(c2.texts):
                    pairs.append(Pair(kind, c1.texts[la][0], c2.texts[lb][0], la, lb))
    posts = [(item.lang, t) for item in chatter for t in item.texts]
    originals = [(lang, c.texts[lang][0]) for c in claims for lang in sorted(c.texts)]
    for i, (la, a) in enumerate(posts):
        pairs.extend(Pair("unrelated", a, b, la, lb) for lb, b in posts[i + 1 :] if a != b)
        pairs.extend(Pair("unrelated", a, b, la, lb) for lb, b in originals)
    return pairs


Similarity = Callable[[Pair], float]

# Bootstrap samples revisit the same texts hundreds of times.
_script = lru_cache(maxsize=8192)(script_of)
_grapheme = lru_cache(maxsize=8192)(grapheme_similarity)


def _lowest_threshold(values: Sequence[float], max_rate: float) -> float:
    """The lowest threshold (rounded up to 0.001) at which at most ``max_rate`` of ``values`` are >= it."""
    if not values:
        return 0.0
    ordered = sorted(values, reverse=True)
    allowed = math.floor(max_rate * len(ordered))
    if allowed >= len(ordered):
        return 0.0
    return min(1.0, math.floor(ordered[allowed] * 1000 + 1) / 1000)


def _by_kind(pairs: Iterable[Pair], sim: Similarity) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {k: [] for k in PAIR_KINDS}
    for p in pairs:
        out[p.kind].append(sim(p))
    return out


def _scripts(pairs: Sequence[Pair], sim: Similarity, kinds: tuple[str, ...]) -> dict[str, list[float]]:
    """Similarities of same-script pairs of ``kinds``, by script."""
    out: dict[str, list[float]] = {}
    for p in pairs:
        if p.kind in kinds and (s := _script(p.a)) == _script(p.b):
            out.setdefault(s, []).append(sim(p))
    return out


def _join(sims: Mapping[str, Sequence[float]], method: CalibrationMethod) -> float:
    join = max(
        _lowest_threshold(sims["unrelated"], method.max_unrelated),
        _lowest_threshold(sims["other_topic"], method.max_other_topic),
        _lowest_threshold(sims["same_topic"], method.max_same_topic),
    )
    if method.copies_only:
        join = max(join, _lowest_threshold(sims["paraphrase"], method.max_unrelated))
    return join


def _coverage(pairs: Sequence[Pair], sim: Similarity, join: float, method: CalibrationMethod) -> list[str]:
    """Scripts the model does not cover: their same-script unrelated pairs join too often at the join
    threshold (an English-only model maps any two Arabic sentences close together)."""
    unrelated = _scripts(pairs, sim, ("unrelated",))
    return [
        script
        for script in sorted(unrelated)
        if float(np.mean(np.asarray(unrelated[script]) >= join)) > method.max_unrelated
    ]


class SimilarityMatrix:
    """Cosines of every pair of a fixed set of texts, computed once (the bootstrap revisits them)."""

    def __init__(self, texts: Iterable[str], similarity: Callable[[str, str], float]) -> None:
        self.index: dict[str, int] = {t: i for i, t in enumerate(dict.fromkeys(texts))}
        ordered = list(self.index)
        n = len(ordered)
        self.matrix: npt.NDArray[np.float64] = np.zeros((n, n))
        for i, a in enumerate(ordered):
            for j in range(i, n):
                self.matrix[i, j] = self.matrix[j, i] = similarity(a, ordered[j])

    def pair(self, a: str, b: str) -> float:
        return float(self.matrix[self.index[a], self.index[b]])


@dataclass(frozen=True)
class OpenSetScores:
    """Cosines of posts to narrative centroids, as the clusterer compares them.

    A narrative of the labelled set is one claim in one language (its original and paraphrases) or
    one everyday post. ``impostor``: every post against every narrative of another subject (claims of
    other topics and everyday posts; a claim of the same topic may meet it, the per-pair rule bounds
    that). ``genuine``: every claim post against the centroid of its claim's other posts (every
    language and version), i.e. whether a version of a claim reaches the claim's narrative or theme.
    ``cross_impostor`` and ``translation``: narrative centroid against narrative centroid in another
    language, what a translation link compares (:mod:`detectors.translation_links`).
    """

    impostor: npt.NDArray[np.float64]
    genuine: npt.NDArray[np.float64]
    #: narrative against narrative in another language, of other subjects (what a translation link
    #: between two themes compares: centroid against centroid)
    cross_impostor: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    #: narrative against narrative of the same claim in another language (a link that should be made)
    translation: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))


def open_set_scores(
    claims: Sequence[Claim],
    chatter: Sequence[Chatter],
    sims: SimilarityMatrix,
    scripts: Collection[str] | None = None,
) -> OpenSetScores:
    """:class:`OpenSetScores` of ``claims`` and ``chatter`` (texts of ``scripts`` only, when given).

    The cosine of a post q to the unit centroid of members m is sum_m cos(q, m) / |sum_m v_m|, and
    |sum_m v_m|^2 = sum_{m, m'} cos(m, m'), so pairwise cosines are all it needs."""
    keep = {t for t in sims.index if scripts is None or _script(t) in scripts}
    templates = _templates(claims, chatter, sims, keep)
    m = sims.matrix
    weights = np.zeros((len(templates), len(sims.index)))
    for row, template in enumerate(templates):
        weights[row, template.members] = 1.0
    norms = np.sqrt(np.einsum("ti,ij,tj->t", weights, m, weights))
    to_template = (m @ weights.T) / norms  # texts x templates
    topics = np.array([t.topic or "" for t in templates], dtype=object)
    langs = np.array([t.lang for t in templates], dtype=object)
    claim_of = np.array([t.claim or "" for t in templates], dtype=object)
    impostor: list[npt.NDArray[np.float64]] = []
    genuine: list[float] = []
    for claim in claims:
        for q in [sims.index[t] for ts in claim.texts.values() for t in ts if t in keep]:
            impostor.append(to_template[q, (weights[:, q] == 0) & (topics != claim.topic)])
            rest = [sims.index[t] for ts in claim.texts.values() for t in ts if t in keep]
            rest = [i for i in rest if i != q]
            if rest:
                genuine.append(float(m[q, rest].sum() / math.sqrt(m[np.ix_(rest, rest)].sum())))
    for item in chatter:
        for q in [sims.index[t] for t in item.texts if t in keep]:
            impostor.append(to_template[q, weights[:, q] == 0])
    # Template against template: (weights m weights^T) / (norm norm^T), upper triangle, other language.
    between = (weights @ to_template) / norms[:, None]
    upper = np.triu(np.ones(between.shape, dtype=bool), k=1) & (langs[:, None] != langs[None, :])
    same_claim = (claim_of[:, None] == claim_of[None, :]) & (claim_of[:, None] != "")
    other_subject = (topics[:, None] != topics[None, :]) | (topics[:, None] == "")
    return OpenSetScores(
        _flat(impostor),
        np.asarray(genuine),
        between[upper & other_subject & ~same_claim],
        between[upper & same_claim],
    )


@dataclass(frozen=True)
class _Template:
    """A narrative of the labelled set: one claim in one language, or one everyday post."""

    topic: str | None
    claim: str | None
    lang: str
    members: list[int]


def _templates(
    claims: Sequence[Claim], chatter: Sequence[Chatter], sims: SimilarityMatrix, keep: Collection[str]
) -> list[_Template]:
    out = [
        _Template(c.topic, c.claim, lang, members)
        for c in claims
        for lang in sorted(c.texts)
        if (members := [sims.index[t] for t in c.texts[lang] if t in keep])
    ]
    out += [
        _Template(None, None, item.lang, [sims.index[t]]) for item in chatter for t in item.texts if t in keep
    ]
    return out


def _flat(parts: Sequence[npt.NDArray[np.float64]]) -> npt.NDArray[np.float64]:
    return np.concatenate(parts) if parts else np.zeros(0)


def per_pair_rate(max_false_join: float, live_narratives: int) -> float:
    """The per-pair impostor rate p at which a post meeting ``live_narratives`` independent impostors
    joins one with probability ``max_false_join``: 1 - (1 - p)^K = alpha."""
    return float(1.0 - (1.0 - max_false_join) ** (1.0 / live_narratives))


def open_set_false_join(
    impostor: Sequence[float] | npt.NDArray[np.float64], threshold: float, k: int
) -> float:
    """Estimated share of posts of a new subject that join one of ``k`` live narratives of other subjects."""
    p = float(np.mean(np.asarray(impostor) >= threshold)) if len(impostor) else 0.0
    return 1.0 - (1.0 - p) ** k


def _recall_threshold(genuine: npt.NDArray[np.float64], recall: float) -> float:
    """The highest threshold (rounded down to 0.001) that at least ``recall`` of ``genuine`` reach."""
    if not len(genuine):
        return 0.0
    ordered = np.sort(genuine)
    value = float(ordered[math.floor((1.0 - recall) * len(ordered))])
    return max(0.0, math.floor(value * 1000) / 1000)


OpenSet = Callable[[Collection[str] | None], OpenSetScores]


def _thresholds(
    pairs: Sequence[Pair], sim: Similarity, method: CalibrationMethod, open_set: OpenSet
) -> dict[str, Any]:
    sims = _by_kind(pairs, sim)
    for kind in PAIR_KINDS:
        if not sims[kind]:
            raise CalibrationError(f"no {kind} pairs in the calibration split")
    unrelated_by_script = _scripts(pairs, sim, ("unrelated",))
    uncovered = _coverage(pairs, sim, _join(sims, method), method)
    covered = [s for s in sorted(unrelated_by_script) if s not in uncovered]
    if uncovered and covered:
        # Uncovered scripts get the strict threshold; the others are calibrated on their own pairs.
        inside = [p for p in pairs if _script(p.a) in covered and _script(p.b) in covered]
        sims = _by_kind(inside, sim)
        missing = [k for k in PAIR_KINDS if not sims[k]]
        if missing:
            raise CalibrationError(
                f"no {missing[0]} pairs within the scripts the model covers ({', '.join(covered)})"
            )
    scores = open_set(covered if uncovered else None)
    per_pair = per_pair_rate(method.max_false_join, method.live_narratives)
    join = max(_join(sims, method), _lowest_threshold(scores.impostor.tolist(), per_pair))
    theme = min(_recall_threshold(scores.genuine, method.claim_recall), join)
    # Translation links only where the model covers every script (elsewhere a link is a guess).
    link = 1.0
    if not uncovered:
        emerging = per_pair_rate(method.max_false_join, method.emerging_themes)
        link = min(join, _lowest_threshold(scores.cross_impostor.tolist(), emerging))
    strict_pool = uncovered or [s for s in unrelated_by_script if s != "latin"]
    strict_values = [v for s in strict_pool for v in unrelated_by_script[s]]
    strict = max(join, _lowest_threshold(strict_values, method.max_unrelated))
    paraphrase_graphemes = [_grapheme(p.a, p.b) for p in pairs if p.kind == "paraphrase"]
    copy_graphemes = [_grapheme(p.a, p.b) for p in pairs if p.kind == "edited_copy"]
    highest_rewording = float(np.percentile(paraphrase_graphemes, 100 * (1 - method.max_unrelated)))
    lowest_copy = float(np.percentile(copy_graphemes, 100 * method.max_unrelated))
    return {
        "similarity_threshold": join,
        "theme_threshold": theme,
        "uncovered_script_threshold": strict,
        "model_scripts": [ALL_SCRIPTS] if not uncovered else covered or ["latin"],
        "tightness_low": join,
        "tightness_high": max(join + 0.01, round(float(np.median(sims["edited_copy"])), 3)),
        "copy_threshold": round((highest_rewording + lowest_copy) / 2, 3),
        "translation_link_threshold": link,
    }


def join_rates(
    pairs: Sequence[Pair], sim: Similarity, threshold: float, *, copy_threshold: float | None = None
) -> dict[str, float]:
    """Share of each pair kind at or above ``threshold`` (held-out evaluation)."""
    rates = {k: float(np.mean(np.asarray(v) >= threshold)) for k, v in _by_kind(pairs, sim).items() if v}
    if copy_threshold is not None:
        copies = [_grapheme(p.a, p.b) >= copy_threshold for p in pairs if p.kind == "edited_copy"]
        rewordings = [_grapheme(p.a, p.b) >= copy_threshold for p in pairs if p.kind == "paraphrase"]
        rates["edited_copy_typed_copy"] = float(np.mean(copies)) if copies else float("nan")
        rates["paraphrase_typed_copy"] = float(np.mean(rewordings)) if rewordings else float("nan")
    return rates


@dataclass(frozen=True)
class CalibrationResult:
    thresholds: Mapping[str, Any]
    intervals: Mapping[str, tuple[float, float]]  # 95% bootstrap interval per numeric threshold
    pair_counts: Mapping[str, int]
    heldout_rates: Mapping[str, float]
    heldout_counts: Mapping[str, int]
    method: CalibrationMethod = field(default_factory=CalibrationMethod)


def _bootstrap(
    claims: Sequence[Claim], chatter: Sequence[Chatter], sims: SimilarityMatrix, method: CalibrationMethod
) -> dict[str, tuple[float, float]]:
    rng = random.Random(method.seed)
    samples: dict[str, list[float]] = {}
    for _ in range(method.bootstrap):
        drawn = [rng.choice(claims) for _ in claims]
        drawn_chatter = [rng.choice(chatter) for _ in chatter]
        try:
            found = _thresholds(
                labelled_pairs(drawn, drawn_chatter, seed=method.seed),
                _pair_similarity(sims),
                method,
                partial(open_set_scores, drawn, drawn_chatter, sims),
            )
        except CalibrationError:
            continue  # a draw without one of the pair kinds says nothing about the thresholds
        for key, value in found.items():
            if isinstance(value, float):
                samples.setdefault(key, []).append(value)
    return {key: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))) for key, v in samples.items()}


def _pair_similarity(sims: SimilarityMatrix) -> Similarity:
    return lambda p: sims.pair(p.a, p.b)


def calibrate(
    claims: Sequence[Claim],
    chatter: Sequence[Chatter],
    similarity: Callable[[str, str], float],
    method: CalibrationMethod | None = None,
) -> CalibrationResult:
    """Thresholds from the ``calibration`` split, intervals by bootstrap, rates on ``heldout``.

    ``similarity(a, b)`` is the model's cosine of two texts (the caller embeds once and caches).
    """
    method = method or CalibrationMethod()
    fit = [c for c in claims if c.split == "calibration"]
    held = [c for c in claims if c.split == "heldout"]
    fit_chatter = [c for c in chatter if c.split == "calibration"]
    held_chatter = [c for c in chatter if c.split == "heldout"]
    if not fit or not held:
        raise CalibrationError("the data need claims in both the calibration and the heldout split")
    sims = SimilarityMatrix(all_texts(claims, chatter, seed=method.seed), similarity)
    sim = _pair_similarity(sims)
    fit_pairs = labelled_pairs(fit, fit_chatter, seed=method.seed)
    thresholds = _thresholds(fit_pairs, sim, method, partial(open_set_scores, fit, fit_chatter, sims))
    held_pairs = labelled_pairs(held, held_chatter, seed=method.seed)
    rates = join_rates(
        held_pairs, sim, thresholds["similarity_threshold"], copy_threshold=thresholds["copy_threshold"]
    )
    theme_rates = join_rates(held_pairs, sim, thresholds["theme_threshold"])
    rates.update({f"theme_{k}": v for k, v in theme_rates.items()})
    scripts = thresholds["model_scripts"]
    held_scores = open_set_scores(held, held_chatter, sims, None if ALL_SCRIPTS in scripts else scripts)
    for prefix, key in (("", "similarity_threshold"), ("theme_", "theme_threshold")):
        t = thresholds[key]
        rates[f"{prefix}open_set_false_join"] = open_set_false_join(
            held_scores.impostor, t, method.live_narratives
        )
        rates[f"{prefix}claim_recall"] = float(np.mean(held_scores.genuine >= t))
    link = thresholds["translation_link_threshold"]
    rates["translation_link_false_join"] = open_set_false_join(
        held_scores.cross_impostor, link, method.emerging_themes
    )
    rates["translation_link_recall"] = (
        float(np.mean(held_scores.translation >= link)) if len(held_scores.translation) else 0.0
    )
    return CalibrationResult(
        thresholds=thresholds,
        intervals=_bootstrap(fit, fit_chatter, sims, method) if method.bootstrap else {},
        pair_counts={k: sum(p.kind == k for p in fit_pairs) for k in PAIR_KINDS},
        heldout_rates=rates,
        heldout_counts={k: sum(p.kind == k for p in held_pairs) for k in PAIR_KINDS},
        method=method,
    )


def vector_similarity(texts: Sequence[str], vectors: npt.NDArray[np.float32]) -> Callable[[str, str], float]:
    """``similarity(a, b)`` over precomputed L2-normalised ``vectors`` of ``texts``."""
    index = {t: i for i, t in enumerate(texts)}

    def similarity(a: str, b: str) -> float:
        return float(vectors[index[a]] @ vectors[index[b]])

    return similarity


def all_texts(claims: Sequence[Claim], chatter: Sequence[Chatter] = (), *, seed: int = 0) -> list[str]:
    """Every distinct text the pairs use, edited copies included (what to embed)."""
    seen: dict[str, None] = {}
    for split in SPLITS:
        in_split = [c for c in claims if c.split == split]
        for p in labelled_pairs(in_split, [c for c in chatter if c.split == split], seed=seed):
            seen.setdefault(p.a)
            seen.setdefault(p.b)
    return list(seen)
