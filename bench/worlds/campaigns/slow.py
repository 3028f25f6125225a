"""Campaigns that hide in time: the 12-hour drip, the 90-minute trickle, the troll farm's tiny bursts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bench.worlds.builder import Builder, Gold, Range
from bench.worlds.campaigns.common import (
    ALL_LANGS,
    Crew,
    audience_tz,
    campaign_tags,
    edit,
    gold_for,
    langs_with_family,
    pick_family,
    recruit,
    say,
)
from bench.worlds.catalog import FAMILIES, claims_in, subjects_in
from bench.worlds.compose import CASUAL, expand, fill
from bench.worlds.lexicon import pack
from bench.worlds.model import Account
from bench.worlds.timing import burst_times, diurnal_times


@dataclass(frozen=True, slots=True)
class SlowSpec:
    accounts: Range
    duration_s: Range
    posts_per_account: Range
    claims: Range
    copy_share: Range  # posts that repeat a claim's fixed wording instead of rewording it
    diurnal: bool  # follow the audience's waking hours (organic-looking timing)
    tag_share: float
    crew: Crew
    min_claims: int = 2
    prefer_family: str | None = None
    langs: Mapping[str, float] = field(default_factory=lambda: dict(ALL_LANGS))


# The tester's 12-hour drip: 25 accounts repeating four claims at ordinary hours ("low and slow"
# campaigns that stay under trending thresholds, INCAS).
LOW_AND_SLOW = SlowSpec(
    accounts=(20, 30), duration_s=(10 * 3600.0, 13 * 3600.0), posts_per_account=(2, 6), claims=(3, 4),
    copy_share=(0.3, 0.7), diurnal=True, tag_share=0.2, crew=Crew(new_share=(0.2, 0.6)), min_claims=3,
    langs={"en": 3.0, "fr": 1.0, "ru": 1.0, "ar": 1.0, "es": 1.0},
)  # fmt: skip
# The tester's election-claim campaign: 40 accounts, 1-3 posts each over 90 minutes, several claims.
SLOW_CLAIMS = SlowSpec(
    accounts=(30, 50), duration_s=(4500.0, 6300.0), posts_per_account=(1, 3), claims=(2, 4),
    copy_share=(0.0, 0.3), diurnal=False, tag_share=0.3, crew=Crew(new_share=(0.3, 0.7)),
    prefer_family="vote", langs={"en": 2.0, "fr": 2.0, "es": 1.0, "ar": 0.5, "ru": 0.5},
)  # fmt: skip


def _make_slow(b: Builder, index: int, kind: str, spec: SlowSpec) -> int:
    gold = gold_for(kind, index)
    lang = b.pick_language(langs_with_family(spec.langs, spec.min_claims))
    family = pick_family(b, lang, spec.min_claims, spec.prefer_family)
    claims = claims_in(lang, family)[: b.count_in(spec.claims)]
    masters = {c: b.writer.claim(lang, c) for c in claims}
    accounts = recruit(b, b.count_in(spec.accounts), lang, spec.crew)
    duration = b.between(spec.duration_s)
    t0 = b.uniform_start(duration)
    tags, copy_share, added = campaign_tags(b, lang, FAMILIES[family][0], 1), b.between(spec.copy_share), 0
    for acc in accounts:
        k = b.count_in(spec.posts_per_account)
        if spec.diurnal:
            times = diurnal_times(b.rng, k, t0, duration / 3600.0, audience_tz(lang))
        else:
            times = t0 + b.rng.uniform(0.0, duration, size=k)
        for when in times:
            claim = b.rnd.choice(claims)
            text = (
                edit(b, masters[claim], lang) if b.rnd.random() < copy_share else say(b, lang, claim, CASUAL)
            )
            use_tags = tags if b.rnd.random() < spec.tag_share else ()
            post = b.post(acc, float(when), text, gold, lang=lang, tags=use_tags, extra={"claim": claim})
            added += post is not None
    b.record(gold.label, kind, accounts, family=family, claims=list(claims), duration_s=duration)
    return added


def make_low_and_slow(b: Builder, index: int) -> int:
    return _make_slow(b, index, "low_and_slow", LOW_AND_SLOW)


def make_slow_claims(b: Builder, index: int) -> int:
    return _make_slow(b, index, "slow_claims", SLOW_CLAIMS)


# -- troll farm ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrollFarmSpec:
    # Real 2016 troll-farm tweets (the IRA archive): most coordinated bursts were tiny (3 posts), but
    # the same 141 accounts kept co-posting across hundreds of bursts on many subjects. The accounts
    # were mostly old, with built-up personas and followings.
    group: Range = (80, 150)
    bursts: Range = (120, 300)
    burst_sizes: Mapping[int, float] = field(default_factory=lambda: {2: 0.2, 3: 0.6, 4: 0.2})
    burst_spread_s: Range = (20.0, 150.0)
    copy_share: float = 0.6  # burst members posting the burst's text (with small edits)
    detail_share: float = 0.5  # bursts whose spin hangs on a news detail of the day
    tag_share: float = 0.3
    crew: Crew = field(default_factory=lambda: Crew(new_share=(0.0, 0.15), hijacked_share=0.2))
    langs: Mapping[str, float] = field(default_factory=lambda: {"en": 3.0, "ru": 1.0, "ar": 0.5, "es": 0.5})


TROLL_FARM = TrollFarmSpec()


def make_troll_farm(b: Builder, index: int, spec: TrollFarmSpec = TROLL_FARM) -> int:
    gold = gold_for("troll_farm", index)
    lang = b.pick_language(spec.langs)
    group = recruit(b, b.count_in(spec.group), lang, spec.crew)
    n_bursts = b.count_in(spec.bursts)
    # Bursts follow the audience's day, like the farm's shifts followed the target's time zone.
    starts = sorted(diurnal_times(b.rng, n_bursts, b.start, b.hours, audience_tz(lang)))
    sizes = list(spec.burst_sizes)
    added = 0
    for burst, start in enumerate(starts):
        size = b.rnd.choices(sizes, weights=[spec.burst_sizes[s] for s in sizes])[0]
        members = b.rnd.sample(group, size)
        added += _troll_burst(b, spec, members, lang, float(start), burst, gold)
    b.record(gold.label, gold.kind, group, bursts=n_bursts)
    return added


def _troll_burst(
    b: Builder, spec: TrollFarmSpec, members: list[Account], lang: str, start: float, burst: int, gold: Gold
) -> int:
    """2-4 members post one spin on a current subject within a couple of minutes."""
    lp = pack(lang)
    subject = b.rnd.choice(subjects_in(lang))
    topic = lp.topics[subject]
    np_ = b.rnd.choice(topic.nps)
    text = _spin(b, lang, np_, b.rnd.choice(topic.details) if b.rnd.random() < spec.detail_share else None)
    tags = topic.tags[:1] if b.rnd.random() < spec.tag_share else ()
    added = 0
    spread = b.between(spec.burst_spread_s)
    for acc, when in zip(members, burst_times(b.rng, len(members), start, spread), strict=True):
        own = edit(b, text, lang) if b.rnd.random() < spec.copy_share else _spin(b, lang, np_, None)
        post = b.post(
            acc, float(when), own, gold, lang=lang, tags=tags, extra={"burst": burst, "subject": subject}
        )
        added += post is not None
    return added


def _spin(b: Builder, lang: str, np_: str, detail: str | None) -> str:
    """A slanted take on a subject, after the news detail it hangs on when there is one."""
    slant = fill(expand(b.rnd.choice(pack(lang).slant_frames), b.rnd), np=np_)
    return f"{detail}. {slant}" if detail else slant
