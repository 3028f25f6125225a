"""The faust application: the stage classes bound to agents, timers and signals.

`build_app(settings, stages=..., ...)` wires one `faust.App` with any subset of the four stages of
docs/architecture.md ("Stream topology"):

1. `streams.embed_stage.EmbedStage` on `mentions` (raw bytes: faust must not decode before we see
   them), one micro-batch per `take_events`, plus a timer that sends its watermark ticks;
2. `streams.detect_stage.DetectStage` on `mentions.routed`, its state in the changelog-backed table
   `bucket-state`;
3. `streams.campaign_stage.CampaignStage` on the one-partition facts topic (`campaign-facts`, written by
   stage 2), its state in the changelog-backed table `campaign-state`, plus a timer that checkpoints
   and replays what a restart left behind;
4. `streams.sink_stage.SinkStage` as a task with its own consumer group (`<app_id>-es-sink`).

This is the only module that builds faust objects; the stages see `streams.ports` and the adapters in
`streams.kafka_io`. faust's web server is off; `streams.metrics.MetricsServer` serves /metrics and /health.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from detectors.embedding import Embedder
from streams.analyst_live import AnalystLoop, VerdictSync
from streams.campaign_stage import CampaignConfig, CampaignStage
from streams.clients import faust_broker_credentials, faust_broker_urls
from streams.detect_stage import DetectConfig, DetectStage
from streams.embed_stage import EmbedConfig, EmbedStage
from streams.health_probe import PROBE_INTERVAL_S, HealthProbe
from streams.kafka_io import (
    AiokafkaAlertFeed,
    AiokafkaRecordLog,
    FaustOffsets,
    FaustProducer,
    FaustTableStore,
    faust_record,
    stage_lags,
)
from streams.lag import LagReporter
from streams.metrics import Health, Metrics
from streams.ports import AlertStore, Clock, SystemClock
from streams.settings import Settings
from streams.sink_stage import SinkConfig, SinkStage
from streams.topics import CAMPAIGN_TABLE, STATE_TABLE

log = logging.getLogger(__name__)

__all__ = ["ALL_STAGES", "STATE_TABLE", "build_app"]

TICK_INTERVAL_S: Final = 0.25  # how often stage 1 reports its progress to stage 2
ALL_STAGES: Final = ("embed", "detect", "campaign", "sink")
CAMPAIGN_TICK_S: Final = 1.0  # how often the campaign stage checks for a due checkpoint
LAG_REPORT_INTERVAL_S: Final = 5.0
# Under backlog a batch fills at once; large batches spread the per-batch work (the frontier, one
# drive per touched bucket) over more mentions.
DETECT_BATCH: Final = 1024
DETECT_WITHIN_S: Final = 0.1
# Kafka's default message limit: a routed record must fit, and so must a table chunk.
PRODUCER_MAX_REQUEST_BYTES: Final = 1_048_576
MAX_MENTION_BYTES: Final = 256 * 1024


@dataclass(frozen=True, slots=True)
class _LagSource:
    stage: str
    offsets: FaustOffsets
    handled: Callable[[], dict[int, int]]


@dataclass(frozen=True, slots=True)
class Wiring:
    """What the composition root hands the app besides settings."""

    stages: tuple[str, ...]
    embedder: Embedder | None
    detector_factory: Callable[[dict[str, Any] | None], Any]
    metrics: Metrics
    health: Health
    store_factory: Callable[[], AlertStore] | None = None
    clock: Clock = field(default_factory=SystemClock)
    tracker_factory: Callable[[dict[str, Any] | None], Any] | None = None
    analyst: AnalystLoop | None = None  # the shared analyst inputs the factories hand out
    verdict_sync: VerdictSync | None = None  # verdicts from the topic and the index


@dataclass(frozen=True, slots=True)
class _Binding:
    """What every consuming stage's binding needs: the app, its settings and wiring, the topics and
    producer, and the lists its revocation handler and lag source join."""

    app: Any
    settings: Settings
    wiring: Wiring
    topics: dict[str, Any]
    producer: FaustProducer
    revokers: list[Callable[[Any], None]]
    lags: list[_LagSource]


def build_app(settings: Settings, wiring: Wiring) -> Any:
    """The configured faust.App with the requested stages bound."""
    import faust

    app = faust.App(
        settings.app_id,
        broker=faust_broker_urls(settings),
        broker_credentials=faust_broker_credentials(settings),
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
        producer_max_request_size=PRODUCER_MAX_REQUEST_BYTES,
        # Fair progress during a backfill (docs/operations.md, "Backfills"): aiokafka hands out a
        # partition's whole fetch before the next one's, so stage 1 read one partition's backlog
        # before the next, and stage 2's watermark (the slowest partition) stood still: measured
        # on 6,000 mentions produced at once, real model, no alert for 200 s. Small fetches, small
        # polls and a small stream buffer interleave the partitions (first alert at 90 s, stage 2
        # busy from 80 s) and bound what waits in memory. A record larger than the fetch size still
        # comes whole (fetch v4+ returns the first batch whatever its size).
        consumer_max_fetch_size=settings.fetch_bytes_per_partition,
        stream_buffer_maxsize=settings.stream_buffer,
        broker_max_poll_records=settings.poll_records,
    )
    topics = _topics(app, settings)
    producer = FaustProducer(topics)
    revokers: list[Callable[[Any], None]] = []
    lags: list[_LagSource] = []
    refreshers: list[Callable[[], None]] = []
    binding = _Binding(app, settings, wiring, topics, producer, revokers, lags)
    if "embed" in wiring.stages:
        _bind_embed(binding)
    if "detect" in wiring.stages:
        refreshers.append(_bind_detect(binding))
    if "campaign" in wiring.stages:
        refreshers.append(_bind_campaign(binding))
    if wiring.analyst is not None:
        _bind_analyst(app, settings, wiring.analyst, wiring.verdict_sync, refreshers)
    if "sink" in wiring.stages and wiring.store_factory is not None:
        _bind_sink(app, settings, wiring, producer)
    _bind_revocation(app, revokers)
    _bind_lag_report(app, wiring.metrics, lags)
    _bind_health_probe(app, settings, wiring)
    return app


def embed_config(settings: Settings) -> EmbedConfig:
    return EmbedConfig(
        routed_topic=settings.topic_routed,
        dlq_topic=settings.topic_dlq,
        routed_partitions=settings.partitions,
        n_buckets=settings.n_routing_buckets,
        routing_seed=0,
        max_message_bytes=MAX_MENTION_BYTES,
        max_future_s=settings.max_future_s,
        idle_after_s=settings.reorder_max_wait_s,
    )


def detect_config(settings: Settings) -> DetectConfig:
    return DetectConfig(
        routed_topic=settings.topic_routed,
        alerts_topic=settings.topic_alerts,
        dlq_topic=settings.topic_routed_dlq,
        source_partitions=settings.partitions,
        lateness_s=settings.reorder_lateness_s,
        checkpoint_interval_s=settings.checkpoint_interval_s,
        facts_topic=settings.topic_facts,
    )


CAMPAIGN_CHECKPOINT_FACTOR = 6


def campaign_config(settings: Settings) -> CampaignConfig:
    return CampaignConfig(
        facts_topic=settings.topic_facts,
        alerts_topic=settings.topic_alerts,
        dlq_topic=settings.topic_routed_dlq,  # the internal records' dead letters (header: source topic)
        routed_partitions=settings.partitions,
        # The campaign state is one snapshot of the whole co-action graph (up to 200k edges): written
        # every 5 s it took ~20% of a worker's time (py-spy, 2026-11-30). Six times the bucket
        # interval; a restart then re-reads at most that much of the facts topic.
        checkpoint_interval_s=CAMPAIGN_CHECKPOINT_FACTOR * settings.checkpoint_interval_s,
    )


def sink_config(settings: Settings) -> SinkConfig:
    return SinkConfig(
        alerts_topic=settings.topic_alerts,
        dlq_topic=settings.topic_alerts_dlq,
        backoff_initial_s=settings.es_backoff_initial_s,
        backoff_max_s=settings.es_backoff_max_s,
    )


def _topics(app: Any, settings: Settings) -> dict[str, Any]:
    def topic(name: str, partitions: int) -> Any:
        return app.topic(name, key_type=bytes, value_type=bytes, partitions=partitions)

    n, dlq = settings.partitions, settings.dlq_partitions
    return {
        settings.topic_mentions: topic(settings.topic_mentions, n),
        settings.topic_routed: topic(settings.topic_routed, n),
        settings.topic_alerts: topic(settings.topic_alerts, n),
        settings.topic_dlq: topic(settings.topic_dlq, dlq),
        settings.topic_routed_dlq: topic(settings.topic_routed_dlq, dlq),
        settings.topic_alerts_dlq: topic(settings.topic_alerts_dlq, dlq),
        settings.topic_facts: topic(settings.topic_facts, 1),
    }


def _bind_embed(b: _Binding) -> None:
    app, settings, wiring, topics, producer = b.app, b.settings, b.wiring, b.topics, b.producer
    revokers, lags = b.revokers, b.lags
    if wiring.embedder is None:
        raise ValueError("the embed stage needs an embedder")
    config = embed_config(settings)
    stage = EmbedStage(
        config,
        embedder=wiring.embedder,
        producer=producer,
        clock=wiring.clock,
        metrics=wiring.metrics,
        on_broker=wiring.health.set_kafka_reachable,
    )
    offsets = FaustOffsets(app, settings.topic_mentions)

    async def validate_and_embed(stream: Any) -> None:
        async for events in stream.take_events(
            settings.embed_batch_size, within=settings.embed_batch_within_s
        ):
            await stage.handle([faust_record(e) for e in events])

    async def tick() -> None:
        # Stage 1 tells every routed partition how far each of its `mentions` partitions has got and
        # which are idle, so stage 2's watermark moves even when no mention flows.
        await stage.tick(offsets)

    app.agent(topics[settings.topic_mentions], name="validate_and_embed")(validate_and_embed)
    app.timer(TICK_INTERVAL_S)(tick)
    revokers.append(
        lambda tps: stage.revoke(tp.partition for tp in tps if tp.topic == settings.topic_mentions)
    )
    lags.append(_LagSource("embed", offsets, stage.progress.handled))


def _bind_detect(b: _Binding) -> Callable[[], None]:
    app, settings, wiring, topics, producer = b.app, b.settings, b.wiring, b.topics, b.producer
    revokers, lags = b.revokers, b.lags
    table = app.Table(STATE_TABLE, partitions=settings.partitions, key_type=str, value_type=bytes)
    config = detect_config(settings)
    stage = DetectStage(
        config,
        detector_factory=wiring.detector_factory,
        table=FaustTableStore(table),
        producer=producer,
        log_reader=AiokafkaRecordLog(settings),
        clock=wiring.clock,
        metrics=wiring.metrics,
    )
    _consume(app, topics, settings.topic_routed, "detect", stage, revokers)
    lags.append(_LagSource("detect", FaustOffsets(app, settings.topic_routed), stage.next_offsets))
    return stage.refresh_inputs


def _consume(
    app: Any,
    topics: dict[str, Any],
    topic: str,
    name: str,
    stage: DetectStage | CampaignStage,
    revokers: list[Callable[[Any], None]],
) -> None:
    """A faust agent that hands the stage micro-batches of `topic`'s records, and the stage's share of
    partition revocations."""

    async def agent(stream: Any) -> None:
        async for events in stream.take_events(DETECT_BATCH, within=DETECT_WITHIN_S):
            await stage.handle([faust_record(e) for e in events])

    app.agent(topics[topic], name=name)(agent)
    revokers.append(lambda tps: stage.revoke(tp.partition for tp in tps if tp.topic == topic))


def _bind_campaign(b: _Binding) -> Callable[[], None]:
    app, settings, wiring, topics, producer = b.app, b.settings, b.wiring, b.topics, b.producer
    revokers, lags = b.revokers, b.lags
    if wiring.tracker_factory is None:
        raise ValueError("the campaign stage needs a tracker factory")
    table = app.Table(CAMPAIGN_TABLE, partitions=1, key_type=str, value_type=bytes)
    stage = CampaignStage(
        campaign_config(settings),
        tracker_factory=wiring.tracker_factory,
        table=FaustTableStore(table),
        producer=producer,
        log_reader=AiokafkaRecordLog(settings),
        clock=wiring.clock,
        metrics=wiring.metrics,
    )
    offsets = FaustOffsets(app, settings.topic_facts)

    async def campaign_tick() -> None:
        await stage.tick(offsets)

    _consume(app, topics, settings.topic_facts, "campaigns", stage, revokers)
    app.timer(CAMPAIGN_TICK_S)(campaign_tick)
    lags.append(_LagSource("campaign", offsets, stage.next_offsets))
    return stage.refresh_inputs


def _bind_sink(app: Any, settings: Settings, wiring: Wiring, producer: FaustProducer) -> None:
    assert wiring.store_factory is not None
    store_factory = wiring.store_factory
    config = sink_config(settings)

    async def es_sink() -> None:
        feed = AiokafkaAlertFeed(settings)
        await feed.start()
        stage = SinkStage(
            config,
            feed=feed,
            store=store_factory(),
            producer=producer,
            clock=wiring.clock,
            metrics=wiring.metrics,
        )
        try:
            await stage.run()
        finally:
            await feed.stop()

    app.task(es_sink)


def _bind_analyst(
    app: Any,
    settings: Settings,
    analyst: AnalystLoop,
    sync: VerdictSync | None,
    refreshers: list[Callable[[], None]],
) -> None:
    """Timers that keep the shared analyst inputs current: changed files (read and embedded in a
    thread, adopted on the loop), new records of the verdicts topic, and the index pickup. The
    blocking I/O runs in a thread; the book is only changed here, on the loop the detectors run on."""

    async def reload_analyst_files() -> None:
        changed = await asyncio.to_thread(analyst.check_files)
        if changed and analyst.adopt(changed):
            for refresh in refreshers:
                refresh()

    app.timer(settings.analyst_files_poll_s)(reload_analyst_files)
    if sync is None:
        return

    async def read_verdicts_topic() -> None:
        analyst.apply(await asyncio.to_thread(sync.poll_topic))

    async def pick_up_verdicts() -> None:
        analyst.apply(await asyncio.to_thread(sync.pickup))

    app.timer(settings.verdicts_poll_s)(read_verdicts_topic)
    app.timer(settings.verdicts_pickup_s)(pick_up_verdicts)


def _bind_revocation(app: Any, revokers: list[Callable[[Any], None]]) -> None:
    async def on_revoked(_app: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        revoked = args[0] if args else kwargs.get("revoked", ())
        for revoke in revokers:
            revoke(revoked)

    app.on_partitions_revoked.connect(on_revoked)


def _bind_health_probe(app: Any, settings: Settings, wiring: Wiring) -> None:
    probe = HealthProbe(settings, wiring.health, search="sink" in wiring.stages)

    async def probe_now() -> None:
        await probe.check()

    app.task(probe_now)  # at start: readiness must not wait for the first write
    app.timer(PROBE_INTERVAL_S)(probe_now)


def _bind_lag_report(app: Any, metrics: Metrics, lags: list[_LagSource]) -> None:
    if not lags:
        return
    reporter = LagReporter(metrics)

    async def report_consumer_lag() -> None:
        for source in lags:
            reporter.update(source.stage, await stage_lags(source.offsets, source.handled()))

    app.timer(LAG_REPORT_INTERVAL_S)(report_consumer_lag)
