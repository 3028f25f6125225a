"""Scenario profiles: how big the day is, who speaks which language, which campaigns and events happen.

Campaign and event sizes come from their own tables (they do not scale with ``--mentions``); the
organic conversation fills the rest of the mention budget, so a smaller ``--mentions`` gives the
same campaigns in a quieter world.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Share of mentions per language in a multilingual listening stream of a foreign ministry's team:
# English dominant, the region's languages next (the mix of a digital-diplomacy monitoring desk).
DEFAULT_MIX: Mapping[str, float] = {
    "en": 0.42, "es": 0.12, "fr": 0.08, "ar": 0.10, "fa": 0.05, "id": 0.09, "ru": 0.08, "tr": 0.06,
}  # fmt: skip
HEAVY_NON_ENGLISH: Mapping[str, float] = {
    "en": 0.15, "es": 0.12, "fr": 0.12, "ar": 0.16, "fa": 0.10, "id": 0.13, "ru": 0.12, "tr": 0.10,
}  # fmt: skip

ALL_NEGATIVES: Mapping[str, int] = {
    "breaking_news": 2,
    "sports_burst": 1,
    "official_day": 1,
    "copypasta": 2,
    "charity_appeal": 1,
    "popular_thread": 1,
}


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    description: str
    mentions: int
    hours: float
    lang_mix: Mapping[str, float]
    campaigns: Mapping[str, int]  # kind -> instances
    negatives: Mapping[str, int]  # kind -> instances
    # Share of the organic budget (after events) in outlet and influencer cascades; the rest is
    # chatter. On X, retweets are about a third of all posts; cascades here also hold quotes/replies.
    cascade_share: float = 0.25
    # Distinct ordinary accounts per mention in the budget (a day of a keyword stream: most
    # accounts post once or twice).
    users_per_mention: float = 0.35
    extra: Mapping[str, str] = field(default_factory=dict)


PROFILES: Mapping[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            name="default",
            description="a mixed day: every campaign kind once or twice among organic chatter and hard negatives",
            mentions=100_000,
            hours=24.0,
            lang_mix=DEFAULT_MIX,
            campaigns={
                "copy_paste": 2,
                "paraphrase_waves": 2,
                "low_and_slow": 1,
                "slow_claims": 1,
                "message_switch": 1,
                "link_ring": 1,
                "hashtag_flood": 1,
                "repost_ring": 1,
                "troll_farm": 1,
                "translated_2": 1,
                "translated_8": 1,
                "reply_storm": 1,
                "resurfacing": 1,
            },
            negatives=ALL_NEGATIVES,
        ),
        Profile(
            name="multilingual",
            description="heavy non-English traffic; translated, resurfacing and non-English campaigns",
            mentions=100_000,
            hours=24.0,
            lang_mix=HEAVY_NON_ENGLISH,
            campaigns={
                "translated_2": 2,
                "translated_8": 2,
                "resurfacing": 2,
                "copy_paste": 2,
                "paraphrase_waves": 1,
                "hashtag_flood": 1,
                "reply_storm": 1,
                "link_ring": 1,
            },
            negatives={
                "breaking_news": 2,
                "sports_burst": 1,
                "official_day": 1,
                "copypasta": 1,
                "charity_appeal": 1,
                "popular_thread": 1,  # the organic counterpart of the reply storm
            },
        ),
        Profile(
            name="trollfarm",
            description="recurring groups posting many tiny bursts across subjects, with a repost ring",
            mentions=100_000,
            hours=24.0,
            lang_mix=DEFAULT_MIX,
            campaigns={"troll_farm": 2, "repost_ring": 1, "copy_paste": 1},
            negatives={"breaking_news": 1, "sports_burst": 1, "copypasta": 1, "popular_thread": 1},
        ),
        Profile(
            name="hard-negatives",
            description="organic viral events and official days only: any inauthentic alert is false",
            mentions=100_000,
            hours=24.0,
            lang_mix=DEFAULT_MIX,
            campaigns={},
            negatives={
                "breaking_news": 4,
                "sports_burst": 2,
                "official_day": 3,
                "copypasta": 4,
                "charity_appeal": 2,
                "popular_thread": 2,
            },
        ),
    )
}


def profile(name: str) -> Profile:
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of: {', '.join(PROFILES)}")
    return PROFILES[name]
