"""Kafka adapters of the stage ports: faust topics and table, aiokafka readers, consumer offsets.

Only this module and `streams.app` touch faust or aiokafka objects; the stages see `streams.ports`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from streams.clients import kafka_client_kwargs
from streams.ports import Delivery, InRecord, OutRecord, TopicPartition
from streams.settings import Settings

log = logging.getLogger(__name__)


def _headers(raw: Any) -> tuple[tuple[str, bytes], ...]:
    if not raw:
        return ()
    items = raw.items() if isinstance(raw, Mapping) else raw
    return tuple((str(k), bytes(v) if v is not None else b"") for k, v in items)


def faust_record(event: Any) -> InRecord:
    """An `InRecord` from a faust event (faust timestamps are seconds)."""
    msg = event.message
    ts_ms = int(msg.timestamp * 1000) if msg.timestamp else None
    return InRecord(msg.topic, msg.partition, msg.offset, msg.key, msg.value, _headers(msg.headers), ts_ms)


def aiokafka_record(rec: Any) -> InRecord:
    """An `InRecord` from an aiokafka ConsumerRecord (its timestamps are milliseconds)."""
    ts = rec.timestamp if rec.timestamp is not None and rec.timestamp >= 0 else None
    return InRecord(rec.topic, rec.partition, rec.offset, rec.key, rec.value, _headers(rec.headers), ts)


class FaustProducer:
    """`streams.ports.Producer` over faust topics (created with `app.topic`), by topic name."""

    def __init__(self, topics: Mapping[str, Any]) -> None:
        self._topics = dict(topics)

    async def send(self, record: OutRecord) -> Delivery:
        topic = self._topics[record.topic]
        delivery: Delivery = await topic.send(
            key=record.key, value=record.value, headers=list(record.headers), partition=record.partition
        )
        return delivery


class FaustTableStore:
    """`streams.ports.StateStore` over a faust Table of bytes. Writes go to the table's local store and
    to the named changelog partition (faust's `send_changelog`), so no event needs to be in context."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, key: str) -> bytes | None:
        value = self._table.get(key)
        return None if value is None else bytes(value)

    def keys(self) -> list[str]:
        return [str(k) for k in self._table]

    def put(self, partition: int, items: Sequence[tuple[str, bytes]]) -> None:
        for key, value in items:
            self._table.data[key] = value
            self._table.send_changelog(partition, key, value)


class AiokafkaRecordLog:
    """`streams.ports.RecordLog`: a consumer of its own, outside any group, so faust's fetch positions
    are not touched (nothing faust has buffered can be mistaken for a replay)."""

    def __init__(self, settings: Settings, batch: int = 1024) -> None:
        self._settings = settings
        self._batch = batch

    async def read(self, topic: str, partition: int, offsets: range) -> AsyncIterator[Sequence[InRecord]]:
        from aiokafka import AIOKafkaConsumer, TopicPartition

        reader = AIOKafkaConsumer(
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **kafka_client_kwargs(self._settings, "aiokafka"),
        )
        part = TopicPartition(topic, partition)
        await reader.start()
        try:
            reader.assign([part])
            reader.seek(part, offsets.start)
            while await reader.position(part) < offsets.stop:
                fetched = await reader.getmany(part, timeout_ms=1000, max_records=self._batch)
                yield [aiokafka_record(r) for r in fetched.get(part, []) if r.offset in offsets]
        finally:
            await reader.stop()


class FaustOffsets:
    """`streams.ports.PartitionOffsets` for one topic over faust's consumer."""

    def __init__(self, app: Any, topic: str) -> None:
        self._app = app
        self._topic = topic
        self._warned = False

    def _assigned(self) -> list[Any]:
        consumer = self._app.consumer
        if consumer is None:
            return []
        try:
            return [tp for tp in consumer.assignment() if tp.topic == self._topic]
        except Exception:  # not started yet, or stopping
            return []

    async def highwaters(self) -> dict[int, int]:
        """End offsets as the latest fetch response reports them (refreshed by every fetch, and free).
        A partition not fetched yet is left out: its progress is unknown, so it holds the watermark
        back. Not the broker's ListOffsets answer, which Tansu 0.6 gets wrong for multi-record batches
        (the last batch's base offset + 1) and which costs a round trip four times a second."""
        consumer = self._app.consumer
        out: dict[int, int] = {}
        for tp in self._assigned():
            high = consumer.highwater(tp)
            if high is not None and high >= 0:
                out[tp.partition] = int(high)
        return out

    async def positions(self) -> dict[int, int | None]:
        return {tp.partition: await self._app.consumer.position(tp) for tp in self._assigned()}

    async def fetch_ages(self) -> dict[int, float]:
        """Seconds since each partition's latest fetch response (aiokafka's `last_poll_timestamp`,
        the moment its high watermark was refreshed). Where faust's aiokafka consumer cannot be
        reached, every partition is left out (counts as fresh) and a warning says so once."""
        try:
            reader = self._app.consumer._thread._ensure_consumer()
        except AttributeError as exc:  # another faust layout
            if not self._warned:
                self._warned = True
                log.warning("cannot read fetch times (%r): idleness from high watermarks alone", exc)
            return {}
        except Exception:  # not started yet, or stopping
            return {}
        now_ms = time.time() * 1000.0
        ages: dict[int, float] = {}
        for tp in self._assigned():
            try:
                stamp = reader.last_poll_timestamp(tp)
            except AssertionError:  # revoked meanwhile
                continue
            if stamp is not None and stamp >= 0:
                ages[tp.partition] = max(0.0, (now_ms - stamp) / 1000.0)
        return ages


async def stage_lags(offsets: FaustOffsets, handled: Mapping[int, int]) -> dict[TopicPartition, int]:
    """A faust stage's lag per assigned partition: the broker's end offset minus the next offset the
    stage has still to handle (what it finished, not what faust prefetched); where the stage has
    handled nothing yet, the fetch position stands in."""
    ends = await offsets.highwaters()
    positions = await offsets.positions() if any(p not in handled for p in ends) else {}
    lags: dict[TopicPartition, int] = {}
    for partition, end in ends.items():
        done = handled.get(partition, positions.get(partition))
        if done is not None:
            lags[(offsets._topic, partition)] = max(0, end - done)
    return lags


class AiokafkaAlertFeed:
    """`streams.ports.AlertFeed` over an aiokafka consumer in group `<app_id>-es-sink`."""

    def __init__(self, settings: Settings) -> None:
        from aiokafka import AIOKafkaConsumer

        self._consumer = AIOKafkaConsumer(
            settings.topic_alerts,
            group_id=f"{settings.app_id}-es-sink",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **kafka_client_kwargs(settings, "aiokafka"),
        )

    async def start(self) -> None:
        await self._consumer.start()

    async def stop(self) -> None:
        await self._consumer.stop()

    async def getmany(self, timeout_ms: int, max_records: int) -> list[InRecord]:
        batch = await self._consumer.getmany(timeout_ms=timeout_ms, max_records=max_records)
        return [aiokafka_record(r) for recs in batch.values() for r in recs]

    async def commit(self, offsets: Mapping[TopicPartition, int]) -> bool:
        from aiokafka import TopicPartition as TP
        from aiokafka.errors import CommitFailedError

        try:
            await self._consumer.commit({TP(t, p): o for (t, p), o in offsets.items()})
        except CommitFailedError:
            return False
        return True

    async def wait_paused(self, seconds: float) -> None:
        """Poll with every partition paused, so the member stays in its group (max.poll.interval)."""
        started = time.monotonic()
        consumer = self._consumer
        consumer.pause(*consumer.assignment())
        stray = await consumer.getmany(timeout_ms=int(seconds * 1000))
        for tp, records in stray.items():
            # A partition assigned during the wait was not paused yet: read those records again later.
            consumer.seek(tp, records[0].offset)
        remaining = seconds - (time.monotonic() - started)
        if remaining > 0:
            await asyncio.sleep(remaining)
        consumer.resume(*consumer.assignment())

    async def rewind(self) -> None:
        # seek(0), not seek_to_beginning: the latter waits for a ListOffsets(earliest) answer, and on
        # Tansu 0.6 that wait sometimes never ended (the sink hung right after an index was created;
        # 1 run in 4 of test_real_model_end_to_end). Offset 0 compacted away on a real broker is out
        # of range, which auto_offset_reset="earliest" turns into the log start.
        # The position is awaited first: a seek while the group's first offset look-up is still in
        # flight (an index created by the sink's first write, right after joining) raced it.
        for tp in self._consumer.assignment():
            await self._consumer.position(tp)
            self._consumer.seek(tp, 0)

    async def lags(self) -> dict[TopicPartition, int]:
        """End offset minus position, per partition: the latest fetch response's high watermark, or
        the broker's ListOffsets answer for a partition not fetched yet (a lower bound on Tansu 0.6)."""
        from aiokafka.errors import IllegalStateError

        consumer = self._consumer
        assigned = list(consumer.assignment())
        unknown = [tp for tp in assigned if consumer.highwater(tp) is None]
        listed = await consumer.end_offsets(unknown) if unknown else {}
        lags: dict[TopicPartition, int] = {}
        for tp in assigned:
            high = consumer.highwater(tp)
            end = high if high is not None else listed.get(tp)
            if end is None:
                continue
            try:
                lags[(tp.topic, tp.partition)] = max(0, end - await consumer.position(tp))
            except IllegalStateError:
                continue  # revoked between the two calls
        return lags
