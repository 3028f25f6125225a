"""D3lta-style relation typing: copy, rewording, translation, and the tally an alert can carry."""

from __future__ import annotations

import pytest

from detectors.relations import (
    RELATIONS,
    RelationTally,
    RelationThresholds,
    grapheme_similarity,
    type_relation,
)

ORIGINAL = "Kordan's army has moved hundreds of tanks to the Veridian border overnight and is getting ready to invade."
T = RelationThresholds(copy_threshold=0.6, semantic_threshold=0.88)


def test_grapheme_similarity_is_one_for_normalised_copies_and_low_for_rewordings() -> None:
    assert grapheme_similarity(ORIGINAL, "RT @someone: " + ORIGINAL.upper()) == 1.0
    edited = ORIGINAL.replace("hundreds", "hundrds") + " 🔥🔥"
    assert grapheme_similarity(ORIGINAL, edited) > 0.95
    reworded = (
        "Huge columns of Kordani tanks rolled up to the Veridia border last night. An invasion is coming."
    )
    assert grapheme_similarity(ORIGINAL, reworded) < 0.6
    assert grapheme_similarity("", ORIGINAL) == 0.0


def test_a_copy_is_a_copy_whatever_the_cosine_or_the_languages() -> None:
    edited = ORIGINAL.replace("overnight", "over night")
    assert type_relation(edited, ORIGINAL, 0.2, lang="en", reference_lang="es", thresholds=T) == "copy"


def test_semantic_matches_are_rewordings_in_one_language_and_translations_across() -> None:
    reworded = (
        "Huge columns of Kordani tanks rolled up to the Veridia border last night. An invasion is coming."
    )
    spanish = (
        "El ejército de Kordan ha trasladado cientos de tanques a la frontera con Veridia durante la noche."
    )
    assert (
        type_relation(reworded, ORIGINAL, 0.93, lang="en", reference_lang="en-GB", thresholds=T)
        == "rewording"
    )
    assert (
        type_relation(spanish, ORIGINAL, 0.91, lang="es", reference_lang="en", thresholds=T) == "translation"
    )
    # An unknown language is not evidence of a translation.
    assert type_relation(spanish, ORIGINAL, 0.91, lang=None, reference_lang="en", thresholds=T) == "rewording"


def test_below_the_semantic_threshold_nothing_is_typed() -> None:
    other = "Bread prices in Kordan are about to triple because the government sold the grain reserves."
    assert type_relation(other, ORIGINAL, 0.87, lang="en", reference_lang="en", thresholds=T) is None


def test_thresholds_are_validated() -> None:
    with pytest.raises(ValueError, match="copy_threshold"):
        RelationThresholds(copy_threshold=1.5)


def test_tally_counts_adds_merges_and_round_trips() -> None:
    tally = RelationTally.of(["copy", "copy", None, "translation"])
    assert tally.to_dict() == {"copy": 2, "rewording": 0, "translation": 1}
    assert tally.total == 3
    grown = tally.add("rewording").add(None)
    assert grown.to_dict() == {"copy": 2, "rewording": 1, "translation": 1}
    assert tally.to_dict()["rewording"] == 0  # immutable
    assert grown.merged(tally).to_dict() == {"copy": 4, "rewording": 1, "translation": 2}
    assert RelationTally.from_dict(grown.to_dict()) == grown
    assert grown.describe() == "2 copies, 1 rewording, 1 translation"
    assert RelationTally().describe() == "no typed relations"
    assert tuple(grown.to_dict()) == RELATIONS


def test_tally_rejects_unknown_relations_and_bad_counts() -> None:
    with pytest.raises(ValueError, match="unknown relation"):
        RelationTally.from_dict({"paraphrase": 1})
    with pytest.raises(ValueError, match="non-negative"):
        RelationTally.from_dict({"copy": -1})
