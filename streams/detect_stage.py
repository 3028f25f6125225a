"""Stage 2: one Detector per routing bucket, driven by the event-time engine, state in a table.

Each routed record goes into its bucket's reorder buffer (`BucketState`: a `detectors.engine.SlotBuffer`
plus the delivery bookkeeping below); tick records move the routed partition's watermark
(`SourceMarks`); every bucket a batch touched, and every bucket of a partition that ticked, is driven as
far as its partition's frontier allows, and the alert revisions of each step are published (and
settled) before the checkpoint that covers them.

At-least-once without double counting: `BucketState` holds the last routed offset applied, so a routed
replay is skipped, and per `mentions` partition the highest source offset taken, so mentions that stage
1 routes a second time after a crash or rebalance (new routed offsets, same source) are skipped too.
Checkpoints and replay follow `streams.checkpoints`: when a worker starts reading a routed partition,
the records between its covered offset and the first record delivered are read again
(`streams.ports.RecordLog`) and applied first.

A routed record that cannot be read (only a bug or a foreign producer writes one) goes to the routed
dead-letter topic with its reason; the batch goes on.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from detectors.detector import StepFacts, StepResult
from detectors.engine import (
    SLOT_S,
    FactNumbering,
    Frontier,
    SlotBuffer,
    SlotMark,
    SourceMarks,
    Step,
    detector_target,
    step_facts,
)
from detectors.routing import bucket_key
from schemas.models import SchemaError
from streams.alerts_out import alert_record
from streams.checkpoints import (
    CHUNK_SEPARATOR,
    CheckpointPlan,
    ReplayGate,
    covered_key,
    decode_offset,
    encode_offset,
    read_state,
    state_items,
    state_keys,
)
from streams.dlq import dead_letter_record
from streams.logs import RateLimited
from streams.metrics import Metrics
from streams.outbox import Outbox
from streams.ports import Clock, InRecord, OutRecord, Producer, RecordLog, StateStore
from streams.validation import Rejection
from streams.wire import (
    TICK_HEADER,
    RoutedMention,
    decode_routed,
    decode_tick,
    encode_facts,
    encode_mark,
    encode_routed,
    newest_timestamp_ms,
    routed_body,
    routed_from_body,
)

log = logging.getLogger(__name__)

EMPTY_STEP: Final = StepResult((), (), StepFacts())


@dataclass(slots=True)
class BucketState:
    """Everything stage 2 remembers about one routing bucket besides the Detector itself."""

    buffer: SlotBuffer[RoutedMention] = field(default_factory=SlotBuffer)
    last_offset: int = -1  # highest routed offset taken into this bucket (buffered or processed)
    duplicates: int = 0  # routed records skipped because stage 1 had already routed their source
    partition: int = -1  # routed partition the bucket lives on
    sources: dict[int, int] = field(default_factory=dict)  # mentions partition -> highest offset taken
    numbering: FactNumbering = field(default_factory=FactNumbering)  # of the facts for the campaign level

    def accept(self, item: RoutedMention, offset: int) -> bool:
        """Buffer `item`; False (and nothing buffered) for a replayed routed offset or a mention whose
        `mentions` record was already routed (stage 1 re-reading after a crash or a rebalance)."""
        if offset <= self.last_offset:
            return False
        self.last_offset = offset
        sp, so = item.source_partition, item.source_offset
        if sp >= 0:
            if so <= self.sources.get(sp, -1):
                self.duplicates += 1
                return False
            self.sources[sp] = so
        self.buffer.add(item, item.mention.timestamp, item.mention.id, offset)
        return True

    def to_dict(self) -> dict[str, Any]:
        return {
            "buffer": self.buffer.to_dict(routed_body),
            "last_offset": self.last_offset,
            "duplicates": self.duplicates,
            "partition": self.partition,
            "sources": {str(p): o for p, o in sorted(self.sources.items())},
            "numbering": self.numbering.to_list(),
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> BucketState:
        return cls(
            buffer=SlotBuffer.from_dict(obj["buffer"], routed_from_body),
            last_offset=int(obj["last_offset"]),
            duplicates=int(obj.get("duplicates", 0)),
            partition=int(obj.get("partition", -1)),
            sources={int(p): int(o) for p, o in obj.get("sources", {}).items()},
            numbering=FactNumbering.from_list(obj.get("numbering", [None, 0])),
        )


@dataclass(slots=True)
class PartitionTotals:
    """Per routed partition, the data records taken (each once: replays are skipped by offset) and how
    many of them were dead-lettered. Checkpointed with the partition's buckets, so with the buckets'
    counters the invariant holds across restarts: consumed = processed + duplicates + pending +
    dead-lettered (`choruswatch_stage_mentions{stage="detect"}`)."""

    last_offset: int = -1
    consumed: int = 0
    dead_lettered: int = 0

    def take(self, offset: int) -> bool:
        """Count the record at `offset`; False for a replayed one (already counted)."""
        if offset <= self.last_offset:
            return False
        self.last_offset = offset
        self.consumed += 1
        return True

    def to_bytes(self) -> bytes:
        return json.dumps([self.last_offset, self.consumed, self.dead_lettered]).encode("ascii")

    @classmethod
    def from_bytes(cls, value: bytes | None) -> PartitionTotals:
        if value is None:
            return cls()
        last, consumed, dead = json.loads(value)
        return cls(int(last), int(consumed), int(dead))


def bucket_number(key: str) -> int:
    """The routing bucket of a routed record's key (``bucket_key``: "b0042" -> 42). A foreign key
    gets a stable number above any real bucket, so its facts are still numbered apart."""
    if len(key) > 1 and key[0] == "b" and key[1:].isdigit():
        return int(key[1:])
    return 1_000_000 + zlib.crc32(key.encode("utf-8"))


def totals_key(partition: int) -> str:
    """Table key of a partition's totals (holds CHUNK_SEPARATOR: never read as a bucket)."""
    return f"{CHUNK_SEPARATOR}totals-{partition}"


class _GuardedTarget:
    """A Detector as a slot target whose failure costs the slot's mentions, never the stage: a bug
    that raises on some input is logged with its traceback, counted, and those mentions are
    dead-lettered with the reason; the stage goes on (faust would otherwise acknowledge the batch
    and lose every mention in it)."""

    def __init__(self, detector: Any) -> None:
        self._inner = detector_target(detector)
        self.failures: list[tuple[tuple[RoutedMention, ...], BaseException]] = []

    def process(self, items: Sequence[RoutedMention]) -> Any:
        try:
            return self._inner.process(items)
        except Exception as exc:
            log.exception("the detector failed on %d mentions; they are dead-lettered", len(items))
            self.failures.append((tuple(items), exc))
            return EMPTY_STEP

    def advance(self, now: float) -> Any:
        try:
            return self._inner.advance(now)
        except Exception as exc:
            log.exception("the detector failed to advance to %.3f", now)
            self.failures.append(((), exc))
            return EMPTY_STEP

    def next_deadline(self) -> float | None:
        try:
            return self._inner.next_deadline()
        except Exception:
            log.exception("the detector failed to say its next deadline")
            return None


@dataclass(frozen=True, slots=True)
class DetectConfig:
    routed_topic: str
    alerts_topic: str
    dlq_topic: str  # dead letters of unreadable routed records
    source_partitions: int  # partitions of `mentions`: one watermark mark each
    lateness_s: float
    checkpoint_interval_s: float
    slot_s: float = SLOT_S
    facts_topic: str | None = None  # the campaign level's input (None: no campaign level)


@dataclass(slots=True)
class _Work:
    """What the routed records taken since the last drive touched."""

    touched: set[str] = field(default_factory=set)  # buckets that took a mention
    ticked: set[int] = field(default_factory=set)  # routed partitions that got a tick


class DetectStage:
    """Stage 2 behind its ports; `streams.app` calls `handle` per micro-batch of routed records."""

    def __init__(
        self,
        config: DetectConfig,
        *,
        detector_factory: Callable[[dict[str, Any] | None], Any],
        table: StateStore,
        producer: Producer,
        log_reader: RecordLog,
        clock: Clock,
        metrics: Metrics,
    ) -> None:
        self.config = config
        self.table = table
        self.clock = clock
        self.metrics = metrics
        self._factory = detector_factory
        self._log = log_reader
        self._outbox = Outbox(producer)
        self._log_dead = RateLimited(log)
        self.detectors: dict[str, Any] = {}
        self.states: dict[str, BucketState] = {}
        self._marks: dict[int, SourceMarks] = {}  # routed partition -> stage 1's progress
        self._totals: dict[int, PartitionTotals] = {}
        self._tick_ms: dict[int, int] = {}  # routed partition -> Kafka timestamp of the newest tick
        self._marked: dict[int, SlotMark] = {}  # routed partition -> last mark sent to the facts topic
        self._gate = ReplayGate()
        self._plan = CheckpointPlan(config.checkpoint_interval_s)
        self._refresh = False

    def refresh_inputs(self) -> None:
        """The analyst inputs changed (a reloaded watchlist or sensors file): the detectors are
        rebuilt from their snapshots through the factory, which hands them the new inputs, before
        the next batch (never in the middle of one: a drive holds on to its detector)."""
        self._refresh = True

    def _rebuild_detectors(self) -> None:
        self._refresh = False
        for bucket, detector in list(self.detectors.items()):
            self.detectors[bucket] = self._factory(detector.snapshot())

    def next_offsets(self) -> dict[int, int]:
        """Per routed partition, the next offset still to handle (for an honest consumer lag)."""
        return self._plan.next_offsets()

    @property
    def live_narratives(self) -> int:
        return sum(int(d.live_narratives) for d in self.detectors.values())

    async def handle(self, records: Sequence[InRecord]) -> None:
        """Apply a micro-batch of routed records (and the replays it calls for), drive, checkpoint."""
        if self._refresh:
            self._rebuild_detectors()
        work = _Work()
        for record in records:
            missing = self._gate.missing(record.partition, record.offset, self._covered)
            if missing:
                await self._run(work)  # what came before, in offset order
                await self._replay(record.partition, missing)
            await self._apply(work, record)
        await self._run(work)
        self._checkpoint_due({r.partition for r in records})
        self.metrics.live_narratives.set(self.live_narratives)
        self.metrics.set_stage_totals("detect", self.totals())

    def revoke(self, partitions: Iterable[int]) -> None:
        """Another worker owns these routed partitions now: what we hold of them is stale."""
        gone = set(partitions)
        for bucket in [b for b, s in self.states.items() if s.partition in gone]:
            del self.states[bucket]
            self.detectors.pop(bucket, None)
        for partition in gone:
            self._marks.pop(partition, None)
            self._totals.pop(partition, None)
            self._marked.pop(partition, None)
        self._gate.forget(gone)
        self._plan.forget(gone)

    # -- applying records ---------------------------------------------------------------------------

    async def _apply(self, work: _Work, record: InRecord) -> None:
        """Take one routed record into its bucket's buffer (or a tick into the partition's marks)."""
        self._plan.handled(record.partition, record.offset)
        if record.header(TICK_HEADER) is not None:
            marks = self._marks.setdefault(record.partition, SourceMarks(self.config.source_partitions))
            marks.update(decode_tick(record.value))
            work.ticked.add(record.partition)
            if record.timestamp_ms is not None:
                self._tick_ms[record.partition] = max(
                    record.timestamp_ms, self._tick_ms.get(record.partition, 0)
                )
            return
        totals = self._partition_totals(record.partition)
        fresh = totals.take(record.offset)
        try:
            item = decode_routed(record.value)
        except SchemaError as exc:
            if fresh:  # a replayed one was dead-lettered the first time
                totals.dead_lettered += 1
                rejection = Rejection(exc.code, type(exc).__name__, exc.field, exc.reason)
                await self._dead_letter(record, rejection)
            return
        bucket = record.key.decode("utf-8", "replace") if record.key else bucket_key(0)
        state = self._load(bucket)
        state.partition = record.partition
        applied = state.last_offset
        if state.accept(item, record.offset):
            work.touched.add(bucket)
        if state.last_offset != applied:  # taken, or a stage-1 duplicate counted
            self._plan.touch(record.partition, bucket)

    async def _dead_letter(self, record: InRecord, rejection: Rejection) -> None:
        out = dead_letter_record(
            record, rejection, dlq_topic=self.config.dlq_topic, now_ms=int(self.clock.time() * 1000)
        )
        await self._outbox.send(out, tag="dead-letter")
        self.metrics.routed_dead_lettered.inc()
        self._log_dead.error(
            "unreadable routed record %s[%d]@%d: %s",
            record.topic,
            record.partition,
            record.offset,
            rejection.reason,
        )

    async def _replay(self, partition: int, missing: range) -> None:
        """Re-apply the routed records after the partition's last checkpoint that faust will not
        deliver again (its committed offset is past them)."""
        log.info(
            "replaying %s[%d] offsets %d..%d since its last checkpoint",
            self.config.routed_topic,
            partition,
            missing.start,
            missing.stop - 1,
        )
        async for batch in self._log.read(self.config.routed_topic, partition, missing):
            work = _Work()
            for record in batch:
                await self._apply(work, record)
            await self._run(work)

    # -- driving ----------------------------------------------------------------------------------

    async def _run(self, work: _Work) -> None:
        """Drive every bucket the records touched, and those of the partitions that ticked; then mark
        the ticked partitions' progress on the facts topic."""
        ticked = sorted(work.ticked)
        for partition in ticked:
            self._load_restored()
            work.touched.update(b for b, s in self.states.items() if s.partition == partition)
        for bucket in sorted(work.touched):
            # A tick that moves nothing changes nothing to checkpoint: ticks come several times a second.
            if await self._run_bucket(bucket):
                self._plan.touch(self.states[bucket].partition, bucket)
        work.touched.clear()
        work.ticked.clear()
        await self._settle()
        # After the facts are acknowledged: a mark must never overtake the facts it covers (a retried
        # send would land behind a mark sent with it).
        if self.config.facts_topic is not None and ticked:
            for partition in ticked:
                await self._mark(partition, self.config.facts_topic)
            await self._settle()

    async def _settle(self) -> None:
        for failure in await self._outbox.settle():
            self.metrics.dead_letter_failures.inc()
            log.error("a record of stage 2 was refused for good: %r", failure.error)

    async def _mark(self, partition: int, facts_topic: str) -> None:
        """Every bucket of `partition` was just driven to its frontier: say so, once per change."""
        marks = self._marks.get(partition)
        if marks is None:
            return
        mark = SlotMark.after(marks.frontier(self.config.lateness_s), self.config.slot_s)
        if mark is None or mark == self._marked.get(partition):
            return
        self._marked[partition] = mark
        out = OutRecord(facts_topic, encode_mark(partition, mark), key=f"p{partition}".encode(), partition=0)
        await self._outbox.send(out, tag="campaign-mark")

    async def _run_bucket(self, bucket: str) -> bool:
        """Drive the bucket's detector as far as its partition's frontier allows; True if it moved."""
        state = self._load(bucket)
        marks = self._marks.get(state.partition)
        if marks is None:
            return False
        buffer = state.buffer
        before = (buffer.next_slot, buffer.processed, buffer.late)
        frontier: Frontier = marks.frontier(self.config.lateness_s)
        target = _GuardedTarget(self.detectors[bucket])
        steps = buffer.drive(target, frontier, slot_s=self.config.slot_s)
        for step in steps:
            await self._publish(step, state.partition)
            await self._publish_facts(bucket, state, step)
            self.metrics.mentions_processed.inc(len(step.batch))
            facts = getattr(step.result, "facts", None)
            if facts is not None and facts.suppressed_revisions:
                self.metrics.suppressed_revisions.labels(version="v1").inc(facts.suppressed_revisions)
        for items, exc in target.failures:
            await self._detector_failed(state.partition, items, exc)
        return (buffer.next_slot, buffer.processed, buffer.late) != before

    async def _detector_failed(
        self, partition: int, items: Sequence[RoutedMention], exc: BaseException
    ) -> None:
        self.metrics.detector_failures.inc()
        reason = f"the detector raised {exc!r}"[:500]
        for item in items:
            value = encode_routed(item)
            record = InRecord(
                self.config.routed_topic,
                partition,
                -1,
                item.mention.id.encode(),
                value,
                (),
                item.source_ts_ms,
            )
            await self._dead_letter(record, Rejection("internal", type(exc).__name__, "$", reason))

    async def _publish_facts(self, bucket: str, state: BucketState, step: Step[RoutedMention, Any]) -> None:
        """Number the step's facts (a replay numbers them identically: the numbering is checkpointed
        with the bucket) and send them to the campaign level."""
        if self.config.facts_topic is None:
            return
        numbered = state.numbering.number(bucket_number(bucket), step.slot, step_facts(step.result))
        for value in encode_facts(numbered):
            out = OutRecord(self.config.facts_topic, value, key=bucket.encode(), partition=0)
            await self._outbox.send(out, tag="campaign-facts")

    async def _publish(self, step: Step[RoutedMention, Any], partition: int) -> None:
        """Send the step's alert revisions (settled before the next checkpoint) and observe their
        latency: from the newest input record behind them (data), or, for a revision raised by event
        time passing (a re-score, an expiry), from the tick that moved the watermark past it (time)."""
        alerts = step.result.alerts
        if not alerts:
            return
        for alert in alerts:
            rec = alert_record(alert)
            await self._outbox.send(rec.to_out(self.config.alerts_topic), tag=alert.alert_id)
        cause = "data" if step.batch else "time"
        since_ms = newest_timestamp_ms(step.batch) if step.batch else self._tick_ms.get(partition)
        latency = None if not since_ms else self.clock.time() - since_ms / 1000.0
        for alert in alerts:
            self.metrics.alert_emitted(alert.severity, alert.status, latency, cause=cause)

    # -- state ------------------------------------------------------------------------------------

    def _load(self, bucket: str) -> BucketState:
        if bucket not in self.states:
            snap = read_state(self.table, bucket)
            if snap is None:
                self.detectors[bucket] = self._factory(None)
                self.states[bucket] = BucketState()
            else:
                self.detectors[bucket] = self._factory(snap["detector"])
                self.states[bucket] = BucketState.from_dict(snap["bucket"])
        return self.states[bucket]

    def _load_restored(self) -> None:
        # After a restart or a rebalance, buckets whose state came back from the changelog must run
        # on ticks even if no new mention of theirs ever arrives (their buffer would wait forever).
        for key in state_keys(self.table):
            if key not in self.states:
                self._load(key)

    def _partition_totals(self, partition: int) -> PartitionTotals:
        if partition not in self._totals:
            self._totals[partition] = PartitionTotals.from_bytes(self.table.get(totals_key(partition)))
        return self._totals[partition]

    def totals(self) -> dict[str, int]:
        """The persisted totals of the partitions this worker owns (see `PartitionTotals`)."""
        buffers = [s.buffer for s in self.states.values()]
        return {
            "consumed": sum(t.consumed for t in self._totals.values()),
            "processed": sum(b.processed for b in buffers),
            "duplicate": sum(s.duplicates for s in self.states.values()),
            "in_flight": sum(len(b.pending) for b in buffers),
            "dead_lettered": sum(t.dead_lettered for t in self._totals.values()),
            "late": sum(b.late for b in buffers),
        }

    def _covered(self, partition: int) -> int:
        return decode_offset(self.table.get(covered_key(partition)))

    def _checkpoint_due(self, partitions: Iterable[int]) -> None:
        now = self.clock.monotonic()
        for partition in sorted(partitions):
            due = self._plan.due(partition, now)
            if due is None:
                continue
            items: list[tuple[str, bytes]] = []
            for bucket in due.keys:
                if bucket in self.states:
                    state = {
                        "detector": self.detectors[bucket].snapshot(),
                        "bucket": self.states[bucket].to_dict(),
                    }
                    items.extend(state_items(bucket, state))
            # Written after the buckets it covers: a crash in between only replays more.
            items.append((totals_key(partition), self._partition_totals(partition).to_bytes()))
            items.append((covered_key(partition), encode_offset(due.covered)))
            self.table.put(partition, items)
            self._plan.written(partition, due, now)
