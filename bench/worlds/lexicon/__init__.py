"""The texts of the generated world: one module per language, all with the same shape.

Every language module defines ``PACK``, a :class:`LanguagePack`. The world is fictional (countries
such as Valdoria, Azmara or Sarinda, a vaccine called Novaxil, a phone called Orbis 9), so no real
person, country or organisation is the subject of a generated claim.

Template syntax, read by :mod:`bench.worlds.compose`:

* ``[a|b|c]`` picks one alternative (the synonyms of a paraphrase, or plain variety);
* ``{np}``, ``{detail}``, ``{country}``, ``{player}``, ``{team}``, ``{place}``, ``{tag}``, ``{link}``
  are slots the generator fills; ``{name}``, ``{n}``, ``{m}``, ``{hour}`` are a person's name and
  numbers drawn per post (they make everyday posts as varied as real ones).

Details (``TopicText.details``) carry no final punctuation so that frames can embed them.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cache

LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "ar", "fa", "id", "ru", "tr")
SCRIPTS: Mapping[str, str] = {
    "en": "latin",
    "es": "latin",
    "fr": "latin",
    "id": "latin",
    "tr": "latin",
    "ar": "arabic",
    "fa": "arabic",
    "ru": "cyrillic",
}


@dataclass(frozen=True, slots=True)
class TopicText:
    """How people of one language talk about one organic subject."""

    nps: tuple[str, ...]  # noun phrases for the subject ("the strait talks")
    details: tuple[str, ...]  # things said about it, without final punctuation
    tags: tuple[str, ...] = ()  # hashtags some people add (no '#')


@dataclass(frozen=True, slots=True)
class EventText:
    """A breaking-news event in one language: outlet headlines and reactions that name it."""

    headlines: tuple[str, ...]
    reactions: tuple[str, ...]
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LanguagePack:
    code: str
    names: str  # ASCII given names for handles, space-separated
    surnames: str  # ASCII family names for handles, space-separated
    # organic chatter
    frames: tuple[str, ...]  # use {np} and/or {detail}
    opinions: tuple[str, ...]
    slang: tuple[str, ...]  # interjections, prepended or appended
    daily: tuple[str, ...]  # everyday life, no topic; {name}, {n}, {m}, {hour}
    asides: tuple[str, ...]  # a personal second sentence after a post on a subject; {name}, {n}, {m}, {hour}
    reactions: tuple[str, ...]  # to shocking news, generic
    replies: tuple[str, ...]  # to someone else's post; may use {np}
    rubrics: tuple[str, ...]  # headline rubrics of outlets ("UPDATE", "Analysis")
    quote_comments: tuple[str, ...]  # on a quoted post or a shared article
    code_switch: tuple[str, ...]  # foreign (mostly English) words dropped into this language
    # organic hard negatives
    sports_shouts: tuple[str, ...]  # {player}, {team}
    copypasta: tuple[str, ...]  # memes and chain posts ordinary users copy verbatim
    charity: tuple[str, ...]  # {place}, {link}
    official: tuple[str, ...]  # a ministry's or embassy's message; {country}, {tag}
    # campaign material
    attack_replies: tuple[str, ...]  # hostile replies to an official account; {country}
    slant_frames: tuple[str, ...]  # troll-farm spin on a current subject; {np}
    link_comments: tuple[str, ...]  # a line above a pushed link
    countries: Mapping[str, str] = field(default_factory=dict)  # country id -> name in this language
    places: Mapping[str, str] = field(default_factory=dict)  # event id -> the stricken place's name
    topics: Mapping[str, TopicText] = field(default_factory=dict)
    events: Mapping[str, EventText] = field(default_factory=dict)
    claims: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # claim id -> templates
    given_names: str = ""  # names as written in posts (native script), space-separated; default: ``names``

    def people(self) -> tuple[str, ...]:
        """Given names as people write them in this language."""
        return (
            tuple(self.given_names.split())
            if self.given_names
            else tuple(n.capitalize() for n in self.names.split())
        )

    def text_fields(self) -> dict[str, tuple[str, ...]]:
        """The flat phrase lists by field name (for completeness checks)."""
        return {
            f.name: getattr(self, f.name) for f in fields(self) if isinstance(getattr(self, f.name), tuple)
        }


@cache
def pack(lang: str) -> LanguagePack:
    """The language pack for ``lang`` (one of :data:`LANGUAGES`)."""
    if lang not in LANGUAGES:
        raise ValueError(f"no language pack for {lang!r}; known: {', '.join(LANGUAGES)}")
    module = importlib.import_module(f"{__name__}.{lang}")
    result: LanguagePack = module.PACK
    return result
