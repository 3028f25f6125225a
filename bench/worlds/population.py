"""Who posts: fictional countries, personas of ordinary users, outlets, influencers and official accounts.

Persona distributions (one table, :data:`PERSONA`) are heavy-tailed as measured on real platforms;
each figure names its source. Campaign operators create or take over accounts through
:meth:`Population.make_account` and :meth:`Population.draw_users` like everyone else, so nothing in an
account's fields says which side it is on.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from bench.worlds.lexicon import LANGUAGES, pack
from bench.worlds.model import Account, IdMint

DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class Country:
    id: str
    lang: str
    tz_hours: float
    tld: str  # fictional top-level domain of its outlets


COUNTRIES: tuple[Country, ...] = (
    Country("valdoria", "en", 0.0, "vld"),
    Country("nortmark", "en", -5.0, "ntm"),
    Country("marvela", "es", -4.0, "mrv"),
    Country("sancara", "es", 1.0, "snc"),
    Country("lorvane", "fr", 1.0, "lrv"),
    Country("azmara", "ar", 3.0, "azm"),
    Country("qadira", "ar", 2.0, "qdr"),
    Country("parsavan", "fa", 3.5, "prs"),
    Country("sarinda", "id", 7.0, "srd"),
    Country("vostrava", "ru", 3.0, "vst"),
    Country("tarsania", "tr", 3.0, "trs"),
)
COUNTRY = {c.id: c for c in COUNTRIES}

INTERESTS: Mapping[str, float] = {
    # category: share of users who follow it (weights, not probabilities)
    "politics": 0.45,
    "economy": 0.35,
    "sports": 0.35,
    "tech": 0.25,
    "health": 0.25,
    "weather": 0.3,
    "daily": 0.8,
}

# Platform mix per language (weights). Telegram is large in the Russian- and Persian-speaking
# world, Facebook in the Arabic-speaking world and Indonesia (DataReportal 2024 country reports).
PLATFORMS: Mapping[str, Mapping[str, float]] = {
    "default": {"x": 0.62, "bluesky": 0.1, "mastodon": 0.05, "facebook": 0.15, "telegram": 0.08},
    "ru": {"x": 0.35, "bluesky": 0.03, "mastodon": 0.02, "facebook": 0.1, "telegram": 0.5},
    "fa": {"x": 0.45, "bluesky": 0.02, "mastodon": 0.02, "facebook": 0.06, "telegram": 0.45},
    "ar": {"x": 0.5, "bluesky": 0.02, "mastodon": 0.01, "facebook": 0.37, "telegram": 0.1},
    "id": {"x": 0.5, "bluesky": 0.02, "mastodon": 0.01, "facebook": 0.4, "telegram": 0.07},
}


@dataclass(frozen=True, slots=True)
class PersonaTable:
    """Distributions of ordinary users (log-normal: median and sigma of the log)."""

    # Account age: most accounts in a live stream are years old; Twitter's median active account in
    # 2020 was ~5 years old. Median 4 years, wide.
    age_median_days: float = 1500.0
    age_sigma: float = 0.8
    # Brand-new accounts are common among real users too (sign-ups after news, second accounts);
    # 5% of ordinary posters are under 60 days old so "new account" alone is not a campaign tell.
    young_share: float = 0.05
    young_max_days: float = 60.0
    # Followers: heavy-tailed; median ~100 for active X users (Twitter 2013-2020 samples: 60-120),
    # the top 1% above ~10k.
    followers_median: float = 100.0
    followers_sigma: float = 1.7
    young_followers_median: float = 15.0
    # Posts per day on the listened subjects: median ~1, heavy tail (Pew 2019: the top 10% of
    # users write 80% of tweets).
    rate_median: float = 1.0
    rate_sigma: float = 1.1
    # Share of users who also write in English besides their first language.
    english_second: float = 0.2
    # Paid verification on X: a few percent of ordinary accounts carry a check mark.
    verified_share: float = 0.03
    # Handles in the platform's default form (Name + 8 digits) among all accounts.
    default_handle_share: float = 0.25


PERSONA = PersonaTable()


class Population:
    """Every account of the world, indexed by language."""

    def __init__(
        self,
        rng: np.random.Generator,
        rnd: random.Random,
        mint: IdMint,
        start: float,
        lang_mix: Mapping[str, float],
        n_users: int,
    ) -> None:
        self.rng, self.rnd, self.mint, self.start = rng, rnd, mint, start
        self.lang_mix = {lang: w for lang, w in lang_mix.items() if w > 0}
        self.accounts: list[Account] = []
        self.users_by_lang: dict[str, list[Account]] = {lang: [] for lang in LANGUAGES}
        self.outlets: dict[str, list[tuple[Account, str]]] = {}  # country -> (account, domain)
        self.influencers: dict[str, list[Account]] = {lang: [] for lang in LANGUAGES}
        self._pools: dict[tuple[tuple[str, ...], float, str | None], list[Account]] = {}
        self._populate(n_users)

    # -- building ------------------------------------------------------------------------------------

    def _populate(self, n_users: int) -> None:
        langs = list(self.lang_mix)
        weights = np.array([self.lang_mix[lang] for lang in langs])
        chosen = self.rng.choice(len(langs), size=n_users, p=weights / weights.sum())
        ages = self._draw_ages(n_users)
        young = ages < PERSONA.young_max_days
        medians = np.where(young, PERSONA.young_followers_median, PERSONA.followers_median)
        followers = self.rng.lognormal(np.log(medians), PERSONA.followers_sigma).astype(int)
        rates = self.rng.lognormal(np.log(PERSONA.rate_median), PERSONA.rate_sigma, size=n_users)
        for i, idx in enumerate(chosen):
            acc = self.make_account(
                langs[idx],
                role="user",
                age_days=float(ages[i]),
                followers=int(followers[i]),
                rate=float(rates[i]),
            )
            self._add_user(acc)
        for country in COUNTRIES:
            if country.lang in self.lang_mix:
                self._add_outlets(country)
                self._add_influencers(country)

    def _add_user(self, acc: Account) -> None:
        self.accounts.append(acc)
        self.users_by_lang[acc.lang].append(acc)

    def _add_outlets(self, country: Country) -> None:
        outlets = []
        for suffix in self.rnd.sample(("herald", "times", "daily", "post", "news", "today", "24"), 2):
            name = f"{country.id}{suffix}"
            acc = self.make_account(
                country.lang, role="outlet", country=country.id, handle=name, followers=self._big_following()
            )
            acc.verified = True
            acc.created_at = self.start - self.rng.uniform(6, 15) * 365 * DAY_S
            outlets.append((acc, f"{name}.{country.tld}"))
            self.accounts.append(acc)
        self.outlets[country.id] = outlets

    def _add_influencers(self, country: Country) -> None:
        for _ in range(3):
            acc = self.make_account(country.lang, role="influencer", country=country.id)
            acc.followers = self._big_following()
            acc.verified = self.rnd.random() < 0.7
            acc.rate_per_day = float(self.rng.uniform(5, 25))
            self.influencers[acc.lang].append(acc)
            self.accounts.append(acc)

    def _big_following(self) -> int:
        # Outlets and public figures: 20k to a few million followers (log-uniform).
        return int(np.exp(self.rng.uniform(np.log(2e4), np.log(3e6))))

    def make_account(
        self,
        lang: str,
        *,
        role: str,
        country: str | None = None,
        handle: str | None = None,
        age_days: float | None = None,
        followers: int | None = None,
        rate: float | None = None,
    ) -> Account:
        """A persona drawn from :data:`PERSONA`; fixed fields can be given (campaigns set age, followers)."""
        if country is None:
            country = self.rnd.choice([c.id for c in COUNTRIES if c.lang == lang])
        if age_days is None:
            age_days = float(self._draw_ages(1)[0])
        young = age_days < PERSONA.young_max_days
        if followers is None:
            median = PERSONA.young_followers_median if young else PERSONA.followers_median
            followers = int(self.rng.lognormal(np.log(median), PERSONA.followers_sigma))
        created = self.start - age_days * DAY_S
        langs = (lang,) if lang == "en" or self.rnd.random() > PERSONA.english_second else (lang, "en")
        return Account(
            id=self.mint.at(created),
            handle=handle or self._handle(lang),
            platform=self._platform(lang),
            created_at=created,
            followers=followers,
            verified=self.rnd.random() < PERSONA.verified_share,
            langs=langs,
            country=country,
            tz_hours=COUNTRY[country].tz_hours,
            rate_per_day=rate
            if rate is not None
            else float(self.rng.lognormal(np.log(PERSONA.rate_median), PERSONA.rate_sigma)),
            interests=self._interests(),
            role=role,
        )

    def _draw_ages(self, n: int) -> np.ndarray:
        """Account ages in days: log-normal, plus a share of brand-new accounts."""
        old = np.clip(
            self.rng.lognormal(np.log(PERSONA.age_median_days), PERSONA.age_sigma, size=n),
            PERSONA.young_max_days,
            6500.0,
        )
        fresh = self.rng.uniform(0.5, PERSONA.young_max_days, size=n)
        return np.where(self.rng.random(n) < PERSONA.young_share, fresh, old)

    def _platform(self, lang: str) -> str:
        mix = PLATFORMS.get(lang, PLATFORMS["default"])
        names = list(mix)
        return self.rnd.choices(names, weights=[mix[n] for n in names])[0]

    def _interests(self) -> tuple[str, ...]:
        picked = tuple(c for c, p in INTERESTS.items() if self.rnd.random() < p)
        return picked or ("daily",)

    def _handle(self, lang: str) -> str:
        lp = pack(lang)
        name, surname = self.rnd.choice(lp.names.split()), self.rnd.choice(lp.surnames.split())
        if self.rnd.random() < PERSONA.default_handle_share:
            return f"{name.capitalize()}{self.rnd.randrange(10**7, 10**8)}"
        style = self.rnd.randrange(5)
        if style == 0:
            return f"{name}_{surname}"
        if style == 1:
            return f"{name}{surname[0]}{self.rnd.randrange(10, 99)}"
        if style == 2:
            return f"{name}.{surname}"
        if style == 3:
            return f"{surname}{name[0]}"
        return f"{name}{self.rnd.randrange(1970, 2010)}"

    # -- drawing ---------------------------------------------------------------------------------------

    def users(self, lang: str) -> list[Account]:
        return self.users_by_lang.get(lang, [])

    def draw_users(
        self,
        langs: Iterable[str],
        n: int,
        *,
        min_age_days: float = 0.0,
        interest: str | None = None,
        exclude: set[str] | None = None,
    ) -> list[Account]:
        """Up to ``n`` distinct ordinary users who write one of ``langs`` (interest preferred, not required)."""
        pool = self._pool(tuple(langs), min_age_days, interest, n)
        if exclude:
            pool = [a for a in pool if a.id not in exclude]
        if len(pool) <= n:
            return list(pool)
        picks = self.rng.choice(len(pool), size=n, replace=False)
        return [pool[i] for i in sorted(picks)]

    def _pool(
        self, langs: tuple[str, ...], min_age_days: float, interest: str | None, n: int
    ) -> list[Account]:
        # Ordinary users never change after construction, so pools are cached by what selects them.
        key = (langs, min_age_days, None)
        if key not in self._pools:
            self._pools[key] = [
                a for lang in langs for a in self.users(lang) if a.age_days(self.start) >= min_age_days
            ]
        if interest is None:
            return self._pools[key]
        keen_key = (langs, min_age_days, interest)
        if keen_key not in self._pools:
            self._pools[keen_key] = [a for a in self._pools[key] if interest in a.interests]
        keen = self._pools[keen_key]
        return keen if len(keen) >= n else self._pools[key]

    def outlet(self, lang: str) -> tuple[Account, str]:
        """A random outlet (account and web domain) of a country that writes ``lang``."""
        options = [o for c in COUNTRIES if c.lang == lang for o in self.outlets.get(c.id, [])]
        if not options:
            raise ValueError(f"no outlet writes {lang!r} in this world")
        return self.rnd.choice(options)

    def add(self, acc: Account) -> Account:
        """Register an account made elsewhere (campaign-made, official)."""
        self.accounts.append(acc)
        return acc
