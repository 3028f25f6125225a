"""The calibration method on synthetic similarities whose right answer is known, and on the shipped set."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from detectors.calibration import (
    CalibrationError,
    CalibrationMethod,
    Chatter,
    Claim,
    SimilarityMatrix,
    calibrate,
    chatter_from_records,
    claims_from_records,
    edited_copy,
    labelled_pairs,
    open_set_false_join,
    open_set_scores,
    per_pair_rate,
    vector_similarity,
)

DATA = Path(__file__).resolve().parents[1] / "data"
# Eight languages as in the shipped set: one script's same-script pairs are then a small share of
# all pairs (1/64), as they are in real data.
LANGS = {"en": "words", "es": "palabras", "fr": "mots", "id": "kata", "tr": "kelimeler", "de": "worte",
         "it": "parole", "ar": "كلمات"}  # fmt: skip


def _claims() -> list[Claim]:
    out = []
    for t, split in ((1, "calibration"), (2, "calibration"), (3, "heldout"), (4, "heldout")):
        for c in (1, 2):
            # The leading token encodes topic-claim-language-version in digits (no script of its own).
            texts = {
                lang: tuple(f"{t}-{c}-{li}-{v} " + " ".join([word] * (5 + v)) for v in (0, 1))
                for li, (lang, word) in enumerate(LANGS.items())
            }
            out.append(Claim(f"{t}-{c}", f"topic{t}", split, texts))
    return out


def _chatter() -> list[Chatter]:
    return [
        Chatter(lang, split, tuple(f"0-{s}-{li}-{i} " + " ".join([word] * (2 + i)) for i in range(3)))
        for s, split in enumerate(("calibration", "heldout"))
        for li, (lang, word) in enumerate(LANGS.items())
    ]


def _similarity(arabic_blur: float | None = None):  # type: ignore[no-untyped-def]
    """Cosines by relation: copy 0.99, paraphrase 0.95, translation 0.90, same topic 0.80, other 0.70,
    chatter 0.50; ``arabic_blur`` lifts every Arabic-Arabic pair of different texts (an uncovered script)."""

    arabic = str(list(LANGS).index("ar"))

    def key(text: str) -> tuple[str, ...]:
        return tuple(text.split(" ")[0].split("-"))  # (topic or 0 for chatter, claim, language, version)

    def sim(a: str, b: str) -> float:
        ka, kb = key(a), key(b)
        if ka == kb:
            return 0.99
        same_claim = ka[:2] == kb[:2] and ka[0] != "0"
        if arabic_blur is not None and ka[2] == kb[2] == arabic and not same_claim:
            return arabic_blur
        if "0" in (ka[0], kb[0]):
            return 0.50
        if same_claim:
            return 0.95 if ka[2] == kb[2] else 0.90
        return 0.80 if ka[0] == kb[0] else 0.70

    return sim


FAST = CalibrationMethod(bootstrap=20)


def test_the_join_is_just_above_what_must_not_join_and_the_theme_keeps_claims_together() -> None:
    result = calibrate(_claims(), _chatter(), _similarity(), FAST)
    t = result.thresholds
    assert t["similarity_threshold"] == pytest.approx(0.801)  # same-topic pairs (0.80) must stay out
    # Every version of a claim reaches its claim's centroid (cosine > 0.9), so the claim-recall theme
    # sits above the join and is capped there.
    assert t["theme_threshold"] == t["similarity_threshold"]
    assert t["model_scripts"] == ["*"]
    assert t["tightness_low"] == t["similarity_threshold"] and t["tightness_high"] == pytest.approx(0.99)
    rates = result.heldout_rates
    assert rates["translation"] == rates["paraphrase"] == rates["edited_copy"] == 1.0
    assert rates["same_topic"] == rates["other_topic"] == rates["unrelated"] == 0.0
    assert rates["claim_recall"] == rates["theme_claim_recall"] == 1.0
    assert rates["open_set_false_join"] == 0.0  # no impostor narrative is within 0.1 of the join
    lo, hi = result.intervals["similarity_threshold"]
    assert lo <= t["similarity_threshold"] <= hi


def test_a_script_whose_unrelated_pairs_look_alike_gets_the_strict_threshold() -> None:
    result = calibrate(_claims(), _chatter(), _similarity(arabic_blur=0.85), FAST)
    t = result.thresholds
    assert t["model_scripts"] == ["latin"]
    assert t["uncovered_script_threshold"] == pytest.approx(0.851)
    assert t["similarity_threshold"] == pytest.approx(0.801)  # recalibrated on the covered script


def test_tolerating_more_same_topic_joins_lowers_the_join() -> None:
    loose = CalibrationMethod(max_same_topic=1.0, bootstrap=0)
    # Other-topic pairs (0.70) bound the pair rule; the open-set rule compares a post with other-topic
    # *narratives*, the centroid of a claim's two versions (0.70 + 0.70) / sqrt(0.99 + 0.99 + 2 * 0.95)
    # = 0.7107, and 40% of a post's impostor narratives are such claims: the join is just above them.
    assert calibrate(_claims(), _chatter(), _similarity(), loose).thresholds["similarity_threshold"] == 0.711


def test_pairs_are_formed_per_kind_and_edited_copies_are_deterministic() -> None:
    claims, chatter = _claims()[:4], _chatter()[:3]
    pairs = labelled_pairs(claims, chatter)
    kinds = {k: sum(p.kind == k for p in pairs) for k in {p.kind for p in pairs}}
    # 4 claims x 8 languages: a paraphrase and an edited copy each, 28 translations per claim;
    # 2 topics of 2 claims: 64 language pairs per claim pair.
    assert kinds["paraphrase"] == kinds["edited_copy"] == 32 and kinds["translation"] == 4 * 28
    assert kinds["same_topic"] == 2 * 64 and kinds["other_topic"] == 4 * 64
    text = "Kordan's army has moved hundreds of tanks to the border overnight"
    assert edited_copy(text, 3) == edited_copy(text, 3) != text


def test_bad_records_are_rejected_with_the_record_number() -> None:
    with pytest.raises(CalibrationError, match="record 1"):
        claims_from_records([{"claim": "x"}])
    with pytest.raises(CalibrationError, match="split"):
        claims_from_records([{"claim": "x", "topic": "t", "split": "train", "texts": {"en": ["a"]}}])
    with pytest.raises(CalibrationError, match="chatter record 1"):
        chatter_from_records([{"lang": "en", "split": "heldout", "texts": []}])
    with pytest.raises(CalibrationError, match="both"):
        calibrate([c for c in _claims() if c.split == "heldout"], _chatter(), _similarity(), FAST)


def test_the_shipped_multilingual_set_has_eight_languages_both_splits_and_no_leak() -> None:
    claims = claims_from_records(json.loads(line) for line in (DATA / "multilingual_claims.jsonl").open())
    chatter = chatter_from_records(json.loads(line) for line in (DATA / "multilingual_chatter.jsonl").open())
    required = {"en", "es", "fr", "ar", "fa", "id", "ru", "tr"}
    assert all(required <= set(c.texts) and all(len(v) >= 2 for v in c.texts.values()) for c in claims)
    assert {c.lang for c in chatter} >= required
    topics = {split: {c.topic for c in claims if c.split == split} for split in ("calibration", "heldout")}
    assert topics["calibration"] and topics["heldout"] and not topics["calibration"] & topics["heldout"]
    texts = [t for c in claims for v in c.texts.values() for t in v]
    assert len(set(texts)) == len(texts)


# -- the open-set rule: a post meets every live narrative of its bucket ------------------------------


def _vector_world(seed: int = 0) -> tuple[list[Claim], list[Chatter], list[str], np.ndarray]:
    """Claims whose versions scatter around a claim direction that shares a common component with
    every other text (a narrow cone, as multilingual-e5-small's), and everyday posts in that cone."""
    rng = np.random.default_rng(seed)
    common = rng.normal(size=32)
    texts: list[str] = []
    vectors: list[np.ndarray] = []

    def text(name: str, direction: np.ndarray, noise: float) -> str:
        v = 2.0 * common / np.linalg.norm(common) + direction + noise * rng.normal(size=32)
        texts.append(name)
        vectors.append(v / np.linalg.norm(v))
        return name

    claims = []
    for t, split in enumerate(("calibration",) * 6 + ("heldout",) * 4):
        for c in (1, 2):
            direction = rng.normal(size=32) / 4
            versions = {
                lang: tuple(text(f"{t}-{c}-{lang}-{v}", direction, 0.12) for v in (0, 1)) for lang in LANGS
            }
            claims.append(Claim(f"{t}-{c}", f"topic{t}", split, versions))
    chatter = [
        Chatter(
            lang, split, tuple(text(f"0-{split}-{lang}-{i}", rng.normal(size=32) / 4, 0.0) for i in range(4))
        )
        for split in ("calibration", "heldout")
        for lang in LANGS
    ]
    return claims, chatter, texts, np.stack(vectors).astype(np.float32)


def test_open_set_scores_are_cosines_to_leave_one_out_and_per_language_centroids() -> None:
    claims, _, texts, vectors = _vector_world()
    fit = [c for c in claims if c.split == "calibration"][:4]
    sims = SimilarityMatrix(texts, vector_similarity(texts, vectors))
    scores = open_set_scores(fit, [], sims)
    row = {t: vectors[i].astype(np.float64) for i, t in enumerate(texts)}

    def cosine_to_centroid(q: str, members: list[str]) -> float:
        centroid = np.sum([row[m] for m in members], axis=0)
        return float(row[q] @ centroid / np.linalg.norm(centroid))

    first = fit[0]
    q = first.texts["en"][0]
    others = [t for v in first.texts.values() for t in v if t != q]
    assert scores.genuine[0] == pytest.approx(cosine_to_centroid(q, others), abs=1e-6)
    # fit[0] and fit[1] share a topic: q's impostors are fit[2] and fit[3] in each language.
    expected = [cosine_to_centroid(q, list(c.texts[lang])) for c in fit[2:] for lang in sorted(c.texts)]
    assert scores.impostor[: len(expected)] == pytest.approx(expected, abs=1e-6)


def test_the_per_pair_rate_is_the_open_set_rate_over_k_narratives() -> None:
    p = per_pair_rate(0.05, 1000)
    assert 1 - (1 - p) ** 1000 == pytest.approx(0.05)
    assert per_pair_rate(0.05, 1) == pytest.approx(0.05)
    impostor = np.linspace(0.0, 0.999, 1000)  # 1 in 1000 at or above 0.999
    assert open_set_false_join(impostor, 0.999, 1) == pytest.approx(0.001)
    assert open_set_false_join(impostor, 0.999, 1000) == pytest.approx(1 - 0.999**1000)


def test_more_live_narratives_raise_the_join_and_keep_the_open_set_rate_under_its_bound() -> None:
    claims, chatter, texts, vectors = _vector_world()
    by_name = vector_similarity(texts, vectors)

    def similarity(a: str, b: str) -> float:  # an edited copy ("name 🔥") has its original's vector
        return by_name(a.split(" ")[0], b.split(" ")[0])

    joins = []
    for k in (1, 100, 10_000):
        method = CalibrationMethod(bootstrap=0, live_narratives=k)
        t = calibrate(claims, chatter, similarity, method).thresholds
        joins.append(t["similarity_threshold"])
        fit = [c for c in claims if c.split == "calibration"]
        fit_chatter = [c for c in chatter if c.split == "calibration"]
        scores = open_set_scores(fit, fit_chatter, SimilarityMatrix(texts, similarity))
        assert open_set_false_join(scores.impostor, t["similarity_threshold"], k) <= 0.05 or k == 1
        # The theme keeps 95% of a claim's versions with their claim, and stays at or under the join.
        assert np.mean(scores.genuine >= t["theme_threshold"]) >= 0.95
        assert t["theme_threshold"] <= t["similarity_threshold"]
    assert joins[0] < joins[1] < joins[2]


def test_the_open_set_parameters_are_checked() -> None:
    with pytest.raises(CalibrationError, match="live_narratives"):
        CalibrationMethod(live_narratives=0)
    with pytest.raises(CalibrationError, match="max_false_join"):
        CalibrationMethod(max_false_join=0.0)
    with pytest.raises(CalibrationError, match="claim_recall"):
        CalibrationMethod(claim_recall=1.0)


# -- translation links: theme centroid against theme centroid, K emerging themes ---------------------


def test_translation_links_compare_narratives_across_languages_and_bound_the_rate_at_k_emerging() -> None:
    claims, chatter, texts, vectors = _vector_world()
    by_name = vector_similarity(texts, vectors)

    def similarity(a: str, b: str) -> float:
        return by_name(a.split(" ")[0], b.split(" ")[0])

    fit = [c for c in claims if c.split == "calibration"]
    fit_chatter = [c for c in chatter if c.split == "calibration"]
    sims = SimilarityMatrix(texts, similarity)
    scores = open_set_scores(fit, fit_chatter, sims)
    # Narrative pairs: a claim's 8 languages give 28 translation pairs per claim.
    assert len(scores.translation) == 28 * len(fit)
    row = {t: vectors[i].astype(np.float64) for i, t in enumerate(texts)}

    def centroid(names: tuple[str, ...]) -> np.ndarray:
        c = np.sum([row[n] for n in names], axis=0)
        return c / np.linalg.norm(c)

    first = fit[0]
    langs = sorted(first.texts)
    assert scores.translation[0] == pytest.approx(
        float(centroid(first.texts[langs[0]]) @ centroid(first.texts[langs[1]])), abs=1e-6
    )
    links = []
    for k in (1, 16, 1000):
        t = calibrate(
            claims, chatter, similarity, CalibrationMethod(bootstrap=0, emerging_themes=k)
        ).thresholds
        link = t["translation_link_threshold"]
        links.append(link)
        assert link <= t["similarity_threshold"]
        assert (
            open_set_false_join(scores.cross_impostor, link, k) <= 0.05 or link == t["similarity_threshold"]
        )
    assert links[0] <= links[1] <= links[2] and links[0] < links[2]


def test_translation_links_are_off_where_a_script_is_not_covered() -> None:
    result = calibrate(_claims(), _chatter(), _similarity(arabic_blur=0.85), FAST)
    assert result.thresholds["translation_link_threshold"] == 1.0
    covered = calibrate(_claims(), _chatter(), _similarity(), FAST)
    assert covered.thresholds["translation_link_threshold"] <= covered.thresholds["similarity_threshold"]
