"""Sensors and reply storms: target resolution, storm vs organic replies, lifecycle, bounds, snapshots.

Vectors are hand-made (a shared direction plus noise); tests/unit/test_analyst_golden.py runs the
same question on real-model vectors."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np

from detectors.config import DetectorConfig
from detectors.replystorm import Reply, ReplyStormTracker, Sensor, SensorTargets, Target
from schemas.models import Author, Mention

CFG = DetectorConfig()
T0 = datetime(2026, 4, 7, 9, 0, tzinfo=UTC)
T0S = T0.timestamp()
EMBASSY = Sensor("1001", ("@VeridiaEmbLima",))
MINISTRY = Sensor(None, ("@mfa_veridia",))


def mention(
    mid: str, t: float, author: str, text: str, *, handle: str | None = None, reply_to: str | None = None,
    quote_of: str | None = None, age_days: float = 1000, followers: int = 500,
) -> Mention:  # fmt: skip
    created = T0 + timedelta(seconds=t)
    return Mention(
        id=mid,
        platform="x",
        created_at=created,
        text=text,
        author=Author(author, handle, created - timedelta(days=age_days), followers),
        lang="en",
        url=None,
        links=(),
        hashtags=(),
        repost_of=None,
        reply_to=reply_to,
        quote_of=quote_of,
    )


# -- targets ---------------------------------------------------------------------------------------


def test_replies_and_quotes_of_a_sensor_post_resolve_once_the_post_is_seen() -> None:
    sensors = SensorTargets([EMBASSY, MINISTRY])
    assert (
        sensors.targets(mention("p1", 0, "1001", "Our statement on the summit", handle="@VeridiaEmbLima"))
        == ()
    )
    (reply,) = sensors.targets(mention("r1", 5, "u1", "This is a lie", reply_to="p1"))
    assert (reply.sensor, reply.post_id, reply.relation) == (EMBASSY, "p1", "reply")
    (quote,) = sensors.targets(mention("q1", 6, "u2", "Look at this", quote_of="p1"))
    assert (quote.post_id, quote.relation) == ("p1", "quote")
    assert sensors.targets(mention("r2", 7, "u1", "Who cares", reply_to="unknown")) == ()


def test_a_reply_opening_with_the_sensor_handle_names_the_post() -> None:
    sensors = SensorTargets([EMBASSY, MINISTRY])
    (target,) = sensors.targets(
        mention("r1", 0, "u1", "@veridiaemblima @someone shame on you", reply_to="p9")
    )
    assert (target.sensor, target.post_id, target.relation) == (EMBASSY, "p9", "reply")


def test_handles_elsewhere_are_mentions_of_the_account() -> None:
    sensors = SensorTargets([EMBASSY, MINISTRY])
    targets = sensors.targets(mention("m1", 0, "u1", "Ask @MFA_Veridia and @VeridiaEmbLima. about it"))
    assert {(t.sensor.key, t.post_id, t.relation) for t in targets} == {
        ("@mfa_veridia", None, "mention"),
        ("1001", None, "mention"),
    }
    assert sensors.targets(mention("m2", 0, "u1", "mail me at someone@mfa_veridia.example")) == ()


def test_a_sensor_known_only_by_handle_is_recognised_as_author() -> None:
    sensors = SensorTargets([MINISTRY])
    assert sensors.targets(mention("p2", 0, "777", "Press release", handle="@MFA_veridia")) == ()
    (target,) = sensors.targets(mention("r1", 1, "u1", "No!", reply_to="p2"))
    assert target.sensor == MINISTRY


# -- storms ------------------------------------------------------------------------------------------


def direction(seed: int, dim: int = 32) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=dim)
    return v / np.linalg.norm(v)


def replies(
    n: int, span_s: float, *, similar: bool, age_days: tuple[float, float], seed: int, post: str = "p1"
) -> tuple[list[Reply], np.ndarray]:
    rng = random.Random(seed)
    target = Target(EMBASSY, post, "reply")
    times = sorted(rng.uniform(0, span_s) for _ in range(n))
    out, vectors = [], []
    script = direction(999)
    words = ["embassy", "lies", "shame", "veridia", "propaganda", "leave", "our", "country", "now", "liars"]
    for i, t in enumerate(times):
        text = " ".join(rng.sample(words, 8)) if similar else f"reply {i} " + " ".join(rng.sample(words, 6))
        m = mention(
            f"{post}-r{i}",
            t,
            f"acct{seed}-{i}",
            text,
            age_days=rng.uniform(*age_days),
            followers=rng.randint(0, 40) if similar else rng.randint(100, 5000),
        )
        out.append(Reply.from_mention(m, target))
        noise = direction(seed * 10_000 + i)
        vectors.append(0.9 * script + 0.3 * noise if similar else noise)
    return out, np.stack(vectors)


def run(
    tracker: ReplyStormTracker, items: list[Reply], vectors: np.ndarray, *, until: float | None = None
) -> list:
    """Drive the tracker as the stream does: one call per minute of event time, then advance."""
    found: list = []
    end = until if until is not None else items[-1].t
    minute = items[0].t // 60 * 60
    i = 0
    while minute <= end:
        j = i
        while j < len(items) and items[j].t < minute + 60:
            j += 1
        if j > i:
            found += tracker.process(items[i:j], vectors[i:j])
        found += tracker.advance(minute + 60)
        i, minute = j, minute + 60
    return found


def test_forty_young_accounts_in_ten_minutes_are_a_storm_naming_account_and_post() -> None:
    items, vectors = replies(40, 600, similar=True, age_days=(1, 20), seed=1)
    tracker = ReplyStormTracker(CFG)
    found = run(tracker, items, vectors, until=items[-1].t + 3600)
    opened = [f for f in found if f.status == "open"]
    assert len(opened) == 1
    storm = opened[0]
    # Paraphrases, no copies: the content signals stay under the threshold until timing tells the
    # burst from chance, which happens within rescore_s of its end.
    assert storm.as_of - items[-1].t <= CFG.rescore_s + 60
    assert (storm.target_account, storm.target_handle, storm.target_post) == ("1001", "@VeridiaEmbLima", "p1")
    assert storm.rule == "reply storm" and storm.score >= CFG.alert_threshold and not storm.authentic
    assert storm.signals["new_accounts"].value == 1.0
    assert storm.summary.startswith("Reply storm on post p1 of 1001:")
    assert found[-1].status == "closed" and found[-1].storm_id == storm.storm_id


def test_three_hundred_organic_replies_over_a_day_are_not_a_storm() -> None:
    items, vectors = replies(300, 86400, similar=False, age_days=(400, 4000), seed=2)
    tracker = ReplyStormTracker(CFG)
    assert run(tracker, items, vectors, until=items[-1].t + 3600) + list(tracker.flush()) == []


def test_allowlisted_repliers_are_authentic_not_a_storm() -> None:
    items, vectors = replies(40, 600, similar=True, age_days=(1, 20), seed=3)
    tracker = ReplyStormTracker(CFG, allowlist=frozenset(r.account for r in items))
    assert run(tracker, items, vectors, until=items[-1].t + 3600) == []


def test_below_min_accounts_nothing_is_scored() -> None:
    items, vectors = replies(4, 60, similar=True, age_days=(1, 5), seed=4)
    assert run(ReplyStormTracker(CFG), items, vectors, until=T0S + 3600) == []


def test_targets_are_bounded_and_evicted_storms_close() -> None:
    cfg = replace(CFG, reply_storm_max_targets=2)
    tracker = ReplyStormTracker(cfg)
    storm, vectors = replies(40, 600, similar=True, age_days=(1, 20), seed=5, post="p1")
    found = run(tracker, storm, vectors, until=T0S + 1200)
    assert found and found[0].status == "open" and "closed" not in [f.status for f in found]
    for k, post in enumerate(("p2", "p3")):
        other, vecs = replies(1, 1, similar=False, age_days=(400, 500), seed=6 + k, post=post)
        later = [replace(r, t=r.t + 1300) for r in other]
        found += tracker.process(later, vecs)
    # A third target evicts the storm's, the least recent: its alert closes.
    assert tracker.watched_targets == 2 and found[-1].status == "closed" and found[-1].target_post == "p1"


def test_snapshot_restore_continues_exactly() -> None:
    items, vectors = replies(40, 600, similar=True, age_days=(1, 20), seed=7)
    whole = ReplyStormTracker(CFG)
    expected = run(whole, items, vectors, until=T0S + 3000)
    half = ReplyStormTracker(CFG)
    cut = next(i for i, r in enumerate(items) if r.t >= T0S + 300)
    got = run(half, items[:cut], vectors[:cut], until=T0S + 240)
    copy = ReplyStormTracker.restore(json.loads(json.dumps(half.snapshot())), CFG)
    got += run(copy, items[cut:], vectors[cut:], until=T0S + 3000)
    assert got == expected and expected
