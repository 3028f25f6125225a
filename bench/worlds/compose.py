"""Turning the lexicon into posts: template expansion, and the noise of real writing.

:class:`Writer` owns a seeded ``random.Random`` (fast for the many small choices a text needs) and
writes every kind of text the world needs: chatter on a subject, replies, reactions, headlines,
claims reworded through their synonym slots. :meth:`Writer.roughen` adds what people do to text:
lower-case starts, dropped final stops, slang, emoji, elongated words, a typo, an English word in
another language. Rates are per post and come from the table below.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bench.worlds.lexicon import SCRIPTS, pack

_ALTERNATIVES = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{([a-z_]+)\}")

EMOJI_WARM: tuple[str, ...] = ("😂", "🤣", "😍", "🙌", "🔥", "👏", "💯", "✨", "❤️", "🥳")
EMOJI_GRIM: tuple[str, ...] = ("😡", "😢", "💔", "🙏", "😭", "😤", "🤦", "😬", "😱")
EMOJI_FLAT: tuple[str, ...] = ("👀", "🤔", "😅", "🙃", "🤷", "🧐", "😐")


@dataclass(frozen=True, slots=True)
class NoiseRates:
    """Per-post probabilities of each habit of casual writing.

    Observed in public multilingual tweet samples (e.g. the emoji share of tweets is ~20% in the
    2015-2019 Twitter emoji studies; informal lower-case starts and missing final stops dominate
    short posts); they are deliberately moderate so that copies stay copies after roughening.
    """

    lower_start: float = 0.35
    drop_final_stop: float = 0.4
    slang: float = 0.2
    emoji: float = 0.25
    elongate: float = 0.06
    typo: float = 0.12
    code_switch: float = 0.08
    shout: float = 0.02


CASUAL = NoiseRates()
# Campaign operators copy a script; their edits are small (an emoji, a tag), rarely typos.
SCRIPTED = NoiseRates(
    lower_start=0.1, drop_final_stop=0.2, slang=0.03, emoji=0.2, elongate=0.0, typo=0.03, code_switch=0.0
)
FORMAL = NoiseRates(0, 0, 0, 0, 0, 0, 0, 0)


def expand(template: str, rnd: random.Random) -> str:
    """Pick one alternative of every ``[a|b|c]`` group."""
    return _ALTERNATIVES.sub(lambda m: rnd.choice(m.group(1).split("|")), template)


def fill(template: str, **slots: str) -> str:
    """Fill ``{name}`` slots; a slot without a value is a programming error in the lexicon."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in slots:
            raise KeyError(f"template {template!r} needs slot {{{name}}}")
        return slots[name]

    return _SLOT.sub(value, template)


class Writer:
    """Every text of the world, in any language of :data:`bench.worlds.lexicon.LANGUAGES`."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd

    # -- small helpers ---------------------------------------------------------------------------

    def pick(self, items: Sequence[str]) -> str:
        return items[self.rnd.randrange(len(items))]

    def chance(self, p: float) -> bool:
        return self.rnd.random() < p

    # -- organic texts ---------------------------------------------------------------------------

    def chatter(self, lang: str, topic: str) -> tuple[str, tuple[str, ...]]:
        """A post in one's own words about an organic subject, and the hashtags it carries."""
        lp = pack(lang)
        tt = lp.topics[topic]
        frame = self.pick(lp.frames)
        text = fill(expand(frame, self.rnd), np=self.pick(tt.nps), detail=self.pick(tt.details))
        # A bare news detail is what the outlet wrote; a person adds something of their own.
        if frame == "{detail}" or self.chance(0.8):
            text = f"{text}. {self.comment(lang)}" if text[-1:].isalnum() else f"{text} {self.comment(lang)}"
        tags: tuple[str, ...] = ()
        # About one post in seven on a subject carries its tag (hashtag use in topical tweets, 10-20%).
        if tt.tags and self.chance(0.15):
            tags = (self.pick(tt.tags),)
        return self.roughen(text, lang), tags

    def comment(self, lang: str) -> str:
        """A second sentence: an opinion, or a personal aside with names and numbers of one's own."""
        lp = pack(lang)
        return self.personal(self.pick(lp.asides), lang) if self.chance(0.5) else self.pick(lp.opinions)

    def personal(self, template: str, lang: str) -> str:
        """Fill a person's own particulars: a friend's name, counts, minutes, the hour."""
        return fill(
            expand(template, self.rnd),
            name=self.pick(pack(lang).people()),
            n=str(2 + self.rnd.randrange(58)),
            m=str(5 + self.rnd.randrange(56)),
            hour=str(5 + self.rnd.randrange(7)),
        )

    def daily(self, lang: str) -> str:
        return self.roughen(self.personal(self.pick(pack(lang).daily), lang), lang)

    def share_button(self, headline: str, outlet_handle: str, link: str) -> str:
        """The text a site's share button writes: the headline, the outlet, the link (identical for everyone)."""
        return f"{headline} via @{outlet_handle} {link}"

    def reply(self, lang: str, topic: str | None) -> str:
        """A reply: a stock answer, or a sentence of one's own about the parent's subject."""
        lp = pack(lang)
        known = topic if topic is not None and topic in lp.topics else None
        if known is not None and self.chance(0.45):
            return self.chatter(lang, known)[0]
        np_ = self.pick(lp.topics[known].nps) if known is not None else self.pick(lp.opinions)
        return self.roughen(fill(self.pick(lp.replies), np=np_), lang)

    def quote_comment(self, lang: str) -> str:
        return self.roughen(self.pick(pack(lang).quote_comments), lang)

    def reaction(self, lang: str, event: str | None = None) -> str:
        """A reaction to shocking news; specific to the event when the language has its texts."""
        lp = pack(lang)
        own = lp.events[event].reactions if event is not None and event in lp.events else ()
        texts = own if own and self.chance(0.5) else lp.reactions
        text = self.pick(texts)
        if self.chance(0.25):
            text = f"{text} {self.pick(lp.reactions)}"
        return self.roughen(text, lang)

    def headline(self, lang: str, topic: str) -> str:
        """An outlet's headline on a subject: one of its details, often under a rubric ("UPDATE: ...")."""
        lp = pack(lang)
        detail = self.pick(lp.topics[topic].details)
        detail = detail[0].upper() + detail[1:]
        return f"{self.pick(lp.rubrics)}: {detail}" if self.chance(0.6) else detail

    # -- campaign texts --------------------------------------------------------------------------

    def claim(self, lang: str, claim: str, *, template: int | None = None) -> str:
        """One wording of a claim: a template (chosen, or random) with every synonym slot drawn."""
        templates = pack(lang).claims[claim]
        chosen = templates[template % len(templates)] if template is not None else self.pick(templates)
        return expand(chosen, self.rnd)

    # -- noise -----------------------------------------------------------------------------------

    def roughen(self, text: str, lang: str, rates: NoiseRates = CASUAL) -> str:
        """Apply the habits of casual writing, each with its probability."""
        lp = pack(lang)
        if self.chance(rates.typo):
            text = self._typo(text)
        if self.chance(rates.elongate):
            text = self._elongate(text)
        if lp.code_switch and self.chance(rates.code_switch):
            text = f"{text} {self.pick(lp.code_switch)}"
        if self.chance(rates.slang):
            slang = self.pick(lp.slang)
            text = f"{slang} {text}" if self.chance(0.5) else f"{text} {slang}"
        if self.chance(rates.drop_final_stop) and text.endswith("."):
            text = text[:-1]
        if SCRIPTS[lang] != "arabic" and self.chance(rates.lower_start):
            text = text[:1].lower() + text[1:]
        if self.chance(rates.shout):
            text = text.upper()
        if self.chance(rates.emoji):
            pool = self.rnd.choice((EMOJI_WARM, EMOJI_GRIM, EMOJI_FLAT))
            text = f"{text} {''.join(self.pick(pool) for _ in range(1 + self.rnd.randrange(3)))}"
        return text

    def _typo(self, text: str) -> str:
        words = text.split(" ")
        long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if not long_words:
            return text
        i = self.pick_index(long_words)
        w = words[i]
        j = 1 + self.rnd.randrange(len(w) - 2)
        op = self.rnd.randrange(3)
        if op == 0:  # swapped neighbours
            w = w[: j - 1] + w[j] + w[j - 1] + w[j + 1 :]
        elif op == 1:  # dropped letter
            w = w[:j] + w[j + 1 :]
        else:  # doubled letter
            w = w[:j] + w[j] + w[j:]
        words[i] = w
        return " ".join(words)

    def _elongate(self, text: str) -> str:
        """Stretch the last word's final letter ("nooo", "whyyy"): emphasis sits at the end of a post."""
        head, _, last = text.rpartition(" ")
        if len(last) >= 2 and last[-1].isalpha():
            last = last + last[-1] * (2 + self.rnd.randrange(3))
        return f"{head} {last}" if head else last

    def pick_index(self, indices: Sequence[int]) -> int:
        return indices[self.rnd.randrange(len(indices))]
