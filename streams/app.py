"""The faust application: the three stream stages of docs/architecture.md ("Stream topology").

`build_app(settings, ...)` wires one `faust.App` with

1. `validate_and_embed` on `mentions` (raw bytes: faust must not decode before we see them): per-record
   validation, rejects to `mentions.dlq`; micro-batches embedded in an executor through a CachedEmbedder;
   each mention sent to `mentions.routed` keyed by its routing bucket.
2. `detect` on `mentions.routed`: one Detector per bucket, its state (detector snapshot + reorder buffer +
   last offset applied) in the changelog-backed table `bucket-state`; alert revisions published as
   CloudEvents before the checkpoint, the checkpoint written before the offset commit.
3. an Elasticsearch sink task with its own consumer group (`<app_id>-es-sink`) that commits an offset only
   after the alert is stored.

faust's web server is off; `streams.metrics.MetricsServer` serves /metrics and /health.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from detectors.routing import bucket_key, route_buckets
from schemas.models import Mention
from streams.alerts_out import alert_record
from streams.dlq import dead_letter_headers
from streams.metrics import Health, Metrics
from streams.pipeline import (
    BucketState,
    Rejection,
    RoutedMention,
    check_record,
    chunk_keys,
    decode_routed,
    encode_routed,
    manifest,
    newest_timestamp_ms,
    pack_state,
    read_manifest,
    unpack_state,
)
from streams.settings import Settings

log = logging.getLogger(__name__)

STATE_TABLE: Final = "bucket-state"
TICK_HEADER: Final = "x-choruswatch-tick"
ALL_STAGES: Final = ("embed", "detect", "sink")


@dataclass(frozen=True, slots=True)
class StreamOptions:
    """Tunables of the stages that are not (yet) in Settings."""

    n_buckets: int = 64
    routing_seed: int = 0
    max_message_bytes: int = 256 * 1024
    max_future_s: float = 600.0
    lateness_s: float = 2.0  # event-time slack of the reorder buffer
    max_wait_s: float = 1.0  # wall-clock bound on how long a mention waits in the buffer
    detect_batch: int = 256
    detect_within_s: float = 0.1
    stages: tuple[str, ...] = ALL_STAGES


def changelog_topic(settings: Settings) -> str:
    """faust's name for the state table's changelog; created by the worker with the routed partitions."""
    return f"{settings.app_id}-{STATE_TABLE}-changelog"


@dataclass(slots=True)
class _Buckets:
    """Detectors and bucket states held in memory, restored lazily from the table."""

    detectors: dict[str, Any] = field(default_factory=dict)
    states: dict[str, BucketState] = field(default_factory=dict)
    partitions: dict[str, int] = field(default_factory=dict)  # bucket -> routed partition


def build_app(
    settings: Settings,
    *,
    embedder: Any,
    detector_factory: Callable[[dict[str, Any] | None], Any],
    metrics: Metrics,
    health: Health,
    options: StreamOptions | None = None,
    indexer_factory: Callable[[], Any] | None = None,
) -> Any:
    """The configured faust.App; `embedder` is a CachedEmbedder, `detector_factory(snapshot)` a Detector."""
    import faust
    from faust.streams import _current_event

    opts = options or StreamOptions()
    app = faust.App(
        settings.app_id,
        broker=settings.faust_broker_urls(),
        broker_credentials=settings.faust_broker_credentials(),
        value_serializer="raw",
        key_serializer="raw",
        web_enabled=False,
        store="memory://",
        topic_allow_declare=False,
        topic_disable_leader=True,
        topic_partitions=settings.partitions,
        table_standby_replicas=0,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=10.0,
        broker_heartbeat_interval=1.0,
        broker_rebalance_timeout=10.0,
        producer_max_request_size=1_048_576,
    )
    mentions = app.topic(
        settings.topic_mentions, key_type=bytes, value_type=bytes, partitions=settings.partitions
    )
    routed = app.topic(
        settings.topic_routed, key_type=bytes, value_type=bytes, partitions=settings.partitions
    )
    dlq = app.topic(settings.topic_dlq, key_type=bytes, value_type=bytes, partitions=settings.dlq_partitions)
    alerts = app.topic(
        settings.topic_alerts, key_type=bytes, value_type=bytes, partitions=settings.partitions
    )
    table = app.Table(STATE_TABLE, partitions=settings.partitions, key_type=str, value_type=bytes)
    newest_event: list[float | None] = [None]  # newest event time seen by stage 1 in this process
    buckets = _Buckets()

    # ------------------------------------------------------------------------------- stage 1
    async def _dead_letter(event: Any, rejection: Rejection) -> None:
        msg = event.message
        headers = dead_letter_headers(
            rejection,
            topic=msg.topic,
            partition=msg.partition,
            offset=msg.offset,
            timestamp_ms=int(msg.timestamp * 1000) if msg.timestamp else None,
            now_ms=int(time.time() * 1000),
            original=list(_headers(event)),
        )
        await dlq.send(key=msg.key, value=msg.value, headers=headers)
        metrics.mention_invalid(rejection.code)
        metrics.mention_dead_lettered(rejection.code)
        log.info("dead-lettered %s[%d]@%d: %s", msg.topic, msg.partition, msg.offset, rejection.code)

    def _embed(texts: Sequence[str]) -> np.ndarray:
        started = time.perf_counter()
        vectors = embedder.encode(texts)
        metrics.observe_embedding_batch(len(texts), time.perf_counter() - started)
        metrics.set_cache_stats(embedder.hits, embedder.misses)
        return np.asarray(vectors, dtype=np.float32)

    async def validate_and_embed(stream: Any) -> None:
        loop = asyncio.get_running_loop()
        async for events in stream.take_events(
            settings.embed_batch_size, within=settings.embed_batch_within_s
        ):
            good: list[tuple[Mention, int]] = []
            for event in events:
                metrics.mentions_consumed.inc()
                msg = event.message
                ts_ms = int(msg.timestamp * 1000) if msg.timestamp else None
                verdict = check_record(
                    msg.value,
                    kafka_timestamp_ms=ts_ms,
                    newest_event_s=newest_event[0],
                    max_bytes=opts.max_message_bytes,
                    max_future_s=opts.max_future_s,
                )
                if isinstance(verdict, Rejection):
                    await _dead_letter(event, verdict)
                    continue
                if newest_event[0] is None or verdict.timestamp > newest_event[0]:
                    newest_event[0] = verdict.timestamp
                good.append((verdict, ts_ms or 0))
            if not good:
                continue
            # The model call blocks for tens of ms; off the event loop so heartbeats keep going.
            vectors = await loop.run_in_executor(None, _embed, [m.text for m, _ in good])
            bucket_ids = route_buckets(vectors, opts.n_buckets, opts.routing_seed)
            for (mention, ts_ms), vector, b in zip(good, vectors, bucket_ids, strict=True):
                await routed.send(
                    key=bucket_key(int(b)).encode(), value=encode_routed(mention, vector, ts_ms)
                )

    # ------------------------------------------------------------------------------- stage 2
    def _load(bucket: str) -> tuple[Any, BucketState]:
        if bucket not in buckets.states:
            first = table.get(bucket)
            if first is None:
                buckets.detectors[bucket] = detector_factory(None)
                buckets.states[bucket] = BucketState()
            else:
                n, head = read_manifest(first)
                rest = [table[k] for k in chunk_keys(bucket, n)[1:]]
                snap = unpack_state([head, *rest])
                buckets.detectors[bucket] = detector_factory(snap["detector"])
                buckets.states[bucket] = BucketState.from_dict(snap["bucket"], now_s=time.monotonic())
        return buckets.detectors[bucket], buckets.states[bucket]

    def _checkpoint(bucket: str) -> None:
        state = {"detector": buckets.detectors[bucket].snapshot(), "bucket": buckets.states[bucket].to_dict()}
        chunks = pack_state(state)
        keys = chunk_keys(bucket, len(chunks))
        table[keys[0]] = manifest(chunks)
        for key, chunk in zip(keys[1:], chunks[1:], strict=True):
            table[key] = chunk

    async def _publish(result: Any, batch: Sequence[RoutedMention]) -> None:
        newest_ms = newest_timestamp_ms(batch)
        for alert in result.alerts:
            rec = alert_record(alert)
            fut = await alerts.send(key=rec.key, value=rec.value, headers=list(rec.headers))
            await fut  # delivered before the checkpoint that makes a replay skip it
            latency = None if newest_ms is None else time.time() - newest_ms / 1000.0
            metrics.alert_emitted(alert.severity, alert.status, latency)

    async def _run_bucket(bucket: str) -> None:
        detector, state = _load(bucket)
        now = time.monotonic()
        ready = state.release(lateness_s=opts.lateness_s, max_wait_s=opts.max_wait_s, now_s=now)
        if ready:
            vectors = np.stack([r.vector for r in ready])
            await _publish(detector.process([r.mention for r in ready], vectors), ready)
            metrics.mentions_processed.inc(len(ready))
        mark = state.watermark(opts.lateness_s)
        if mark is not None:
            await _publish(detector.advance(mark), ready)

    async def detect(stream: Any) -> None:
        async for events in stream.take_events(opts.detect_batch, within=opts.detect_within_s):
            # bucket -> the latest event of its partition in this batch: the table needs an event in
            # context to pick the changelog partition, and take_events leaves none set.
            touched: dict[str, Any] = {}
            for event in events:
                msg = event.message
                if any(k == TICK_HEADER for k, _ in _headers(event)):
                    for bucket, state in buckets.states.items():
                        if state.pending and buckets.partitions.get(bucket) == msg.partition:
                            touched[bucket] = event
                    continue
                bucket = msg.key.decode("utf-8", "replace") if msg.key else bucket_key(0)
                try:
                    item = decode_routed(msg.value)
                except (ValueError, KeyError, TypeError) as exc:
                    # Only our own stage 1 writes here; a bad record is a bug, logged, never fatal.
                    log.error(
                        "unreadable routed record %s[%d]@%d: %s", msg.topic, msg.partition, msg.offset, exc
                    )
                    continue
                buckets.partitions[bucket] = msg.partition
                _, state = _load(bucket)
                if state.accept(item, msg.offset, time.monotonic()):
                    touched[bucket] = event
            for bucket in sorted(touched):
                token = _current_event.set(weakref.ref(touched[bucket]))
                try:
                    await _run_bucket(bucket)
                    _checkpoint(bucket)
                finally:
                    _current_event.reset(token)
            metrics.live_narratives.set(sum(d.live_narratives for d in buckets.detectors.values()))

    async def tick() -> None:
        # A quiet bucket must still release its buffer; a tick record wakes `detect` in stream context,
        # which faust needs for table writes (the changelog partition comes from the current event).
        if not any(s.pending for s in buckets.states.values()):
            return
        assigned = app.consumer.assignment() if app.consumer else set()
        for tp in assigned:
            if tp.topic == settings.topic_routed:
                await routed.send(value=b"", partition=tp.partition, headers=[(TICK_HEADER, b"1")])

    if "embed" in opts.stages:
        app.agent(mentions, name="validate_and_embed")(validate_and_embed)
    if "detect" in opts.stages:
        app.agent(routed, name="detect")(detect)
        app.timer(opts.max_wait_s)(tick)
    if "sink" in opts.stages and indexer_factory is not None:
        app.task(_sink_task(settings, indexer_factory, metrics, health))
    return app


def _headers(event: Any) -> Sequence[tuple[str, bytes]]:
    headers = event.message.headers or []
    return list(headers.items()) if isinstance(headers, dict) else list(headers)


def _sink_task(
    settings: Settings, indexer_factory: Callable[[], Any], metrics: Metrics, health: Health
) -> Any:
    """Stage 3: its own consumer group; commits only what the indexer stored (Kafka is the buffer)."""

    async def es_sink() -> None:
        from aiokafka import AIOKafkaConsumer

        from streams.alerts_out import alert_from_record

        consumer = AIOKafkaConsumer(
            settings.topic_alerts,
            group_id=f"{settings.app_id}-es-sink",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **settings.kafka_client_kwargs("aiokafka"),
        )
        indexer = indexer_factory()
        await consumer.start()
        try:
            while True:
                batch = await consumer.getmany(timeout_ms=500, max_records=500)
                for tp, records in batch.items():
                    latest: dict[str, Any] = {}
                    alerts = [alert_from_record(r.value) for r in records]
                    for a in alerts:
                        latest[a.alert_id] = a
                    # index() retries with backoff until stored; only then does the offset move.
                    await indexer.index(list(latest.values()))
                    await consumer.commit({tp: records[-1].offset + 1})
                    metrics.es_documents_indexed.inc(len(latest))
                    health.set_elasticsearch_reachable(True)
        finally:
            await consumer.stop()

    return es_sink
