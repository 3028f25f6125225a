"""Campaigns that post in bursts: copy-paste, paraphrased waves, and a campaign that switches message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bench.worlds.builder import Builder, Range
from bench.worlds.campaigns.common import (
    ALL_LANGS,
    Crew,
    campaign_tags,
    edit,
    gold_for,
    langs_with_family,
    pick_family,
    post_each,
    recruit,
    say,
)
from bench.worlds.catalog import FAMILIES, claims_in, family_of
from bench.worlds.compose import SCRIPTED
from bench.worlds.lexicon import pack
from bench.worlds.timing import burst_times, scheduled_times

# -- copy-paste burst ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CopyPasteSpec:
    # Copy-paste ("co-tweet") networks of tens of accounts posting one text within minutes (QUT
    # toolkit co-tweet networks; VERA-AI flags message co-sharing within 60 s).
    accounts: Range = (20, 60)
    window_s: Range = (120.0, 900.0)
    scheduled_share: float = 0.5  # instances posted through a scheduler: evenly spaced, jittered
    edit_share: Range = (0.1, 0.4)  # copies with a small edit to dodge exact matching
    tags: Range = (0, 2)
    crew: Crew = field(default_factory=lambda: Crew(new_share=(0.3, 0.9)))
    langs: Mapping[str, float] = field(default_factory=lambda: dict(ALL_LANGS))


COPY_PASTE = CopyPasteSpec()


def make_copy_paste(b: Builder, index: int, spec: CopyPasteSpec = COPY_PASTE) -> int:
    gold = gold_for("copy_paste", index)
    lang = b.pick_language(spec.langs)
    claim = b.fresh("copy_paste", sorted(pack(lang).claims))
    text = b.writer.claim(lang, claim)
    tags = campaign_tags(b, lang, FAMILIES[family_of(claim)][0], b.count_in(spec.tags))
    accounts = recruit(b, b.count_in(spec.accounts), lang, spec.crew)
    window = b.between(spec.window_s)
    t0 = b.uniform_start(window)
    scheduled = b.rnd.random() < spec.scheduled_share
    if scheduled:
        times = scheduled_times(b.rng, len(accounts), t0, window, window / len(accounts) / 2)
    else:
        times = burst_times(b.rng, len(accounts), t0, window)
    edit_share = b.between(spec.edit_share)
    texts = [edit(b, text, lang) if b.rnd.random() < edit_share else text for _ in accounts]
    added = post_each(b, accounts, list(times), texts, gold, lang=lang, tags=tags)
    b.record(gold.label, gold.kind, accounts, claim=claim, window_s=window, scheduled=scheduled)
    return added


# -- paraphrased talking points in synchronised waves ------------------------------------------------


@dataclass(frozen=True, slots=True)
class WavesSpec:
    # The tester's case: 60 young accounts, 6 waves of 12 accounts within 40 s, four different
    # claims about one subject, each reworded with synonyms.
    accounts: Range = (45, 75)
    waves: Range = (5, 7)
    wave_size: Range = (10, 14)
    wave_spread_s: Range = (25.0, 60.0)
    wave_gap_s: Range = (300.0, 1800.0)
    claims: Range = (3, 4)
    tag_share: Range = (0.0, 0.5)
    crew: Crew = field(default_factory=lambda: Crew(new_share=(0.7, 1.0)))
    langs: Mapping[str, float] = field(
        default_factory=lambda: {"en": 3.0, "es": 1.0, "fr": 1.0, "ru": 1.0, "ar": 1.0}
    )


PARAPHRASE_WAVES = WavesSpec()


def make_paraphrase_waves(b: Builder, index: int, spec: WavesSpec = PARAPHRASE_WAVES) -> int:
    gold = gold_for("paraphrase_waves", index)
    lang = b.pick_language(langs_with_family(spec.langs, 3))
    family = pick_family(b, lang, 3)
    claims = claims_in(lang, family)[: b.count_in(spec.claims)]
    accounts = recruit(b, b.count_in(spec.accounts), lang, spec.crew)
    tags = campaign_tags(b, lang, FAMILIES[family][0], 1)
    tag_share = b.between(spec.tag_share)
    gaps = [b.between(spec.wave_gap_s) for _ in range(b.count_in(spec.waves))]
    t = b.uniform_start(sum(gaps) + 120.0)
    added = 0
    for wave, gap in enumerate(gaps):
        members = b.rnd.sample(accounts, min(len(accounts), b.count_in(spec.wave_size)))
        claim = claims[wave % len(claims)]
        for acc, when in zip(
            members, burst_times(b.rng, len(members), t, b.between(spec.wave_spread_s)), strict=True
        ):
            use_tags = tags if b.rnd.random() < tag_share else ()
            post = b.post(
                acc, float(when), say(b, lang, claim, SCRIPTED), gold, lang=lang, tags=use_tags,
                extra={"wave": wave, "claim": claim},
            )  # fmt: skip
            added += post is not None
        t += gap
    b.record(gold.label, gold.kind, accounts, family=family, claims=list(claims), waves=len(gaps))
    return added


# -- a campaign that switches message mid-way ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SwitchSpec:
    # Operations pivot when a narrative is debunked or the news moves on: the same accounts push a
    # new claim on another subject (the Doppelganger operation, 2022-2024, moved from theme to theme).
    accounts: Range = (25, 50)
    phase_s: Range = (1200.0, 3600.0)
    pause_s: Range = (1800.0, 7200.0)
    posts_per_phase: Range = (1, 2)
    copy_share: Range = (0.3, 0.8)  # posts repeating the phase's master text (else reworded)
    crew: Crew = field(default_factory=lambda: Crew(new_share=(0.3, 0.8)))
    langs: Mapping[str, float] = field(
        default_factory=lambda: {"en": 3.0, "fr": 1.0, "ru": 1.0, "es": 1.0, "ar": 1.0}
    )


MESSAGE_SWITCH = SwitchSpec()


def make_message_switch(b: Builder, index: int, spec: SwitchSpec = MESSAGE_SWITCH) -> int:
    gold = gold_for("message_switch", index)
    lang = b.pick_language(langs_with_family(spec.langs, 1))
    families = [f for f in FAMILIES if claims_in(lang, f)]
    before, after = b.rnd.sample(families, 2)
    accounts = recruit(b, b.count_in(spec.accounts), lang, spec.crew)
    phases = [b.between(spec.phase_s), b.between(spec.pause_s), b.between(spec.phase_s)]
    t0 = b.uniform_start(sum(phases))
    added = 0
    for phase, (family, start) in enumerate(((before, t0), (after, t0 + phases[0] + phases[1]))):
        claim = b.rnd.choice(claims_in(lang, family))
        master = b.writer.claim(lang, claim)
        copy_share = b.between(spec.copy_share)
        for acc in accounts:
            for when in start + b.rng.uniform(0.0, phases[2 * phase], size=b.count_in(spec.posts_per_phase)):
                text = edit(b, master, lang) if b.rnd.random() < copy_share else say(b, lang, claim, SCRIPTED)
                post = b.post(acc, float(when), text, gold, lang=lang, extra={"phase": phase, "claim": claim})
                added += post is not None
    b.record(gold.label, gold.kind, accounts, families=[before, after])
    return added
