"""The glue between faust and the detection core, kept free of faust so it can be unit-tested.

Stage 1 turns raw `mentions` records into either a `Mention` or a `Rejection` (`check_record`), and
encodes embedded mentions for `mentions.routed` (`encode_routed` / `decode_routed`). Wire format of a
routed record (JSON, UTF-8): ``{"v": 1, "m": <Mention v1>, "e": <base64 float16 vector>, "ts": <Kafka
timestamp of the original record, ms>, "sp": <mentions partition>, "so": <mentions offset>}``. float16
halves the size of float32; its error (~1e-3 relative) is far below the clustering thresholds, and the
vector is re-normalised on decode, so every worker feeds its detectors identical vectors.

Ordering and determinism (why two workers give the same alerts as one). Stage 2 must hand each
bucket's Detector the same calls whatever the arrival order, batching or number of workers, because
the Detector's results depend on its batch boundaries (re-scoring and housekeeping happen at the end
of each `process` call). So:

* Event time is cut into fixed slots of `slot_s` seconds; a slot is one `process` call, sorted by
  (created_at, id), followed by `advance(slot end)`; slots go strictly in order (`drive`).
* A slot is released only once stage 1's event-time low watermark has passed its end. Stage 1 sends
  tick records (header ``x-choruswatch-tick``, value `encode_tick`) to every routed partition after
  each batch and every second: per `mentions` partition, the newest event time it has routed and
  whether the partition is idle (`SourceProgress`). Stage 2 merges them per routed partition
  (`SourceMarks`); the low watermark is the minimum over the non-idle partitions minus `lateness_s`;
  when every partition is idle (drained for `idle_after_s` wall seconds) everything buffered goes.
  Ticks travel behind the data records of the same producer, so a tick never overtakes the mentions
  it vouches for. Wall-clock time only decides idleness, never the content of a slot; a mention that
  still comes after its slot went (later than `lateness_s` behind its partition, or a producer that
  resumes after an idle spell) is processed alone and counted as `late`: only then can results differ.

At-least-once without double counting: a `BucketState` (checkpointed with the Detector in the table)
holds the last routed offset applied, so a routed replay is skipped, and per `mentions` partition the
highest source offset taken, so mentions that stage 1 routes a second time after a crash or rebalance
(new routed offsets, same source) are skipped too. Its `processed` / `duplicates` / `late` counters let
tests and operators account for every input mention. `pack_state` / `unpack_state` turn the state into
compressed, chunked table values that stay under Kafka's 1 MB message limit.

Checkpoints: snapshot plus log replay. A full checkpoint is costly (for a Detector with 4,935 live
narratives: snapshot 0.14 s, JSON 0.14 s, zlib level 1 0.135 s, 4.9 MB; level 6 would take 0.35 s),
so stage 2 no longer writes one per bucket after every batch. `CheckpointPlan` checkpoints a routed
partition at most every `checkpoint_interval_s`: all its buckets changed since, then the partition's
*covered offset* (`covered_key`), the routed offset up to which the stored state holds every record.
The Kafka offset faust commits can run ahead of it, so when a worker starts reading a partition
(restart or rebalance) `ReplayGate` compares the first record's offset with the covered offset and
stage 2 re-reads the records in between with a consumer of its own (faust's fetch positions are not
touched, so nothing it has buffered can be mistaken for a replay) before going on. Buckets skip what
their checkpoint holds (`BucketState.last_offset`); everything else is applied again, giving the same
Detector calls, hence the same alerts, published again under the same CloudEvent ids (the sink
ignores revisions it has). Alerts are still acknowledged before the checkpoint that covers them.
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt

from schemas.models import Mention, SchemaError, parse_mention

ROUTED_VERSION: Final = 1
# Kafka's default max.message.bytes is 1 MB; keep each table value well below it.
MAX_CHUNK_BYTES: Final = 512 * 1024
CHUNK_SEPARATOR: Final = "#"
# zlib level of checkpoints. Measured on a Detector with 4,935 live narratives (19.5 MB of JSON):
# level 6 takes 0.35 s for 4.1 MB, level 1 0.135 s for 4.9 MB; the time matters more than the bytes.
CHECKPOINT_ZLIB_LEVEL: Final = 1
# Event-time slot of stage 2: one Detector call per slot (see "Ordering and determinism" above). A
# mention waits up to one slot for its slot to close, so the slot bounds latency from below; 0.25 s
# keeps that small while the per-slot cost (one advance() per live bucket, ~15 µs) stays negligible.
DEFAULT_SLOT_S: Final = 0.25


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a record cannot enter the pipeline; `code` is a bounded metric label."""

    code: str  # decode, schema, too_large, future_timestamp
    error_class: str
    field: str
    reason: str


def check_record(
    raw: bytes | None,
    *,
    kafka_timestamp_ms: int | None,
    newest_event_s: float | None,
    max_bytes: int,
    max_future_s: float,
) -> Mention | Rejection:
    """Validate one raw `mentions` record; never raises for bad input.

    A mention is "from the future" when its created_at is more than `max_future_s` ahead of both the
    newest event time seen so far and the record's Kafka timestamp: a replay of old data is fine (the
    Kafka timestamp is recent but the event time old), a clock-skewed or forged timestamp is not.
    """
    if raw is None:
        return Rejection("decode", "SchemaError", "$", "empty record (tombstone)")
    try:
        mention = parse_mention(raw, max_bytes=max_bytes)
    except SchemaError as exc:
        return Rejection(exc.code, type(exc).__name__, exc.field, exc.reason)
    references = [t for t in (newest_event_s, _ms_to_s(kafka_timestamp_ms)) if t is not None]
    if references:
        limit = max(references) + max_future_s
        if mention.timestamp > limit:
            ahead = mention.timestamp - max(references)
            return Rejection(
                "future_timestamp",
                "FutureTimestamp",
                "created_at",
                f"{ahead:.0f} s ahead of the newest event/record time (limit {max_future_s:.0f} s)",
            )
    return mention


def _ms_to_s(ms: int | None) -> float | None:
    return None if ms is None or ms <= 0 else ms / 1000.0


# ------------------------------------------------------------------------------------ routed records
@dataclass(frozen=True, slots=True)
class RoutedMention:
    """A mention with its embedding, the Kafka timestamp (ms) of its `mentions` record and where that
    record was (partition, offset; -1 when unknown): the identity stage 2 de-duplicates replays by."""

    mention: Mention
    vector: npt.NDArray[np.float32]
    source_ts_ms: int
    source_partition: int = -1
    source_offset: int = -1


def encode_vector(vector: npt.ArrayLike) -> str:
    return base64.b64encode(np.asarray(vector, dtype="<f2").tobytes()).decode("ascii")


def decode_vector(text: str) -> npt.NDArray[np.float32]:
    vec = np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float32)
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm > 0 else vec


def _routed_body(item: RoutedMention) -> dict[str, Any]:
    return {
        "v": ROUTED_VERSION,
        "m": item.mention.to_dict(),
        "e": encode_vector(item.vector),
        "ts": item.source_ts_ms,
        "sp": item.source_partition,
        "so": item.source_offset,
    }


def _routed_from_body(body: Mapping[str, Any]) -> RoutedMention:
    return RoutedMention(
        Mention.from_dict(body["m"]),
        decode_vector(body["e"]),
        int(body["ts"]),
        int(body.get("sp", -1)),
        int(body.get("so", -1)),
    )


def encode_routed(
    mention: Mention,
    vector: npt.ArrayLike,
    source_ts_ms: int,
    *,
    source_partition: int = -1,
    source_offset: int = -1,
) -> bytes:
    item = RoutedMention(
        mention, np.asarray(vector, dtype=np.float32), source_ts_ms, source_partition, source_offset
    )
    return json.dumps(_routed_body(item), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_routed(raw: bytes) -> RoutedMention:
    """Inverse of `encode_routed`; raises SchemaError on a record this version cannot read."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaError("$", f"routed record is not JSON: {exc}", code="decode") from None
    if not isinstance(body, dict) or body.get("v") != ROUTED_VERSION:
        raise SchemaError("v", "unknown routed record version")
    return _routed_from_body(body)


def event_order(item: RoutedMention) -> tuple[float, str]:
    """Processing order inside a bucket: event time, then id, so arrival jitter cannot change it."""
    return (item.mention.timestamp, item.mention.id)


# -------------------------------------------------------------------- stage 1 progress (watermarks)
@dataclass(frozen=True, slots=True)
class SourceMark:
    """Stage 1's progress on one `mentions` partition: the newest event time it has routed (None:
    nothing yet) and whether the partition has been drained for a while (then it holds nothing back)."""

    newest_s: float | None
    idle: bool


def encode_tick(marks: Mapping[int, SourceMark]) -> bytes:
    body = {"v": ROUTED_VERSION, "marks": {str(p): [m.newest_s, m.idle] for p, m in sorted(marks.items())}}
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def decode_tick(raw: bytes) -> dict[int, SourceMark]:
    """Inverse of `encode_tick`; an empty or unreadable value (an older worker's tick) carries no marks."""
    try:
        body = json.loads(raw) if raw else {}
        marks = body.get("marks", {}) if isinstance(body, dict) else {}
        return {
            int(p): SourceMark(None if v[0] is None else float(v[0]), bool(v[1])) for p, v in marks.items()
        }
    except (UnicodeDecodeError, ValueError, TypeError, IndexError, AttributeError):
        return {}


class SourceProgress:
    """Stage 1's bookkeeping per `mentions` partition, turned into the marks its ticks carry.

    A partition is drained when everything up to its high watermark has been routed; it becomes idle
    after staying drained for `idle_after_s` (wall seconds, passed in) so that a producer that is only
    briefly slower than the worker does not release half-filled slots downstream.
    """

    def __init__(self, idle_after_s: float) -> None:
        self.idle_after_s = idle_after_s
        self._newest: dict[int, float] = {}
        self._next_offset: dict[int, int] = {}
        self._drained_since: dict[int, float] = {}

    def observe(self, partition: int, offset: int, event_s: float | None) -> None:
        """Record that the record at `offset` has been handled (routed or dead-lettered)."""
        self._next_offset[partition] = max(self._next_offset.get(partition, 0), offset + 1)
        self._drained_since.pop(partition, None)
        if event_s is not None and event_s > self._newest.get(partition, float("-inf")):
            self._newest[partition] = event_s

    def busy_marks(self, partitions: Iterable[int]) -> dict[int, SourceMark]:
        """Marks right after a batch: the partitions just read, and every other one this worker knows,
        are not idle (data is flowing again; the timer's marks say which stay drained)."""
        known = {*partitions, *self._next_offset, *self._drained_since}
        return {p: SourceMark(self._newest.get(p), False) for p in sorted(known)}

    def marks(
        self, highwaters: Mapping[int, int], positions: Mapping[int, int | None], now_s: float
    ) -> dict[int, SourceMark]:
        """Marks of the assigned partitions, with `highwaters` / `positions` from the consumer."""
        out: dict[int, SourceMark] = {}
        for p, high in highwaters.items():
            done = self._next_offset.get(p, positions.get(p))
            if done is not None and done >= high:
                since = self._drained_since.setdefault(p, now_s)
                idle = now_s - since >= self.idle_after_s
            else:
                self._drained_since.pop(p, None)
                idle = False
            out[p] = SourceMark(self._newest.get(p), idle)
        return out

    def forget(self, partitions: Iterable[int]) -> None:
        """Drop what we know of revoked partitions (another worker now reports them)."""
        for p in partitions:
            self._newest.pop(p, None)
            self._next_offset.pop(p, None)
            self._drained_since.pop(p, None)


@dataclass(frozen=True, slots=True)
class Frontier:
    """How far stage 2 may go: slots ending at or before `low` are complete; `flush`: every source is
    idle, so everything buffered may go."""

    low: float | None
    flush: bool = False


class SourceMarks:
    """Stage 2's view of stage 1's progress for one routed partition, merged from tick records."""

    def __init__(self, n_sources: int) -> None:
        self.n_sources = n_sources
        self._marks: dict[int, SourceMark] = {}

    def update(self, marks: Mapping[int, SourceMark]) -> None:
        for p, mark in marks.items():
            old = self._marks.get(p)
            newest = mark.newest_s
            if old is not None and old.newest_s is not None:
                newest = old.newest_s if newest is None else max(newest, old.newest_s)
            self._marks[p] = SourceMark(newest, mark.idle)

    def frontier(self, lateness_s: float) -> Frontier:
        """The low watermark over the sources that are not idle, minus `lateness_s`."""
        if any(p not in self._marks for p in range(self.n_sources)):
            return Frontier(None)  # a source never heard from may still hold old mentions
        marks = [self._marks[p] for p in range(self.n_sources)]
        if all(m.idle for m in marks):
            return Frontier(None, flush=True)
        # A partition that never routed anything holds everything back while any other is busy: on
        # a fresh topic its first mentions may simply not have been read yet. One that did route and
        # went idle is left out (else one quiet partition would stall all the others).
        if any(m.newest_s is None for m in marks):
            return Frontier(None)
        return Frontier(min(m.newest_s for m in marks if not m.idle and m.newest_s is not None) - lateness_s)


# ------------------------------------------------------------------------------- per-bucket state
@dataclass(slots=True)
class Pending:
    """A routed mention waiting in the reorder buffer, with the routed record's offset."""

    item: RoutedMention
    offset: int


@dataclass(slots=True)
class BucketState:
    """Everything stage 2 remembers about one routing bucket besides the Detector itself."""

    last_offset: int = -1  # highest routed offset taken into this bucket (buffered or processed)
    processed: int = 0  # mentions handed to the detector
    duplicates: int = 0  # routed records skipped because stage 1 had already routed their source
    late: int = 0  # mentions that arrived after their slot had gone (order no longer guaranteed)
    next_slot: int | None = None  # first event-time slot not yet handed to the detector
    partition: int = -1  # routed partition the bucket lives on
    sources: dict[int, int] = field(default_factory=dict)  # mentions partition -> highest offset taken
    pending: list[Pending] = field(default_factory=list)

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
        self.pending.append(Pending(item, offset))
        return True

    def to_dict(self) -> dict[str, Any]:
        return {
            "last_offset": self.last_offset,
            "processed": self.processed,
            "duplicates": self.duplicates,
            "late": self.late,
            "next_slot": self.next_slot,
            "partition": self.partition,
            "sources": {str(p): o for p, o in sorted(self.sources.items())},
            "pending": [{**_routed_body(p.item), "o": p.offset} for p in self.pending],
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> BucketState:
        next_slot = obj.get("next_slot")
        return cls(
            last_offset=int(obj["last_offset"]),
            processed=int(obj["processed"]),
            duplicates=int(obj.get("duplicates", 0)),
            late=int(obj.get("late", 0)),
            next_slot=None if next_slot is None else int(next_slot),
            partition=int(obj.get("partition", -1)),
            sources={int(p): int(o) for p, o in obj.get("sources", {}).items()},
            pending=[Pending(_routed_from_body(p), int(p["o"])) for p in obj.get("pending", [])],
        )


# ------------------------------------------------------------------ checkpoints and replay
def covered_key(partition: int) -> str:
    """Table key of a routed partition's covered offset. It holds CHUNK_SEPARATOR, so no reader of
    the table takes it for a bucket."""
    return f"{CHUNK_SEPARATOR}covered-{partition}"


def encode_offset(offset: int) -> bytes:
    return str(offset).encode("ascii")


def decode_offset(value: bytes | None) -> int:
    """A covered offset read back from the table; -1 (nothing covered) when there is none."""
    return -1 if value is None else int(value.decode("ascii"))


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What to write for one routed partition: the buckets changed since its last checkpoint and the
    routed offset up to which the checkpoint covers the partition (every record at or below it)."""

    buckets: tuple[str, ...]
    covered: int


class CheckpointPlan:
    """When each routed partition of stage 2 is checkpointed, and what goes into the checkpoint.

    All buckets of a partition are checkpointed together, so one offset per partition says how far
    the stored state goes. A partition is due once `interval_s` wall seconds passed since its last
    checkpoint (0: after every batch) and something moved since: a bucket changed, or only ticks
    were read (then the checkpoint is the covered offset alone, a few bytes, so a replay stays short).
    """

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._handled: dict[int, int] = {}  # partition -> highest routed offset handled
        self._covered: dict[int, int] = {}  # partition -> offset of its last checkpoint
        self._since: dict[int, float] = {}  # partition -> wall time of its last checkpoint
        self._dirty: dict[int, set[str]] = {}

    def handled(self, partition: int, offset: int) -> None:
        self._handled[partition] = max(offset, self._handled.get(partition, -1))

    def touch(self, partition: int, bucket: str) -> None:
        self._dirty.setdefault(partition, set()).add(bucket)

    def due(self, partition: int, now_s: float) -> Checkpoint | None:
        offset = self._handled.get(partition)
        if offset is None or offset <= self._covered.get(partition, -1):
            return None
        since = self._since.setdefault(partition, now_s)
        if now_s - since < self.interval_s:
            return None
        return Checkpoint(tuple(sorted(self._dirty.get(partition, ()))), offset)

    def written(self, partition: int, checkpoint: Checkpoint, now_s: float) -> None:
        self._covered[partition] = checkpoint.covered
        self._since[partition] = now_s
        self._dirty.pop(partition, None)

    def forget(self, partitions: Iterable[int]) -> None:
        """Drop revoked partitions: their changes since the last checkpoint are replayed by the next
        owner (or by this worker, should the partition come back)."""
        for p in partitions:
            self._handled.pop(p, None)
            self._covered.pop(p, None)
            self._since.pop(p, None)
            self._dirty.pop(p, None)


class ReplayGate:
    """Says, per routed partition, which records to re-read when a worker starts reading it.

    The committed consumer offset may be ahead of the last checkpoint (records applied in memory but
    not checkpointed when the worker died or the partition moved). So on the first record of a newly
    assigned partition the gate compares its offset with the covered offset stored in the table and
    returns the offsets in between, which stage 2 reads again and applies before that record (a
    bucket skips those its checkpoint already holds, by offset).
    """

    def __init__(self) -> None:
        self._checked: set[int] = set()

    def missing(self, partition: int, offset: int, covered_of: Callable[[int], int]) -> range:
        """Offsets to replay before the record at `offset` (empty but for a partition's first record)."""
        if partition in self._checked:
            return range(0)
        self._checked.add(partition)
        return range(covered_of(partition) + 1, offset)

    def forget(self, partitions: Iterable[int]) -> None:
        for p in partitions:
            self._checked.discard(p)


class DetectorLike(Protocol):
    """What `drive` needs of `detectors.detector.Detector`."""

    @property
    def live_narratives(self) -> int: ...

    def process(self, mentions: Sequence[Mention], vectors: npt.ArrayLike) -> Any: ...

    def advance(self, now: float) -> Any: ...


@dataclass(frozen=True, slots=True)
class Step:
    """One Detector call: its StepResult and the mentions it was given (empty for `advance`)."""

    result: Any
    batch: tuple[RoutedMention, ...]


def drive(state: BucketState, detector: DetectorLike, frontier: Frontier, *, slot_s: float) -> list[Step]:
    """Feed `detector` every complete event-time slot of the buffer, in order; return its steps.

    Slot k holds the mentions with ``k <= created_at / slot_s < k + 1``. Each slot is one
    ``process`` call (sorted by (created_at, id)) followed by ``advance`` to the slot's end, and the
    slots go strictly in order, including empty ones while narratives are live (with none live an
    ``advance`` changes nothing, so empty stretches are skipped). The sequence of calls therefore
    depends only on the set of mentions, never on how they were split into records, batches or
    workers, nor on when the frontier moved. A mention whose slot already went (it came later than
    the lateness allowed) is processed on its own first and counted in `late`.
    """
    if frontier.low is None and not frontier.flush:
        return []
    steps: list[Step] = []
    slots: dict[int, list[Pending]] = {}
    late: list[Pending] = []
    for p in state.pending:
        k = math.floor(p.item.mention.timestamp / slot_s)
        if state.next_slot is not None and k < state.next_slot:
            late.append(p)
        else:
            slots.setdefault(k, []).append(p)
    if late:
        state.late += len(late)
        steps.append(_process(state, detector, [p.item for p in late]))
    end: int | None
    if frontier.flush:
        end = max(slots) + 1 if slots else state.next_slot
    else:
        # Slot k is complete once its end, (k + 1) * slot_s, is at or below the low watermark.
        end = math.floor(frontier.low / slot_s) if frontier.low is not None else None
    if state.next_slot is None and slots:
        state.next_slot = min(slots)
    if state.next_slot is None or end is None:
        state.pending = [p for ps in slots.values() for p in ps]
        return steps
    k = state.next_slot
    while k < end:
        due = slots.pop(k, None)
        if due is not None:
            steps.append(_process(state, detector, [p.item for p in due]))
        if due is not None or detector.live_narratives > 0:
            steps.append(Step(detector.advance((k + 1) * slot_s), ()))
            k += 1
        else:
            k = min([s for s in slots if s < end] or [end])
    state.next_slot = k
    state.pending = sorted((p for ps in slots.values() for p in ps), key=lambda p: p.offset)
    return steps


def _process(state: BucketState, detector: DetectorLike, items: list[RoutedMention]) -> Step:
    items.sort(key=event_order)
    state.processed += len(items)
    vectors = np.stack([i.vector for i in items])
    return Step(detector.process([i.mention for i in items], vectors), tuple(items))


# ------------------------------------------------------------------------------ table value packing
def pack_state(
    state: dict[str, Any], *, max_chunk: int = MAX_CHUNK_BYTES, level: int = CHECKPOINT_ZLIB_LEVEL
) -> list[bytes]:
    """Compress a JSON-able state into chunks of at most `max_chunk` bytes (one table value each)."""
    blob = zlib.compress(json.dumps(state, separators=(",", ":")).encode("utf-8"), level)
    return [blob[i : i + max_chunk] for i in range(0, len(blob), max_chunk)] or [b""]


def unpack_state(chunks: Sequence[bytes]) -> dict[str, Any]:
    obj = json.loads(zlib.decompress(b"".join(chunks)))
    if not isinstance(obj, dict):
        raise ValueError("bucket state is not a JSON object")
    return obj


def chunk_keys(bucket: str, n: int) -> list[str]:
    """Table keys of a bucket's chunks: the first is the bucket key itself, then `bucket#1`, ..."""
    return [bucket] + [f"{bucket}{CHUNK_SEPARATOR}{i}" for i in range(1, n)]


def manifest(chunks: Sequence[bytes]) -> bytes:
    """First table value of a bucket: its chunk count, then the first chunk."""
    return len(chunks).to_bytes(2, "big") + chunks[0]


def read_manifest(value: bytes) -> tuple[int, bytes]:
    return int.from_bytes(value[:2], "big"), value[2:]


def newest_timestamp_ms(items: Iterable[RoutedMention]) -> int | None:
    """Kafka timestamp of the newest input record among `items` (for event-to-alert latency)."""
    values = [i.source_ts_ms for i in items]
    return max(values) if values else None
