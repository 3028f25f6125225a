"""What every campaign kind shares: recruiting accounts, choosing a language, claims, tags, posting.

Operators use a mix of accounts (:class:`Crew`): some created for the operation, some bought or
hijacked old accounts that go on posting ordinary chatter, so that account age and followers are
evidence, not a giveaway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bench.worlds.builder import Builder, Gold, Range
from bench.worlds.catalog import FAMILIES, claims_in
from bench.worlds.compose import SCRIPTED, NoiseRates
from bench.worlds.lexicon import LANGUAGES, pack
from bench.worlds.model import Account
from bench.worlds.population import COUNTRY

ALL_LANGS: Mapping[str, float] = dict.fromkeys(LANGUAGES, 1.0)


@dataclass(frozen=True, slots=True)
class Crew:
    """How a campaign gets its accounts.

    Twitter's information-operation archives (2018-2021) mix accounts created days or weeks before
    the operation with years-old accounts that were bought or compromised; Luceri et al. (2024)
    find many IO accounts several years old. New accounts get few followers, some bought ones many.
    """

    new_share: Range = (0.3, 0.8)
    new_age_days: Range = (1.0, 90.0)
    hijacked_share: float = 0.5  # of the old accounts: ordinary users taken over (they keep posting)
    bought_followers_share: float = 0.2  # new accounts with bought followers (500-5000)


def recruit(b: Builder, n: int, lang: str, crew: Crew) -> list[Account]:
    """``n`` accounts writing ``lang``: new ones, hijacked ordinary users and bought aged ones."""
    n_new = round(n * b.between(crew.new_share))
    n_hijacked = round((n - n_new) * crew.hijacked_share)
    accounts = b.population.draw_users([lang], n_hijacked, min_age_days=365.0, exclude=b.enlisted)
    for i in range(n - len(accounts)):
        if i < n_new:
            # Skewed young: most operation accounts are days to a few weeks old.
            lo, hi = crew.new_age_days
            age = lo + (hi - lo) * float(b.rng.random()) ** 2
            bought = b.rnd.random() < crew.bought_followers_share
            followers = int(b.rng.uniform(500, 5000)) if bought else None
            acc = b.population.make_account(lang, role="operator", age_days=age, followers=followers)
        else:
            acc = b.population.make_account(lang, role="operator", age_days=b.between((365.0, 3000.0)))
        accounts.append(b.population.add(acc))
    b.enlisted.update(a.id for a in accounts)
    b.rnd.shuffle(accounts)
    return accounts


def langs_with_family(allowed: Mapping[str, float], min_claims: int) -> dict[str, float]:
    """The languages of ``allowed`` that have a claim family of at least ``min_claims`` claims."""
    return {
        lang: w for lang, w in allowed.items() if any(len(claims_in(lang, f)) >= min_claims for f in FAMILIES)
    }


def pick_family(b: Builder, lang: str, min_claims: int, prefer: str | None = None) -> str:
    """A claim family with at least ``min_claims`` claims in ``lang`` (``prefer`` when it has them)."""
    if prefer is not None and len(claims_in(lang, prefer)) >= min_claims:
        return prefer
    families = [f for f in FAMILIES if len(claims_in(lang, f)) >= min_claims]
    if not families:
        raise ValueError(f"no claim family with {min_claims}+ claims in {lang!r}")
    return b.rnd.choice(families)


def campaign_tags(b: Builder, lang: str, subject: str, n: int) -> tuple[str, ...]:
    """Hashtags a campaign pushes: the subject's organic tag (hijacked) and coined variants."""
    organic = pack(lang).topics[subject].tags if subject in pack(lang).topics else ()
    base = organic[0] if organic else subject.title().replace("-", "")
    coined = [f"{base}{suffix}" for suffix in ("Truth", "Exposed", "Lies", "Now")] if base.isascii() else []
    pool = list(organic) + coined
    return tuple(b.rnd.sample(pool, min(n, len(pool))))


def say(b: Builder, lang: str, claim: str, rates: NoiseRates) -> str:
    """A fresh wording of ``claim``, roughened."""
    return b.writer.roughen(b.writer.claim(lang, claim), lang, rates)


def edit(b: Builder, text: str, lang: str) -> str:
    """The small edits copy-pasters make so copies are not byte-identical."""
    if b.rnd.random() < 0.7:
        return b.writer.roughen(text, lang, SCRIPTED)
    return f"{text} {b.rnd.choice(('!', '🔥', '👇', '⚠️', '‼️'))}"


def post_each(
    b: Builder,
    accounts: Sequence[Account],
    times: Sequence[float],
    texts: Sequence[str],
    gold: Gold,
    **kw: Any,
) -> int:
    """One post per (account, time, text); returns how many fell inside the window."""
    added = 0
    for acc, t, text in zip(accounts, times, texts, strict=True):
        added += b.post(acc, float(t), text, gold, **kw) is not None
    return added


def audience_tz(lang: str) -> float:
    """The time zone of the first country writing ``lang`` (whose waking hours a campaign mimics)."""
    return next(c.tz_hours for c in COUNTRY.values() if c.lang == lang)


def gold_for(kind: str, index: int) -> Gold:
    """Label and gold topic of instance ``index`` of ``kind`` (each campaign is its own topic)."""
    label = f"{kind}-{index}"
    return Gold(label, label, kind)
