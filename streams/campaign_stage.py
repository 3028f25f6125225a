"""The campaign stage: the global campaign level of every bucket's facts, driven like the file engine.

Stage 2 publishes, per bucket step, its numbered facts (`detectors.engine.BucketFact`) and, after each
drive, one mark per routed partition ("every bucket of partition p completed the slots below E", or a
flush) to the one-partition facts topic (`streams.wire`). This stage feeds the facts to a
`detectors.engine.CampaignLevel` (the `CampaignTracker` behind its own slot buffer) and releases its
slots on the merged marks (`detectors.engine.SlotMarks`), the same rule as `choruswatch detect`'s
`CampaignLevel.frontier_after`: the tracker gets the same calls, so the same Alert v2 revisions, whether
one worker or N run stage 2. The revisions go to the alerts topic (key alert_id, CloudEvent id
``alert_id:revision``) and are settled before the checkpoint that covers them.

At-least-once without double counting: per bucket, the last ``(slot, n)`` taken (`Applied`); a stage-2
replay re-publishes identical facts under the same numbers, which are skipped. The state (tracker
snapshot, slot buffer, marks, applied numbers, counters) is checkpointed in the changelog-backed table
`campaign-state` with the facts offset it covers (`streams.checkpoints`); after a restart the facts
since that offset are read again first, so nothing new is published twice and what is published again
is identical (same ids, same payloads).

An unreadable facts record goes to the dead-letter topic with its reason and is counted; a tracker call
that raises is logged and counted, never kills the worker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from detectors.engine import SLOT_S, BucketFact, CampaignLevel, Fact, SlotMarks, Step
from schemas.models import SchemaError
from streams.alerts_out import alert_v2_record
from streams.checkpoints import (
    CheckpointPlan,
    ReplayGate,
    covered_key,
    decode_offset,
    encode_offset,
    read_state,
    state_items,
)
from streams.dlq import dead_letter_record
from streams.logs import RateLimited
from streams.metrics import Metrics
from streams.outbox import Outbox
from streams.ports import Clock, InRecord, PartitionOffsets, Producer, RecordLog, StateStore
from streams.validation import Rejection
from streams.wire import PartitionMark, decode_campaign_record

log = logging.getLogger(__name__)

#: Table key of the campaign state (one per facts partition; the topic has one).
STATE_KEY: Final = "campaign"


@dataclass(frozen=True, slots=True)
class CampaignConfig:
    facts_topic: str
    alerts_topic: str
    dlq_topic: str  # dead letters of unreadable facts records
    routed_partitions: int  # partitions of stage 2's buckets: one mark each
    checkpoint_interval_s: float
    slot_s: float = SLOT_S


@dataclass(slots=True)
class Applied:
    """What the campaign state has taken from the facts topic (checkpointed with it)."""

    last_offset: int = -1  # highest facts offset taken
    numbers: dict[int, tuple[int, int]] = field(default_factory=dict)  # bucket -> last (slot, n) taken
    facts: int = 0  # facts taken into the campaign level
    duplicates: int = 0  # facts skipped: already taken (a stage-2 replay)
    dead_lettered: int = 0  # unreadable records

    def fresh(self, bf: BucketFact) -> bool:
        """Take the fact's number; False for one at or below the bucket's last (seen already)."""
        number = (bf.slot, bf.n)
        if number <= self.numbers.get(bf.bucket, (-(2**62), -1)):
            self.duplicates += 1
            return False
        self.numbers[bf.bucket] = number
        self.facts += 1
        return True

    def to_dict(self) -> dict[str, Any]:
        return {
            "last_offset": self.last_offset,
            "numbers": {str(b): list(v) for b, v in sorted(self.numbers.items())},
            "facts": self.facts,
            "duplicates": self.duplicates,
            "dead_lettered": self.dead_lettered,
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> Applied:
        return cls(
            last_offset=int(obj["last_offset"]),
            numbers={int(b): (int(v[0]), int(v[1])) for b, v in obj["numbers"].items()},
            facts=int(obj.get("facts", 0)),
            duplicates=int(obj.get("duplicates", 0)),
            dead_lettered=int(obj.get("dead_lettered", 0)),
        )


class _GuardedTracker:
    """The tracker as a slot target whose failure costs the slot's facts, never the stage."""

    def __init__(self, tracker: Any, empty: Callable[[], Any], on_failure: Callable[[], None]) -> None:
        self._tracker = tracker
        self._empty = empty
        self._on_failure = on_failure

    def process(self, facts: Sequence[Fact]) -> Any:
        try:
            return self._tracker.process(facts)
        except Exception:
            log.exception("the campaign tracker failed on %d facts; they are lost to it", len(facts))
            self._on_failure()
            return self._empty()

    def advance(self, now: float) -> Any:
        try:
            return self._tracker.advance(now)
        except Exception:
            log.exception("the campaign tracker failed to advance to %.3f", now)
            self._on_failure()
            return self._empty()

    def next_deadline(self) -> float | None:
        try:
            deadline: float | None = self._tracker.next_deadline()
        except Exception:
            log.exception("the campaign tracker failed to say its next deadline")
            return None
        return deadline


def _empty_step() -> Any:
    from detectors.campaigns import CampaignCounters, CampaignStep

    return CampaignStep((), (), CampaignCounters())


class CampaignStage:
    """The campaign stage behind its ports; `streams.app` calls `handle` per micro-batch of facts
    records and `tick` on a timer (checkpoints and the replay of a partition that gets no record)."""

    def __init__(
        self,
        config: CampaignConfig,
        *,
        tracker_factory: Callable[[dict[str, Any] | None], Any],
        table: StateStore,
        producer: Producer,
        log_reader: RecordLog,
        clock: Clock,
        metrics: Metrics,
        run_blocking: Callable[..., Any] = asyncio.to_thread,
    ) -> None:
        self.config = config
        self.table = table
        self.clock = clock
        self.metrics = metrics
        # The tracker's work and its snapshot run off the event loop: a backlog of slots or a
        # checkpoint of a large graph took 4-8 s under load and stalled every other stage's timers.
        # The stage's lock keeps handle and tick from touching the tracker at the same time.
        self._run_blocking = run_blocking
        self._factory = tracker_factory
        self._log = log_reader
        self._outbox = Outbox(producer)
        self._log_dead = RateLimited(log)
        self._lock = asyncio.Lock()  # handle and tick both apply records
        self._gate = ReplayGate()
        self._plan = CheckpointPlan(config.checkpoint_interval_s)
        self.level: CampaignLevel | None = None
        self._tracker: Any = None  # the level's tracker, with its snapshot()
        self.marks = SlotMarks(config.routed_partitions)
        self.applied = Applied()
        self._refresh = False

    def refresh_inputs(self) -> None:
        """The analyst inputs changed: the tracker is rebuilt from its snapshot through the factory
        (which hands it the new inputs) under the stage's lock, before the next batch or tick."""
        self._refresh = True

    def _rebuild_tracker(self) -> None:
        self._refresh = False
        if self.level is not None:
            self._tracker = self.level.tracker = self._factory(self._tracker.snapshot())

    def next_offsets(self) -> dict[int, int]:
        """Per facts partition, the next offset still to handle (for an honest consumer lag)."""
        return self._plan.next_offsets()

    async def handle(self, records: Sequence[InRecord]) -> None:
        """Apply a micro-batch of facts records (and the replay it calls for), drive, checkpoint."""
        async with self._lock:
            if self._refresh:
                self._rebuild_tracker()
            for record in records:
                missing = self._gate.missing(record.partition, record.offset, self._covered)
                if missing:
                    await self._drive()
                    await self._replay(record.partition, missing)
                await self._apply(record)
            await self._drive()
            await self._checkpoint_due({r.partition for r in records})

    async def tick(self, offsets: PartitionOffsets) -> None:
        """Replay what the checkpoint misses on a partition that delivers nothing new (the consumer's
        committed offset can be ahead of the checkpoint), and checkpoint what is due."""
        async with self._lock:
            if self._refresh:
                self._rebuild_tracker()
            for partition, position in sorted((await offsets.positions()).items()):
                if position is None:
                    continue
                missing = self._gate.missing(partition, position, self._covered)
                if missing:
                    await self._replay(partition, missing)
                    await self._drive()
            await self._checkpoint_due(self._plan.next_offsets())

    def revoke(self, partitions: Iterable[int]) -> None:
        """Another worker owns the facts partition now: what this one holds is stale."""
        gone = set(partitions)
        if gone:
            self.level, self.marks, self.applied = None, SlotMarks(self.config.routed_partitions), Applied()
        self._gate.forget(gone)
        self._plan.forget(gone)

    # -- applying records ---------------------------------------------------------------------------

    async def _apply(self, record: InRecord) -> None:
        self._plan.handled(record.partition, record.offset)
        level = self._load()
        if record.offset <= self.applied.last_offset:
            return  # in the checkpointed state already
        self.applied.last_offset = record.offset
        self._plan.touch(record.partition, STATE_KEY)
        try:
            decoded = decode_campaign_record(record.value)
        except SchemaError as exc:
            self.applied.dead_lettered += 1
            await self._dead_letter(record, Rejection(exc.code, type(exc).__name__, exc.field, exc.reason))
            return
        if isinstance(decoded, PartitionMark):
            self.marks.update(decoded.partition, decoded.mark)
            return
        fresh = [bf for bf in decoded if self.applied.fresh(bf)]
        level.add(fresh, seq=record.offset)
        self.metrics.campaign_facts_applied.inc(len(fresh))
        self.metrics.campaign_facts_duplicates.inc(len(decoded) - len(fresh))

    async def _dead_letter(self, record: InRecord, rejection: Rejection) -> None:
        out = dead_letter_record(
            record, rejection, dlq_topic=self.config.dlq_topic, now_ms=int(self.clock.time() * 1000)
        )
        await self._outbox.send(out, tag="dead-letter")
        self.metrics.campaign_facts_dead_lettered.inc()
        self._log_dead.error(
            "unreadable campaign facts record %s[%d]@%d: %s",
            record.topic,
            record.partition,
            record.offset,
            rejection.reason,
        )

    async def _replay(self, partition: int, missing: range) -> None:
        log.info(
            "replaying %s[%d] offsets %d..%d since its last checkpoint",
            self.config.facts_topic,
            partition,
            missing.start,
            missing.stop - 1,
        )
        async for batch in self._log.read(self.config.facts_topic, partition, missing):
            for record in batch:
                await self._apply(record)
            await self._drive()

    # -- driving ----------------------------------------------------------------------------------

    async def _drive(self) -> None:
        """Release every tracker slot all partitions' buckets are past; publish and settle its alerts."""
        level = self._load()
        target = _GuardedTracker(level.tracker, _empty_step, self.metrics.campaign_tracker_failures.inc)
        frontier = self.marks.frontier(self.config.slot_s)
        steps = await self._run_blocking(level.buffer.drive, target, frontier, slot_s=level.slot_s)
        for step in steps:
            await self._publish(step)
        if steps:
            self.metrics.live_campaigns.set(int(getattr(level.tracker, "live_campaigns", 0)))
        for failure in await self._outbox.settle():
            self.metrics.dead_letter_failures.inc()
            log.error("a record of the campaign stage was refused for good: %r", failure.error)

    async def _publish(self, step: Step[Fact, Any]) -> None:
        analyst = getattr(step.result, "analyst", None)  # a GlobalStep; a bare tracker's step has none
        if analyst is not None:
            self.metrics.count_global_step(analyst)
        for alert in step.result.alerts:
            rec = alert_v2_record(alert)
            await self._outbox.send(rec.to_out(self.config.alerts_topic), tag=alert.alert_id)
            self.metrics.campaign_alerts_published.labels(severity=alert.severity, status=alert.status).inc()

    # -- state ------------------------------------------------------------------------------------

    def _load(self) -> CampaignLevel:
        if self.level is None:
            snap = read_state(self.table, STATE_KEY)
            if snap is None:
                self._tracker = self._factory(None)
                self.level = CampaignLevel(self._tracker, slot_s=self.config.slot_s)
            else:
                tracker = self._tracker = self._factory(snap["tracker"])
                self.level = CampaignLevel.from_dict(snap["level"], tracker, slot_s=self.config.slot_s)
                self.marks = SlotMarks.from_dict(self.config.routed_partitions, snap["marks"])
                self.applied = Applied.from_dict(snap["applied"])
        return self.level

    def _covered(self, partition: int) -> int:
        return decode_offset(self.table.get(covered_key(partition)))

    async def _checkpoint_due(self, partitions: Iterable[int]) -> None:
        now = self.clock.monotonic()
        for partition in sorted(partitions):
            due = self._plan.due(partition, now)
            if due is None:
                continue
            items: list[tuple[str, bytes]] = []
            if self.level is not None and due.keys:
                state = {
                    "tracker": await self._run_blocking(self._tracker.snapshot),
                    "level": self.level.to_dict(),
                    "marks": self.marks.to_dict(),
                    "applied": self.applied.to_dict(),
                }
                items.extend(state_items(STATE_KEY, state))
            items.append((covered_key(partition), encode_offset(due.covered)))
            self.table.put(partition, items)
            self._plan.written(partition, due, now)

    def totals(self) -> dict[str, int]:
        """The persisted counters (see `Applied`) and the facts waiting for their slot."""
        pending = 0 if self.level is None else len(self.level.buffer.pending)
        return {
            "facts": self.applied.facts,
            "duplicates": self.applied.duplicates,
            "dead_lettered": self.applied.dead_lettered,
            "pending": pending,
        }
