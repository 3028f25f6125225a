"""The ports of the stream stages: what a stage needs from the outside world, as typed protocols.

The stage classes (`streams.embed_stage`, `streams.detect_stage`, `streams.sink_stage`) see records
and ports only, never faust, aiokafka or Elasticsearch objects; `streams.app` binds them to faust
(agents, a table, timers) and `streams.fakes` holds the in-memory twin of every port for unit tests.

Records in and out are plain frozen dataclasses (`InRecord`, `OutRecord`). A `Producer.send` returns
once the record is handed to the client; awaiting the `Delivery` it returns waits for the broker's
acknowledgement, so a stage can send a batch and then wait for all of it before a checkpoint.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True, slots=True)
class InRecord:
    """One consumed Kafka record; `timestamp_ms` is the record's Kafka timestamp (None: unknown)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers = ()
    timestamp_ms: int | None = None

    def header(self, name: str) -> bytes | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class OutRecord:
    """One record to produce; `partition` None lets the client pick it from the key."""

    topic: str
    value: bytes
    key: bytes | None = None
    headers: Headers = ()
    partition: int | None = None


Delivery = Awaitable[Any]


class Producer(Protocol):
    async def send(self, record: OutRecord) -> Delivery:
        """Hand `record` to the client; the returned awaitable completes when the broker has it."""
        ...


class StateStore(Protocol):
    """A changelog-backed key-value table: reads see every write; `put` writes to the changelog
    partition `partition` in order (a reader of the changelog never sees item n before item n-1)."""

    def get(self, key: str) -> bytes | None: ...

    def keys(self) -> Iterable[str]: ...

    def put(self, partition: int, items: Sequence[tuple[str, bytes]]) -> None: ...


class RecordLog(Protocol):
    """Reads a range of one partition again, outside any consumer group (stage 2's replay)."""

    def read(self, topic: str, partition: int, offsets: range) -> AsyncIterator[Sequence[InRecord]]:
        """The records at `offsets`, in order, in batches."""
        ...


class Clock(Protocol):
    """Wall-clock time, injected: `monotonic` for intervals, `time` for timestamps on the wire."""

    def monotonic(self) -> float: ...

    def time(self) -> float: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        import time

        return time.monotonic()

    def time(self) -> float:
        import time

        return time.time()


class PartitionOffsets(Protocol):
    """Where a consumer stands on its assigned partitions of one topic (for ticks and lag)."""

    async def highwaters(self) -> Mapping[int, int]: ...

    async def positions(self) -> Mapping[int, int | None]: ...

    async def fetch_ages(self) -> Mapping[int, float]:
        """Seconds since the fetch response each partition's high watermark comes from (a partition
        left out counts as fresh)."""
        ...


TopicPartition = tuple[str, int]


class AlertFeed(Protocol):
    """The Elasticsearch sink's consumer of the alerts topic: its own group, manual commits."""

    async def getmany(self, timeout_ms: int, max_records: int) -> Sequence[InRecord]: ...

    async def commit(self, offsets: Mapping[TopicPartition, int]) -> bool:
        """Commit the next offsets to read; False when a rebalance took the partitions away (their
        new owner reads the records again, which is harmless)."""
        ...

    async def wait_paused(self, seconds: float) -> None:
        """Wait while staying in the consumer group, delivering nothing (backpressure)."""
        ...

    async def rewind(self) -> None:
        """Read every assigned partition again from its beginning (after the index was lost)."""
        ...

    async def lags(self) -> Mapping[TopicPartition, int]:
        """Records behind the end of each assigned partition (end offset - committed position)."""
        ...


class StoreUnavailable(RuntimeError):
    """The search server did not store the alerts within the allowed tries; they stay pending."""


class StoreBackpressure(RuntimeError):
    """Too many alerts wait for the search server: stop consuming until they are stored."""


@dataclass(frozen=True, slots=True)
class IndexResult:
    """What one store call did: ids created, updated, skipped as stale, and rejected for good."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    stale: tuple[str, ...] = ()
    rejected: tuple[tuple[str, str], ...] = ()  # (alert_id, reason): the server refuses them (a 4xx)


class AlertStore(Protocol):
    """Where the sink stores alert revisions (`streams.es.AlertIndexer`)."""

    async def index(self, alerts: Iterable[Mapping[str, Any]]) -> IndexResult:
        """Store these revisions; raises StoreUnavailable / StoreBackpressure (they stay pending)."""
        ...

    async def flush(self) -> IndexResult:
        """Retry what is pending."""
        ...

    def take_recreated(self) -> bool:
        """Whether the index was (re)created since the last call: what it held is gone."""
        ...

    async def verify(self) -> None:
        """Check that the index is still there, and create it again if it is not (a quiet sink
        writes nothing, so a lost index would otherwise go unnoticed); never raises."""
        ...

    async def close(self) -> None: ...
