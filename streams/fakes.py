"""In-memory twins of every stage port (`streams.ports`), for unit tests and experiments.

- `MemoryBroker`: topics of partitions with offsets; a `Producer` (records keyed to a partition by a
  stable hash of the key), a `RecordLog`, and failure injection (`fail_next`) with errors that say
  whether they are transient, as aiokafka's do.
- `MemoryStore`: a `StateStore` that keeps its changelog, so a test can restore a "restarted" stage
  from exactly what was written.
- `ManualClock`: a `Clock` that moves only when told.
- `MemoryOffsets`: `PartitionOffsets` of one topic of a MemoryBroker, at positions the test sets.
- `MemoryAlertFeed` / `MemoryAlertStore`: the sink's consumer and search index, with outages,
  refusals and a lost index on demand.

Nothing here talks to the network; the integration tier runs the same stages on the real broker.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from streams.ports import (
    IndexResult,
    InRecord,
    OutRecord,
    StoreBackpressure,
    StoreUnavailable,
    TopicPartition,
)


class BrokerError(Exception):
    """An injected send failure; `retriable` tells transient from permanent like aiokafka's errors."""

    def __init__(self, message: str, *, retriable: bool) -> None:
        super().__init__(message)
        self.retriable = retriable


def _done(result: Any = None) -> asyncio.Future[Any]:
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    future.set_result(result)
    return future


@dataclass
class MemoryBroker:
    """Topics -> partitions -> records. `partitions` gives each topic's partition count (default 1)."""

    partitions: dict[str, int] = field(default_factory=dict)
    now_ms: int = 1_700_000_000_000
    _log: dict[TopicPartition, list[InRecord]] = field(default_factory=dict)
    _failures: dict[str, list[bool]] = field(default_factory=dict)

    def fail_next(self, topic: str, n: int = 1, *, retriable: bool = True) -> None:
        """The next `n` sends to `topic` fail (transiently or for good)."""
        self._failures.setdefault(topic, []).extend([retriable] * n)

    def partition_for(self, topic: str, key: bytes | None) -> int:
        """Kafka's default partitioner (murmur2 of the key), as the real clients use."""
        from kafka.partitioner.default import murmur2

        n = self.partitions.get(topic, 1)
        return 0 if key is None else (murmur2(key) & 0x7FFFFFFF) % n

    async def send(self, record: OutRecord) -> asyncio.Future[Any]:
        pending = self._failures.get(record.topic)
        if pending:
            retriable = pending.pop(0)
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            future.set_exception(BrokerError(f"injected failure on {record.topic}", retriable=retriable))
            return future
        self.append(record)
        return _done()

    def append(self, record: OutRecord) -> InRecord:
        partition = (
            record.partition if record.partition is not None else self.partition_for(record.topic, record.key)
        )
        log = self._log.setdefault((record.topic, partition), [])
        rec = InRecord(
            record.topic, partition, len(log), record.key, record.value, record.headers, self.now_ms
        )
        log.append(rec)
        return rec

    def records(self, topic: str, partition: int | None = None) -> list[InRecord]:
        if partition is not None:
            return list(self._log.get((topic, partition), []))
        return [r for (t, _), recs in sorted(self._log.items()) if t == topic for r in recs]

    def end_offset(self, topic: str, partition: int) -> int:
        return len(self._log.get((topic, partition), []))

    async def read(self, topic: str, partition: int, offsets: range) -> AsyncIterator[Sequence[InRecord]]:
        log = self._log.get((topic, partition), [])
        batch = [r for r in log if r.offset in offsets]
        for i in range(0, len(batch), 100):
            yield batch[i : i + 100]


@dataclass
class MemoryStore:
    """A `StateStore`: the table plus its changelog [(partition, key, value)] in write order."""

    data: dict[str, bytes] = field(default_factory=dict)
    changelog: list[tuple[int, str, bytes]] = field(default_factory=list)

    def get(self, key: str) -> bytes | None:
        return self.data.get(key)

    def keys(self) -> list[str]:
        return list(self.data)

    def put(self, partition: int, items: Sequence[tuple[str, bytes]]) -> None:
        for key, value in items:
            self.data[key] = value
            self.changelog.append((partition, key, value))

    def restored(self, partitions: Iterable[int] | None = None) -> MemoryStore:
        """What a worker restores from the changelog (optionally only some partitions)."""
        wanted = None if partitions is None else set(partitions)
        out = MemoryStore()
        for partition, key, value in self.changelog:
            if wanted is None or partition in wanted:
                out.data[key] = value
        return out


@dataclass
class ManualClock:
    wall: float = 1_700_000_000.0
    mono: float = 1000.0

    def monotonic(self) -> float:
        return self.mono

    def time(self) -> float:
        return self.wall

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall += seconds


@dataclass
class MemoryOffsets:
    """`PartitionOffsets` of one topic: end offsets from the broker, positions set by the test."""

    broker: MemoryBroker
    topic: str
    assigned: tuple[int, ...] = (0,)
    position: dict[int, int] = field(default_factory=dict)
    ages: dict[int, float] = field(default_factory=dict)  # seconds since each partition's last fetch

    async def highwaters(self) -> dict[int, int]:
        return {p: self.broker.end_offset(self.topic, p) for p in self.assigned}

    async def positions(self) -> dict[int, int | None]:
        return {p: self.position.get(p) for p in self.assigned}

    async def fetch_ages(self) -> dict[int, float]:
        return {p: self.ages[p] for p in self.assigned if p in self.ages}


@dataclass
class MemoryAlertFeed:
    """An `AlertFeed` over one topic of a MemoryBroker (all its partitions assigned)."""

    broker: MemoryBroker
    topic: str
    committed: dict[TopicPartition, int] = field(default_factory=dict)
    paused_waits: list[float] = field(default_factory=list)
    _next: dict[int, int] = field(default_factory=dict)

    def _partitions(self) -> range:
        return range(self.broker.partitions.get(self.topic, 1))

    async def getmany(self, timeout_ms: int, max_records: int) -> list[InRecord]:
        out: list[InRecord] = []
        for p in self._partitions():
            start = self._next.get(p, self.committed.get((self.topic, p), 0))
            batch = self.broker.records(self.topic, p)[start : start + max_records - len(out)]
            out.extend(batch)
            self._next[p] = start + len(batch)
        return out

    async def commit(self, offsets: Mapping[TopicPartition, int]) -> bool:
        self.committed.update(offsets)
        return True

    async def wait_paused(self, seconds: float) -> None:
        self.paused_waits.append(seconds)

    async def rewind(self) -> None:
        self._next = {p: 0 for p in self._partitions()}

    async def lags(self) -> dict[TopicPartition, int]:
        return {
            (self.topic, p): self.broker.end_offset(self.topic, p) - self._next.get(p, 0)
            for p in self._partitions()
        }


@dataclass
class MemoryAlertStore:
    """An `AlertStore`: documents by alert id; `down` makes calls fail (StoreUnavailable), ids in
    `refuse` are rejected for good, `max_pending` bounds what waits, `lose_index()` empties it."""

    docs: dict[str, dict[str, Any]] = field(default_factory=dict)
    down: int = 0  # the next `down` calls fail
    refuse: set[str] = field(default_factory=set)
    max_pending: int = 10_000
    calls: int = 0
    verified: int = 0
    _pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    _recreated: bool = False
    _lost: bool = False

    def lose_index(self) -> None:
        """The server comes back empty: the next call (a write or a verify) creates the index anew."""
        self.docs.clear()
        self._lost = True

    def _recreate_if_lost(self) -> None:
        if self._lost:
            self._lost, self._recreated = False, True

    async def index(self, alerts: Iterable[Mapping[str, Any]]) -> IndexResult:
        for alert in alerts:
            held = self._pending.get(alert["alert_id"])
            if held is None and len(self._pending) >= self.max_pending:
                raise StoreBackpressure("too many alerts pending")
            if held is None or alert["revision"] > held["revision"]:
                self._pending[alert["alert_id"]] = dict(alert)
        return await self.flush()

    async def flush(self) -> IndexResult:
        self.calls += 1
        if self.down > 0:
            self.down -= 1
            raise StoreUnavailable(f"{len(self._pending)} alerts pending: server down")
        self._recreate_if_lost()
        created, updated, stale, rejected = [], [], [], []
        for alert_id, alert in self._pending.items():
            stored = self.docs.get(alert_id)
            if alert_id in self.refuse:
                rejected.append((alert_id, "mapper_parsing_exception: refused"))
            elif stored is None:
                self.docs[alert_id] = alert
                created.append(alert_id)
            elif alert["revision"] > stored["revision"]:
                self.docs[alert_id] = alert
                updated.append(alert_id)
            else:
                stale.append(alert_id)
        self._pending.clear()
        return IndexResult(tuple(created), tuple(updated), tuple(stale), tuple(rejected))

    def take_recreated(self) -> bool:
        recreated, self._recreated = self._recreated, False
        return recreated

    async def verify(self) -> None:
        self.verified += 1
        if self.down == 0:
            self._recreate_if_lost()

    async def close(self) -> None:
        return None
