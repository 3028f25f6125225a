"""What the world talks about: organic subjects, claim families, breaking-news events.

The texts are in :mod:`bench.worlds.lexicon`; this module holds their metadata: which interest a
subject belongs to, how much it is talked about, whose home news it is, and which claims belong to
which subject (campaigns push claims about subjects that people also discuss honestly, so a
campaign's words overlap with organic chatter on the same subject).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bench.worlds.lexicon import LANGUAGES, pack
from bench.worlds.population import COUNTRY

DAILY_TOPIC = "daily-life"


@dataclass(frozen=True, slots=True)
class Subject:
    id: str
    interest: str  # the user interest (population.INTERESTS) that makes someone talk about it
    base: float  # relative volume outside surges
    home: tuple[str, ...] = ()  # countries whose people talk about it three times as much


SUBJECTS: tuple[Subject, ...] = (
    Subject("strait-talks", "politics", 1.0, ("valdoria", "azmara")),
    Subject("fuel-prices", "economy", 1.0),
    Subject("heatwave", "weather", 0.8),
    Subject("football-cup", "sports", 1.2),
    Subject("novaxil-vaccine", "health", 0.8),
    Subject("phone-launch", "tech", 0.7),
    Subject("lorvane-election", "politics", 1.0, ("lorvane",)),
    Subject("kestrel-dam", "politics", 0.6, ("tarsania", "parsavan")),
    Subject("harbor-bank", "economy", 0.6, ("nortmark",)),
    Subject("sarinda-bill", "politics", 0.8, ("sarinda",)),
    Subject("vostrava-grain", "economy", 0.6, ("vostrava", "tarsania")),
    Subject("parsavan-currency", "economy", 0.7, ("parsavan",)),
)
SUBJECT = {s.id: s for s in SUBJECTS}
HOME_BOOST = 3.0

# Claim families: claims about one subject (paraphrase waves push several claims of one family).
FAMILIES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    # family: (organic subject it rides on, claims)
    "strait": ("strait-talks", ("strait-mines", "strait-seize", "strait-cover", "strait-staged")),
    "vote": ("lorvane-election", ("vote-ballots", "vote-dead", "vote-machines", "vote-postal")),
    "vax": ("novaxil-vaccine", ("vax-infertility", "vax-deaths", "vax-rushed", "vax-profit")),
    "grain": ("vostrava-grain", ("grain-weapons",)),
    "dam": ("kestrel-dam", ("dam-villages",)),
    "fuel": ("fuel-prices", ("fuel-hoarding",)),
    "currency": ("parsavan-currency", ("currency-flight",)),
    "bank": ("harbor-bank", ("bank-planned",)),
    "sarinda": ("sarinda-bill", ("sarinda-sell",)),
}
# Claims written in all eight languages (translated campaigns and resurfacing claims use them).
TRANSLATED_CLAIMS: tuple[str, ...] = (
    "strait-mines",
    "vote-ballots",
    "vax-infertility",
    "vax-deaths",
    "grain-weapons",
)


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    country: str
    disaster: bool  # a charity appeal can follow it


EVENTS: tuple[Event, ...] = (
    Event("ferry-port-ellis", "valdoria", True),
    Event("quake-halwan", "qadira", True),
    Event("refinery-fire", "vostrava", False),
    Event("flood-sarinda", "sarinda", True),
    Event("belcourt-blackout", "lorvane", False),
    Event("kharvand-snow", "parsavan", False),
    Event("marvela-mine", "marvela", True),
    Event("tarsa-bridge", "tarsania", True),
)
EVENT = {e.id: e for e in EVENTS}

# The cup final of the sports burst: teams, players and the match tag, per pairing.
MATCHES: tuple[tuple[str, str, tuple[str, str], tuple[str, str], str], ...] = (
    # (home country, away country, home players, away players, match tag)
    ("marvela", "lorvane", ("Diego Ruiz", "Mateo Vidal"), ("Luc Moreau", "Yanis Arnaud"), "MRVvLOR"),
    ("azmara", "tarsania", ("Karim Haddad", "Sami Aziz"), ("Emre Aksoy", "Burak Tan"), "AZMvTRS"),
    ("sarinda", "sancara", ("Rizky Pratama", "Dimas Arya"), ("Pablo Sanz", "Iker Gil"), "SRDvSNC"),
)


def subjects_in(lang: str) -> tuple[str, ...]:
    """Organic subjects people writing ``lang`` talk about (those its pack has texts for)."""
    return tuple(s.id for s in SUBJECTS if s.id in pack(lang).topics)


def claims_in(lang: str, family: str) -> tuple[str, ...]:
    """The claims of ``family`` written in ``lang``."""
    return tuple(c for c in FAMILIES[family][1] if c in pack(lang).claims)


def family_of(claim: str) -> str:
    for family, (_, claims) in FAMILIES.items():
        if claim in claims:
            return family
    raise KeyError(f"claim {claim!r} belongs to no family")


def event_languages(event: str) -> tuple[str, ...]:
    """Languages with texts for ``event``, home language first."""
    home = COUNTRY[EVENT[event].country].lang
    others = tuple(lang for lang in LANGUAGES if lang != home and event in pack(lang).events)
    return ((home,) if event in pack(home).events else ()) + others
