"""The event-time engine: the one way a Detector is driven, from a file or from a stream.

A :class:`~detectors.detector.Detector`'s results depend on the order and boundaries of its calls
(re-scoring and housekeeping happen at the end of each ``process`` call). So whoever drives it —
stream stage 2, ``choruswatch detect``, the golden tests, the benchmarks — must make the same calls for
the same mentions, whatever the arrival order, batching, pacing or number of workers. This module is
that driver:

* Event time is cut into fixed slots of ``slot_s`` seconds (:data:`SLOT_S`). A slot is one ``process``
  call on its items sorted by (event time, id), then ``advance(slot end)``; slots go strictly in order
  (:meth:`SlotBuffer.drive`). An empty slot is skipped unless the target has something due by its end
  (:meth:`Target.next_deadline`: a re-score or an expiry), which gives the same calls as advancing at
  every slot boundary, without 14,400 empty calls per hour of replayed history.
* A slot is released only once the low watermark (:class:`Frontier`) has passed its end. The stream
  computes it from stage 1's progress per source partition (:class:`SourceMarks`,
  :class:`SourceProgress`); a file reader from the newest event time read minus ``lateness_s``.
  Wall-clock time may decide *when* a slot goes (idleness), never *what* is in it; only a mention
  that comes after its slot went is processed apart (counted as ``late``), and only then can two
  deployments differ.
* :class:`Engine` runs one Detector per routing bucket (:mod:`detectors.routing`) exactly as stage 2
  does across its partitions, so ``detect`` on a file gives the stream's alert revisions.

Vectors cross the stream as float16 (:func:`wire_vectors`); the engine applies the same rounding, so
file and stream feed identical vectors to clustering and routing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Generic, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from detectors.facts import Action, NarrativeReport
from detectors.routing import route_buckets
from schemas.models import Mention

__all__ = [
    "SLOT_S",
    "BucketFact",
    "CampaignLevel",
    "EmbeddedMention",
    "Engine",
    "FactNumbering",
    "Frontier",
    "Pending",
    "SlotBuffer",
    "SlotMark",
    "SlotMarks",
    "SourceMark",
    "SourceMarks",
    "SourceProgress",
    "Step",
    "Target",
    "detector_target",
    "fact_from_list",
    "fact_to_list",
    "step_facts",
    "wire_vectors",
]

#: Event-time slot: one Detector call per slot. A mention waits up to one slot for its slot to
#: close, so the slot bounds latency from below; 0.25 s keeps that small while the per-slot cost
#: (one advance() per bucket with something due, ~15 µs) stays negligible.
SLOT_S: Final = 0.25

T = TypeVar("T")
R = TypeVar("R")
T_contra = TypeVar("T_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)


def wire_vectors(vectors: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """Vectors as every stage sees them: rounded to float16 (the routed record's encoding, half the
    bytes of float32; its ~1e-3 relative error is far below the clustering thresholds) and
    re-normalised. Row by row, so a vector's result does not depend on the batch it came in."""
    half = np.asarray(vectors, dtype="<f2")
    if half.ndim != 2:
        raise ValueError(f"vectors must be 2-D (n, dim), got shape {half.shape}")
    out: npt.NDArray[np.float32] = half.astype(np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", out, out))
    norms[norms == 0] = 1.0
    out /= norms[:, None]
    return out


# ------------------------------------------------------------------------------------ watermarks
@dataclass(frozen=True, slots=True)
class Frontier:
    """How far a buffer may go: slots ending at or before ``low`` are complete; ``flush``: every
    source is idle (or the input ended), so everything buffered may go."""

    low: float | None
    flush: bool = False


@dataclass(frozen=True, slots=True)
class SourceMark:
    """Progress of one source partition: the newest event time handed on (None: nothing yet) and
    whether the partition has been drained for a while (then it holds nothing back)."""

    newest_s: float | None
    idle: bool


_Time = TypeVar("_Time", int, float)


def _later(old: _Time | None, new: _Time | None) -> _Time | None:
    """A watermark never goes back: the later of two times, where None is "nothing yet"."""
    if old is None:
        return new
    return old if new is None else max(old, new)


class SourceMarks:
    """The merged progress of ``n_sources`` source partitions, as reported by their producers."""

    def __init__(self, n_sources: int) -> None:
        self.n_sources = n_sources
        self._marks: dict[int, SourceMark] = {}

    def update(self, marks: Mapping[int, SourceMark]) -> None:
        for p, mark in marks.items():
            old = self._marks.get(p)
            self._marks[p] = SourceMark(
                _later(None if old is None else old.newest_s, mark.newest_s), mark.idle
            )

    def frontier(self, lateness_s: float) -> Frontier:
        """The low watermark over the sources that are not idle, minus ``lateness_s``."""
        if any(p not in self._marks for p in range(self.n_sources)):
            return Frontier(None)  # a source never heard from may still hold old mentions
        marks = [self._marks[p] for p in range(self.n_sources)]
        if all(m.idle for m in marks):
            return Frontier(None, flush=True)
        # A partition that never handed anything on holds everything back while any other is busy:
        # on a fresh topic its first mentions may simply not have been read yet. One that did and
        # went idle is left out (else one quiet partition would stall all the others).
        if any(m.newest_s is None for m in marks):
            return Frontier(None)
        return Frontier(min(m.newest_s for m in marks if not m.idle and m.newest_s is not None) - lateness_s)


class SourceProgress:
    """A producer's bookkeeping per source partition, turned into the marks it reports downstream.

    A partition is drained when everything up to its high watermark has been handled; it becomes
    idle after staying drained for ``idle_after_s`` (seconds on a clock passed in) so that a producer
    that is only briefly slower than its reader does not release half-filled slots downstream.
    """

    def __init__(self, idle_after_s: float) -> None:
        self.idle_after_s = idle_after_s
        self._newest: dict[int, float] = {}
        self._next_offset: dict[int, int] = {}
        self._drained_since: dict[int, float] = {}

    def observe(self, partition: int, offset: int, event_s: float | None) -> None:
        """Record that the record at ``offset`` has been handled (handed on or dead-lettered)."""
        self._next_offset[partition] = max(self._next_offset.get(partition, 0), offset + 1)
        self._drained_since.pop(partition, None)
        if event_s is not None and event_s > self._newest.get(partition, float("-inf")):
            self._newest[partition] = event_s

    def handled(self) -> dict[int, int]:
        """Per partition, the next offset still to handle (for an honest consumer lag)."""
        return dict(self._next_offset)

    def busy_marks(self, partitions: Iterable[int]) -> dict[int, SourceMark]:
        """Marks right after a batch: the partitions just read, and every other one known, are not
        idle (data is flowing again; the timer's marks say which stay drained)."""
        known = {*partitions, *self._next_offset, *self._drained_since}
        return {p: SourceMark(self._newest.get(p), False) for p in sorted(known)}

    def marks(
        self,
        highwaters: Mapping[int, int],
        positions: Mapping[int, int | None],
        now_s: float,
        fetch_ages: Mapping[int, float] | None = None,
    ) -> dict[int, SourceMark]:
        """Marks of the assigned partitions, with ``highwaters`` / ``positions`` from the consumer.

        ``fetch_ages``: seconds since the fetch response each partition's high watermark comes from
        (absent: fresh). A drained partition turns idle only once a response received after its idle
        period began still showed nothing new. A consumer that stopped fetching (too busy, or holding
        unread records of another partition on the same broker) keeps an old high watermark, and
        taking that for idleness would make the mentions behind it late.
        """
        ages = fetch_ages or {}
        out: dict[int, SourceMark] = {}
        for p, high in highwaters.items():
            done = self._next_offset.get(p, positions.get(p))
            if done is not None and done >= high:
                since = self._drained_since.setdefault(p, now_s)
                idle = ages.get(p, 0.0) <= now_s - since - self.idle_after_s
            else:
                self._drained_since.pop(p, None)
                idle = False
            out[p] = SourceMark(self._newest.get(p), idle)
        return out

    def forget(self, partitions: Iterable[int]) -> None:
        """Drop what we know of revoked partitions (another worker reports them now)."""
        for p in partitions:
            self._newest.pop(p, None)
            self._next_offset.pop(p, None)
            self._drained_since.pop(p, None)


# --------------------------------------------------------------------------------- slot buffer
class Target(Protocol[T_contra, R_co]):
    """What a :class:`SlotBuffer` drives: a Detector (through :func:`detector_target`) or any other
    event-time stage with the same contract."""

    def process(self, items: Sequence[T_contra]) -> R_co: ...

    def advance(self, now: float) -> R_co: ...

    def next_deadline(self) -> float | None:
        """The earliest event time at which ``advance`` may change anything (None: never, until
        new items come). A lower bound is enough; an early deadline costs one idle call."""
        ...


@dataclass(frozen=True, slots=True)
class Step(Generic[T, R]):
    """One call of the target: its result, the slot it belongs to and the items it was given
    (empty for ``advance``)."""

    slot: int
    result: R
    batch: tuple[T, ...]


@dataclass(slots=True)
class Pending(Generic[T]):
    """An item waiting for its slot: its event time, its tie-break key and its arrival sequence
    number (the routed offset in the stream; it orders what a checkpoint stores)."""

    item: T
    t: float
    key: str
    seq: int


@dataclass(slots=True)
class SlotBuffer(Generic[T]):
    """The reorder buffer in front of one target (one routing bucket's Detector)."""

    next_slot: int | None = None  # first event-time slot not yet handed to the target
    pending: list[Pending[T]] = field(default_factory=list)
    processed: int = 0  # items handed to the target
    late: int = 0  # items that arrived after their slot had gone (order no longer guaranteed)

    def add(self, item: T, t: float, key: str, seq: int) -> None:
        self.pending.append(Pending(item, t, key, seq))

    def drive(self, target: Target[T, R], frontier: Frontier, *, slot_s: float) -> list[Step[T, R]]:
        """Feed ``target`` every complete slot of the buffer, in order; return its steps.

        Slot k holds the items with ``k <= t / slot_s < k + 1``. The sequence of calls depends only
        on the set of items, never on how they were split into records, batches or workers, nor on
        when the frontier moved. An item whose slot already went is processed on its own first.
        """
        if frontier.low is None and not frontier.flush:
            return []
        slots, late = self._split(slot_s)
        steps: list[Step[T, R]] = []
        if late:
            self.late += len(late)
            steps.append(self._process(target, late, (self.next_slot or 0) - 1))
        end: int | None
        if frontier.flush:
            end = max(slots) + 1 if slots else self.next_slot
        else:
            # Slot k is complete once its end, (k + 1) * slot_s, is at or below the low watermark.
            end = math.floor(frontier.low / slot_s) if frontier.low is not None else None
        if self.next_slot is None and slots and end is not None and min(slots) < end:
            # The clock starts at the first slot released, not the first buffered: an older mention
            # within the lateness may still come and must not count as late.
            self.next_slot = min(slots)
        if self.next_slot is not None and end is not None:
            steps.extend(self._release(target, slots, end, slot_s))
        self.pending = sorted((p for ps in slots.values() for p in ps), key=lambda p: p.seq)
        return steps

    def _split(self, slot_s: float) -> tuple[dict[int, list[Pending[T]]], list[Pending[T]]]:
        slots: dict[int, list[Pending[T]]] = {}
        late: list[Pending[T]] = []
        for p in self.pending:
            k = math.floor(p.t / slot_s)
            if self.next_slot is not None and k < self.next_slot:
                late.append(p)
            else:
                slots.setdefault(k, []).append(p)
        return slots, late

    def _release(
        self, target: Target[T, R], slots: dict[int, list[Pending[T]]], end: int, slot_s: float
    ) -> list[Step[T, R]]:
        """Process and advance slot by slot up to ``end`` (exclusive), jumping over empty slots in
        which the target has nothing due."""
        steps: list[Step[T, R]] = []
        k = self.next_slot if self.next_slot is not None else end
        while k < end:
            due = slots.pop(k, None)
            if due is not None:
                steps.append(self._process(target, due, k))
            deadline = target.next_deadline()
            slot_end = (k + 1) * slot_s
            if due is not None or (deadline is not None and deadline <= slot_end):
                steps.append(Step(k, target.advance(slot_end), ()))
                k += 1
                continue
            stops = [s for s in slots if s < end]
            if deadline is not None:
                stops.append(max(k + 1, math.ceil(deadline / slot_s) - 1))
            k = min([*stops, end])
        self.next_slot = k
        return steps

    def _process(self, target: Target[T, R], due: list[Pending[T]], slot: int) -> Step[T, R]:
        due.sort(key=lambda p: (p.t, p.key))
        self.processed += len(due)
        items = tuple(p.item for p in due)
        return Step(slot, target.process(items), items)

    # -- snapshot -------------------------------------------------------------------------------------

    def to_dict(self, encode: Callable[[T], Any]) -> dict[str, Any]:
        return {
            "next_slot": self.next_slot,
            "processed": self.processed,
            "late": self.late,
            "pending": [[encode(p.item), p.t, p.key, p.seq] for p in self.pending],
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any], decode: Callable[[Any], T]) -> SlotBuffer[T]:
        next_slot = obj.get("next_slot")
        return cls(
            next_slot=None if next_slot is None else int(next_slot),
            pending=[Pending(decode(v[0]), float(v[1]), str(v[2]), int(v[3])) for v in obj["pending"]],
            processed=int(obj.get("processed", 0)),
            late=int(obj.get("late", 0)),
        )


# ------------------------------------------------------------------------------ Detector target
@dataclass(frozen=True, slots=True)
class EmbeddedMention:
    """A mention with its (wire-rounded) embedding: what a bucket's Detector is fed."""

    mention: Mention
    vector: npt.NDArray[np.float32]


class _HasMentionVector(Protocol):
    @property
    def mention(self) -> Mention: ...

    @property
    def vector(self) -> npt.NDArray[np.float32]: ...


class DetectorLike(Protocol):
    """What the engine needs of :class:`detectors.detector.Detector`."""

    def process(self, mentions: Sequence[Mention], vectors: npt.ArrayLike) -> Any: ...

    def advance(self, now: float) -> Any: ...

    def next_deadline(self) -> float | None: ...

    def flush(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class _DetectorTarget:
    detector: DetectorLike

    def process(self, items: Sequence[_HasMentionVector]) -> Any:
        vectors = np.stack([i.vector for i in items])
        return self.detector.process([i.mention for i in items], vectors)

    def advance(self, now: float) -> Any:
        return self.detector.advance(now)

    def next_deadline(self) -> float | None:
        return self.detector.next_deadline()


def detector_target(detector: DetectorLike) -> Target[_HasMentionVector, Any]:
    """A Detector as a slot target: items carry ``.mention`` and ``.vector``."""
    return _DetectorTarget(detector)


# ------------------------------------------------------------------------------------ the engine
class Engine:
    """One Detector per routing bucket, each behind its reorder buffer: what stream stage 2 does
    across all its partitions, in one process, for mentions read from a file or a test.

    ``add`` takes mentions in roughly event-time order (anything within ``lateness_s`` of the newest
    seen is put in its place; older ones are processed late) with their embeddings; ``finish``
    releases what is left at the end of the input. Both return the steps made, ordered by slot, then
    bucket. ``buckets`` must equal the stream's routing bucket count for the two to agree.
    """

    def __init__(
        self,
        make_detector: Callable[[], DetectorLike],
        *,
        buckets: int = 4,
        routing_seed: int = 0,
        lateness_s: float = 60.0,
        slot_s: float = SLOT_S,
        make_tracker: Callable[[], TrackerLike] | None = None,
    ) -> None:
        if buckets < 1:
            raise ValueError(f"buckets must be >= 1, got {buckets}")
        self.n_buckets = buckets
        self.routing_seed = routing_seed
        self.lateness_s = lateness_s
        self.slot_s = slot_s
        self._make = make_detector
        self.detectors: dict[int, DetectorLike] = {}
        self._buffers: dict[int, SlotBuffer[EmbeddedMention]] = {}
        self._newest = float("-inf")
        self._seq = 0
        self.campaigns = CampaignLevel(make_tracker(), slot_s=slot_s) if make_tracker is not None else None
        self._numbering: dict[int, FactNumbering] = {}
        self._campaign_steps: list[Step[Fact, Any]] = []

    @property
    def late(self) -> int:
        return sum(b.late for b in self._buffers.values())

    def take_campaign_steps(self) -> list[Step[Fact, Any]]:
        """The campaign tracker's steps made since the last call, in slot order (none without a tracker)."""
        out, self._campaign_steps = self._campaign_steps, []
        return out

    def add(self, mentions: Sequence[Mention], vectors: npt.ArrayLike) -> list[tuple[int, Step[Any, Any]]]:
        if not mentions:
            return []
        vecs = wire_vectors(vectors)
        if vecs.shape[0] != len(mentions):
            raise ValueError(f"expected {len(mentions)} vectors, got {vecs.shape[0]}")
        for mention, vector, bucket in zip(
            mentions, vecs, route_buckets(vecs, self.n_buckets, self.routing_seed), strict=True
        ):
            self._buffer(int(bucket)).add(
                EmbeddedMention(mention, vector), mention.timestamp, mention.id, self._seq
            )
            self._seq += 1
            self._newest = max(self._newest, mention.timestamp)
        return self._drive(Frontier(self._newest - self.lateness_s))

    def finish(self, *, close: bool = False) -> list[tuple[int, Step[Any, Any]]]:
        """End of input: every buffered slot goes (as when every stream source is idle). ``close``:
        then every Detector flushes (scores what is unscored, closes its alerts), its facts reach the
        campaign level, and the campaign tracker flushes too; the flush steps are returned last."""
        out = self._drive(Frontier(None, flush=True))
        if not close:
            return out
        for bucket in sorted(self.detectors):
            step: Step[Any, Any] = Step(
                self._buffers[bucket].next_slot or 0, self.detectors[bucket].flush(), ()
            )
            out.append((bucket, step))
            self._to_campaigns(bucket, step)
        if self.campaigns is not None:
            self._campaign_steps.extend(self.campaigns.drive(Frontier(None, flush=True)))
            self._campaign_steps.append(
                Step(self.campaigns.buffer.next_slot or 0, self.campaigns.tracker.flush(), ())
            )
        return out

    def _buffer(self, bucket: int) -> SlotBuffer[EmbeddedMention]:
        if bucket not in self._buffers:
            self._buffers[bucket] = SlotBuffer()
            self.detectors[bucket] = self._make()
        return self._buffers[bucket]

    def _drive(self, frontier: Frontier) -> list[tuple[int, Step[Any, Any]]]:
        out: list[tuple[int, Step[Any, Any]]] = []
        for bucket in sorted(self._buffers):
            target = detector_target(self.detectors[bucket])
            out.extend((bucket, s) for s in self._buffers[bucket].drive(target, frontier, slot_s=self.slot_s))
        out.sort(key=lambda bs: bs[1].slot)  # stable: within a slot, bucket order, then call order
        if self.campaigns is not None:
            for bucket, step in out:
                self._to_campaigns(bucket, step)
            self._campaign_steps.extend(self.campaigns.drive(self.campaigns.frontier_after(frontier)))
        return out

    def _to_campaigns(self, bucket: int, step: Step[Any, Any]) -> None:
        if self.campaigns is not None:
            numbering = self._numbering.setdefault(bucket, FactNumbering())
            self.campaigns.add(numbering.number(bucket, step.slot, step_facts(step.result)))


# -------------------------------------------------------------------------------- campaign level
Fact = Action | NarrativeReport


class TrackerLike(Protocol):
    """What the campaign level needs of :class:`detectors.campaigns.CampaignTracker`."""

    def process(self, facts: Sequence[Fact]) -> Any: ...

    def advance(self, now: float) -> Any: ...

    def next_deadline(self) -> float | None: ...

    def flush(self) -> Any: ...


def step_facts(result: Any) -> list[Fact]:
    """A Detector step's facts for the campaign level, in emission order (actions, then reports)."""
    return [*result.actions, *result.reports]


@dataclass(frozen=True, slots=True)
class BucketFact:
    """A fact with where it came from: its bucket, the bucket's event-time slot it belongs to and its
    number among that bucket's facts of the slot. ``(slot, n)`` strictly increases per bucket and a
    replay of the same input numbers the same facts the same way, so a consumer drops what it has seen."""

    bucket: int
    slot: int
    n: int
    fact: Fact


@dataclass(slots=True)
class FactNumbering:
    """Numbers one bucket's facts. The facts of a step go to the step's slot, or to the bucket's
    current slot when the step is late (a late mention's slot has gone: (slot, n) never goes back)."""

    slot: int | None = None
    n: int = 0

    def number(self, bucket: int, step_slot: int, facts: Sequence[Fact]) -> list[BucketFact]:
        slot = step_slot if self.slot is None else max(step_slot, self.slot)
        if slot != self.slot:
            self.slot, self.n = slot, 0
        out = [BucketFact(bucket, slot, self.n + i, f) for i, f in enumerate(facts)]
        self.n += len(facts)
        return out

    def to_list(self) -> list[int | None]:
        return [self.slot, self.n]

    @classmethod
    def from_list(cls, v: Sequence[Any]) -> FactNumbering:
        return cls(None if v[0] is None else int(v[0]), int(v[1]))


class CampaignLevel:
    """The global campaign tracker behind its own :class:`SlotBuffer`, fed the facts of every bucket.

    Tracker slot k holds the facts the buckets produced in their slot k (``process`` and ``advance``),
    ordered by bucket, then by each bucket's numbering: a function of the facts alone, so one process
    or a stream of N workers give the tracker the same calls. Slot k is released once every bucket is
    past it (its low watermark: the end of the last slot every bucket has completed).
    """

    def __init__(self, tracker: TrackerLike, *, slot_s: float = SLOT_S) -> None:
        self.tracker = tracker
        self.slot_s = slot_s
        self.buffer: SlotBuffer[Fact] = SlotBuffer()
        self._seq = 0

    def add(self, facts: Iterable[BucketFact], seq: int | None = None) -> None:
        """Buffer facts; ``seq`` orders what a checkpoint stores (the facts topic's offset in the stream)."""
        for bf in facts:
            t = (bf.slot + 0.5) * self.slot_s
            self.buffer.add(bf.fact, t, f"{bf.bucket:05d}.{bf.n:09d}", self._seq if seq is None else seq)
            self._seq += 1

    def frontier_after(self, bucket_frontier: Frontier) -> Frontier:
        """The tracker's frontier once every bucket was driven to ``bucket_frontier``."""
        if bucket_frontier.flush or bucket_frontier.low is None:
            return bucket_frontier
        return Frontier(math.floor(bucket_frontier.low / self.slot_s) * self.slot_s)

    def drive(self, frontier: Frontier) -> list[Step[Fact, Any]]:
        return self.buffer.drive(self.tracker, frontier, slot_s=self.slot_s)

    # -- snapshot (the tracker's own snapshot is taken and restored by its owner) ----------------------

    def to_dict(self) -> dict[str, Any]:
        return {"buffer": self.buffer.to_dict(fact_to_list), "seq": self._seq}

    @classmethod
    def from_dict(
        cls, obj: Mapping[str, Any], tracker: TrackerLike, *, slot_s: float = SLOT_S
    ) -> CampaignLevel:
        level = cls(tracker, slot_s=slot_s)
        level.buffer = SlotBuffer.from_dict(obj["buffer"], fact_from_list)
        level._seq = int(obj.get("seq", 0))
        return level


@dataclass(frozen=True, slots=True)
class SlotMark:
    """Progress of the buckets of one stream partition, as the campaign level needs it: every bucket
    has completed the slots below ``end`` (None: not known yet); ``flush``: the partition's frontier
    was a flush (every source idle), so its buckets hold nothing back."""

    end: int | None
    flush: bool = False

    @classmethod
    def after(cls, frontier: Frontier, slot_s: float) -> SlotMark | None:
        """The mark of buckets all driven to ``frontier`` (None: the frontier says nothing yet).
        The same rule as :meth:`CampaignLevel.frontier_after`."""
        if frontier.flush:
            return cls(None, True)
        if frontier.low is None:
            return None
        return cls(math.floor(frontier.low / slot_s))


class SlotMarks:
    """The merged :class:`SlotMark` of ``n_partitions`` partitions of buckets: the campaign level's
    frontier in the stream, where each partition's buckets run on whichever worker owns it.

    Like :class:`SourceMarks`: a partition never heard from holds everything back; one that flushed is
    left out of the minimum; all flushed is a flush. A mark never goes back (a partition's new owner
    restarts from an older checkpoint and reports older marks first)."""

    def __init__(self, n_partitions: int) -> None:
        if n_partitions < 1:
            raise ValueError(f"n_partitions must be >= 1, got {n_partitions}")
        self.n_partitions = n_partitions
        self._marks: dict[int, SlotMark] = {}

    def update(self, partition: int, mark: SlotMark) -> None:
        old = self._marks.get(partition)
        self._marks[partition] = SlotMark(_later(None if old is None else old.end, mark.end), mark.flush)

    def frontier(self, slot_s: float) -> Frontier:
        if any(p not in self._marks for p in range(self.n_partitions)):
            return Frontier(None)
        marks = [self._marks[p] for p in range(self.n_partitions)]
        if all(m.flush for m in marks):
            return Frontier(None, flush=True)
        ends = [m.end for m in marks if not m.flush]
        if any(e is None for e in ends):
            return Frontier(None)
        return Frontier(min(e for e in ends if e is not None) * slot_s)

    def to_dict(self) -> dict[str, Any]:
        return {str(p): [m.end, m.flush] for p, m in sorted(self._marks.items())}

    @classmethod
    def from_dict(cls, n_partitions: int, obj: Mapping[str, Any]) -> SlotMarks:
        marks = cls(n_partitions)
        for p, (end, flush) in obj.items():
            marks._marks[int(p)] = SlotMark(None if end is None else int(end), bool(flush))
        return marks


def fact_to_list(fact: Fact) -> list[Any]:
    """A fact as a compact JSON list: ``["a", <Action list>]`` or ``["r", <NarrativeReport list>]``."""
    if isinstance(fact, Action):
        return ["a", fact.to_list()]
    return ["r", fact.to_list()]


def fact_from_list(v: Any) -> Fact:
    """The inverse of :func:`fact_to_list`; raises ValueError on anything else."""
    if not isinstance(v, list | tuple) or len(v) != 2:
        raise ValueError("a fact is a list [kind, body]")
    if v[0] == "a":
        return Action.from_list(v[1])
    if v[0] == "r":
        return NarrativeReport.from_list(v[1])
    raise ValueError(f"unknown fact kind {v[0]!r}")
