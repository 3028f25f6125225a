"""The mutable state of one world being generated, and the ways a post comes into it.

Every generator (organic chatter, hard negatives, campaigns) receives the :class:`Builder` and adds
posts through :meth:`Builder.post`, :meth:`Builder.repost`, :meth:`Builder.reply` and
:meth:`Builder.quote`, which apply the platform conventions in one place: an X repost's text is
``RT @handle: ...``, a Bluesky/Mastodon/Facebook repost has no text, a reply on X starts with the
parent's @handle, hashtags and links appear in the text as well as in their fields, and
Telegram/Facebook give no language tag. Posts outside the window are dropped (the stream was cut
there), so generators need not clip.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import numpy as np

from bench.worlds.compose import Writer
from bench.worlds.model import ORGANIC, Account, IdMint, Post
from bench.worlds.population import Population

# Platforms whose API gives a post's language.
LANG_TAGGED = frozenset({"x", "bluesky", "mastodon"})
# Platforms where a repost repeats the text (X as "RT @h: ...", Telegram forwards verbatim).
TEXT_REPOSTS = frozenset({"x", "telegram"})
T = TypeVar("T")
Range = tuple[float, float]  # a parameter drawn per instance, uniformly between the two


@dataclass(frozen=True, slots=True)
class Gold:
    """The gold label of a post: campaign id / organic / official:<id>, topic, generator kind."""

    label: str
    topic: str
    kind: str


def organic(subject: str, kind: str) -> Gold:
    return Gold(ORGANIC, f"organic:{subject}", kind)


@dataclass(frozen=True, slots=True, order=True)
class Article:
    time: float
    url: str
    headline: str
    outlet_handle: str


@dataclass(slots=True)
class CampaignRecord:
    """What a campaign instance was, for the manifest and the tests."""

    label: str
    kind: str
    langs: tuple[str, ...]
    accounts: list[Account]
    params: dict[str, Any] = field(default_factory=dict)


class Builder:
    def __init__(
        self,
        seed: int,
        start: float,
        hours: float,
        lang_mix: dict[str, float],
        n_users: int,
    ) -> None:
        seq = np.random.SeedSequence(seed)
        self.seed = seed
        self.rng = np.random.default_rng(seq)
        self.rnd = random.Random(int(seq.generate_state(1)[0]))
        self.writer = Writer(self.rnd)
        self.mint = IdMint(self.rnd)
        self.start, self.hours = start, hours
        self.end = start + hours * 3600.0
        self.population = Population(self.rng, self.rnd, self.mint, start, lang_mix, n_users)
        self.posts: list[Post] = []
        self.allowlist: dict[str, str] = {}  # account id -> why it is listed
        self.campaigns: list[CampaignRecord] = []
        self.articles: dict[str, list[Article]] = {}  # subject -> stories published
        self._used: dict[str, set[str]] = {}
        self.enlisted: set[str] = set()  # accounts already working for a campaign

    # -- drawing parameters ------------------------------------------------------------------------

    def between(self, span: Range) -> float:
        """A value drawn uniformly from a parameter range."""
        return float(self.rng.uniform(span[0], span[1]))

    def count_in(self, span: Range) -> int:
        """An integer drawn uniformly from a parameter range, both ends included."""
        return int(self.rng.integers(int(span[0]), int(span[1]) + 1))

    def pick_language(self, weights: Mapping[str, float]) -> str:
        """A language drawn by ``weights`` times the world's language mix, among those spoken here."""
        langs = [lang for lang in weights if self.population.users(lang)]
        mixed = [weights[lang] * self.population.lang_mix.get(lang, 0.0) for lang in langs]
        if not any(mixed):
            raise ValueError(f"none of {sorted(weights)} is spoken in this world")
        return self.rnd.choices(langs, weights=mixed)[0]

    # -- time --------------------------------------------------------------------------------------

    def uniform_start(self, duration_s: float, *, lead_s: float = 600.0) -> float:
        """A start time so that ``[start, start + duration_s]`` lies inside the window."""
        latest = max(self.start + lead_s, self.end - duration_s - 60.0)
        return float(self.rng.uniform(self.start + lead_s, latest))

    # -- posts -------------------------------------------------------------------------------------

    def post(
        self,
        acc: Account,
        t: float,
        text: str,
        gold: Gold,
        *,
        lang: str | None = None,
        links: tuple[str, ...] = (),
        tags: tuple[str, ...] = (),
        repost_of: str | None = None,
        reply_to: str | None = None,
        quote_of: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Post | None:
        """Add one post; hashtags and links are written into the text too. None outside the window."""
        if not self.start <= t < self.end:
            return None
        body = text
        for tag in tags:
            if f"#{tag}" not in body:
                body = f"{body} #{tag}"
        for link in links:
            if link not in body:
                body = f"{body} {link}"
        written = lang or acc.lang
        post = Post(
            id=self.mint.at(t),
            time=float(t),
            account=acc,
            text=body,
            lang=written if acc.platform in LANG_TAGGED else None,
            label=gold.label,
            topic=gold.topic,
            kind=gold.kind,
            links=links,
            hashtags=tags,
            repost_of=repost_of,
            reply_to=reply_to,
            quote_of=quote_of,
            extra=extra or {},
        )
        self.posts.append(post)
        return post

    def repost(self, acc: Account, t: float, original: Post, gold: Gold) -> Post | None:
        """A plain repost (retweet, boost, forward) of ``original``."""
        if t <= original.time:
            t = original.time + 1.0
        if acc.platform not in TEXT_REPOSTS:
            return self.post(acc, t, "", gold, lang=original.lang, repost_of=original.id)
        text = (
            original.text if acc.platform == "telegram" else f"RT @{original.account.handle}: {original.text}"
        )
        return self.post(
            acc, t, text, gold, lang=original.lang, links=original.links, tags=original.hashtags,
            repost_of=original.id,
        )  # fmt: skip

    def reply(self, acc: Account, t: float, parent: Post, text: str, gold: Gold, **kw: Any) -> Post | None:
        if t <= parent.time:
            t = parent.time + 1.0
        if acc.platform == "x":
            text = f"@{parent.account.handle} {text}"
        return self.post(acc, t, text, gold, reply_to=parent.id, **kw)

    def quote(self, acc: Account, t: float, original: Post, text: str, gold: Gold) -> Post | None:
        if t <= original.time:
            t = original.time + 1.0
        return self.post(acc, t, text, gold, quote_of=original.id)

    # -- web ---------------------------------------------------------------------------------------

    def article(self, outlet: Account, domain: str, subject: str, t: float, headline: str) -> Article:
        """A story on ``domain`` published at ``t``, remembered so that people can share it later."""
        day = datetime.fromtimestamp(t, tz=UTC)
        url = f"https://{domain}/{day:%Y/%m/%d}/{subject}-{self.rnd.randrange(10_000, 99_999)}"
        story = Article(t, url, headline, outlet.handle)
        self.articles.setdefault(subject, []).append(story)
        return story

    def recent_article(self, subject: str, t: float) -> Article | None:
        """One of the three latest articles on ``subject`` published before ``t`` (what people share)."""
        published = sorted(a for a in self.articles.get(subject, ()) if a.time < t)
        return self.rnd.choice(published[-3:]) if published else None

    def allow(self, acc: Account, why: str) -> None:
        self.allowlist[acc.id] = why

    def record(self, label: str, kind: str, accounts: list[Account], **params: Any) -> None:
        """Remember a campaign (or official day) instance for the manifest and the tests."""
        langs = tuple(sorted({p.lang or p.account.lang for p in self.posts if p.label == label}))
        self.campaigns.append(CampaignRecord(label, kind, langs, accounts, params))

    def fresh(self, kind: str, options: Sequence[T]) -> T:
        """An option not yet used for ``kind`` in this world (any one once all are used)."""
        used = self._used.setdefault(kind, set())
        unused = [o for o in options if repr(o) not in used] or list(options)
        choice = unused[self.rnd.randrange(len(unused))]
        used.add(repr(choice))
        return choice
