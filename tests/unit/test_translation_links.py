"""Translation links: emerging themes in other languages join one group (detectors/translation_links.py),
and the campaign level scores the group as one theme."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from detectors.campaigns import CampaignTracker
from detectors.config import DetectorConfig
from detectors.facts import Action, NarrativeReport, encode_centroid
from detectors.translation_links import TranslationLinks, different_languages, language_key
from tests.unit.test_campaigns import born, drive, drive_until, unit, young
from tests.unit.test_coaction import T0

LANGS = ("en", "es", "fr", "ar", "fa", "id", "ru", "tr")
SCRIPT = {"en": "latin", "es": "latin", "fr": "latin", "id": "latin", "tr": "latin", "ar": "arabic",
          "fa": "arabic", "ru": "cyrillic", None: "latin"}  # fmt: skip


def links(**overrides: object) -> TranslationLinks:
    cfg = replace(DetectorConfig(), translation_link_threshold=0.9, **overrides)  # type: ignore[arg-type]
    return TranslationLinks(cfg)


def centroid(seed: int, near: np.ndarray | None = None, noise: float = 0.0) -> str:
    return encode_centroid(unit(seed, near, noise))


def found(tl: TranslationLinks, narrative: str, theme: str, t: float, lang: str | None, vector: str) -> None:
    """``narrative`` founds ``theme`` at ``t`` in ``lang`` (its script from the language)."""
    tl.born(narrative, theme, created=True, t=t, script=SCRIPT[lang], lang=lang, centroid=vector)


def emerge(tl: TranslationLinks, theme: str, t: float, accounts: int = 2) -> list[tuple[str, str]]:
    merged: list[tuple[str, str]] = []
    for k in range(accounts):
        merged += tl.observe(theme, f"{theme}-acc{k}", t + k)
    return merged


def test_languages_differ_by_script_or_by_two_different_tags() -> None:
    assert different_languages(("latin", "en"), ("arabic", None))
    assert different_languages(("latin", "en"), ("latin", "es"))
    assert not different_languages(("latin", "en"), ("latin", None))  # untagged: maybe English
    assert not different_languages(("arabic", "ar"), ("arabic", "ar"))


def test_language_key_keeps_the_primary_subtag() -> None:
    assert language_key("pt-BR") == "pt"
    assert language_key("EN_us") == "en"
    assert language_key("") is None and language_key(None) is None


def test_emerging_themes_in_other_languages_that_are_close_join_one_group() -> None:
    tl = links()
    subject = unit(1)
    found(tl, "n1", "t1", 0.0, "en", centroid(2, subject, 0.02))
    found(tl, "n2", "t2", 10.0, "ar", centroid(3, subject, 0.02))
    assert emerge(tl, "t1", 20.0) == []  # nothing else is emerging yet
    assert emerge(tl, "t2", 30.0) == [("t2", "t1")]
    assert tl.group_of("t2") == "t1" and tl.group_of("t1") == "t1"
    assert tl.links == 1


@pytest.mark.parametrize(
    ("second_lang", "second_vector", "second_t"),
    [
        ("en", "close", 10.0),  # same language: the theme join already said no
        ("ar", "far", 10.0),  # another subject
        (None, "close", 10.0),  # language unknown, same script: it may be English
        ("ar", "close", 1000.0),  # the first theme is no longer young (emerging_theme_s = 900)
    ],
)
def test_no_link(second_lang: str | None, second_vector: str, second_t: float) -> None:
    tl = links()
    subject = unit(1)
    vector = centroid(3, subject, 0.02) if second_vector == "close" else centroid(99)
    found(tl, "n1", "t1", 0.0, "en", centroid(2, subject, 0.02))
    emerge(tl, "t1", 5.0)
    found(tl, "n2", "t2", second_t, second_lang, vector)
    assert emerge(tl, "t2", second_t + 5.0) == []
    assert tl.group_of("t2") == "t2"


def test_links_are_off_at_threshold_one() -> None:
    tl = TranslationLinks(DetectorConfig())
    assert not tl.enabled
    subject = unit(1)
    found(tl, "n1", "t1", 0.0, "en", centroid(2, subject, 0.01))
    found(tl, "n2", "t2", 1.0, "ar", centroid(3, subject, 0.01))
    assert emerge(tl, "t1", 2.0) == [] and emerge(tl, "t2", 3.0) == []


def test_a_refreshed_centroid_can_make_the_link() -> None:
    tl = links()
    subject = unit(1)
    found(tl, "n1", "t1", 0.0, "en", centroid(2, subject, 0.02))
    found(tl, "n2", "t2", 1.0, "ar", centroid(99))
    emerge(tl, "t1", 2.0)
    assert emerge(tl, "t2", 3.0) == []
    # The narrative grew: its centroid now says what its first post did not.
    assert tl.refresh("n2", "t2", centroid(4, subject, 0.02), 60.0) == [("t2", "t1")]


def test_a_theme_reaching_two_groups_merges_them_into_the_closest() -> None:
    tl = links()
    subject = unit(1)
    # Two English themes on the subject (the same language never links them to each other)...
    found(tl, "n1", "t1", 0.0, "en", centroid(2, subject, 0.03))
    found(tl, "n2", "t2", 1.0, "en", centroid(5, subject, 0.01))
    assert emerge(tl, "t1", 2.0) == [] and emerge(tl, "t2", 3.0) == []
    # ... and an Arabic one that reaches both: all three are one group, named by the closest.
    found(tl, "n3", "t3", 4.0, "ar", encode_centroid(subject))
    assert sorted(emerge(tl, "t3", 5.0)) == [("t1", "t2"), ("t3", "t2")]
    assert {tl.group_of(t) for t in ("t1", "t2", "t3")} == {"t2"}


def test_snapshot_round_trip_continues_with_the_same_decisions() -> None:
    subject = unit(1)

    def run(restore_at: int | None) -> list[list[tuple[str, str]]]:
        tl = links()
        out: list[list[tuple[str, str]]] = []
        for i, lang in enumerate(LANGS):
            if restore_at == i:
                tl = TranslationLinks.restore(json.loads(json.dumps(tl.snapshot())), tl.cfg)
            theme = f"t{i}"
            found(tl, f"n{i}", theme, 10.0 * i, lang, centroid(10 + i, subject, 0.02))
            out.append(emerge(tl, theme, 10.0 * i + 1))
        return out

    expected = run(None)
    assert sum(len(m) for m in expected) >= 1
    assert run(3) == expected and run(6) == expected


def eight_language_burst(noise: float) -> list[Action | NarrativeReport]:
    """40 young accounts push one claim in 8 languages within 10 minutes: one narrative and theme per
    language (a narrative per post pair would split further; here each language is one narrative)."""
    subject = unit(1)
    facts: list[Action | NarrativeReport] = []
    rng = np.random.default_rng(3)
    for i, lang in enumerate(LANGS):
        nid = f"nar-{lang}"
        start = 1000.0 + 20.0 * i
        facts.append(born(nid, start, unit(200 + i, subject, noise)))
        for k in range(5):
            t = start + k * 110.0 + float(rng.uniform(0, 5))
            facts.append(young(f"bot-{lang}-{k}", t, nid, mid=f"{lang}{k}", founder=k == 0, lang=lang))
    return sorted(facts, key=lambda f: (f.t, isinstance(f, Action)))


def campaign_tracker(link: float) -> CampaignTracker:
    # Translations are further apart than the theme join: 8 themes, as multilingual-e5-small makes.
    cfg = replace(DetectorConfig(), theme_threshold=0.99, translation_link_threshold=link)
    return CampaignTracker(cfg, model_name="test-model")


def test_a_claim_pushed_in_eight_languages_is_one_campaign_alert_listing_them_all() -> None:
    facts = eight_language_burst(noise=0.03)
    pair = [float(unit(200 + i, unit(1), 0.03) @ unit(201 + i, unit(1), 0.03)) for i in range(7)]
    assert max(pair) < 0.99 and min(pair) > 0.9  # separate themes, close enough to link
    alerts = drive(campaign_tracker(0.9), facts)
    ids = {a.alert_id for a in alerts}
    assert len(ids) == 1
    assert sorted(alerts[-1].languages) == sorted(LANGS)
    # Without links each language is a 5-account burst of its own: never one alert with them all.
    unlinked = drive(campaign_tracker(1.0), facts)
    assert not any(sorted(a.languages) == sorted(LANGS) for a in unlinked)


def test_links_survive_a_snapshot_of_the_tracker() -> None:
    facts = eight_language_burst(noise=0.03)
    expected = [a.to_dict() for a in drive(campaign_tracker(0.9), facts)]
    first = campaign_tracker(0.9)
    cut = T0 + 1300.0
    got = drive_until(first, [f for f in facts if f.t < cut])
    restored = CampaignTracker.restore(
        json.loads(json.dumps(first.snapshot())), first.config, model_name="test-model"
    )
    got += [a.to_dict() for a in drive(restored, [f for f in facts if f.t >= cut])]
    assert got == expected
