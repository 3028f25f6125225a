"""Coordinated inauthentic campaigns: thirteen kinds, one generator each.

Every kind has one parameter table (a frozen dataclass instance whose ``Range`` fields are drawn
uniformly per instance) with the real-world observation behind each number, and one generator
``make_<kind>(b, index) -> int`` (posts added). Posts are labelled ``<kind>-<index>``, which is also
the campaign's gold topic. Modules: :mod:`.bursts` (copy-paste, paraphrase waves, message switch),
:mod:`.slow` (12-hour drip, 90-minute trickle, troll farm), :mod:`.networks` (link ring, hashtag
flood, repost ring, reply storm), :mod:`.translated` (2 and 8 languages, resurfacing claim).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bench.worlds.builder import Builder
from bench.worlds.campaigns.bursts import make_copy_paste, make_message_switch, make_paraphrase_waves
from bench.worlds.campaigns.networks import (
    make_hashtag_flood,
    make_link_ring,
    make_reply_storm,
    make_repost_ring,
)
from bench.worlds.campaigns.slow import make_low_and_slow, make_slow_claims, make_troll_farm
from bench.worlds.campaigns.translated import make_resurfacing, make_translated_2, make_translated_8

CAMPAIGNS: Mapping[str, Callable[[Builder, int], int]] = {
    "copy_paste": make_copy_paste,
    "paraphrase_waves": make_paraphrase_waves,
    "low_and_slow": make_low_and_slow,
    "slow_claims": make_slow_claims,
    "message_switch": make_message_switch,
    "link_ring": make_link_ring,
    "hashtag_flood": make_hashtag_flood,
    "repost_ring": make_repost_ring,
    "troll_farm": make_troll_farm,
    "translated_2": make_translated_2,
    "translated_8": make_translated_8,
    "reply_storm": make_reply_storm,
    "resurfacing": make_resurfacing,
}
