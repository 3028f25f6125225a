"""The campaign stage (`streams.campaign_stage.CampaignStage`) behind its ports: stage 2's facts and marks
in, the file engine's Alert v2 revisions out, whatever the batching, after a stage-2 replay (facts
published twice) and after a crash of the campaign stage itself (replay from its checkpoint)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from detectors.campaigns import CampaignTracker
from detectors.config import DetectorConfig
from detectors.embedding import HashingEmbedder
from detectors.engine import Engine
from schemas.alert_v2 import ALERT_V2_EVENT_TYPE
from schemas.models import Mention
from streams.campaign_stage import CampaignConfig, CampaignStage
from streams.detect_stage import DetectStage
from streams.fakes import ManualClock, MemoryBroker, MemoryOffsets, MemoryStore
from streams.metrics import Metrics
from streams.ports import InRecord
from streams.wire import decode_campaign_record
from tests.factories import campaign_stream
from tests.unit.test_detect_stage import DETECT, LATENESS_S, ROUTED, interleaved, make_detector, routed_log

DETECT_FACTS = dataclasses.replace(DETECT, facts_topic="facts")
CAMPAIGN = CampaignConfig("facts", "alerts", "facts.dlq", ROUTED, checkpoint_interval_s=5.0)


def make_tracker(snapshot: dict[str, Any] | None) -> CampaignTracker:
    config = DetectorConfig()
    if snapshot is None:
        return CampaignTracker(config, model_name="hashing")
    return CampaignTracker.restore(snapshot, config, model_name="hashing")


def run_stage_2(rows: Sequence[dict[str, Any]], *, crash_at: int | None = None) -> MemoryBroker:
    """Stage 2 over the routed log; `crash_at`: kill it after that many batches and restart it from
    its checkpoint (it then publishes the facts since the checkpoint again)."""
    broker = routed_log(rows)
    store, clock = MemoryStore(), ManualClock()

    def stage(table: MemoryStore) -> DetectStage:
        return DetectStage(
            DETECT_FACTS,
            detector_factory=make_detector,
            table=table,
            producer=broker,
            log_reader=broker,
            clock=clock,
            metrics=Metrics(),
        )

    current = stage(store)
    batches = interleaved(broker, 5)
    handled: dict[int, int] = {}
    for n, records in enumerate(batches):
        if n == crash_at:
            current = stage(store.restored())
            for rest in interleaved(broker, 5, start=handled):
                asyncio.run(current.handle(rest))
            break
        asyncio.run(current.handle(records))
        handled[records[0].partition] = records[-1].offset + 1
        clock.advance(2.0 if n % 7 else 6.0)
    return broker


def engine_v2(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """CloudEvent id -> Alert v2 of `choruswatch detect --keep-open` on the same mentions."""
    mentions = [Mention.from_dict(r) for r in rows]
    engine = Engine(
        lambda: make_detector(None),
        buckets=ROUTED,
        lateness_s=LATENESS_S,
        make_tracker=lambda: make_tracker(None),
    )
    engine.add(mentions, HashingEmbedder().encode([m.text for m in mentions]))
    engine.finish()
    alerts = [a.to_dict() for s in engine.take_campaign_steps() for a in s.result.alerts]
    return {f"{a['alert_id']}:{a['revision']}": a for a in alerts}


def campaign_stage(broker: MemoryBroker, store: MemoryStore, clock: ManualClock) -> CampaignStage:
    return CampaignStage(
        CAMPAIGN,
        tracker_factory=make_tracker,
        table=store,
        producer=broker,
        log_reader=broker,
        clock=clock,
        metrics=Metrics(),
    )


def v2_events(broker: MemoryBroker) -> dict[str, dict[str, Any]]:
    """CloudEvent id -> Alert v2 on the alerts topic; an id published twice must carry one payload."""
    out: dict[str, dict[str, Any]] = {}
    for rec in broker.records("alerts"):
        event = json.loads(rec.value or b"")
        if event["type"] != ALERT_V2_EVENT_TYPE:
            continue
        assert rec.key == event["data"]["alert_id"].encode()
        assert out.setdefault(event["id"], event["data"]) == event["data"], f"{event['id']} changed"
    return out


def batches_of(records: Sequence[InRecord], size: int) -> list[list[InRecord]]:
    return [list(records[i : i + size]) for i in range(0, len(records), size)]


ROWS = campaign_stream()


def test_the_campaign_stage_gives_the_engines_campaign_alerts_whatever_the_batching() -> None:
    expected = engine_v2(ROWS)
    assert any(a["status"] != "closed" for a in expected.values()), "the bursts should raise a campaign"
    broker = run_stage_2(ROWS)
    facts = broker.records("facts")
    assert any(isinstance(decode_campaign_record(r.value), list) for r in facts)
    for size in (1000, 7):
        out = MemoryBroker(partitions={"alerts": ROUTED})
        stage = campaign_stage(out, MemoryStore(), ManualClock())
        for batch in batches_of(facts, size):
            asyncio.run(stage.handle(batch))
        assert v2_events(out) == expected, f"batch {size}"
        assert stage.totals()["pending"] == 0 and stage.totals()["duplicates"] == 0


def test_facts_a_stage_2_replay_publishes_again_are_applied_once() -> None:
    expected = engine_v2(ROWS)
    broker = run_stage_2(ROWS, crash_at=60)
    stage = campaign_stage(broker, MemoryStore(), ManualClock())
    asyncio.run(stage.handle(broker.records("facts")))
    assert stage.totals()["duplicates"] > 0, "the restarted stage 2 should have published facts again"
    assert v2_events(broker) == expected


def test_nothing_is_released_before_every_partition_marked_its_progress() -> None:
    broker = run_stage_2(ROWS)
    # Only partition 0's marks: partition 1's buckets might still send facts for any slot.
    records = [
        r
        for r in broker.records("facts")
        if isinstance(decode_campaign_record(r.value), list) or b'"p":0' in (r.value or b"")
    ]
    out = MemoryBroker(partitions={"alerts": ROUTED})
    stage = campaign_stage(out, MemoryStore(), ManualClock())
    asyncio.run(stage.handle(records))
    assert not out.records("alerts") and stage.totals()["pending"] == stage.totals()["facts"] > 0


def test_a_crash_of_the_campaign_stage_replays_from_its_checkpoint_and_changes_nothing() -> None:
    expected = engine_v2(ROWS)
    broker = run_stage_2(ROWS)
    facts = broker.records("facts")
    store, clock = MemoryStore(), ManualClock()
    stage = campaign_stage(broker, store, clock)
    batches = batches_of(facts, 40)
    committed = 0
    for n, batch in enumerate(batches[: len(batches) * 2 // 3]):
        asyncio.run(stage.handle(batch))
        committed = batch[-1].offset + 1  # what faust would have committed
        clock.advance(2.0 if n % 5 else 6.0)
    covered = int(store.get("#covered-0") or b"-1")
    assert 0 <= covered < committed - 1, "the crash must lose applied records"
    published = len(broker.records("alerts"))
    restarted = campaign_stage(broker, store.restored(), clock)
    for batch in batches_of(facts[committed:], 40):
        asyncio.run(restarted.handle(batch))
    assert v2_events(broker) == expected
    # What the restarted stage published again is what the first had published since the checkpoint.
    assert len(broker.records("alerts")) >= published


def test_a_restart_with_nothing_new_to_read_replays_on_its_tick() -> None:
    expected = engine_v2(ROWS)
    broker = run_stage_2(ROWS)
    facts = broker.records("facts")
    store, clock = MemoryStore(), ManualClock()
    stage = campaign_stage(broker, store, clock)
    half = len(facts) // 2
    asyncio.run(stage.handle(facts[:half]))
    clock.advance(6.0)
    asyncio.run(stage.tick(MemoryOffsets(broker, "facts", position={0: half})))  # checkpoint due
    assert int(store.get("#covered-0") or b"-1") == half - 1
    asyncio.run(stage.handle(facts[half:]))  # applied, never checkpointed: the interval did not pass
    restarted = campaign_stage(broker, store.restored(), clock)
    # The consumer's committed offset is at the end: no record comes, the tick reads the rest again.
    asyncio.run(restarted.tick(MemoryOffsets(broker, "facts", position={0: len(facts)})))
    assert v2_events(broker) == expected
    assert restarted.totals()["facts"] == stage.totals()["facts"]


def test_an_unreadable_facts_record_is_dead_lettered_and_the_stage_goes_on() -> None:
    expected = engine_v2(ROWS)
    broker = run_stage_2(ROWS)
    facts = broker.records("facts")
    poison = [
        b"\x00not json",
        b'{"v": 1, "k": "facts", "b": 0, "s": 1, "n": 0, "f": [["z", []]]}',
        b'{"v": 9}',
    ]
    shifted = [
        *(InRecord("facts", 0, i, None, v) for i, v in enumerate(poison)),
        *(dataclasses.replace(r, offset=r.offset + len(poison)) for r in facts),
    ]
    stage = campaign_stage(broker, MemoryStore(), ManualClock())
    asyncio.run(stage.handle(shifted))
    assert [r.value for r in broker.records("facts.dlq")] == poison
    assert stage.totals()["dead_lettered"] == len(poison)
    assert stage.metrics.campaign_facts_dead_lettered._value.get() == len(poison)
    assert v2_events(broker) == expected


def test_stage_2_decodes_the_vectors_the_file_engine_computes_bit_for_bit() -> None:
    # Rounding the normalised vector to float16 a second time on the wire shifted some narrative
    # centroids by ~1e-7: enough to change a campaign's tightness (and so its alert) in the 7th digit.
    import numpy as np

    from detectors.engine import wire_vectors
    from streams.wire import decode_routed, encode_routed

    broker = routed_log(ROWS)
    embedder = HashingEmbedder()
    routed = [decode_routed(r.value) for r in broker.records("routed") if b'"m":' in (r.value or b"")]
    assert routed
    expected = wire_vectors(embedder.encode([item.mention.text for item in routed]))
    assert np.array_equal(np.stack([item.vector for item in routed]), expected)
    again = decode_routed(encode_routed(routed[0]))  # a checkpoint of a pending mention: no new rounding
    assert np.array_equal(again.vector, routed[0].vector)
