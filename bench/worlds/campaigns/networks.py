"""Campaigns that act as a network: link rings, repost rings, hashtag floods, reply storms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bench.worlds.builder import Builder, Gold, Range, organic
from bench.worlds.campaigns.common import (
    ALL_LANGS,
    Crew,
    audience_tz,
    gold_for,
    recruit,
    say,
)
from bench.worlds.catalog import FAMILIES, family_of
from bench.worlds.compose import CASUAL, SCRIPTED
from bench.worlds.lexicon import pack
from bench.worlds.model import Account, Post
from bench.worlds.negatives import OFFICIAL_COUNTRIES
from bench.worlds.population import COUNTRY
from bench.worlds.timing import burst_times, cascade_delays

# -- link ring ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkRingSpec:
    # CooRnet's target: accounts sharing the same URLs of one domain within seconds to minutes
    # (Giglietto et al. 2020, "It takes a village to manipulate the media"); the URLs carry UTM
    # variants so that naive URL matching splits them.
    accounts: Range = (15, 40)
    urls: Range = (3, 8)
    shares_per_url: Range = (8, 25)
    share_window_s: Range = (60.0, 600.0)
    campaign_span_s: Range = (2 * 3600.0, 8 * 3600.0)
    utm_share: float = 0.6
    comment_share: Range = (0.5, 0.8)  # shares with a line of text (else the bare link)
    crew: Crew = field(default_factory=lambda: Crew(new_share=(0.2, 0.6)))
    langs: Mapping[str, float] = field(default_factory=lambda: dict(ALL_LANGS))


LINK_RING = LinkRingSpec()
_SITE_WORDS = ("truth", "free", "real", "patriot", "voice", "insider", "report", "watch", "leaks", "daily")


def make_link_ring(b: Builder, index: int, spec: LinkRingSpec = LINK_RING) -> int:
    gold = gold_for("link_ring", index)
    lang = b.pick_language(spec.langs)
    claims = sorted(pack(lang).claims)
    site = "-".join(b.rnd.sample(_SITE_WORDS, 2)) + b.rnd.choice((".info", ".news", ".online", ".net"))
    accounts = recruit(b, b.count_in(spec.accounts), lang, spec.crew)
    span = b.between(spec.campaign_span_s)
    t0 = b.uniform_start(span)
    comment_share = b.between(spec.comment_share)
    n_urls = b.count_in(spec.urls)
    added = 0
    for drop in sorted(t0 + b.rng.uniform(0.0, span, size=n_urls)):
        claim = b.rnd.choice(claims)
        url = f"https://{site}/{FAMILIES[family_of(claim)][0]}/{b.rnd.randrange(100_000, 999_999)}"
        sharers = b.rnd.sample(accounts, min(len(accounts), b.count_in(spec.shares_per_url)))
        for acc, when in zip(
            sharers,
            burst_times(b.rng, len(sharers), float(drop), b.between(spec.share_window_s)),
            strict=True,
        ):
            link = _utm_variant(b, url, acc) if b.rnd.random() < spec.utm_share else url
            text = _link_text(b, lang, claim, comment_share)
            added += (
                b.post(acc, float(when), text, gold, lang=lang, links=(link,), extra={"url": url}) is not None
            )
    b.record(gold.label, gold.kind, accounts, site=site, urls=n_urls)
    return added


def _utm_variant(b: Builder, url: str, acc: Account) -> str:
    campaign = b.rnd.choice(("share", "fwd", "a1", "b2", "x7"))
    return f"{url}?utm_source={acc.platform}&utm_medium=social&utm_campaign={campaign}"


def _link_text(b: Builder, lang: str, claim: str, comment_share: float) -> str:
    if b.rnd.random() >= comment_share:
        return ""
    if b.rnd.random() < 0.5:
        return b.writer.roughen(b.rnd.choice(pack(lang).link_comments), lang, SCRIPTED)
    return say(b, lang, claim, SCRIPTED)


# -- hashtag flood without retweets ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HashtagFloodSpec:
    # QUT coordination-network-toolkit issue 54: an Indonesian campaign flooding hashtags with
    # different sentences and no retweets, found by text similarity plus posting at the same times
    # of day (sessions at fixed local hours).
    accounts: Range = (50, 100)
    session_hours: tuple[float, ...] = (7.0, 12.0, 19.0, 21.0)  # local hours the operators work
    sessions: Range = (2, 4)
    session_s: Range = (900.0, 2400.0)
    posts_per_session: Range = (1, 2)
    tags: tuple[str, ...] = ("TolakRUUKepulauan", "SarindaBersatu", "SelamatkanLintang", "RUUKepulauan")
    tags_per_post: Range = (2, 3)
    crew: Crew = field(default_factory=lambda: Crew(new_share=(0.3, 0.7)))


HASHTAG_FLOOD = HashtagFloodSpec()


def make_hashtag_flood(b: Builder, index: int, spec: HashtagFloodSpec = HASHTAG_FLOOD) -> int:
    gold = gold_for("hashtag_flood", index)
    lang = "id"
    accounts = recruit(b, b.count_in(spec.accounts), lang, spec.crew)
    core = spec.tags[:2]  # every post carries the two core tags, plus one of the others at times
    added = 0
    for session, start in enumerate(_session_starts(b, spec, audience_tz(lang))):
        length = b.between(spec.session_s)
        for acc in accounts:
            for when in start + b.rng.uniform(0.0, length, size=b.count_in(spec.posts_per_session)):
                extra_tags = b.rnd.sample(spec.tags[2:], b.count_in(spec.tags_per_post) - 2)
                text = say(b, lang, "sarinda-sell", CASUAL)
                post = b.post(
                    acc,
                    float(when),
                    text,
                    gold,
                    lang=lang,
                    tags=(*core, *extra_tags),
                    extra={"session": session},
                )
                added += post is not None
    b.record(gold.label, gold.kind, accounts, tags=list(spec.tags))
    return added


def _session_starts(b: Builder, spec: HashtagFloodSpec, tz: float) -> list[float]:
    """Starts at the operators' fixed local hours inside the window (random hours if none fits)."""
    day0 = b.start - (b.start % 86_400.0)
    fits = [
        day0 + d * 86_400.0 + (hour - tz) * 3600.0
        for d in range(int(b.hours // 24) + 2)
        for hour in spec.session_hours
        if b.start <= day0 + d * 86_400.0 + (hour - tz) * 3600.0 <= b.end - spec.session_s[1]
    ]
    n = b.count_in(spec.sessions)
    if len(fits) >= n:
        return sorted(b.rnd.sample(fits, n))
    return sorted(fits + [b.uniform_start(spec.session_s[1]) for _ in range(n - len(fits))])


# -- co-repost ring ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RepostRingSpec:
    # Co-retweet networks: the same accounts retweet the same seed posts within seconds (CooRTweet's
    # default 10 s window; Pacheco et al. 2021 co-retweet traces; Luceri et al. 2024 fast retweets).
    accounts: Range = (30, 80)
    sources: Range = (1, 3)  # amplified accounts that write the seed posts
    seeds: Range = (3, 8)
    span_s: Range = (2 * 3600.0, 10 * 3600.0)
    repost_share: Range = (0.5, 0.9)  # of the ring, per seed
    delay_median_s: Range = (20.0, 90.0)
    quote_share: float = 0.1
    crew: Crew = field(default_factory=lambda: Crew(new_share=(0.2, 0.6)))
    langs: Mapping[str, float] = field(default_factory=lambda: dict(ALL_LANGS))


REPOST_RING = RepostRingSpec()


def make_repost_ring(b: Builder, index: int, spec: RepostRingSpec = REPOST_RING) -> int:
    gold = gold_for("repost_ring", index)
    lang = b.pick_language(spec.langs)
    sources = recruit(b, b.count_in(spec.sources), lang, Crew(new_share=(0.0, 0.0), hijacked_share=0.0))
    for src in sources:  # the amplified voices look established
        src.followers = int(b.rng.uniform(5e3, 2e5))
    ring = recruit(b, b.count_in(spec.accounts), lang, spec.crew)
    span = b.between(spec.span_s)
    t0 = b.uniform_start(span)
    added = 0
    for when in sorted(t0 + b.rng.uniform(0.0, span, size=b.count_in(spec.seeds))):
        seed = b.post(
            b.rnd.choice(sources),
            float(when),
            say(b, lang, b.rnd.choice(sorted(pack(lang).claims)), SCRIPTED),
            gold,
            lang=lang,
        )
        if seed is None:
            continue
        added += 1 + _amplify(b, spec, ring, seed, gold)
    b.record(gold.label, gold.kind, sources + ring, sources=[s.id for s in sources])
    return added


def _amplify(b: Builder, spec: RepostRingSpec, ring: list[Account], seed: Post, gold: Gold) -> int:
    members = b.rnd.sample(ring, max(1, int(len(ring) * b.between(spec.repost_share))))
    delays = cascade_delays(b.rng, len(members), b.between(spec.delay_median_s), 0.8, 600.0)
    added = 0
    for acc, delay in zip(members, delays, strict=True):
        t = seed.time + float(delay)
        if b.rnd.random() < spec.quote_share:
            comment = b.rnd.choice(pack(seed.lang or acc.lang).link_comments)
            added += b.quote(acc, t, seed, comment, gold) is not None
        else:
            added += b.repost(acc, t, seed, gold) is not None
    return added


# -- coordinated reply storm on an official account ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReplyStormSpec:
    # Pote, Elmas, Flammini & Menczer (ICWSM 2025): many accounts reply to one target's post in a
    # short window; officials and journalists are the main targets. The target is listed as an
    # official account; ordinary people reply to it too, slowly, over the day.
    accounts: Range = (40, 90)
    start_after_s: Range = (300.0, 3600.0)
    window_s: Range = (120.0, 600.0)
    copy_share: Range = (0.2, 0.4)  # repliers pasting the same insult
    english_share: float = 0.3  # repliers writing in English rather than the target's language
    organic_replies: Range = (5, 20)
    organic_delay_median_s: float = 3 * 3600.0
    crew: Crew = field(default_factory=lambda: Crew(new_share=(0.6, 1.0)))


REPLY_STORM = ReplyStormSpec()


def make_reply_storm(b: Builder, index: int, spec: ReplyStormSpec = REPLY_STORM) -> int:
    gold = gold_for("reply_storm", index)
    country = b.fresh("reply_storm_target", sorted(OFFICIAL_COUNTRIES))
    target_post = _target_statement(b, country, spec)
    if target_post is None:
        return 0
    lang = target_post.account.lang
    accounts = recruit(b, b.count_in(spec.accounts), lang, spec.crew)
    start = target_post.time + b.between(spec.start_after_s)
    copy_share = b.between(spec.copy_share)
    insult = _insult(b, lang, country)
    added = 0
    for acc, when in zip(
        accounts, burst_times(b.rng, len(accounts), start, b.between(spec.window_s)), strict=True
    ):
        if b.rnd.random() < copy_share:
            text = insult
        else:
            text = _insult(b, "en" if b.rnd.random() < spec.english_share else lang, country)
        added += b.reply(acc, float(when), target_post, text, gold) is not None
    b.record(gold.label, gold.kind, accounts, target=target_post.account.id, country=country)
    return added


def _target_statement(b: Builder, country: str, spec: ReplyStormSpec) -> Post | None:
    """The embassy's statement (organic, allowlisted author) with its slow organic replies."""
    host = b.rnd.choice([c for c in COUNTRY.values() if c.id != country and c.lang in b.population.lang_mix])
    embassy = b.population.make_account(
        host.lang, role="official", country=country, handle=f"{country.capitalize()}Embassy{host.id.capitalize()}",
        age_days=float(b.rng.uniform(1500, 4000)), followers=int(b.rng.uniform(8e3, 1.5e5)),
    )  # fmt: skip
    embassy.verified = True
    b.population.add(embassy)
    b.allow(embassy, f"embassy of {country} in {host.id} (reply-storm target)")
    lp = pack(host.lang)
    tag = OFFICIAL_COUNTRIES[country]
    statement = b.rnd.choice(lp.official).replace("{tag}", tag).replace("{country}", lp.countries[country])
    t0 = b.uniform_start(6 * 3600.0)
    ogold = organic(f"embassy-{country}", "official_post")
    post = b.post(embassy, t0, statement, ogold, tags=(tag,))
    if post is not None:
        people = b.population.draw_users([host.lang], b.count_in(spec.organic_replies))
        delays = cascade_delays(b.rng, len(people), spec.organic_delay_median_s, 1.0, 20 * 3600.0)
        rgold = Gold(ogold.label, ogold.topic, "official_post_reply")
        for acc, delay in zip(people, delays, strict=True):
            b.reply(acc, t0 + float(delay), post, b.writer.reply(host.lang, None), rgold)
    return post


def _insult(b: Builder, lang: str, country: str) -> str:
    lp = pack(lang)
    return b.writer.roughen(
        b.rnd.choice(lp.attack_replies).replace("{country}", lp.countries[country]), lang, SCRIPTED
    )
