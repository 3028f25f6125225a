"""Campaigns across languages: one claim translated into 2 or 8 languages, and a claim that resurfaces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.worlds.builder import Builder, Gold, Range
from bench.worlds.campaigns.common import Crew, gold_for, recruit, say
from bench.worlds.catalog import TRANSLATED_CLAIMS
from bench.worlds.compose import CASUAL, SCRIPTED
from bench.worlds.lexicon import LANGUAGES
from bench.worlds.model import Account
from bench.worlds.timing import burst_times


@dataclass(frozen=True, slots=True)
class TranslatedSpec:
    # VIGINUM's D3lta types "translation" as its own kind of coordinated duplicate; state media
    # operations publish one claim in many languages at once. The tester's case: one claim in eight
    # languages by 40 new accounts within 10 minutes, no shared hashtag or link; and a campaign in
    # English and Arabic.
    language_sets: tuple[tuple[str, ...], ...]
    accounts_per_language: Range
    window_s: Range
    crew: Crew = field(default_factory=lambda: Crew(new_share=(0.85, 1.0)))


TRANSLATED_2 = TranslatedSpec(
    language_sets=(("en", "ar"), ("fr", "ru"), ("es", "tr"), ("en", "fa"), ("id", "en")),
    accounts_per_language=(8, 15),
    window_s=(600.0, 1800.0),
)
TRANSLATED_8 = TranslatedSpec(
    language_sets=(LANGUAGES,), accounts_per_language=(4, 6), window_s=(600.0, 600.0)
)


def _make_translated(b: Builder, index: int, kind: str, spec: TranslatedSpec) -> int:
    gold = gold_for(kind, index)
    spoken = [s for s in spec.language_sets if all(b.population.users(lang) for lang in s)]
    if not spoken:
        raise ValueError(f"{kind}: no language set of {spec.language_sets} is spoken in this world")
    langs = b.fresh(kind, spoken)
    claim = b.fresh(f"{kind}-claim", TRANSLATED_CLAIMS)
    window = b.between(spec.window_s)
    t0 = b.uniform_start(window)
    crews = {lang: recruit(b, b.count_in(spec.accounts_per_language), lang, spec.crew) for lang in langs}
    accounts = [a for group in crews.values() for a in group]
    times = list(burst_times(b.rng, len(accounts), t0, window))
    b.rnd.shuffle(times)  # languages interleave within the window
    added = 0
    for acc, when in zip(accounts, times, strict=True):
        added += (
            b.post(acc, when, say(b, acc.lang, claim, SCRIPTED), gold, lang=acc.lang, extra={"claim": claim})
            is not None
        )
    b.record(gold.label, kind, accounts, claim=claim, languages=list(langs), window_s=window)
    return added


def make_translated_2(b: Builder, index: int) -> int:
    return _make_translated(b, index, "translated_2", TRANSLATED_2)


def make_translated_8(b: Builder, index: int) -> int:
    return _make_translated(b, index, "translated_8", TRANSLATED_8)


# -- a known false claim resurfacing in other languages ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResurfacingSpec:
    # Debunked claims come back months later reworded and translated (Meedan Check sends the old
    # fact-check back when a known claim reappears; EDMO/EUvsDisinfo log recurring claims). Here the
    # first wave runs early in the window in one language, the comeback hours later in 2-3 others.
    first_accounts: Range = (8, 15)
    first_span_s: Range = (1800.0, 7200.0)
    gap_s: Range = (4 * 3600.0, 10 * 3600.0)
    later_languages: Range = (2, 3)
    later_accounts: Range = (15, 30)
    later_span_s: Range = (1800.0, 5400.0)
    crew: Crew = field(default_factory=lambda: Crew(new_share=(0.3, 0.8)))


RESURFACING = ResurfacingSpec()


def make_resurfacing(b: Builder, index: int, spec: ResurfacingSpec = RESURFACING) -> int:
    gold = gold_for("resurfacing", index)
    claim = b.fresh("resurfacing-claim", TRANSLATED_CLAIMS)
    spoken = [lang for lang in LANGUAGES if b.population.users(lang)]
    first_lang = "en" if "en" in spoken else b.rnd.choice(spoken)
    later_langs = b.rnd.sample(
        [lang for lang in spoken if lang != first_lang], b.count_in(spec.later_languages)
    )
    first_span, gap, later_span = (
        b.between(spec.first_span_s),
        b.between(spec.gap_s),
        b.between(spec.later_span_s),
    )
    t0 = b.uniform_start(first_span + gap + later_span)
    first = recruit(b, b.count_in(spec.first_accounts), first_lang, spec.crew)
    added = _reword(b, first, t0, first_span, claim, gold, wave=0)
    later: list[Account] = []
    per_lang = max(1, b.count_in(spec.later_accounts) // len(later_langs))
    for lang in later_langs:
        later += recruit(b, per_lang, lang, spec.crew)
    added += _reword(b, later, t0 + first_span + gap, later_span, claim, gold, wave=1)
    b.record(
        gold.label, gold.kind, first + later, claim=claim, first=first_lang, later=later_langs, gap_s=gap
    )
    return added


def _reword(
    b: Builder, accounts: Sequence[Account], start: float, span: float, claim: str, gold: Gold, wave: int
) -> int:
    """Each account posts its own wording of ``claim`` at a random time in the span."""
    added = 0
    for acc, when in zip(accounts, start + b.rng.uniform(0.0, span, size=len(accounts)), strict=True):
        text = say(b, acc.lang, claim, CASUAL)
        added += (
            b.post(acc, float(when), text, gold, lang=acc.lang, extra={"claim": claim, "wave": wave})
            is not None
        )
    return added
