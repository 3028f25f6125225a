"""Stage 2 (`streams.detect_stage.DetectStage`) behind its ports: the same alerts as the engine on a
file, whatever the batching, and after a crash with replay from the last checkpoint."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from detectors.config import DetectorConfig
from detectors.detector import Detector
from detectors.embedding import HashingEmbedder
from detectors.engine import Engine
from schemas.models import Mention
from streams.alerts_out import alert_from_record
from streams.detect_stage import DetectConfig, DetectStage
from streams.embed_stage import EmbedConfig, EmbedStage
from streams.fakes import ManualClock, MemoryBroker, MemoryOffsets, MemoryStore
from streams.metrics import Metrics
from streams.ports import InRecord, OutRecord
from tests.factories import campaign_stream

SOURCES = 2  # partitions of `mentions`
ROUTED = 2  # partitions of `mentions.routed` (= routing buckets)
LATENESS_S = 5.0
EMBED = EmbedConfig("routed", "dlq", ROUTED, ROUTED, 0, 64 * 1024, 600.0, idle_after_s=0.5)
DETECT = DetectConfig("routed", "alerts", "routed.dlq", SOURCES, LATENESS_S, checkpoint_interval_s=5.0)


def make_detector(snapshot: dict[str, Any] | None) -> Detector:
    config = DetectorConfig()
    if snapshot is None:
        return Detector(config, model_name="hashing")
    return Detector.restore(snapshot, config, model_name="hashing")


async def _inline(fn: Any, *args: Any) -> Any:
    return fn(*args)


def routed_log(rows: Sequence[dict[str, Any]]) -> MemoryBroker:
    """Stage 1 run over `rows` (split over SOURCES input partitions by account), every source idle at
    the end: the broker then holds `routed`, ticks included."""
    # Records are stamped the day after the scenario, as a replay of history would be.
    broker = MemoryBroker(
        partitions={"mentions": SOURCES, "routed": ROUTED, "alerts": ROUTED}, now_ms=1_772_452_800_000
    )
    for r in rows:
        author = r["author"]["id"].encode()
        broker.append(OutRecord("mentions", json.dumps(r).encode(), key=author))
    clock = ManualClock()
    stage = EmbedStage(
        EMBED,
        embedder=HashingEmbedder(),
        producer=broker,
        clock=clock,
        metrics=Metrics(),
        run_blocking=_inline,
    )
    inputs = broker.records("mentions")
    for i in range(0, len(inputs), 40):
        asyncio.run(stage.handle(inputs[i : i + 40]))
    offsets = MemoryOffsets(broker, "mentions", assigned=tuple(range(SOURCES)))
    asyncio.run(stage.tick(offsets))
    clock.advance(1.0)
    asyncio.run(stage.tick(offsets))  # drained for a second: idle, so the last slots go
    return broker


def detect_stage(broker: MemoryBroker, store: MemoryStore, clock: ManualClock) -> DetectStage:
    return DetectStage(
        DETECT,
        detector_factory=make_detector,
        table=store,
        producer=broker,
        log_reader=broker,
        clock=clock,
        metrics=Metrics(),
    )


def interleaved(
    broker: MemoryBroker, batch: int, start: dict[int, int] | None = None
) -> list[list[InRecord]]:
    """Routed records as a consumer of both partitions would get them: batches alternating."""
    logs = {p: broker.records("routed", p)[(start or {}).get(p, 0) :] for p in range(ROUTED)}
    out: list[list[InRecord]] = []
    while any(logs.values()):
        for p in range(ROUTED):
            if logs[p]:
                out.append(logs[p][:batch])
                logs[p] = logs[p][batch:]
    return out


def alert_revisions(broker: MemoryBroker) -> dict[tuple[str, int], dict[str, Any]]:
    """Alert revisions on the alerts topic by (alert id, revision); a replay may repeat one, identically."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for rec in broker.records("alerts"):
        alert = alert_from_record(rec.value or b"").to_dict()
        key = (alert["alert_id"], alert["revision"])
        assert out.setdefault(key, alert) == alert, f"revision {key} published twice with different content"
    return out


def engine_revisions(rows: Sequence[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    mentions = [Mention.from_dict(r) for r in rows]
    emb = HashingEmbedder()
    engine = Engine(lambda: make_detector(None), buckets=ROUTED, lateness_s=LATENESS_S)
    steps = engine.add(mentions, emb.encode([m.text for m in mentions])) + engine.finish()
    return {(a.alert_id, a.revision): a.to_dict() for _, s in steps for a in s.result.alerts}


def test_stage_2_gives_the_engines_alerts_whatever_the_batching() -> None:
    rows = campaign_stream()
    expected = engine_revisions(rows)
    assert len({k[0] for k in expected}) >= 2, "the scenario should raise both campaigns"
    for batch in (1000, 37, 5):
        broker = routed_log(rows)
        stage = detect_stage(broker, MemoryStore(), ManualClock())
        for records in interleaved(broker, batch):
            asyncio.run(stage.handle(records))
        assert alert_revisions(broker) == expected, f"batch {batch}"


def test_a_crash_replays_from_the_last_checkpoint_and_loses_or_changes_nothing() -> None:
    rows = campaign_stream()
    expected = engine_revisions(rows)
    broker = routed_log(rows)
    store, clock = MemoryStore(), ManualClock()
    stage = detect_stage(broker, store, clock)
    batches = interleaved(broker, 30)
    handled: dict[int, int] = {}
    for n, records in enumerate(batches[: len(batches) // 2]):
        asyncio.run(stage.handle(records))
        handled[records[0].partition] = records[-1].offset + 1  # what faust would have committed
        clock.advance(2.0 if n % 7 else 6.0)  # a checkpoint now and then, not after every batch
    covered = {p: int(store.get(f"#covered-{p}") or b"-1") for p in range(ROUTED)}
    assert any(covered[p] < handled[p] - 1 for p in range(ROUTED)), "the crash must lose applied records"
    # kill -9: the in-memory state is gone; a new worker restores the changelog and reads on from the
    # committed offsets; the records between the checkpoint and those offsets come from the log.
    restarted = detect_stage(broker, store.restored(), clock)
    for records in interleaved(broker, 30, start=handled):
        asyncio.run(restarted.handle(records))
    assert alert_revisions(broker) == expected


def test_an_unreadable_routed_record_is_dead_lettered_and_the_batch_goes_on() -> None:
    rows = campaign_stream(n_organic=50)
    broker = routed_log(rows)
    good = broker.records("routed", 0)
    bad = InRecord("routed", 0, len(good), b"b0000", b'{"v": 1, "m": {"id": 3}}', (), 0)
    stage = detect_stage(broker, MemoryStore(), ManualClock())
    asyncio.run(
        stage.handle(
            [
                *good[:5],
                dataclasses.replace(bad, offset=5),
                *[dataclasses.replace(r, offset=r.offset + 1) for r in good[5:]],
            ]
        )
    )
    (dead,) = broker.records("routed.dlq")
    assert dead.value == bad.value and stage.metrics.routed_dead_lettered._value.get() == 1
    assert stage.states and sum(s.buffer.processed + len(s.buffer.pending) for s in stage.states.values()) > 0


def test_revoked_partitions_are_forgotten() -> None:
    broker = routed_log(campaign_stream(n_organic=50))
    stage = detect_stage(broker, MemoryStore(), ManualClock())
    for records in interleaved(broker, 100):
        asyncio.run(stage.handle(records))
    assert {s.partition for s in stage.states.values()} == {0, 1}
    stage.revoke([0])
    assert {s.partition for s in stage.states.values()} == {1}


def _invariant(stage: DetectStage) -> dict[str, int]:
    totals = stage.totals()
    accounted = totals["processed"] + totals["duplicate"] + totals["in_flight"] + totals["dead_lettered"]
    assert totals["consumed"] == accounted, totals
    return totals


def test_the_persisted_totals_balance_and_survive_a_crash() -> None:
    rows = campaign_stream()
    broker = routed_log(rows)
    store, clock = MemoryStore(), ManualClock()
    stage = detect_stage(broker, store, clock)
    batches = interleaved(broker, 25)
    handled: dict[int, int] = {}
    for records in batches[: len(batches) // 2]:
        asyncio.run(stage.handle(records))
        handled[records[0].partition] = records[-1].offset + 1
        clock.advance(3.0)
    _invariant(stage)
    restarted = detect_stage(broker, store.restored(), clock)
    for records in interleaved(broker, 25, start=handled):
        asyncio.run(restarted.handle(records))
    totals = _invariant(restarted)
    assert totals["processed"] == len(rows) and totals["in_flight"] == 0 and totals["dead_lettered"] == 0
    gauge = restarted.metrics.stage_mentions.labels(stage="detect", outcome="processed")._value.get()
    assert gauge == len(rows)


class _Fragile(Detector):
    """A Detector with a bug: it raises on one text."""

    def process(self, mentions: Any, vectors: Any) -> Any:
        if any("boom" in m.text for m in mentions):
            raise ZeroDivisionError("a bug")
        return super().process(mentions, vectors)


def test_a_detector_failure_dead_letters_its_mentions_and_the_stage_goes_on() -> None:
    rows = campaign_stream(n_organic=60)
    rows[30] = {**rows[30], "text": "boom goes the parser on this one text"}
    broker = routed_log(rows)
    stage = DetectStage(
        DETECT,
        detector_factory=lambda snap: _Fragile(DetectorConfig(), model_name="hashing"),
        table=MemoryStore(),
        producer=broker,
        log_reader=broker,
        clock=ManualClock(),
        metrics=Metrics(),
    )
    for records in interleaved(broker, 1000):
        asyncio.run(stage.handle(records))
    dead = broker.records("routed.dlq")
    assert any(b"boom goes the parser" in (r.value or b"") for r in dead)
    assert stage.metrics.detector_failures._value.get() >= 1
    assert _invariant(stage)["processed"] == len(rows) and broker.records("alerts")


def test_a_revision_raised_by_time_passing_is_observed_with_its_cause() -> None:
    broker = routed_log(campaign_stream())
    stage = detect_stage(broker, MemoryStore(), ManualClock(wall=1_772_452_900.0))
    for records in interleaved(broker, 1000):
        asyncio.run(stage.handle(records))
    samples = {
        cause: stage.metrics.event_to_alert_latency_seconds.labels(cause=cause)._sum.get()
        for cause in ("data", "time")
    }
    # Records and ticks were stamped 100 s before the clock: every revision is observed, by cause
    # (the settling re-score of a burst is raised by time passing, not by a new mention).
    assert samples["data"] > 0 and samples["time"] > 0
