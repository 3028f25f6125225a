"""Watchlist claims: validation, matching rules (threshold, scripts, short texts), calibration and the
resurfacing tracker. Vectors are hand-made here; tests/unit/test_analyst_golden.py uses real-model ones."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from detectors.config import DetectorConfig
from detectors.watchlist import (
    Claim,
    ClaimError,
    ClaimSighting,
    ResurfacingTracker,
    Watchlist,
    calibrate_claim_threshold,
)

CFG = DetectorConfig(claim_match_threshold=0.8)
LONG = "the claim text is long enough to match anything"


def unit(*xs: float) -> np.ndarray:
    v = np.zeros(8, dtype=np.float32)
    v[: len(xs)] = xs
    return v / np.linalg.norm(v)


def at_cos(c: float, axis: int = 0, other: int = 1) -> np.ndarray:
    """A unit vector at cosine ``c`` to the basis vector ``axis``."""
    v = np.zeros(8, dtype=np.float32)
    v[axis] = c
    v[other] = np.sqrt(1 - c * c)
    return v


# -- claims ------------------------------------------------------------------------------------------


def test_claim_from_a_text_or_several_keeps_other_fields() -> None:
    one = Claim.from_dict({"id": "c1", "text": " Veridia poisons the river ", "source": "factcheck.example"})
    assert one.texts == ("Veridia poisons the river",) and one.extra == {"source": "factcheck.example"}
    many = Claim.from_dict(
        {"id": "c2", "texts": ["a b c", "d e f", "a b c"], "severity_floor": "high", "notes": "n"}
    )
    assert many.texts == ("a b c", "d e f") and many.severity_floor == "high" and many.notes == "n"


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ({"text": "x"}, "id"),
        ({"id": " ", "text": "x"}, "id"),
        ({"id": "c"}, "text"),
        ({"id": "c", "text": ""}, "text"),
        ({"id": "c", "text": 3}, "text"),
        ({"id": "c", "texts": []}, "texts"),
        ({"id": "c", "texts": "one"}, "texts"),
        ({"id": "c", "texts": ["ok", ""]}, "texts[1]"),
        ({"id": "c", "text": "x", "texts": ["y"]}, "texts"),
        ({"id": "c", "text": "x", "notes": 1}, "notes"),
        ({"id": "c", "text": "x", "severity_floor": "severe"}, "severity_floor"),
    ],
)
def test_claim_validation_names_the_field(obj: dict[str, object], field: str) -> None:
    with pytest.raises(ClaimError) as err:
        Claim.from_dict(obj)
    assert err.value.field == field


def test_watchlist_refuses_duplicate_ids_and_wrong_vector_counts() -> None:
    claim = Claim("c", ("a b c",))
    with pytest.raises(ClaimError, match="unique"):
        Watchlist([claim, claim], np.stack([unit(1), unit(1)]), CFG)
    with pytest.raises(ValueError, match="1 wording vectors"):
        Watchlist([claim], np.stack([unit(1), unit(1)]), CFG)


# -- matching ----------------------------------------------------------------------------------------


def test_match_at_the_threshold_best_wording_best_claim_first() -> None:
    claims = [
        Claim("c1", ("first wording of one", "second wording of one")),
        Claim("c2", ("wording of two",)),
    ]
    wl = Watchlist(claims, np.stack([unit(1), unit(0, 1), unit(0, 1, 0.5)]), CFG)
    both = unit(0, 1, 0.2)  # closest to c1's second wording, close to c2 as well
    vectors = np.stack([at_cos(0.81), at_cos(0.79), both])
    first, second, third = wl.match([LONG, LONG, LONG], vectors)
    assert [(m.claim_id, m.wording) for m in first] == [("c1", 0)] and first[0].similarity == pytest.approx(
        0.81
    )
    assert second == ()
    assert [m.claim_id for m in third] == ["c1", "c2"] and third[0].wording == 1


def test_short_texts_never_match() -> None:
    wl = Watchlist([Claim("c1", ("a b c d",))], np.stack([unit(1)]), CFG)
    assert wl.match(["so true", LONG], np.stack([unit(1), unit(1)])) == ((), wl.match([LONG], [unit(1)])[0])


def test_uncovered_scripts_need_the_same_script_and_the_strict_threshold() -> None:
    arabic = "فيريديا تسمم نهر كوردان بالنفايات الكيميائية"
    claims = [Claim("en", ("Veridia is poisoning the Kordan river",)), Claim("ar", (arabic,))]
    wl = Watchlist(claims, np.stack([unit(1), unit(0, 1)]), CFG)  # MiniLM-like: model_scripts latin
    mention = "مصانع فيريديا تلقي نفايات سامة في نهر كوردان"
    near_en = at_cos(0.9, axis=0, other=2)
    assert wl.match([mention], [near_en]) == ((),)  # an English wording says nothing about Arabic text
    assert wl.match([mention], [at_cos(0.9, axis=1, other=2)]) == ((),)  # under 0.93
    (hit,) = wl.match([mention], [at_cos(0.95, axis=1, other=2)])
    assert [m.claim_id for m in hit] == ["ar"]
    multilingual = Watchlist(claims, np.stack([unit(1), unit(0, 1)]), replace(CFG, model_scripts=("*",)))
    (cross,) = multilingual.match([mention], [near_en])
    assert [m.claim_id for m in cross] == ["en"]


def test_empty_inputs() -> None:
    wl = Watchlist([], np.zeros((0, 8), dtype=np.float32), CFG)
    assert wl.match([LONG], [unit(1)]) == ((),)
    assert Watchlist([Claim("c", ("a b c",))], [unit(1)], CFG).match([], np.zeros((0, 8))) == ()


def test_calibration_sits_above_the_negatives_and_reports_recall() -> None:
    negatives = [0.2, 0.35, 0.512, 0.4]
    positives = [0.5, 0.6, 0.7, 0.9]
    result = calibrate_claim_threshold(positives, negatives)
    assert result.threshold == pytest.approx(0.52)
    assert result.false_match_rate == 0.0 and result.recall == pytest.approx(0.75)
    many = [i / 1000 for i in range(1000)]  # 2% of 1000 negatives may match: the top 20
    assert calibrate_claim_threshold([0.99], many).threshold == pytest.approx(0.98)
    with pytest.raises(ValueError):
        calibrate_claim_threshold([], negatives)


# -- resurfacing ----------------------------------------------------------------------------------


def sighting(t: float, account: str, claim: str = "c1", narrative: str | None = None) -> ClaimSighting:
    return ClaimSighting(t, f"m-{account}-{t:g}", account, claim, 0.9, "es", narrative)


def test_resurfaces_once_n_accounts_match_within_the_window() -> None:
    tracker = ResurfacingTracker(CFG)  # 3 accounts within 3600 s
    first = tracker.process([sighting(0, "a"), sighting(60, "a"), sighting(120, "b")])
    assert first == ()
    (opened,) = tracker.process([sighting(300, "c")])
    assert (opened.status, opened.revision, opened.accounts, opened.mentions) == ("open", 1, 3, 4)
    assert opened.first_seen == 0 and opened.as_of == 300 and opened.rule == "known claim resurfacing"
    assert opened.summary.startswith("Known claim c1 resurfaced: 3 accounts, 4 mentions in 5 min (es)")
    assert tracker.process([sighting(310, "x")]) == ()  # grown, but under min_revision_s after opening
    more = tracker.process([sighting(600 + i, f"y{i}") for i in range(4)])
    assert [f.status for f in more] == ["updated"]  # 300 s after opening and grown by 25%
    assert tracker.advance(603 + 3600) == ()
    (closed,) = tracker.advance(603 + 3601)
    assert closed.status == "closed" and closed.episode_id == opened.episode_id and closed.accounts == 8


def test_accounts_spread_beyond_the_window_do_not_resurface() -> None:
    tracker = ResurfacingTracker(CFG)
    found = tracker.process([sighting(i * 2000.0, f"a{i}") for i in range(6)])
    assert found == ()


def test_the_count_is_settable() -> None:
    tracker = ResurfacingTracker(replace(CFG, resurfacing_min_accounts=5, resurfacing_window_s=600))
    assert tracker.process([sighting(i * 100.0, f"a{i}") for i in range(4)]) == ()
    (opened,) = tracker.process([sighting(500.0, "a5")])
    assert opened.accounts == 5


def test_claims_per_narrative_for_the_alert_contract() -> None:
    tracker = ResurfacingTracker(CFG)
    tracker.process(
        [sighting(0, "a", "c1", "nar-1"), sighting(1, "b", "c2", "nar-1"), sighting(2, "c", "c3", "nar-2")]
    )
    assert tracker.claims_for_narratives(["nar-1"]) == ("c1", "c2")
    assert tracker.claims_for_narratives(["nar-2", "nar-9"]) == ("c3",)


def test_snapshot_restore_continues_exactly() -> None:
    stream = [sighting(i * 40.0, f"a{i % 7}", "c1" if i % 3 else "c2", f"nar-{i % 2}") for i in range(40)]
    whole = ResurfacingTracker(CFG)
    expected = whole.process(stream[:20]) + whole.process(stream[20:]) + whole.advance(10_000)
    half = ResurfacingTracker(CFG)
    got = half.process(stream[:20])
    copy = ResurfacingTracker.restore(json.loads(json.dumps(half.snapshot())), CFG)
    got += copy.process(stream[20:]) + copy.advance(10_000)
    assert got == expected and [f.status for f in expected].count("open") == 2


def test_flush_closes_every_open_episode() -> None:
    tracker = ResurfacingTracker(CFG)
    tracker.process([sighting(i, f"a{i}") for i in range(3)] + [sighting(i, f"b{i}", "c2") for i in range(3)])
    assert tracker.open_episodes == 2
    assert [(f.claim_id, f.status) for f in tracker.flush()] == [("c1", "closed"), ("c2", "closed")]


def test_languages_known_to_differ_use_the_cross_language_threshold() -> None:
    cfg = replace(CFG, claim_match_threshold=0.9, claim_match_cross_threshold=0.8, model_scripts=("*",))
    wl = Watchlist([Claim("c1", ("The embassy is funding the protests in secret",))], [unit(1)], cfg)
    spanish = "La embajada financia en secreto las protestas de la oposición"
    english = "The embassy statement on the protests was published in the morning"
    vectors = np.stack([at_cos(0.85), at_cos(0.85), at_cos(0.85)])
    got = wl.match([spanish, english, spanish], vectors, ["es", None, "en"])
    assert [len(m) for m in got] == [1, 0, 0]  # a tagged "en" on Spanish text is taken at its word


def test_language_hint() -> None:
    from detectors.watchlist import language_hint

    assert language_hint("anything", "es-419") == "es"
    assert language_hint("La embajada de Veridia financia las protestas de la oposición") == "es"
    assert language_hint("The embassy is funding the protests in secret") == "en"
    assert language_hint("سفارة فيريديا تمول سرا احتجاجات المعارضة في كوردان") == "ar"
    assert language_hint("Veridia Kordan") is None
