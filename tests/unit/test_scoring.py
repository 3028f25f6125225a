"""Each coordination signal and the score combination on small hand-built windows with known answers."""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import replace

import pytest

from detectors.config import ConfigError, DetectorConfig
from detectors.scoring import (
    BackgroundRate,
    CoordinationInterval,
    IntervalChoice,
    NarrativeState,
    Record,
    account_gate,
    burstiness,
    co_hashtags,
    co_links,
    co_reposts,
    concentration_gate,
    low_followers,
    near_duplicates,
    new_accounts,
    score_records,
    synchrony,
    tightness,
)

CFG = DetectorConfig()


def rec(
    t: float,
    account: str,
    *,
    key: str | None = None,
    simhash: int | None = None,
    links: tuple[str, ...] = (),
    tags: str = "",
    repost_of: str | None = None,
    new: bool | None = None,
    low: bool | None = None,
    sim: float = 0.8,
    official: bool = False,
    founder: bool = False,
    mid: str | None = None,
    tokens: int = 10,
) -> Record:
    key = key if key is not None else f"k-{account}-{t}"
    return Record(
        t=t,
        account=account,
        key=key,
        simhash=simhash
        if simhash is not None
        else int(hashlib.blake2b(key.encode(), digest_size=8).hexdigest(), 16),
        links=links,
        tags=tags,
        repost_of=repost_of,
        new_account=new,
        low_followers=low,
        similarity=sim,
        mention_id=mid or f"m-{account}-{t}",
        official=official,
        founder=founder,
        tokens=tokens,
    )


# --------------------------------------------------------------------------------------------- gates


def test_account_gate_zero_below_minimum_then_saturates() -> None:
    assert account_gate(4, 5, 8.0).value == 0.0
    assert account_gate(5, 5, 8.0).value == pytest.approx(0.5)
    assert account_gate(13, 5, 8.0).value == pytest.approx(0.5 + 0.5 * (1 - math.exp(-1)))
    assert account_gate(500, 5, 8.0).value == pytest.approx(1.0)


def test_concentration_gate_stops_one_hyperactive_account() -> None:
    spread = [rec(i, f"a{i}") for i in range(10)]
    assert concentration_gate(spread, 5).value == 1.0
    hyper = [rec(i, "loud") for i in range(40)] + [rec(100 + i, f"b{i}") for i in range(5)]
    sig = concentration_gate(hyper, 5)
    # 45^2 / (40^2 + 5) = 1.26 effective accounts
    assert sig.value == pytest.approx(45 * 45 / (1600 + 5) / 5)
    assert "40 of 45" in sig.detail


# ------------------------------------------------------------------------------------------ synchrony


def _at(times: list[float], prefix: str = "a") -> list[Record]:
    return [rec(t, f"{prefix}{i}") for i, t in enumerate(sorted(times))]


DEFAULT_30S = IntervalChoice(30.0, "default until 50 closed narratives give an estimate (3 so far)")


def test_synchrony_flags_posts_with_another_account_within_interval() -> None:
    # Two pairs of synchronous posts (other accounts within 5 s), one loner, one same-account pair.
    records = [
        rec(0, "a"),
        rec(3, "b"),
        rec(1000, "c"),
        rec(2000, "d"),
        rec(2002, "d"),
        rec(3000, "e"),
        rec(3004, "f"),
    ]
    sig, flags = synchrony(records, IntervalChoice(5.0), reference=600.0, now=10_000.0)
    assert flags == [True, True, False, False, False, True, True]
    assert sig.available and sig.value > 0.3


@pytest.mark.parametrize("now_after_last", [0.0, 60.0, 600.0])
def test_synchrony_dense_burst_of_many_new_accounts_counts(now_after_last: float) -> None:
    # The case: 34 accounts within 3 minutes out of nowhere. It counts while the burst is
    # still going on (the quiet before it is part of the narrative's longer-run rate), not only later.
    rng = random.Random(11)
    records = _at([5000 + rng.uniform(0, 180) for _ in range(34)])
    sig, _ = synchrony(records, DEFAULT_30S, reference=600.0, now=records[-1].t + now_after_last)
    assert sig.available and sig.value > 0.9
    assert "other accounts posting within 30 s" in sig.detail
    assert "30 s: default until 50 closed narratives give an estimate (3 so far)" in sig.detail
    assert "bunched with other accounts within 30 s" in sig.brief


def test_synchrony_organic_surge_over_tens_of_minutes_stays_low() -> None:
    # 150 independent accounts reacting to one event: a steep ramp, then an hour-long decay.
    for seed in range(3):
        rng = random.Random(seed)
        records = _at([5000 + rng.gammavariate(1.4, 900.0) for _ in range(150)])
        sig, _ = synchrony(records, DEFAULT_30S, reference=600.0, now=records[-1].t + 600)
        assert sig.available and sig.value < 0.3, (seed, sig)


def test_synchrony_of_evenly_spread_dense_posts_is_chance() -> None:
    # 400 posts by distinct accounts at random over an hour: most have a neighbour within 10 s, but
    # that is what chance gives at this rate.
    rng = random.Random(7)
    records = _at([rng.uniform(0, 3600) for _ in range(400)])
    sig, flags = synchrony(records, IntervalChoice(10.0), reference=600.0, now=10_000.0)
    assert sum(flags) > 300
    assert sig.available and sig.value < 0.1


def test_synchrony_near_identical_inputs_give_near_identical_values() -> None:
    # A borderline narrative (25 accounts over 10 minutes): +-1 s of jitter on every post, one post
    # more or less must move the value by little (the old share-in-excess rule jumped 0 <-> 1).
    rng = random.Random(3)
    base = [5000 + rng.uniform(0, 600) for _ in range(25)]
    values = []
    for _ in range(30):
        jittered = _at([t + rng.uniform(-1.0, 1.0) for t in base])
        values.append(synchrony(jittered, DEFAULT_30S, 600.0, 7000.0)[0].value)
    values.append(synchrony(_at(base[:-1]), DEFAULT_30S, 600.0, 7000.0)[0].value)
    values.append(synchrony(_at([*base, 5300.0]), DEFAULT_30S, 600.0, 7000.0)[0].value)
    assert min(values) > 0.0 and max(values) - min(values) < 0.1, values


@pytest.mark.parametrize("loud_start", [1000.0, 1385.0])
def test_synchrony_single_hyperactive_account_does_not_make_a_chorus(loud_start: float) -> None:
    # One account posts 40 times in a minute, apart from or right around one of five other accounts'
    # posts: it has one vote like every account, so the value stays low either way.
    records = [rec(loud_start + 1.5 * i, "loud") for i in range(40)]
    records += [rec(700.0 * i, f"b{i}") for i in range(5)]
    sig, _ = synchrony(records, DEFAULT_30S, 600.0, 10_000.0)
    assert sig.available and sig.value < 0.2, sig


def test_synchrony_unavailable_for_one_post() -> None:
    sig, flags = synchrony([rec(0, "a")], IntervalChoice(5.0), 600.0, 10.0)
    assert not sig.available and flags == [False]


# ------------------------------------------------------------------------------------ near duplicates


def test_near_duplicates_exact_and_simhash_across_accounts_only() -> None:
    base = 0xF0F0_F0F0_F0F0_F0F0
    records = [
        rec(0, "a", key="x", simhash=base),
        rec(1, "b", key="x", simhash=base),  # exact copy by another account
        rec(2, "c", key="y", simhash=base ^ 0b111),  # 3 bits away from x
        rec(3, "d", key="z", simhash=base ^ 0xFFFF_0000_FFFF_0000),  # unrelated
        rec(4, "d", key="w", simhash=0x1234_5678_9ABC_DEF0),
        rec(5, "d", key="w", simhash=0x1234_5678_9ABC_DEF0),  # same account copying itself
    ]
    sig, flags = near_duplicates(records, max_hamming=3)
    assert flags == [True, True, True, False, False, False]
    assert sig.value == pytest.approx(3 / 6)
    strict, _ = near_duplicates(records, max_hamming=0)
    assert strict.value == pytest.approx(2 / 6)


def test_short_stock_phrases_are_not_near_duplicates_or_tight() -> None:
    # "This is so true" from 20 accounts: identical, but people write it independently.
    records = [rec(i * 60.0, f"a{i}", key="so-true", simhash=1, tokens=4, sim=1.0) for i in range(20)]
    sig, flags = near_duplicates(records, 3, min_tokens=6)
    assert not sig.available and not any(flags)
    assert near_duplicates(records, 3, min_tokens=4)[0].value == 1.0
    assert not tightness(records, 0.7, 0.9, min_tokens=6).available


def test_near_duplicates_ignore_reposts() -> None:
    records = [rec(0, "a", key="x", repost_of="p"), rec(1, "b", key="x", repost_of="p"), rec(2, "c", key="q")]
    sig, _ = near_duplicates(records, 3)
    assert not sig.available


# --------------------------------------------------------------------------------- links, tags, reposts


def test_co_links_counts_posts_whose_url_two_accounts_shared() -> None:
    records = [
        rec(0, "a", links=("https://x.org/1",)),
        rec(1, "b", links=("https://x.org/1", "https://y.org")),
        rec(2, "c", links=("https://z.org",)),
        rec(3, "c", links=("https://z.org",)),  # same account twice is not co-sharing
        rec(4, "d"),
    ]
    sig, flags = co_links(records, min_posts=2)
    assert flags == [True, True, False, False, False]
    assert sig.value == pytest.approx(2 / 4)


def test_co_links_unavailable_without_links() -> None:
    sig, _ = co_links([rec(0, "a"), rec(1, "b")], min_posts=2)
    assert not sig.available and "not" not in sig.detail.split()[0]


def test_co_hashtags_sets_count_full_single_tags_half() -> None:
    records = [
        rec(0, "a", tags="free vote"),
        rec(1, "b", tags="free vote"),
        rec(2, "c", tags="news"),
        rec(3, "d", tags="news"),
        rec(4, "e", tags="other"),
    ]
    sig, flags = co_hashtags(records, min_posts=2)
    assert flags == [True, True, True, True, False]
    assert sig.value == pytest.approx((1 + 1 + 0.5 + 0.5) / 5)


def test_co_reposts_within_interval_by_other_accounts() -> None:
    records = [
        rec(0, "a", repost_of="p1"),
        rec(4, "b", repost_of="p1"),
        rec(500, "c", repost_of="p1"),  # too late
        rec(600, "d", repost_of="p2"),
        rec(601, "d", repost_of="p2"),  # same account
    ]
    sig, flags = co_reposts(records, interval=10.0, min_posts=2)
    assert flags == [True, True, False, False, False]
    assert sig.value == pytest.approx(2 / 5)


# ----------------------------------------------------------------------------------- author features


def test_new_accounts_per_account_and_absent_when_unknown() -> None:
    records = [rec(0, "a", new=True), rec(1, "a", new=True), rec(2, "b", new=False), rec(3, "c", new=False)]
    sig = new_accounts(records, coverage=0.5, days=30)
    assert sig.value == pytest.approx(1 / 3)
    unknown = new_accounts([rec(0, "a"), rec(1, "b"), rec(2, "c", new=True)], coverage=0.5, days=30)
    assert not unknown.available and "left out" in unknown.detail


def test_low_followers() -> None:
    sig = low_followers([rec(0, "a", low=True), rec(1, "b", low=False)], coverage=0.5, threshold=50)
    assert sig.available and sig.value == pytest.approx(0.5)


def test_tightness_maps_mean_similarity_and_skips_founder() -> None:
    records = [rec(0, "a", sim=1.0, founder=True), rec(1, "b", sim=0.9), rec(2, "c", sim=0.8)]
    sig = tightness(records, low=0.7, high=0.9)
    assert sig.value == pytest.approx((0.85 - 0.7) / 0.2)


# ------------------------------------------------------------------------------------------ burstiness


def test_burstiness_against_own_history_and_stream() -> None:
    cfg = replace(CFG, burst_recent_s=600.0, burst_ratio_full=10.0, burst_share_full=0.02)
    # 1 post per hour for 5 hours, then 20 posts in the last 10 minutes.
    records = [rec(i * 3600.0, f"old{i}") for i in range(5)]
    records += [rec(18010 + 29 * i, f"new{i}") for i in range(20)]
    now = 18000 + 600.0
    sig = burstiness(records, now, background_rate=1.0, cfg=cfg)
    # own: 20/600 vs 5/18000 -> 120x (saturates); stream: (20/600)/1.0 = 3.3% of volume -> saturates
    assert sig.value == pytest.approx(1.0)
    quiet = burstiness(records, now, background_rate=100.0, cfg=cfg)
    assert quiet.value == pytest.approx((20 / 600 / 100.0) / 0.02)
    assert not burstiness(records[:1], 10.0, None, cfg).available


# ---------------------------------------------------------------------------------------- combination


def _campaign(n: int = 20) -> list[Record]:
    return [
        rec(1000 + 3 * i, f"acc{i}", key="same", simhash=7, tags="a b", new=True, sim=0.97, founder=i == 0)
        for i in range(n)
    ]


def test_score_is_gated_weighted_mean_of_available_signals() -> None:
    records = _campaign()
    result = score_records(records, now=2000.0, interval=IntervalChoice(10.0), background_rate=1.0, cfg=CFG)
    available = {k: v for k, v in result.signals.items() if v.weight > 0 and v.contribution > 0}
    assert {"near_duplicate", "synchrony", "co_hashtags", "new_accounts"} <= set(available)
    assert sum(s.contribution for s in result.signals.values()) == pytest.approx(result.score)
    assert result.signals["co_links"].contribution == 0.0  # nobody shared a link: left out
    assert "not available" in result.signals["co_links"].detail
    assert result.score >= CFG.severity["high"]
    assert result.severity in ("high", "critical")
    assert not result.authentic


def test_absent_signal_does_not_count_against() -> None:
    records = _campaign()
    with_ages = score_records(
        records, now=2000.0, interval=IntervalChoice(10.0), background_rate=1.0, cfg=CFG
    )
    no_ages = score_records(
        [replace(r, new_account=None) for r in records],
        now=2000.0,
        interval=IntervalChoice(10.0),
        background_rate=1.0,
        cfg=CFG,
    )
    # New accounts were all 1.0 here, so leaving it out lowers the mean a little but never to zero.
    assert 0 < no_ages.score <= with_ages.score
    assert no_ages.signals["new_accounts"].contribution == 0.0


def test_below_min_accounts_scores_zero() -> None:
    result = score_records(
        _campaign(4), now=2000.0, interval=IntervalChoice(10.0), background_rate=1.0, cfg=CFG
    )
    assert result.score == 0.0 and result.severity is None


def test_independent_wording_organic_timing_old_accounts_scores_low() -> None:
    records = [
        rec(i * 37.0 % 7200, f"o{i}", links=(f"https://n{i % 40}.example/{i}",), new=False, sim=0.74)
        for i in range(200)
    ]
    records.sort(key=lambda r: r.t)
    result = score_records(records, now=7300.0, interval=IntervalChoice(10.0), background_rate=1.0, cfg=CFG)
    assert result.severity is None, result.signals


def test_severity_bands() -> None:
    cfg = DetectorConfig.from_mapping({"severity": {"low": 0.4, "medium": 0.5, "high": 0.6, "critical": 0.7}})
    assert cfg.severity_for(0.39) is None
    assert cfg.severity_for(0.4) == "low"
    assert cfg.severity_for(0.55) == "medium"
    assert cfg.severity_for(0.69) == "high"
    assert cfg.severity_for(0.99) == "critical"


def test_allowlisted_core_makes_it_authentic_with_reason() -> None:
    records = _campaign(16)
    records = [replace(r, official=i < 14) for i, r in enumerate(records)]
    result = score_records(records, now=2000.0, interval=IntervalChoice(10.0), background_rate=1.0, cfg=CFG)
    assert result.authentic
    assert result.authentic_reason is not None
    assert "14 of 16 accounts" in result.authentic_reason


def test_few_allowlisted_amplifiers_do_not_make_it_authentic() -> None:
    records = [replace(r, official=i < 3) for i, r in enumerate(_campaign(16))]
    result = score_records(records, now=2000.0, interval=IntervalChoice(10.0), background_rate=1.0, cfg=CFG)
    assert not result.authentic and result.authentic_reason is None


# ------------------------------------------------------------------------------------ online estimates


def test_coordination_interval_default_then_cooRnet_estimate() -> None:
    cfg = replace(
        CFG, interval_min_samples=10, interval_default_s=30.0, interval_floor_s=1.0, interval_max_s=120.0
    )
    est = CoordinationInterval(cfg)
    assert est.value() == 30.0
    assert est.current() == IntervalChoice(
        30.0, "default until 10 closed narratives give an estimate (0 so far)"
    )
    for i in range(100):
        # quickest 10% (to_second 0..9) reach half their posts in 4..13 s; the rest are slow
        est.add(float(i), 4.0 + i if i < 10 else 5000.0)
    assert est.is_estimated()
    assert est.value() == pytest.approx((8.0 + 9.0) / 2)  # median of 4..13
    assert est.current().describe() == "8 s: estimated from 100 closed narratives (CooRnet)"
    floor = CoordinationInterval(cfg)
    for _ in range(20):
        floor.add(0.0, 0.0)
    assert floor.value() == 1.0
    assert floor.current().basis.endswith("clamped to [1, 120] s")


def test_background_rate_tracks_stream_rate() -> None:
    bg = BackgroundRate(half_life=600.0)
    assert bg.rate() is None
    for i in range(3600):
        bg.observe(i * 0.5)  # 2 per second
    rate = bg.rate()
    assert rate is not None and rate == pytest.approx(2.0, rel=0.02)


def test_narrative_state_bounded_and_round_trips() -> None:
    cfg = replace(
        CFG, window_max_records=50, max_tracked_accounts=10, timeline_max_minutes=5, max_sample_texts=3
    )
    state = NarrativeState("nar-1", cfg)
    for i in range(200):
        state.add(
            rec(i * 30.0, f"a{i}", key=f"k{i % 7}"), handle=f"h{i}", lang="en", platform="x", text=f"t{i % 7}"
        )
    assert len(state.records) == 50
    assert len(state.accounts) == 10 and state.untracked_posts == 190
    assert len(state.timeline) == 5
    assert len(state.texts) == 3
    assert state.size == 200
    state.score(6000.0, IntervalChoice(10.0), 1.0)
    back = NarrativeState.from_dict("nar-1", json.loads(json.dumps(state.to_dict())), cfg)
    assert back.to_dict() == state.to_dict()


def test_config_rejects_unknown_and_out_of_range_keys() -> None:
    with pytest.raises(ConfigError, match="bogus"):
        DetectorConfig.from_mapping({"bogus": 1})
    with pytest.raises(ConfigError, match=r"weights\.nope"):
        DetectorConfig.from_mapping({"weights": {"nope": 1.0}})
    with pytest.raises(ConfigError, match="similarity_threshold"):
        DetectorConfig.from_mapping({"similarity_threshold": 1.5})
    with pytest.raises(ConfigError, match="severity"):
        DetectorConfig.from_mapping({"severity": {"low": 0.9, "medium": 0.5}})
    with pytest.raises(ConfigError, match="min_accounts"):
        DetectorConfig.from_mapping({"min_accounts": 2.5})
    cfg = DetectorConfig.from_mapping({"weights": {"synchrony": 0.5}, "min_accounts": 6.0})
    assert cfg.weights["synchrony"] == 0.5 and cfg.weights["near_duplicate"] == CFG.weights["near_duplicate"]
    assert cfg.min_accounts == 6 and isinstance(cfg.min_accounts, int)
    assert DetectorConfig.from_mapping(json.loads(json.dumps(cfg.to_dict()))) == cfg


def test_group_thresholds_for_uncovered_scripts() -> None:
    groups = CFG.clusterer_group_thresholds(("latin", "arabic", "cjk"))
    assert groups == {"arabic": CFG.uncovered_script_threshold, "cjk": CFG.uncovered_script_threshold}
    multi = DetectorConfig.from_mapping({"model_scripts": ["*"]})
    assert multi.clusterer_group_thresholds(("latin", "arabic")) == {}
    override = DetectorConfig.from_mapping({"group_thresholds": {"arabic": 0.8}})
    assert override.clusterer_group_thresholds(("arabic",)) == {"arabic": 0.8}


def test_rescore_due_by_count_or_time() -> None:
    cfg = replace(CFG, rescore_min_mentions=5, rescore_fraction=0.25, rescore_s=300.0)
    state = NarrativeState("nar-2", cfg)
    assert not state.due(0.0)
    state.add(rec(0.0, "a"), handle=None, lang=None, platform="x", text="t")
    assert state.due(0.0)  # never scored
    state.score(0.0, IntervalChoice(10.0), None)
    for i in range(4):
        state.add(rec(1.0 + i, f"b{i}"), handle=None, lang=None, platform="x", text="t")
    assert not state.due(10.0)
    assert state.due(400.0) and not state.due(400.0, by_time=False)
    state.add(rec(20.0, "c"), handle=None, lang=None, platform="x", text="t")
    assert state.due(30.0, by_time=False)
