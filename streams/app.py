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
import contextlib
import logging
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from detectors.routing import bucket_key, route_buckets
from schemas.models import Mention
from streams.alerts_out import alert_record
from streams.dlq import dead_letter_headers
from streams.metrics import Health, Metrics
from streams.pipeline import (
    CHUNK_SEPARATOR,
    DEFAULT_SLOT_S,
    BucketState,
    CheckpointPlan,
    Rejection,
    ReplayGate,
    RoutedMention,
    SourceMarks,
    SourceProgress,
    check_record,
    chunk_keys,
    covered_key,
    decode_offset,
    decode_routed,
    decode_tick,
    drive,
    encode_offset,
    encode_routed,
    encode_tick,
    manifest,
    newest_timestamp_ms,
    pack_state,
    read_manifest,
    unpack_state,
)
from streams.settings import Settings
from streams.topics import STATE_TABLE, changelog_topic

log = logging.getLogger(__name__)

__all__ = ["ALL_STAGES", "STATE_TABLE", "StreamOptions", "build_app", "changelog_topic"]

TICK_HEADER: Final = "x-choruswatch-tick"
TICK_INTERVAL_S: Final = 0.25  # how often stage 1 reports its progress to stage 2
ALL_STAGES: Final = ("embed", "detect", "sink")
LAG_REPORT_INTERVAL_S: Final = 5.0
SINK_POLL_MS: Final = 500
SINK_MAX_RECORDS: Final = 500


@dataclass(frozen=True, slots=True)
class StreamOptions:
    """Tunables of the stages; `from_settings` takes the ones that are settings, the rest are fixed.

    The plain defaults suit unit tests; a worker always builds its options with `from_settings`, so
    the routing buckets follow the routed topic's partition count unless configured.
    """

    n_buckets: int = 4
    routing_seed: int = 0
    max_message_bytes: int = 256 * 1024
    max_future_s: float = 600.0
    lateness_s: float = 2.0  # event-time slack of the reorder buffer
    max_wait_s: float = 1.0  # wall-clock bound on how long a mention waits in the buffer
    # Under backlog a batch fills at once; large batches spread the per-batch work (the frontier,
    # one drive per touched bucket) over more mentions.
    detect_batch: int = 1024
    detect_within_s: float = 0.1
    checkpoint_interval_s: float = 5.0  # wall seconds between checkpoints of a routed partition
    stages: tuple[str, ...] = ALL_STAGES

    @classmethod
    def from_settings(cls, settings: Settings, stages: tuple[str, ...] = ALL_STAGES) -> StreamOptions:
        return cls(
            n_buckets=settings.n_routing_buckets,
            max_future_s=settings.max_future_s,
            lateness_s=settings.reorder_lateness_s,
            max_wait_s=settings.reorder_max_wait_s,
            checkpoint_interval_s=settings.checkpoint_interval_s,
            stages=stages,
        )


@dataclass(slots=True)
class _Buckets:
    """Detectors and bucket states held in memory, restored lazily from the table."""

    detectors: dict[str, Any] = field(default_factory=dict)
    states: dict[str, BucketState] = field(default_factory=dict)
    marks: dict[int, SourceMarks] = field(default_factory=dict)  # routed partition -> stage 1 progress
    gate: ReplayGate = field(default_factory=ReplayGate)
    plan: CheckpointPlan = field(default_factory=lambda: CheckpointPlan(0.0))


@dataclass(slots=True)
class _Work:
    """What the routed records taken since the last drive touched."""

    touched: set[str] = field(default_factory=set)  # buckets that took a mention
    ticked: set[int] = field(default_factory=set)  # routed partitions that got a tick


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

    opts = options or StreamOptions.from_settings(settings)
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
    progress = SourceProgress(idle_after_s=opts.max_wait_s)  # stage 1's marks for its ticks
    buckets = _Buckets(plan=CheckpointPlan(opts.checkpoint_interval_s))

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
            good: list[tuple[Mention, int, int, int]] = []
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
                    progress.observe(msg.partition, msg.offset, None)
                    continue
                if newest_event[0] is None or verdict.timestamp > newest_event[0]:
                    newest_event[0] = verdict.timestamp
                good.append((verdict, ts_ms or 0, msg.partition, msg.offset))
            if not good:
                continue
            # The model call blocks for tens of ms; off the event loop so heartbeats keep going.
            vectors = await loop.run_in_executor(None, _embed, [g[0].text for g in good])
            bucket_ids = route_buckets(vectors, opts.n_buckets, opts.routing_seed)
            for (mention, ts_ms, sp, so), vector, b in zip(good, vectors, bucket_ids, strict=True):
                value = encode_routed(mention, vector, ts_ms, source_partition=sp, source_offset=so)
                await routed.send(key=bucket_key(int(b)).encode(), value=value)
                # Observed only once sent: a tick must never vouch for a mention still in flight.
                progress.observe(sp, so, mention.timestamp)
            await _send_ticks(progress.busy_marks({g[2] for g in good}))

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
                buckets.states[bucket] = BucketState.from_dict(snap["bucket"])
        return buckets.detectors[bucket], buckets.states[bucket]

    def _load_restored(partition: int) -> None:
        # After a restart or a rebalance, buckets whose state came back from the changelog must run
        # on ticks even if no new mention of theirs ever arrives (their buffer would wait forever).
        for key in list(table.keys()):
            if CHUNK_SEPARATOR not in key and key not in buckets.states:
                _, state = _load(key)
                if state.partition < 0:
                    state.partition = partition

    def _checkpoint(bucket: str) -> None:
        state = {"detector": buckets.detectors[bucket].snapshot(), "bucket": buckets.states[bucket].to_dict()}
        chunks = pack_state(state)
        keys = chunk_keys(bucket, len(chunks))
        # The manifest last: the changelog keeps the order, so a reader never meets a manifest whose
        # chunks are not written yet.
        for key, chunk in zip(keys[1:], chunks[1:], strict=True):
            table[key] = chunk
        table[keys[0]] = manifest(chunks)

    def _checkpoint_due(partitions: Mapping[int, Any]) -> None:
        """Checkpoint the partitions whose interval is up, each in the context of one of its events
        (the table writes to the changelog partition of the event in context)."""
        now = time.monotonic()
        for partition, event in sorted(partitions.items()):
            due = buckets.plan.due(partition, now)
            if due is None:
                continue
            token = _current_event.set(weakref.ref(event))
            try:
                for bucket in due.buckets:
                    if bucket in buckets.states:
                        _checkpoint(bucket)
                # Written after the buckets it covers: a crash in between only replays more.
                table[covered_key(partition)] = encode_offset(due.covered)
            finally:
                _current_event.reset(token)
            buckets.plan.written(partition, due, now)

    def _covered(partition: int) -> int:
        return decode_offset(table.get(covered_key(partition)))

    async def _publish(result: Any, batch: Sequence[RoutedMention]) -> None:
        if not result.alerts:
            return
        newest_ms = newest_timestamp_ms(batch)
        records = [alert_record(alert) for alert in result.alerts]
        pending = [
            await alerts.send(key=rec.key, value=rec.value, headers=list(rec.headers)) for rec in records
        ]
        # All delivered before the checkpoint that would make a replay skip them.
        await asyncio.gather(*pending)
        latency = None if newest_ms is None else time.time() - newest_ms / 1000.0
        for alert in result.alerts:
            metrics.alert_emitted(alert.severity, alert.status, latency)

    async def _run_bucket(bucket: str) -> bool:
        """Drive the bucket's detector as far as its partition's frontier allows; True if it moved."""
        detector, state = _load(bucket)
        marks = buckets.marks.get(state.partition)
        if marks is None:
            return False
        before = (state.next_slot, state.processed, state.late)
        for step in drive(state, detector, marks.frontier(opts.lateness_s), slot_s=DEFAULT_SLOT_S):
            await _publish(step.result, step.batch)
            metrics.mentions_processed.inc(len(step.batch))
        return (state.next_slot, state.processed, state.late) != before

    def _apply(work: _Work, partition: int, offset: int, key: bytes | None, value: bytes, tick: bool) -> None:
        """Take one routed record into its bucket's buffer (or a tick into the partition's marks)."""
        buckets.plan.handled(partition, offset)
        if tick:
            marks = buckets.marks.setdefault(partition, SourceMarks(settings.partitions))
            marks.update(decode_tick(value))
            work.ticked.add(partition)
            return
        bucket = key.decode("utf-8", "replace") if key else bucket_key(0)
        try:
            item = decode_routed(value)
        except (ValueError, KeyError, TypeError) as exc:
            # Only our own stage 1 writes here; a bad record is a bug, logged, never fatal.
            log.error("unreadable routed record %s[%d]@%d: %s", settings.topic_routed, partition, offset, exc)
            return
        _, state = _load(bucket)
        state.partition = partition
        applied = state.last_offset
        if state.accept(item, offset):
            work.touched.add(bucket)
        if state.last_offset != applied:  # taken, or a stage-1 duplicate counted
            buckets.plan.touch(partition, bucket)

    async def _run(work: _Work) -> None:
        """Drive every bucket the records touched, and those of the partitions that ticked."""
        for partition in sorted(work.ticked):
            _load_restored(partition)
            work.touched.update(b for b, state in buckets.states.items() if state.partition == partition)
        for bucket in sorted(work.touched):
            # A tick that moves nothing changes nothing to checkpoint: ticks come several times a second.
            if await _run_bucket(bucket):
                buckets.plan.touch(buckets.states[bucket].partition, bucket)
        work.touched.clear()
        work.ticked.clear()

    async def _replay(tp: Any, missing: range) -> None:
        """Re-apply the routed records after the partition's last checkpoint that faust will not
        deliver again (its committed offset is past them). Read with a consumer of our own, outside
        any group, so faust's fetch positions are left alone."""
        from aiokafka import AIOKafkaConsumer, TopicPartition

        log.info(
            "replaying %s[%d] offsets %d..%d since its last checkpoint",
            tp.topic,
            tp.partition,
            missing.start,
            missing.stop - 1,
        )
        reader = AIOKafkaConsumer(
            enable_auto_commit=False, auto_offset_reset="earliest", **settings.kafka_client_kwargs("aiokafka")
        )
        part = TopicPartition(tp.topic, tp.partition)
        await reader.start()
        try:
            reader.assign([part])
            reader.seek(part, missing.start)
            work = _Work()
            while await reader.position(part) < missing.stop:
                fetched = await reader.getmany(part, timeout_ms=1000, max_records=opts.detect_batch)
                for record in fetched.get(part, []):
                    if record.offset in missing:
                        tick = any(k == TICK_HEADER for k, _ in record.headers or ())
                        _apply(work, tp.partition, record.offset, record.key, record.value, tick)
                await _run(work)
        finally:
            await reader.stop()

    async def detect(stream: Any) -> None:
        async for events in stream.take_events(opts.detect_batch, within=opts.detect_within_s):
            work = _Work()
            # Routed partition -> its latest event taken: the table needs an event in context to pick
            # the changelog partition of a checkpoint, and take_events leaves none set.
            read: dict[int, Any] = {}
            for event in events:
                msg = event.message
                missing = buckets.gate.missing(msg.partition, msg.offset, _covered)
                if missing:
                    await _run(work)  # what came before, in offset order
                    await _replay(msg.tp, missing)
                read[msg.partition] = event
                tick = any(k == TICK_HEADER for k, _ in _headers(event))
                _apply(work, msg.partition, msg.offset, msg.key, msg.value, tick)
            await _run(work)
            _checkpoint_due(read)
            metrics.live_narratives.set(sum(d.live_narratives for d in buckets.detectors.values()))

    async def _send_ticks(marks: dict[int, Any]) -> None:
        if marks:
            value = encode_tick(marks)
            for partition in range(settings.partitions):
                await routed.send(value=value, partition=partition, headers=[(TICK_HEADER, b"1")])

    async def tick() -> None:
        # Every TICK_INTERVAL_S, stage 1 tells every routed partition how far each of its `mentions` partitions
        # has got and which are idle, so stage 2's watermark moves even when no mention flows.
        if app.consumer is None:
            return
        assigned = [tp for tp in app.consumer.assignment() if tp.topic == settings.topic_mentions]
        if not assigned:
            return
        highwaters = await app.consumer.highwaters(*assigned)
        positions = {tp.partition: await app.consumer.position(tp) for tp in assigned}
        high = {tp.partition: int(h) for tp, h in highwaters.items() if h is not None}
        await _send_ticks(progress.marks(high, positions, time.monotonic()))

    async def on_revoked(_app: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        revoked = args[0] if args else kwargs.get("revoked", ())
        # Another worker owns these partitions now: what we hold in memory of them is stale.
        gone = {tp.partition for tp in revoked if tp.topic == settings.topic_routed}
        for bucket in [b for b, s in buckets.states.items() if s.partition in gone]:
            del buckets.states[bucket]
            buckets.detectors.pop(bucket, None)
        for partition in gone:
            buckets.marks.pop(partition, None)
        buckets.gate.forget(gone)
        buckets.plan.forget(gone)
        progress.forget(tp.partition for tp in revoked if tp.topic == settings.topic_mentions)

    app.on_partitions_revoked.connect(on_revoked)

    if "embed" in opts.stages:
        app.agent(mentions, name="validate_and_embed")(validate_and_embed)
        app.timer(TICK_INTERVAL_S)(tick)
    if "detect" in opts.stages:
        app.agent(routed, name="detect")(detect)
    if "sink" in opts.stages and indexer_factory is not None:
        app.task(_sink_task(settings, indexer_factory, metrics))
    if "embed" in opts.stages or "detect" in opts.stages:
        faust_lag = _LagReporter(metrics, frozenset({settings.topic_mentions, settings.topic_routed}))

        async def report_consumer_lag() -> None:
            await faust_lag.report_faust(app)

        app.timer(LAG_REPORT_INTERVAL_S)(report_consumer_lag)
    return app


def _headers(event: Any) -> Sequence[tuple[str, bytes]]:
    headers = event.message.headers or []
    return list(headers.items()) if isinstance(headers, dict) else list(headers)


def _sink_task(settings: Settings, indexer_factory: Callable[[], Any], metrics: Metrics) -> Any:
    """Stage 3: the Elasticsearch sink, with its own consumer group (`<app_id>-es-sink`).

    An offset is committed only after the indexer stored every alert up to it, so Kafka is the buffer:
    while Elasticsearch is down the sink pauses its partitions (the alerts wait on the topic and the
    lag grows), retries the indexer's pending alerts with backoff, and only then reads on. The indexer
    counts documents, bulk failures and retries and sets the Elasticsearch health itself; this loop
    adds the consumer lag and never counts those again.
    """

    async def es_sink() -> None:
        from aiokafka import AIOKafkaConsumer
        from aiokafka.errors import CommitFailedError

        consumer = AIOKafkaConsumer(
            settings.topic_alerts,
            group_id=f"{settings.app_id}-es-sink",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **settings.kafka_client_kwargs("aiokafka"),
        )
        indexer = indexer_factory()
        lag = _LagReporter(metrics)
        try:
            await consumer.start()
            while True:
                batch = await consumer.getmany(timeout_ms=SINK_POLL_MS, max_records=SINK_MAX_RECORDS)
                if batch:
                    alerts = _latest_revisions(batch)
                    await _store_alerts(consumer, indexer, alerts, settings, lag)
                    try:
                        await consumer.commit({tp: recs[-1].offset + 1 for tp, recs in batch.items()})
                    except CommitFailedError as exc:
                        # A rebalance took the partitions away: their new owner re-reads these
                        # alerts, and indexing a revision twice is a no-op.
                        log.warning("Elasticsearch sink: offset commit lost to a rebalance: %s", exc)
                await lag.report_aiokafka(consumer)
        finally:
            try:
                await consumer.stop()
            finally:
                await indexer.close()

    return es_sink


def _latest_revisions(batch: Mapping[Any, Sequence[Any]]) -> list[Any]:
    """The newest revision of each alert in a fetched batch; unreadable records are logged and skipped."""
    from streams.alerts_out import alert_from_record

    latest: dict[str, Any] = {}
    for records in batch.values():
        for record in records:
            try:
                alert = alert_from_record(record.value)
            except (ValueError, KeyError, TypeError) as exc:
                # Not ours to fix (a foreign producer on the alerts topic); storing it cannot succeed.
                log.error(
                    "Elasticsearch sink: unreadable alert record %s[%d]@%d skipped: %s",
                    record.topic,
                    record.partition,
                    record.offset,
                    exc,
                )
                continue
            held = latest.get(alert.alert_id)
            if held is None or alert.revision > held.revision:
                latest[alert.alert_id] = alert
    return list(latest.values())


async def _store_alerts(
    consumer: Any, indexer: Any, alerts: Sequence[Any], settings: Settings, lag: _LagReporter
) -> None:
    """Return once every alert is stored (or refused for good); pause the partitions meanwhile."""
    from streams.es import IndexingUnavailable, PendingQueueFull

    delay = settings.es_backoff_initial_s
    paused = False
    while True:
        try:
            # Calling index() again after a flush is cheap: revisions already stored come back "stale".
            result = await indexer.index(alerts)
        except (IndexingUnavailable, PendingQueueFull) as exc:
            if not paused:
                log.warning("Elasticsearch sink paused, alerts wait on %s: %s", settings.topic_alerts, exc)
                paused = True
            await _paused_wait(consumer, delay, lag)
            delay = min(delay * 2, settings.es_backoff_max_s)
            try:
                _log_rejected((await indexer.flush()).rejected, settings)
            except IndexingUnavailable as retry_exc:
                log.debug("Elasticsearch sink: still unavailable: %s", retry_exc)
            continue
        _log_rejected(result.rejected, settings)
        if paused:
            consumer.resume(*consumer.assignment())
            log.info("Elasticsearch sink resumed: %d alerts stored", len(alerts))
        return


async def _paused_wait(consumer: Any, seconds: float, lag: _LagReporter) -> None:
    """Sleep by polling with every partition paused: the member stays in its group (max.poll.interval)."""
    started = time.monotonic()
    consumer.pause(*consumer.assignment())
    stray = await consumer.getmany(timeout_ms=int(seconds * 1000))
    for tp, records in stray.items():
        # A partition assigned during the wait was not paused yet: read those records again later.
        consumer.seek(tp, records[0].offset)
    await lag.report_aiokafka(consumer)
    remaining = seconds - (time.monotonic() - started)
    if remaining > 0:
        await asyncio.sleep(remaining)


def _log_rejected(rejected: Sequence[tuple[str, str]], settings: Settings) -> None:
    # The server refused these for good (a 4xx, e.g. a mapping conflict); retrying cannot help. The
    # indexer counted them in choruswatch_es_bulk_failures_total; the offset moves on, and the revision
    # stays on the (compacted) alerts topic, so a later revision or a re-read after a fix stores it.
    for alert_id, reason in rejected:
        log.error(
            "Elasticsearch refused alert %s for good (%s); skipped, it stays on topic %s",
            alert_id,
            reason,
            settings.topic_alerts,
        )


class _LagReporter:
    """`choruswatch_consumer_lag{topic,partition}` = highwater - position for a consumer's assignment.

    Partitions no longer assigned lose their series, so a rebalanced worker does not report a stale lag.
    """

    def __init__(self, metrics: Metrics, topics: frozenset[str] | None = None) -> None:
        self._metrics = metrics
        self._topics = topics
        self._reported: set[tuple[str, int]] = set()

    def wants(self, topic: str) -> bool:
        return self._topics is None or topic in self._topics

    def update(self, lags: Mapping[tuple[str, int], int]) -> None:
        for (topic, partition), lag in lags.items():
            self._metrics.set_consumer_lag(topic, partition, lag)
        for topic, partition in self._reported - set(lags):
            with contextlib.suppress(KeyError):
                self._metrics.consumer_lag.remove(topic, str(partition))
        self._reported = set(lags)

    async def report_aiokafka(self, consumer: Any) -> None:
        from aiokafka.errors import IllegalStateError

        lags: dict[tuple[str, int], int] = {}
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is None or not self.wants(tp.topic):
                continue  # nothing fetched from it yet
            try:
                lags[(tp.topic, tp.partition)] = highwater - await consumer.position(tp)
            except IllegalStateError:
                continue  # revoked between the two calls
        self.update(lags)

    async def report_faust(self, app: Any) -> None:
        from faust.exceptions import ConsumerNotStarted

        try:
            assigned = app.consumer.assignment()
        except ConsumerNotStarted:
            return
        lags: dict[tuple[str, int], int] = {}
        for tp in assigned:
            if not self.wants(tp.topic):
                continue
            highwater = app.consumer.highwater(tp)
            position = await app.consumer.position(tp)
            if highwater is not None and position is not None:
                lags[(tp.topic, tp.partition)] = highwater - position
        self.update(lags)
