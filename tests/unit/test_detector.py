"""The Detector end to end on synthetic streams embedded with the model-free HashingEmbedder."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from detectors.config import DetectorConfig
from detectors.detector import Detector, StepResult
from detectors.embedding import HashingEmbedder
from schemas.models import Author, Mention, validate_alert_dict
from tests.factories import ORGANIC_WORDS

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
EMB = HashingEmbedder()
CFG = DetectorConfig()
WORDS = ORGANIC_WORDS
CAMPAIGN_TEXTS = (
    "The minister lied about the water deal, share before they delete it #WaterGate",
    "Foreign agents are buying land near the border while the council looks away",
    "Vaccines at the northern clinic were replaced with saline, nurses confirm",
)


def mention(i: int, t: float, account: str, text: str, *, age_days: float = 900, **kw: Any) -> Mention:
    return Mention(
        id=f"m{i:05d}",
        platform=kw.pop("platform", "x"),
        created_at=T0 + timedelta(seconds=t),
        text=text,
        author=Author(id=account, handle=f"@{account}", created_at=T0 - timedelta(days=age_days)),
        **kw,
    )


def organic(rng: random.Random, n: int, span: float, start: int = 0) -> list[Mention]:
    """Unrelated chatter: random words, random times, old accounts."""
    return [
        mention(
            start + i,
            rng.uniform(0, span),
            f"o{rng.randint(0, 5000)}",
            " ".join(rng.choice(WORDS) for _ in range(9)) + f" {rng.randint(0, 10**6)}",
        )
        for i in range(n)
    ]


def copy_paste(
    rng: random.Random, n: int, at: float, start: int, prefix: str = "c", text: str = CAMPAIGN_TEXTS[0]
) -> list[Mention]:
    return [
        mention(start + k, at + rng.uniform(0, 90), f"{prefix}{k}", text, age_days=5, hashtags=("WaterGate",))
        for k in range(n)
    ]


def run(det: Detector, mentions: Sequence[Mention], batch: int = 50, flush: bool = True) -> list[StepResult]:
    ordered = sorted(mentions, key=lambda m: (m.created_at, m.id))
    vectors = EMB.encode([m.text for m in ordered])
    out = [det.process(ordered[s : s + batch], vectors[s : s + batch]) for s in range(0, len(ordered), batch)]
    if flush:
        out.append(det.flush())
    return out


def alerts_of(results: Sequence[StepResult]) -> list[dict[str, Any]]:
    return [a.to_dict() for r in results for a in r.alerts]


def assignments_of(results: Sequence[StepResult]) -> dict[str, str | None]:
    return {a.mention_id: a.narrative_id for r in results for a in r.assignments}


def test_copy_paste_burst_alerts_high_among_chatter() -> None:
    rng = random.Random(1)
    stream = organic(rng, 400, 7200) + copy_paste(rng, 30, 3000, 10_000)
    det = Detector(CFG, model_name=EMB.name)
    results = run(det, stream)
    alerts = alerts_of(results)
    for doc in alerts:
        validate_alert_dict(doc)
    assigned = assignments_of(results)
    campaign_narratives = {assigned[f"m{10_000 + k:05d}"] for k in range(30)}
    assert len(campaign_narratives) == 1
    (nid,) = campaign_narratives
    assert nid is not None
    mine = [a for a in alerts if a["narrative"]["id"] == nid]
    assert mine and mine[0]["status"] == "open"
    assert max(a["severity"] for a in mine) in ("high", "critical")
    assert mine[-1]["status"] == "closed"
    assert {a["alert_id"] for a in alerts} == {"cw-" + nid.removeprefix("nar-")}, "chatter must not alert"
    assert sum(r.facts.exact_duplicate_hits for r in results) >= 29


def test_revisions_move_forward_and_every_alert_closes_at_flush() -> None:
    rng = random.Random(2)
    stream = organic(rng, 200, 7200)
    for j, at in enumerate((600, 2400, 5000)):
        stream += copy_paste(rng, 12 + 10 * j, at, 20_000 + 100 * j, f"c{j}-", CAMPAIGN_TEXTS[j])
    det = Detector(CFG, model_name=EMB.name)
    alerts = alerts_of(run(det, stream))
    by_id: dict[str, list[dict[str, Any]]] = {}
    for a in alerts:
        by_id.setdefault(a["alert_id"], []).append(a)
    assert len(by_id) == 3
    for revs in by_id.values():
        assert [r["revision"] for r in revs] == list(range(1, len(revs) + 1))
        assert revs[0]["status"] == "open" and revs[-1]["status"] == "closed"
        assert all(r["status"] == "updated" for r in revs[1:-1])


def test_short_texts_stay_out_of_clustering() -> None:
    rng = random.Random(3)
    stream = [mention(i, 100 + rng.uniform(0, 30), f"s{i}", "so true!!", age_days=3) for i in range(60)]
    det = Detector(CFG, model_name=EMB.name)
    results = run(det, stream)
    assert set(assignments_of(results).values()) == {None}
    assert sum(r.facts.short_skipped for r in results) == 60
    assert alerts_of(results) == []
    assert det.live_narratives == 0


def test_short_text_with_link_is_clustered() -> None:
    stream = [
        mention(i, 100 + i, f"l{i}", "look", links=("https://bad.example/x?utm_source=a",)) for i in range(10)
    ]
    det = Detector(CFG, model_name=EMB.name)
    assigned = assignments_of(run(det, stream))
    assert None not in assigned.values() and len(set(assigned.values())) == 1


def test_allowlisted_official_campaign_is_authentic_only() -> None:
    rng = random.Random(4)
    officials = [f"emb{k}" for k in range(14)]
    text = "Today we celebrate 50 years of friendship between our nations #FriendshipDay #Diplomacy"
    stream = organic(rng, 200, 7200)
    stream += [
        mention(30_000 + k, 2000 + rng.uniform(0, 120), acc, text, hashtags=("FriendshipDay", "Diplomacy"))
        for k, acc in enumerate(officials)
    ]
    stream += [mention(30_100 + k, 2000 + rng.uniform(0, 120), f"fan{k}", text) for k in range(2)]
    det = Detector(CFG, model_name=EMB.name, allowlist=frozenset(officials))
    alerts = alerts_of(run(det, stream))
    assert alerts, "the official campaign is coordinated and must be reported"
    assert all(a["authentic"] for a in alerts)
    # It opens as soon as a handful of them posted together; the last revision covers all 16.
    assert "14 of 16 accounts" in alerts[-1]["authentic_reason"]
    # Without the allowlist the same stream is an inauthentic alert.
    plain = alerts_of(run(Detector(CFG, model_name=EMB.name), stream))
    assert plain and not any(a["authentic"] for a in plain)


def test_advance_expires_idle_narratives_and_closes_alerts() -> None:
    rng = random.Random(5)
    det = Detector(CFG, model_name=EMB.name)
    results = run(det, copy_paste(rng, 20, 100, 0), flush=False)
    opened = alerts_of(results)
    assert opened and opened[0]["status"] == "open"
    live = det.live_narratives
    assert live == 1
    step = det.advance((T0 + timedelta(seconds=100 + CFG.idle_expiry_s + 200)).timestamp())
    assert step.facts.expired == 1 and det.live_narratives == 0
    assert [a.status for a in step.alerts] == ["closed"]
    assert det.flush().alerts == ()


def test_eviction_closes_alerts() -> None:
    rng = random.Random(6)
    cfg = replace(CFG, max_live_narratives=5)
    det = Detector(cfg, model_name=EMB.name)
    stream = copy_paste(rng, 20, 100, 0) + organic(rng, 30, 600, start=1000)
    stream = [
        replace(m, created_at=m.created_at + timedelta(seconds=400)) if m.id >= "m01000" else m
        for m in stream
    ]
    results = run(det, stream, batch=10, flush=False)
    statuses = [a["status"] for a in alerts_of(results)]
    assert statuses[0] == "open" and "closed" in statuses
    assert sum(r.facts.evicted for r in results) > 0
    assert det.live_narratives <= 5


def test_scripts_outside_the_model_need_a_stricter_match() -> None:
    # Two unrelated Arabic texts whose (English-only model) vectors score 0.8 cosine.
    a = np.zeros(8, np.float32)
    a[0] = 1.0
    b = np.zeros(8, np.float32)
    b[0], b[1] = 0.8, 0.6
    texts = ["ارتفعت أسعار الخبز في السوق اليوم", "فاز الفريق المحلي بالمباراة أمس مساء"]
    ms = [mention(i, 10 + i, f"ar{i}", t) for i, t in enumerate(texts)]
    english_only = Detector(CFG, model_name="minilm")
    split = english_only.process(ms, np.stack([a, b]))
    assert len({x.narrative_id for x in split.assignments}) == 2
    multilingual = Detector(DetectorConfig.from_mapping({"model_scripts": ["*"]}), model_name="multi")
    joined = multilingual.process(ms, np.stack([a, b]))
    assert len({x.narrative_id for x in joined.assignments}) == 1


def test_deterministic_for_a_given_input() -> None:
    rng = random.Random(7)
    stream = organic(rng, 300, 7200) + copy_paste(rng, 25, 2500, 10_000)
    first = run(Detector(CFG, model_name=EMB.name), stream)
    second = run(Detector(CFG, model_name=EMB.name), stream)
    assert alerts_of(first) == alerts_of(second)
    assert assignments_of(first) == assignments_of(second)


def test_snapshot_restore_continues_exactly() -> None:
    rng = random.Random(8)
    stream = (
        organic(rng, 400, 7200) + copy_paste(rng, 25, 2500, 10_000) + copy_paste(rng, 15, 3500, 20_000, "d")
    )
    stream = sorted(stream, key=lambda m: (m.created_at, m.id))
    cut = 230
    part_a, part_b = stream[:cut], stream[cut:]

    whole = Detector(CFG, model_name=EMB.name)
    run(whole, part_a, flush=False)
    expected = run(whole, part_b)

    first = Detector(CFG, model_name=EMB.name)
    run(first, part_a, flush=False)
    snap = json.loads(json.dumps(first.snapshot()))
    restored = Detector.restore(snap, CFG, model_name=EMB.name)
    assert restored.live_narratives == first.live_narratives
    got = run(restored, part_b)
    assert alerts_of(got) == alerts_of(expected)
    assert assignments_of(got) == assignments_of(expected)
    assert [r.facts for r in got] == [r.facts for r in expected]
    assert [(r.actions, r.reports) for r in got] == [(r.actions, r.reports) for r in expected]
    assert alerts_of(expected), "the scenario must exercise alerts"


def test_rejects_mismatched_vectors() -> None:
    det = Detector(CFG, model_name=EMB.name)
    ms = [mention(0, 0, "a", "one two three four")]
    with pytest.raises(ValueError, match="vectors"):
        det.process(ms, np.zeros((2, 8), np.float32))
    det.process(ms, np.ones((1, 8), np.float32) / np.sqrt(8))
    with pytest.raises(ValueError, match="dimensions"):
        det.process(ms, np.ones((1, 16), np.float32))


def test_empty_batch_and_facts() -> None:
    det = Detector(CFG, model_name=EMB.name)
    step = det.process([], np.zeros((0, EMB.dim), np.float32))
    assert step.assignments == () and step.alerts == ()
    assert step.facts.interval_s == CFG.interval_default_s
    with pytest.raises(ValueError, match="snapshot version"):
        Detector.restore({"version": 99}, CFG, model_name=EMB.name)


def test_repeated_text_keeps_each_mentions_own_links_and_hashtags() -> None:
    # Text features are computed once per distinct text; the listed links and hashtags are per mention.
    text = "the harbour bridge closes tonight #Harbour see https://example.org/news?utm_source=x"
    plain = mention(1, 0.0, "a1", text)
    listed = mention(2, 1.0, "a2", text, links=("http://www.other.example/a/",), hashtags=("Bridge",))
    det = Detector(CFG, model_name=EMB.name)
    results = run(det, [plain, listed, mention(3, 2.0, "a3", text)], flush=False)
    nid = assignments_of(results)["m00001"]
    assert nid is not None and assignments_of(results)["m00002"] == nid
    records = det.snapshot()["states"][nid]["records"]
    assert [(r[4], r[5]) for r in records] == [
        (["https://example.org/news"], "harbour"),
        (["https://other.example/a", "https://example.org/news"], "bridge harbour"),
        (["https://example.org/news"], "harbour"),
    ]
