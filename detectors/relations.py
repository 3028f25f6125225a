"""How a mention relates to its narrative, typed as VIGINUM's D3lta does: copy, rewording or translation.

D3lta (France's agency against foreign digital interference, 2023) types every pair of near-duplicate
messages in three ways, and an analyst reads the mix as the campaign's method: a copy-paste chorus,
a team paraphrasing talking points, or one message pushed in several languages.

- **copy**: the two texts share most of their characters (:func:`grapheme_similarity` at or above
  ``copy_threshold``), whatever the embedding says;
- **rewording**: semantically close (cosine at or above ``semantic_threshold``), not a copy, same
  language;
- **translation**: semantically close, not a copy, different languages;
- otherwise unrelated (``None``).

Grapheme similarity is the edit-based ratio of the normalised texts (``difflib``: twice the matched
characters over the total length), 1 for identical texts. D3lta uses 0.69 for it and 0.85 cosine
for its own encoder; here the semantic threshold is the model profile's join threshold (the cosine
at which the calibration joins paraphrases and translations but not unrelated claims, see
``detectors/calibration.py``) and the copy threshold is calibrated the same way from edited copies
against paraphrases (``choruswatch calibrate`` prints both).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from detectors.text import normalize

__all__ = [
    "RELATIONS",
    "Relation",
    "RelationTally",
    "RelationThresholds",
    "grapheme_similarity",
    "type_relation",
]

Relation = Literal["copy", "rewording", "translation"]
RELATIONS: Final[tuple[Relation, ...]] = ("copy", "rewording", "translation")


@dataclass(frozen=True, slots=True)
class RelationThresholds:
    """``copy_threshold`` on grapheme similarity, ``semantic_threshold`` on cosine (model-specific)."""

    copy_threshold: float = 0.69
    semantic_threshold: float = 0.85

    def __post_init__(self) -> None:
        for name in ("copy_threshold", "semantic_threshold"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value!r}")


def grapheme_similarity(a: str, b: str) -> float:
    """Character-level similarity of two texts after :func:`~detectors.text.normalize`, in [0, 1].

    Copies edited by a typo, an emoji or a different @handle stay near 1; a rewording that keeps
    only a few words in common falls well below (see the calibration in docs/models.md).
    """
    na, nb = normalize(a), normalize(b)
    if na == nb:
        return 1.0
    if not na or not nb:
        return 0.0
    return difflib.SequenceMatcher(None, na, nb, autojunk=False).ratio()


def _same_language(lang_a: str | None, lang_b: str | None) -> bool:
    """Unknown languages count as the same: a rewording is the safer claim than a translation."""
    if not lang_a or not lang_b:
        return True
    return lang_a.split("-")[0].lower() == lang_b.split("-")[0].lower()


def type_relation(
    text: str,
    reference: str,
    cosine: float,
    *,
    lang: str | None,
    reference_lang: str | None,
    thresholds: RelationThresholds,
) -> Relation | None:
    """The relation of ``text`` to ``reference`` (e.g. a mention and its narrative's founding text).

    ``cosine`` is the embedding similarity of the two (or of the mention to the narrative centroid);
    ``lang`` / ``reference_lang`` are the declared languages (BCP 47 or ISO 639-1; only the primary
    subtag is compared).
    """
    if grapheme_similarity(text, reference) >= thresholds.copy_threshold:
        return "copy"
    if cosine < thresholds.semantic_threshold:
        return None
    return "rewording" if _same_language(lang, reference_lang) else "translation"


@dataclass(frozen=True, slots=True)
class RelationTally:
    """Counts of each relation among a narrative's mentions, small enough for an alert to carry."""

    counts: Mapping[Relation, int] = field(default_factory=dict)

    @classmethod
    def of(cls, relations: Iterable[Relation | None]) -> RelationTally:
        """Tally ``relations``; ``None`` (unrelated or untyped) is not counted."""
        counted = Counter(r for r in relations if r is not None)
        return cls({r: counted[r] for r in RELATIONS if counted[r]})

    def add(self, relation: Relation | None) -> RelationTally:
        """A new tally with one more ``relation`` (immutable, so snapshots can share it)."""
        if relation is None:
            return self
        counts = dict(self.counts)
        counts[relation] = counts.get(relation, 0) + 1
        return RelationTally(counts)

    def merged(self, other: RelationTally) -> RelationTally:
        """The sum of two tallies (e.g. of two narratives merged into one campaign)."""
        return RelationTally(
            {r: n for r in RELATIONS if (n := self.counts.get(r, 0) + other.counts.get(r, 0))}
        )

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, int]:
        """Every relation with its count (zeros included), in the fixed order of :data:`RELATIONS`."""
        return {r: int(self.counts.get(r, 0)) for r in RELATIONS}

    @classmethod
    def from_dict(cls, data: Mapping[str, int]) -> RelationTally:
        unknown = sorted(set(data) - set(RELATIONS))
        if unknown:
            raise ValueError(f"unknown relation {unknown[0]!r}; known: {', '.join(RELATIONS)}")
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in data.values()):
            raise ValueError("relation counts must be non-negative integers")
        return cls({r: data[r] for r in RELATIONS if data.get(r)})

    def describe(self) -> str:
        """Plain words for the analyst, e.g. ``"12 copies, 5 rewordings, 8 translations"``."""
        words = {"copy": ("copy", "copies"), "rewording": ("rewording", "rewordings"),
                 "translation": ("translation", "translations")}  # fmt: skip
        parts = [f"{n} {words[r][n != 1]}" for r in RELATIONS if (n := self.counts.get(r, 0))]
        return ", ".join(parts) if parts else "no typed relations"
