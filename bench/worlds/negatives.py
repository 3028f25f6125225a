"""Organic hard negatives: real events that look coordinated at first sight.

Each kind has one parameter table (a frozen dataclass instance) whose comments name the real-world
observation behind the numbers, and one generator ``make_<kind>(b, index) -> int`` (posts added;
``index`` numbers the instances of a kind).
Every post is labelled ``organic`` except the official accounts' own posts on their hashtag day
(``official:<id>``); an alert on any of them is a false alert.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from bench.worlds.builder import Builder, Gold, Range, organic
from bench.worlds.catalog import EVENTS, MATCHES, event_languages
from bench.worlds.lexicon import pack
from bench.worlds.model import OFFICIAL_PREFIX, Account, Post
from bench.worlds.organic import engage
from bench.worlds.population import COUNTRY
from bench.worlds.timing import cascade_delays

# -- breaking news -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BreakingNewsSpec:
    # The tester's organic viral event: an outlet's headline reposted and reacted to by 120-160 old
    # accounts within an hour.
    accounts: Range = (120, 160)
    min_age_days: float = 365.0
    # Attention to unexpected news peaks within minutes (Lehmann et al. 2012): median delay 10 min,
    # everything inside the hour.
    delay_median_s: float = 600.0
    delay_sigma: float = 0.9
    horizon_s: float = 3600.0
    repost_share: float = 0.4  # the rest react in their own words or quote
    quote_share: float = 0.15
    own_link_share: float = 0.25  # own-words reactions that paste the outlet's link
    tag_share: float = 0.3  # reactions that add the event's hashtag
    second_outlets: Range = (1, 3)  # other outlets follow up within the hour


BREAKING_NEWS = BreakingNewsSpec()


def make_breaking_news(b: Builder, index: int, spec: BreakingNewsSpec = BREAKING_NEWS) -> int:
    event = b.fresh("breaking_news", EVENTS)
    langs = event_languages(event.id)
    lang = langs[0]
    subject = f"news-{event.id}"
    gold = organic(subject, "breaking_news")
    t0 = b.uniform_start(spec.horizon_s + 600)
    texts = pack(lang).events[event.id]
    outlet, domain = b.population.outlet(lang)
    story = b.article(outlet, domain, subject, t0, b.rnd.choice(texts.headlines))
    head = b.post(outlet, t0, story.headline, gold, links=(story.url,))
    if head is None:
        return 0
    added = 1
    for _ in range(b.count_in(spec.second_outlets)):
        other, other_domain = b.population.outlet(b.rnd.choice(langs))
        t = t0 + b.between((120.0, spec.horizon_s))
        olang = other.lang if event.id in pack(other.lang).events else lang
        follow_up = b.article(
            other, other_domain, subject, t, b.rnd.choice(pack(olang).events[event.id].headlines)
        )
        added += b.post(other, t, follow_up.headline, gold, links=(follow_up.url,)) is not None
    crowd = b.population.draw_users(langs, b.count_in(spec.accounts), min_age_days=spec.min_age_days)
    delays = cascade_delays(b.rng, len(crowd), spec.delay_median_s, spec.delay_sigma, spec.horizon_s)
    for acc, delay in zip(crowd, delays, strict=True):
        added += _react(b, spec, acc, head, t0 + float(delay), gold, event.id) is not None
    return added


def _react(
    b: Builder, spec: BreakingNewsSpec, acc: Account, head: Post, t: float, gold: Gold, event: str
) -> Post | None:
    roll = b.rnd.random()
    if roll < spec.repost_share:
        return b.repost(acc, t, head, gold)
    lang = acc.lang if event in pack(acc.lang).events else (head.lang or head.account.lang)
    text = b.writer.reaction(lang, event)
    if roll < spec.repost_share + spec.quote_share:
        return b.quote(acc, t, head, text, gold)
    links = head.links if b.rnd.random() < spec.own_link_share else ()
    tags = (
        pack(lang).events[event].tags
        if event in pack(lang).events and b.rnd.random() < spec.tag_share
        else ()
    )
    return b.post(acc, t, text, gold, lang=lang, links=links, tags=tags)


# -- sports ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SportsBurstSpec:
    # A televised final: every goal sets off hundreds of fans within a minute or two (goal tweets
    # peak 30-90 s after the goal; broadcast delays differ by tens of seconds between streams).
    goals: Range = (2, 4)
    fans_per_goal: Range = (60, 150)
    delay_median_s: float = 50.0
    delay_sigma: float = 0.7
    horizon_s: float = 600.0
    match_s: float = 6300.0  # 105 minutes with the break
    chatter_posts: Range = (60, 140)  # the rest of the match's talk
    match_tag_share: float = 0.7  # fans put the match tag and the cup tag on their posts


SPORTS_BURST = SportsBurstSpec()


def make_sports_burst(b: Builder, index: int, spec: SportsBurstSpec = SPORTS_BURST) -> int:
    home, away, home_players, away_players, match_tag = b.fresh("sports_burst", MATCHES)
    langs = (COUNTRY[home].lang, COUNTRY[away].lang, "en")
    gold = organic(f"match-{match_tag}", "sports_burst")
    kickoff = b.uniform_start(spec.match_s + spec.horizon_s)
    fans = b.population.draw_users(langs, 3 * int(spec.fans_per_goal[1]), interest="sports")
    added = 0
    for goal_time in np.sort(b.rng.uniform(kickoff, kickoff + spec.match_s, b.count_in(spec.goals))):
        scorer_home = b.rnd.random() < 0.5
        team, players = (home, home_players) if scorer_home else (away, away_players)
        player = b.rnd.choice(players)
        crowd = b.rnd.sample(fans, min(len(fans), b.count_in(spec.fans_per_goal)))
        delays = cascade_delays(b.rng, len(crowd), spec.delay_median_s, spec.delay_sigma, spec.horizon_s)
        for acc, delay in zip(crowd, delays, strict=True):
            added += _shout(b, spec, acc, float(goal_time + delay), gold, team, player, match_tag) is not None
    for acc in b.rnd.sample(fans, min(len(fans), b.count_in(spec.chatter_posts))):
        t = kickoff + b.between((0.0, spec.match_s))
        team, players = b.rnd.choice(((home, home_players), (away, away_players)))
        added += _shout(b, spec, acc, t, gold, team, b.rnd.choice(players), match_tag) is not None
    return added


def _shout(
    b: Builder,
    spec: SportsBurstSpec,
    acc: Account,
    t: float,
    gold: Gold,
    team: str,
    player: str,
    match_tag: str,
) -> Post | None:
    lp = pack(acc.lang)
    team_name = lp.countries.get(team, team.capitalize())
    text = b.writer.roughen(
        b.rnd.choice(lp.sports_shouts).replace("{team}", team_name).replace("{player}", player), acc.lang
    )
    cup = lp.topics["football-cup"].tags
    tags = (match_tag, *cup) if b.rnd.random() < spec.match_tag_share else ()
    return b.post(acc, t, text, gold, tags=tags)


# -- official hashtag day --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OfficialDaySpec:
    # A ministry and its embassies post one message with one hashtag set at an agreed hour: public
    # diplomacy (e.g. national-day and culture-day campaigns run by foreign ministries on X).
    embassies: Range = (8, 20)
    round_spread_s: Range = (300, 1500)  # the round takes 5-25 minutes across embassies
    second_round: float = 0.5  # share of embassies that post again in the afternoon
    citizens: Range = (30, 80)  # ordinary people who use the tag or repost the ministry
    citizen_window_s: float = 6 * 3600.0
    citizen_repost_share: float = 0.5
    local_hour: float = 10.0


OFFICIAL_DAY = OfficialDaySpec()
OFFICIAL_COUNTRIES: Mapping[str, str] = {
    # country: the day's hashtag
    "valdoria": "ValdoriaCultureDay",
    "lorvane": "JourneeDuLorvane",
    "azmara": "AzmaraHeritageDay",
    "tarsania": "TarsanyaKulturGunu",
}


def make_official_day(b: Builder, index: int, spec: OfficialDaySpec = OFFICIAL_DAY) -> int:
    country = b.fresh("official_day", sorted(OFFICIAL_COUNTRIES))
    tag = OFFICIAL_COUNTRIES[country]
    label = f"{OFFICIAL_PREFIX}{country}-day-{index}"
    gold = Gold(label, label, "official_day")
    officials = _official_accounts(b, country, b.count_in(spec.embassies))
    t0 = _day_hour(b, COUNTRY[country].tz_hours, spec.local_hour)
    spread = b.between(spec.round_spread_s)
    firsts: list[Post] = []
    for i, acc in enumerate(officials):
        t = t0 + (0.0 if i == 0 else b.between((0.0, spread)))
        post = _official_post(b, acc, t, country, tag, gold)
        if post is not None:
            firsts.append(post)
        if b.rnd.random() < spec.second_round:
            _official_post(b, acc, t + b.between((4 * 3600.0, 6 * 3600.0)), country, tag, gold)
    added = sum(1 for p in b.posts if p.label == label)
    if firsts:
        added += _echo(b, spec, firsts[0], tag, label)
    b.record(label, "official_day", officials, country=country, tag=tag)
    return added


def _official_accounts(b: Builder, country: str, embassies: int) -> list[Account]:
    home_lang = COUNTRY[country].lang
    ministry = b.population.make_account(
        home_lang, role="official", country=country, handle=f"{country.capitalize()}MFA", age_days=4000
    )
    accounts = [ministry]
    hosts = [c for c in COUNTRY.values() if c.id != country]
    for host in b.rnd.sample(hosts, min(len(hosts), embassies)):
        handle = f"{country.capitalize()}In{host.id.capitalize()}"
        lang = host.lang if b.rnd.random() < 0.6 else home_lang  # embassies write in the host language
        accounts.append(b.population.make_account(lang, role="official", country=country, handle=handle))
    for acc in accounts:
        acc.verified = True
        acc.followers = int(np.exp(b.rng.uniform(np.log(3e3), np.log(4e5))))
        acc.created_at = min(acc.created_at, b.start - 3 * 365 * 86_400.0)
        b.population.add(acc)
        b.allow(acc, f"official account of {country}")
    return accounts


def _official_post(b: Builder, acc: Account, t: float, country: str, tag: str, gold: Gold) -> Post | None:
    lp = pack(acc.lang)
    text = b.rnd.choice(lp.official).replace("{tag}", tag).replace("{country}", lp.countries[country])
    return b.post(acc, t, text, gold, tags=(tag,))


def _echo(b: Builder, spec: OfficialDaySpec, ministry_post: Post, tag: str, label: str) -> int:
    """Citizens who join in: reposts and quotes of the ministry's post with the tag (organic)."""
    gold = Gold("organic", label, "official_day_echo")
    crowd = b.population.draw_users([ministry_post.account.lang, "en"], b.count_in(spec.citizens))
    added = 0
    for acc in crowd:
        t = ministry_post.time + b.between((60.0, spec.citizen_window_s))
        if b.rnd.random() < spec.citizen_repost_share:
            added += b.repost(acc, t, ministry_post, gold) is not None
        else:
            text = f"{b.writer.quote_comment(acc.lang)} #{tag}"
            added += b.quote(acc, t, ministry_post, text, gold) is not None
    return added


def _day_hour(b: Builder, tz_hours: float, local_hour: float) -> float:
    """The first time inside the window that is ``local_hour`` in ``tz_hours`` (or a random time)."""
    day_start = b.start - (b.start % 86_400.0)
    for day in range(int(b.hours // 24) + 2):
        t = day_start + day * 86_400.0 + (local_hour - tz_hours) * 3600.0
        if b.start + 600.0 <= t <= b.end - 8 * 3600.0:
            return t
    return b.uniform_start(8 * 3600.0)


# -- copypasta, charity, popular thread --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CopypastaSpec:
    # Memes and chain posts spread by ordinary users over hours ("copy and paste if..."): verbatim
    # copies are normal in organic culture (Know Your Meme's copypasta catalogue; Facebook chain posts).
    accounts: Range = (40, 120)
    spread_h: Range = (2.0, 8.0)
    edit_share: float = 0.3  # copies with an emoji or a word added
    min_age_days: float = 180.0


COPYPASTA = CopypastaSpec()


def make_copypasta(b: Builder, index: int, spec: CopypastaSpec = COPYPASTA) -> int:
    lang = b.pick_language({lang: 1.0 for lang in b.population.users_by_lang if pack(lang).copypasta})
    text = b.rnd.choice(pack(lang).copypasta)
    gold = organic(f"meme-{lang}-{pack(lang).copypasta.index(text)}", "copypasta")
    spread = b.between(spec.spread_h) * 3600.0
    t0 = b.uniform_start(spread)
    crowd = b.population.draw_users([lang], b.count_in(spec.accounts), min_age_days=spec.min_age_days)
    # Memes spread like contagion: slow start, peak in the middle, tail (a log-normal around spread/3).
    delays = cascade_delays(b.rng, len(crowd), spread / 3.0, 0.6, spread)
    added = 0
    for acc, delay in zip(crowd, delays, strict=True):
        copy = text if b.rnd.random() > spec.edit_share else b.writer.roughen(text, lang)
        added += b.post(acc, t0 + float(delay), copy, gold, lang=lang) is not None
    return added


@dataclass(frozen=True, slots=True)
class CharitySpec:
    # After a disaster people share one donation link in their own words; share buttons add UTM
    # parameters, so many copies of the link differ only in tracking parameters.
    sharers: Range = (80, 150)
    spread_h: Range = (3.0, 6.0)
    repost_share: float = 0.4
    share_button_utm: float = 0.3


CHARITY = CharitySpec()


def make_charity_appeal(b: Builder, index: int, spec: CharitySpec = CHARITY) -> int:
    event = b.fresh("charity_appeal", [e for e in EVENTS if e.disaster])
    langs = [lang for lang in event_languages(event.id) if event.id in pack(lang).places]
    lang = langs[0]
    gold = organic(f"appeal-{event.id}", "charity_appeal")
    link = f"https://give.{event.country}relief.org/donate"
    spread = b.between(spec.spread_h) * 3600.0
    t0 = b.uniform_start(spread)
    org = b.population.make_account(
        lang, role="charity", country=event.country, handle=f"{event.country}relief"
    )
    org.verified, org.followers = True, int(b.rng.uniform(5e3, 8e4))
    b.population.add(org)
    appeal = b.post(org, t0, _charity_text(b, lang, event.id, link), gold, links=(link,))
    if appeal is None:
        return 0
    crowd = b.population.draw_users(langs, b.count_in(spec.sharers))
    delays = cascade_delays(b.rng, len(crowd), spread / 4.0, 0.8, spread)
    added = 1
    for acc, delay in zip(crowd, delays, strict=True):
        t = t0 + float(delay)
        if b.rnd.random() < spec.repost_share:
            added += b.repost(acc, t, appeal, gold) is not None
            continue
        own_lang = acc.lang if event.id in pack(acc.lang).places else lang
        shared = link + (
            f"?utm_source={acc.platform}&utm_medium=social" if b.rnd.random() < spec.share_button_utm else ""
        )
        text = _charity_text(b, own_lang, event.id, shared)
        added += (
            b.post(acc, t, b.writer.roughen(text, own_lang), gold, lang=own_lang, links=(shared,)) is not None
        )
    return added


def _charity_text(b: Builder, lang: str, event: str, link: str) -> str:
    lp = pack(lang)
    return b.rnd.choice(lp.charity).replace("{place}", lp.places[event]).replace("{link}", link)


@dataclass(frozen=True, slots=True)
class PopularThreadSpec:
    # A public figure's post that hundreds of people answer over a day: reply volume decays over
    # hours (median reply delay ~2 h on popular posts), not minutes.
    replies: Range = (200, 400)
    delay_median_s: float = 7200.0
    delay_sigma: float = 1.0
    horizon_s: float = 24 * 3600.0
    mix: tuple[float, float, float] = (0.05, 0.05, 0.9)  # repost, quote, reply: it is a conversation


POPULAR_THREAD = PopularThreadSpec()


def make_popular_thread(b: Builder, index: int, spec: PopularThreadSpec = POPULAR_THREAD) -> int:
    langs = [lang for lang, users in b.population.influencers.items() if users]
    lang = b.pick_language(dict.fromkeys(langs, 1.0))
    star = b.rnd.choice(b.population.influencers[lang])
    subject = b.rnd.choice([s for s in pack(lang).topics])
    gold = organic(subject, "popular_thread")
    t0 = b.uniform_start(3 * 3600.0)
    text, tags = b.writer.chatter(lang, subject)
    head = b.post(star, t0, text, gold, tags=tags)
    if head is None:
        return 0
    crowd = b.population.draw_users([lang], b.count_in(spec.replies))
    delays = cascade_delays(b.rng, len(crowd), spec.delay_median_s, spec.delay_sigma, spec.horizon_s)
    return 1 + engage(b, head, crowd, list(t0 + delays), spec.mix, subject, gold)


NEGATIVES: Mapping[str, Callable[[Builder, int], int]] = {
    "breaking_news": make_breaking_news,
    "sports_burst": make_sports_burst,
    "official_day": make_official_day,
    "copypasta": make_copypasta,
    "charity_appeal": make_charity_appeal,
    "popular_thread": make_popular_thread,
}
