"""Organic life: subjects that rise and decay, news cascades, influencers' threads, everyday chatter.

Order of work (see :func:`bench.worlds.world.generate`): the subject timeline first (news drives
talk), then outlets' and influencers' posts with their cascades of reposts, quotes and replies, and
last the chatter, which fills the mention budget exactly.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.worlds.builder import Builder, Gold, organic
from bench.worlds.catalog import DAILY_TOPIC, HOME_BOOST, SUBJECT, SUBJECTS, subjects_in
from bench.worlds.lexicon import LANGUAGES
from bench.worlds.model import Account, Post
from bench.worlds.timing import cascade_delays, diurnal_times

BIN_S = 600.0


@dataclass(frozen=True, slots=True)
class SurgeTable:
    """How organic subjects rise and decay (news-driven attention).

    Attention to a news subject rises within tens of minutes and decays over hours (Lehmann et al.
    2012, "Dynamical classes of collective attention in Twitter": most hashtag peaks decay within a
    day, with a pre-peak rise of about an hour for anticipated events and minutes for unexpected ones).
    """

    surges_per_day: float = 1.0  # Poisson mean per subject per 24 h
    amplitude: tuple[float, float] = (1.5, 5.0)  # peak over the base level
    rise_s: tuple[float, float] = (900.0, 3600.0)
    decay_s: tuple[float, float] = (3600.0, 4 * 3600.0)
    # Share of an interested user's posts about everyday life: a listening stream filtered on
    # subjects of interest holds some off-topic talk (broad keywords), not a random sample's majority.
    daily_share: float = 0.15
    off_interest: float = 0.15  # weight of a subject outside one's interests


SURGES = SurgeTable()


@dataclass(frozen=True, slots=True)
class CascadeTable:
    """Engagement with outlets' and influencers' posts."""

    # Engagements per post: heavy-tailed (most posts get a handful, a few get hundreds), Kwak et al.
    median_engagements: float = 6.0
    sigma: float = 1.2
    max_engagements: int = 400
    # Delay after the post: median 45 min, half of retweets within about an hour (Kwak et al. 2010).
    delay_median_s: float = 2700.0
    delay_sigma: float = 1.3
    # Mix of engagement types (X: retweets outnumber quotes and replies on news accounts).
    news_mix: tuple[float, float, float] = (0.6, 0.15, 0.25)  # repost, quote, reply
    influencer_mix: tuple[float, float, float] = (0.4, 0.1, 0.5)
    link_share: float = 0.08  # chatter posts that share a recent article on their subject
    # Of those, the share that use the site's share button (identical "headline via @outlet link"
    # text by unrelated people: the ordinary source of copies in organic conversation).
    share_button: float = 0.4
    second_language: float = 0.3  # share of a bilingual user's posts in their second language


CASCADES = CascadeTable()


class SubjectTimeline:
    """Relative volume of every subject per 10-minute bin, with the news surges that drive it."""

    def __init__(self, b: Builder) -> None:
        self.start = b.start
        n_bins = max(1, int(np.ceil(b.hours * 3600.0 / BIN_S)))
        mids = b.start + (np.arange(n_bins) + 0.5) * BIN_S
        self.weight = np.zeros((len(SUBJECTS), n_bins))
        self.surges: list[tuple[str, float]] = []
        for i, subject in enumerate(SUBJECTS):
            self.weight[i] = subject.base
            for _ in range(int(b.rng.poisson(SURGES.surges_per_day * b.hours / 24.0))):
                t0 = float(b.rng.uniform(b.start, b.end))
                dt = np.maximum(mids - t0, 0.0)
                amp = subject.base * b.rng.uniform(*SURGES.amplitude)
                rise, decay = b.rng.uniform(*SURGES.rise_s), b.rng.uniform(*SURGES.decay_s)
                self.weight[i] += amp * (1.0 - np.exp(-dt / rise)) * np.exp(-dt / decay)
                self.surges.append((subject.id, t0))
        self.index = {s.id: i for i, s in enumerate(SUBJECTS)}
        self._cumulative: dict[
            tuple[str, tuple[str, ...], str, int], tuple[tuple[str, ...], list[float]]
        ] = {}

    def bin(self, t: float) -> int:
        return min(int((t - self.start) // BIN_S), self.weight.shape[1] - 1)

    def choose(self, b: Builder, acc: Account, lang: str, t: float) -> str:
        """The subject ``acc`` posts about at ``t`` in ``lang`` (or everyday life)."""
        key = (lang, acc.interests, acc.country, self.bin(t))
        if key not in self._cumulative:
            self._cumulative[key] = self._cumulative_weights(acc, lang, key[3])
        names, cumulative = self._cumulative[key]
        return names[min(bisect.bisect_right(cumulative, b.rnd.random() * cumulative[-1]), len(names) - 1)]

    def _cumulative_weights(
        self, acc: Account, lang: str, column: int
    ) -> tuple[tuple[str, ...], list[float]]:
        names, rows, boost = self._affinity_of(acc, lang)
        weights = list(boost * self.weight[rows, column]) if len(rows) else []
        total = sum(weights)
        if "daily" in acc.interests or not weights:
            weights.append(total * SURGES.daily_share / (1.0 - SURGES.daily_share) if total else 1.0)
        else:
            names = names[:-1]
        return names, list(itertools.accumulate(weights))

    def _affinity_of(self, acc: Account, lang: str) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
        """(subject names incl. everyday life, their timeline rows, interest and home multipliers)."""
        subjects = subjects_in(lang)
        boost = np.array(
            [
                (1.0 if SUBJECT[s].interest in acc.interests else SURGES.off_interest)
                * (HOME_BOOST if acc.country in SUBJECT[s].home else 1.0)
                for s in subjects
            ]
        )
        rows = np.array([self.index[s] for s in subjects], dtype=int)
        return (*subjects, DAILY_TOPIC), rows, boost


# -- cascades ----------------------------------------------------------------------------------------


def engage(
    b: Builder,
    parent: Post,
    engagers: Sequence[Account],
    times: Sequence[float],
    mix: tuple[float, float, float],
    subject: str | None,
    gold: Gold,
) -> int:
    """Reposts, quotes and replies to ``parent`` by ``engagers`` at ``times``; returns posts added."""
    lang = parent.lang or parent.account.lang
    added = 0
    for acc, t in zip(engagers, times, strict=True):
        kind = b.rnd.choices(("repost", "quote", "reply"), weights=mix)[0]
        if kind == "repost":
            post = b.repost(acc, t, parent, gold)
        elif kind == "quote":
            post = b.quote(acc, t, parent, b.writer.quote_comment(lang), gold)
        else:
            post = b.reply(acc, t, parent, b.writer.reply(lang, subject), gold)
        added += post is not None
    return added


def _engagement_count(b: Builder) -> int:
    n = int(b.rng.lognormal(np.log(CASCADES.median_engagements), CASCADES.sigma))
    return min(n, CASCADES.max_engagements)


def _news_post(b: Builder, timeline: SubjectTimeline, langs: Sequence[str]) -> int:
    """One outlet headline on a subject, near a surge when there is one, and its cascade."""
    if timeline.surges and b.rnd.random() < 0.6:
        subject, t0 = b.rnd.choice(timeline.surges)
        t = t0 + float(b.rng.uniform(0.0, 7200.0))
    else:
        subject, t = b.rnd.choice(SUBJECTS).id, float(b.rng.uniform(b.start, b.end))
    options = [lang for lang in langs if subject in subjects_in(lang)]
    if not options or t >= b.end:
        return 0
    lang = b.rnd.choice(options)
    outlet, domain = b.population.outlet(lang)
    gold = organic(subject, "news_cascade")
    story = b.article(outlet, domain, subject, t, b.writer.headline(lang, subject))
    head = b.post(outlet, t, story.headline, gold, links=(story.url,))
    if head is None:
        return 0
    fans = b.population.draw_users([lang], _engagement_count(b), interest=SUBJECT[subject].interest)
    delays = cascade_delays(b.rng, len(fans), CASCADES.delay_median_s, CASCADES.delay_sigma)
    return 1 + engage(b, head, fans, list(t + delays), CASCADES.news_mix, subject, gold)


def _influencer_post(b: Builder, timeline: SubjectTimeline, langs: Sequence[str]) -> int:
    """A public figure's post in their own words and the conversation under it."""
    lang = b.rnd.choice(list(langs))
    if not b.population.influencers.get(lang):
        return 0
    acc = b.rnd.choice(b.population.influencers[lang])
    t = float(diurnal_times(b.rng, 1, b.start, b.hours, acc.tz_hours)[0])
    subject = timeline.choose(b, acc, lang, t)
    gold = organic(subject, "influencer_thread")
    if subject == DAILY_TOPIC:
        head = b.post(acc, t, b.writer.daily(lang), gold)
    else:
        text, tags = b.writer.chatter(lang, subject)
        head = b.post(acc, t, text, gold, tags=tags)
    if head is None:
        return 0
    fans = b.population.draw_users([lang], _engagement_count(b))
    delays = cascade_delays(b.rng, len(fans), CASCADES.delay_median_s, CASCADES.delay_sigma)
    subject_or_none = None if subject == DAILY_TOPIC else subject
    return 1 + engage(b, head, fans, list(t + delays), CASCADES.influencer_mix, subject_or_none, gold)


def cascades(b: Builder, timeline: SubjectTimeline, budget: int) -> int:
    """News and influencer cascades until about ``budget`` posts; returns the number added."""
    langs = [lang for lang in LANGUAGES if b.population.users(lang)]
    added = 0
    while added < budget:
        maker = _news_post if b.rnd.random() < 0.7 else _influencer_post
        added += maker(b, timeline, langs)
    return added


# -- chatter -----------------------------------------------------------------------------------------


def chatter(b: Builder, timeline: SubjectTimeline, budget: int) -> None:
    """Exactly ``budget`` posts by ordinary users in their own words, at their own hours."""
    if budget <= 0:
        return
    users = [a for a in b.population.accounts if a.role == "user"]
    rates = np.array([a.rate_per_day for a in users])
    counts = b.rng.multinomial(budget, rates / rates.sum())
    # Times are drawn in bulk per time zone: one diurnal curve per zone.
    zones = sorted({a.tz_hours for a in users})
    for tz in zones:
        members = np.array([i for i, a in enumerate(users) if a.tz_hours == tz and counts[i]], dtype=int)
        owners = np.repeat(members, counts[members]) if len(members) else members
        for owner, t in zip(owners, diurnal_times(b.rng, len(owners), b.start, b.hours, tz), strict=True):
            _chatter_post(b, timeline, users[owner], float(t))


def _chatter_post(b: Builder, timeline: SubjectTimeline, acc: Account, t: float) -> None:
    lang = acc.langs[1] if len(acc.langs) > 1 and b.rnd.random() < CASCADES.second_language else acc.lang
    subject = timeline.choose(b, acc, lang, t)
    gold = organic(subject, "chatter")
    if subject == DAILY_TOPIC:
        b.post(acc, t, b.writer.daily(lang), gold, lang=lang)
        return
    story = b.recent_article(subject, t) if b.rnd.random() < CASCADES.link_share else None
    if story is not None and b.rnd.random() < CASCADES.share_button:
        b.post(
            acc,
            t,
            b.writer.share_button(story.headline, story.outlet_handle, story.url),
            gold,
            links=(story.url,),
        )
        return
    text, tags = b.writer.chatter(lang, subject)
    b.post(acc, t, text, gold, lang=lang, tags=tags, links=(story.url,) if story else ())
