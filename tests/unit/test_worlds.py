"""The independent world generator (``bench.worlds``): files the tools read, determinism, and specs.

Worlds are small (8,000 mentions: campaigns and events of the busiest profile take at most about
4,000) and built once per profile; campaign and event sizes do not scale with the mention count, so
every campaign kind is present at full size.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

import pytest

from bench.worlds import CAMPAIGNS, NEGATIVES, PROFILES, World, generate
from bench.worlds.__main__ import main
from bench.worlds.catalog import TRANSLATED_CLAIMS, family_of
from bench.worlds.compose import expand, fill
from bench.worlds.lexicon import LANGUAGES, pack
from bench.worlds.model import Post
from choruswatch.evaluate import OFFICIAL_PREFIX, is_inauthentic_campaign, load_labels
from schemas.models import parse_mention

SMALL = 8000
SEED = 5


@cache
def world(profile: str = "default", seed: int = SEED) -> World:
    return generate(seed, profile, SMALL)


def by_label(w: World) -> dict[str, list[Post]]:
    out: dict[str, list[Post]] = defaultdict(list)
    for p in w.posts:
        out[p.label].append(p)
    return out


def instances(w: World, kind: str) -> list[list[Post]]:
    """The posts of every instance of ``kind``; a kind missing from the world fails the test."""
    found = [
        posts for label, posts in sorted(by_label(w).items()) if posts[0].kind == kind and label != "organic"
    ]
    assert found, f"no {kind} in the {w.profile} world"
    return found


def account_age_days(p: Post) -> float:
    return p.account.age_days(p.time)


# -- files the tools read ---------------------------------------------------------------------------------


def test_other_seed_other_world() -> None:
    other = generate(SEED + 1, "default", SMALL)
    assert [p.text for p in other.posts[:200]] != [p.text for p in world().posts[:200]]


def test_cli_writes_files_that_parse_and_label_every_mention(tmp_path: Path) -> None:
    paths = {name: tmp_path / name for name in ("m.jsonl", "l.jsonl", "allow.txt", "manifest.json")}
    argv = ["--seed", str(SEED), "--mentions", str(SMALL), "--out", str(paths["m.jsonl"])]
    argv += ["--labels", str(paths["l.jsonl"]), "--allowlist", str(paths["allow.txt"])]
    assert main([*argv, "--manifest", str(paths["manifest.json"])]) == 0
    lines = paths["m.jsonl"].read_text(encoding="utf-8").splitlines()
    # Same seed, same files: the command's output equals the world built separately by world().
    assert lines == [
        json.dumps(p.to_mention(), ensure_ascii=False, separators=(",", ":")) for p in world().posts
    ]
    label_lines = paths["l.jsonl"].read_text(encoding="utf-8").splitlines()
    assert label_lines == [
        json.dumps(p.to_label(), ensure_ascii=False, separators=(",", ":")) for p in world().posts
    ]
    mentions = [parse_mention(line) for line in lines]  # raises SchemaError on any contract break
    labels = load_labels(paths["l.jsonl"])
    assert len(mentions) == SMALL == len(labels)
    assert [m.id for m in mentions] == [json.loads(line)["mention_id"] for line in paths["l.jsonl"].open()]
    assert all(labels[m.id].created_at == pytest.approx(m.timestamp, abs=1e-3) for m in mentions)
    allow = [line.split("#")[0].strip() for line in paths["allow.txt"].read_text().splitlines()]
    assert {a for a in allow if a} == set(world().allowlist)
    manifest = json.loads(paths["manifest.json"].read_text())
    assert {c["label"] for c in manifest["campaigns"]} == {c.label for c in world().campaigns}


def test_labels_use_the_evaluator_vocabulary() -> None:
    for p in world().posts:
        if p.label == "organic":
            assert p.topic.startswith(("organic:", OFFICIAL_PREFIX))
        elif p.label.startswith(OFFICIAL_PREFIX):
            assert p.topic == p.label and p.kind == "official_day"
        else:
            assert is_inauthentic_campaign(p.label)
            assert p.topic == p.label and p.kind in CAMPAIGNS and p.label.startswith(p.kind + "-")


def test_time_order_window_unique_ids_and_references() -> None:
    w = world()
    times = [p.time for p in w.posts]
    assert times == sorted(times)
    assert w.start <= times[0] and times[-1] < w.start + w.hours * 3600
    ids = [p.id for p in w.posts]
    assert len(set(ids)) == len(ids)
    when = {p.id: p.time for p in w.posts}
    for p in w.posts:
        for parent in (p.repost_of, p.reply_to, p.quote_of):
            if parent is not None:
                assert parent in when and when[parent] < p.time


def test_no_field_carries_the_label() -> None:
    text = "\n".join(json.dumps(p.to_mention()) for p in world().posts)
    giveaways = {p.label for p in world().posts} | {p.kind for p in world().posts} | {"organic:"}
    assert not [word for word in giveaways if word in text]


def test_mention_budget_is_exact_and_too_small_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert len(generate(3, "hard-negatives", 9000).posts) == 9000
    with pytest.raises(ValueError, match="too small"):
        generate(3, "default", 500)
    assert main(["--seed", "1", "--mentions", "500", "--out", "/dev/null", "--labels", "/dev/null"]) == 2
    assert "use at least" in capsys.readouterr().err


# -- profiles hold their kinds ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_kind_of_a_profile_appears_as_often_as_it_says(name: str) -> None:
    spec, w = PROFILES[name], world(name)
    labels_per_kind = Counter(p.kind for p in {p.label: p for p in w.posts if p.label != "organic"}.values())
    for kind, count in spec.campaigns.items():
        assert labels_per_kind[kind] == count, kind
    kinds = {p.kind for p in w.posts}
    assert set(spec.negatives) <= kinds
    assert labels_per_kind["official_day"] == spec.negatives.get("official_day", 0)
    assert set(NEGATIVES) >= set(spec.negatives) and set(CAMPAIGNS) >= set(spec.campaigns)


def test_hard_negatives_profile_has_no_inauthentic_campaign() -> None:
    assert not any(is_inauthentic_campaign(p.label) for p in world("hard-negatives").posts)


def test_multilingual_profile_is_mostly_not_english() -> None:
    langs = Counter(p.account.lang for p in world("multilingual").posts)
    assert langs["en"] / sum(langs.values()) < 0.3
    assert {lang for lang, n in langs.items() if n > 100} == set(LANGUAGES)


# -- campaigns hold their specs -----------------------------------------------------------------------------


def test_translated_8_is_one_claim_in_eight_languages_by_new_accounts_in_ten_minutes() -> None:
    for posts in instances(world(), "translated_8"):
        assert {p.account.lang for p in posts} == set(LANGUAGES)
        assert len({p.extra["claim"] for p in posts}) == 1
        assert 32 <= len({p.account.id for p in posts}) <= 48
        assert posts[-1].time - posts[0].time <= 600
        assert not any(p.links or p.hashtags for p in posts)
        assert sum(account_age_days(p) < 90 for p in posts) >= 0.85 * len(posts)


def test_translated_2_has_two_languages() -> None:
    for posts in instances(world(), "translated_2") + instances(world("multilingual"), "translated_2"):
        assert len({p.account.lang for p in posts}) == 2
        assert not any(p.links or p.hashtags for p in posts)


def test_paraphrase_waves_are_short_reworded_waves_over_several_claims() -> None:
    for posts in instances(world(), "paraphrase_waves"):
        waves: dict[int, list[Post]] = defaultdict(list)
        for p in posts:
            waves[p.extra["wave"]].append(p)
        assert 5 <= len(waves) <= 7
        assert all(w[-1].time - w[0].time <= 60 for w in waves.values())
        claims = {p.extra["claim"] for p in posts}
        assert len(claims) >= 3 and len({family_of(c) for c in claims}) == 1
        assert len({p.text for p in posts}) >= 0.8 * len(posts)  # reworded, not copied
        assert sum(account_age_days(p) < 90 for p in posts) >= 0.6 * len(posts)


def test_copy_paste_repeats_one_text() -> None:
    for posts in instances(world(), "copy_paste"):
        top = Counter(p.text for p in posts).most_common(1)[0][1]
        assert top >= 0.5 * len(posts)
        assert posts[-1].time - posts[0].time <= 900


def test_slow_campaigns_spread_as_specified() -> None:
    for posts in instances(world(), "low_and_slow"):
        assert posts[-1].time - posts[0].time >= 6 * 3600
        assert 20 <= len({p.account.id for p in posts}) <= 30
        assert len({p.extra["claim"] for p in posts}) >= 3
    for posts in instances(world(), "slow_claims"):
        assert posts[-1].time - posts[0].time <= 105 * 60
        per_account = Counter(p.account.id for p in posts)
        assert 30 <= len(per_account) <= 50 and max(per_account.values()) <= 3


def test_message_switch_changes_subject_between_two_phases() -> None:
    for posts in instances(world(), "message_switch"):
        families = {p.extra["phase"]: family_of(p.extra["claim"]) for p in posts}
        assert set(families) == {0, 1} and families[0] != families[1]
        last_first = max(p.time for p in posts if p.extra["phase"] == 0)
        assert min(p.time for p in posts if p.extra["phase"] == 1) > last_first


def test_link_ring_pushes_one_domain_with_tracking_variants() -> None:
    for posts in instances(world(), "link_ring"):
        hosts = {re.sub(r"^https://([^/]+)/.*", r"\1", p.links[0]) for p in posts}
        assert len(hosts) == 1
        assert any("utm_" in p.links[0] for p in posts) and any("utm_" not in p.links[0] for p in posts)


def test_hashtag_flood_is_indonesian_without_reposts_and_one_tag_core() -> None:
    for posts in instances(world(), "hashtag_flood"):
        assert {p.account.lang for p in posts} == {"id"}
        assert not any(p.repost_of or p.quote_of for p in posts)
        assert all({"TolakRUUKepulauan", "SarindaBersatu"} <= set(p.hashtags) for p in posts)
        assert len({p.text for p in posts}) >= 0.5 * len(posts)  # different sentences


def test_repost_ring_reposts_its_own_seeds_quickly() -> None:
    for posts in instances(world(), "repost_ring"):
        own = {p.id: p for p in posts}
        shares = [p for p in posts if p.repost_of or p.quote_of]
        assert len(shares) >= 0.7 * len(posts)
        for p in shares:
            seed = own[p.repost_of or p.quote_of or ""]
            assert 0 < p.time - seed.time <= 601


def test_troll_farm_is_a_recurring_group_of_tiny_bursts() -> None:
    for posts in instances(world("trollfarm"), "troll_farm"):
        bursts: dict[int, list[Post]] = defaultdict(list)
        for p in posts:
            bursts[p.extra["burst"]].append(p)
        assert len(bursts) >= 100
        assert all(2 <= len(b) <= 4 and b[-1].time - b[0].time <= 150 for b in bursts.values())
        accounts = Counter(p.account.id for p in posts)
        assert len(accounts) <= 150 and sum(accounts.values()) / len(accounts) >= 2
        assert len({p.extra["subject"] for p in posts}) >= 4
        assert sum(account_age_days(p) > 365 for p in posts) >= 0.5 * len(posts)


def test_reply_storm_hits_one_allowlisted_official_post_within_minutes() -> None:
    w = world()
    for posts in instances(w, "reply_storm"):
        targets = {p.reply_to for p in posts}
        assert len(targets) == 1
        target = next(p for p in w.posts if p.id in targets)
        assert target.account.id in w.allowlist and target.label == "organic"
        assert posts[-1].time - posts[0].time <= 600
        assert sum(account_age_days(p) < 90 for p in posts) >= 0.5 * len(posts)
        organic_replies = [p for p in w.posts if p.reply_to == target.id and p.label == "organic"]
        assert organic_replies and max(p.time for p in organic_replies) - target.time > 600


def test_resurfacing_claim_returns_hours_later_in_other_languages() -> None:
    for posts in instances(world("multilingual"), "resurfacing"):
        first = [p for p in posts if p.extra["wave"] == 0]
        later = [p for p in posts if p.extra["wave"] == 1]
        assert len({p.account.lang for p in first}) == 1
        later_langs = {p.account.lang for p in later}
        assert len(later_langs) >= 2 and not later_langs & {p.account.lang for p in first}
        assert min(p.time for p in later) - max(p.time for p in first) >= 4 * 3600
        assert len({p.extra["claim"] for p in posts}) == 1


def test_campaign_accounts_are_a_mix_of_new_and_old() -> None:
    authors = {p.account.id: p for p in world().posts if is_inauthentic_campaign(p.label)}
    old = sum(account_age_days(p) > 365 for p in authors.values())
    assert 0.15 <= old / len(authors) <= 0.85
    # Hijacked accounts go on posting ordinary chatter.
    organic_authors = {p.account.id for p in world().posts if p.label == "organic"}
    assert len(organic_authors & set(authors)) >= 10


# -- organic hard negatives -----------------------------------------------------------------------------


def test_breaking_news_is_old_accounts_within_the_hour() -> None:
    news = [p for p in world("hard-negatives").posts if p.kind == "breaking_news"]
    by_event: dict[str, list[Post]] = defaultdict(list)
    for p in news:
        by_event[p.topic].append(p)
    for posts in by_event.values():
        crowd = [p for p in posts if p.account.role == "user"]
        assert 100 <= len({p.account.id for p in crowd}) <= 160
        assert all(account_age_days(p) >= 365 for p in crowd)
        assert posts[-1].time - posts[0].time <= 3600
        assert sum(bool(p.repost_of) for p in crowd) >= 0.25 * len(crowd)


def test_official_days_are_allowlisted_and_labelled_official() -> None:
    w = world("hard-negatives")
    official = [p for p in w.posts if p.label.startswith(OFFICIAL_PREFIX)]
    assert len({p.label for p in official}) == 3
    assert all(p.account.id in w.allowlist and p.account.verified for p in official)
    assert all(p.hashtags for p in official)


def test_own_words_chatter_rarely_repeats_another_accounts_text() -> None:
    # Organic people write their own sentences: outside share buttons, memes and stock phrases,
    # whole-post copies between unrelated accounts are rare (measured ~13% at 100k mentions).
    texts: dict[str, set[str]] = defaultdict(set)
    posts = [p for p in world().posts if p.kind == "chatter" and not p.links and p.text]
    for p in posts:
        texts[re.sub(r"\W+", " ", p.text.casefold()).strip()].add(p.account.id)
    shared = sum(len(a) for a in texts.values() if len(a) > 1)
    assert shared / len(posts) < 0.1
    assert max(len(a) for a in texts.values()) <= 6


# -- the lexicon ---------------------------------------------------------------------------------------------


SLOTS = dict.fromkeys(
    ("np", "detail", "country", "player", "team", "place", "tag", "link", "name", "n", "m", "hour"), "x"
)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_language_pack_is_complete_and_every_template_fills(lang: str) -> None:
    lp = pack(lang)
    empty = [name for name, items in lp.text_fields().items() if not items and name != "code_switch"]
    assert not empty, f"{lang}: empty fields {empty}"
    assert set(TRANSLATED_CLAIMS) <= set(lp.claims)
    assert {"valdoria", "lorvane", "azmara", "tarsania"} <= set(lp.countries)
    assert len(lp.people()) >= 10
    templates = [t for items in lp.text_fields().values() for t in items]
    templates += [t for c in lp.claims.values() for t in c]
    for template in templates:
        assert template.count("[") == template.count("]"), template
        fill(expand(template, random.Random(0)), **SLOTS)
