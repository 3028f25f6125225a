"""Prometheus metrics and the health endpoint of a ChorusWatch worker.

`Metrics` creates every metric of docs/architecture.md on its own `CollectorRegistry` (never the global
one, so tests and several workers in one process each get theirs) and exposes them as typed attributes:
a misspelt metric is an AttributeError at run time and an error under mypy. Label values are bounded:
reasons, severities, statuses and sinks outside their known sets are recorded as "other", so a
surprising value can never create an unbounded series (no account, narrative id or URL is ever a label).

`Health` is the worker's own view of its dependencies (model loaded, Kafka and Elasticsearch reachable);
it mirrors them into `choruswatch_model_loaded` and `choruswatch_sink_up`. `MetricsServer` serves
`GET /metrics` (Prometheus text format), `GET /health` (JSON; 200 when "ok", 503 when "degraded": the
readiness signal) and `GET /health/live` (200 while the process serves: the liveness signal, which must
not fail while only Elasticsearch is down) from a background thread.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Final, Self

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

if TYPE_CHECKING:
    from detectors.global_level import AnalystCounters

log = logging.getLogger(__name__)

# `*_created` series double the series count and carry nothing Prometheus uses from the text format.
disable_created_metrics()  # type: ignore[no-untyped-call]

OTHER: Final = "other"
INVALID_REASONS: Final = frozenset(
    {"decode", "schema", "too_large", "future_timestamp", "encode", "embed", "internal"}
)
ALERT_DLQ_REASONS: Final = frozenset({"decode", "rejected"})
LATENCY_CAUSES: Final = frozenset({"data", "time"})  # a revision raised by new mentions, or by time passing
STAGES: Final = frozenset({"embed", "detect", "sink"})
OUTCOMES: Final = frozenset({"consumed", "processed", "duplicate", "in_flight", "dead_lettered", "late"})
SEVERITIES: Final = frozenset({"low", "medium", "high", "critical"})
ALERT_STATUSES: Final = frozenset({"open", "updated", "closed"})  # Alert v1 "status"
SINKS: Final = frozenset({"kafka", "elasticsearch"})
VERDICT_VALUES: Final = frozenset({"confirmed", "false_positive", "authentic", "cleared"})
VERDICT_SOURCES: Final = frozenset({"file", "topic", "index", "cli"})
ALERT_VERSIONS: Final = frozenset({"v1", "v2"})  # narrative alerts (stage 2), global alerts (campaign stage)
ANALYST_FILES: Final = frozenset({"watchlist", "sensors", "verdicts"})
RELOAD_OUTCOMES: Final = frozenset({"loaded", "refused"})

BATCH_SIZE_BUCKETS: Final = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
BATCH_SECONDS_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# The target is p99 <= 2 s at half load; buckets are dense around it and reach minutes for backlogs.
LATENCY_BUCKETS: Final = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 300.0)


def bounded(value: str, allowed: Iterable[str]) -> str:
    """`value` when it is one of `allowed`, else "other" (keeps label cardinality fixed)."""
    return value if value in allowed else OTHER


class Metrics:
    """Every ChorusWatch metric, registered on `self.registry`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        r = self.registry
        self._embed_metrics(r)
        self._integrity_metrics(r)
        self._campaign_metrics(r)
        self._analyst_metrics(r)
        self._output_metrics(r)
        # Labelled series exist from the start, so dashboards show 0 rather than "no data".
        for reason in sorted(INVALID_REASONS):
            self.mentions_invalid.labels(reason=reason)
            self.mentions_dead_lettered.labels(reason=reason)
        for sink in sorted(SINKS):
            self.sink_up.labels(sink=sink)
        for reason in sorted(ALERT_DLQ_REASONS):
            self.alerts_dead_lettered.labels(reason=reason)
        for cause in sorted(LATENCY_CAUSES):
            self.event_to_alert_latency_seconds.labels(cause=cause)
        for version in sorted(ALERT_VERSIONS):
            self.suppressed_revisions.labels(version=version)
        self._cache_seen = (0, 0)
        self._cache_lock = threading.Lock()

    def _embed_metrics(self, r: CollectorRegistry) -> None:
        """Stage 1: mentions read, validated, dead-lettered, embedded (batches, cache)."""
        self.mentions_consumed = Counter(
            "choruswatch_mentions_consumed", "Mentions read from the input topic.", registry=r
        )
        self.mentions_processed = Counter(
            "choruswatch_mentions_processed", "Valid mentions embedded and clustered.", registry=r
        )
        self.mentions_invalid = Counter(
            "choruswatch_mentions_invalid",
            "Mentions rejected by validation, by reason.",
            ["reason"],
            registry=r,
        )
        self.mentions_dead_lettered = Counter(
            "choruswatch_mentions_dead_lettered",
            "Messages written to the dead-letter topic, by reason.",
            ["reason"],
            registry=r,
        )
        self.embedding_batch_size = Histogram(
            "choruswatch_embedding_batch_size",
            "Mentions per embedding micro-batch.",
            buckets=BATCH_SIZE_BUCKETS,
            registry=r,
        )
        self.embedding_batch_seconds = Histogram(
            "choruswatch_embedding_batch_seconds",
            "Wall time to embed one micro-batch (cache look-ups included).",
            buckets=BATCH_SECONDS_BUCKETS,
            registry=r,
        )
        self.embedding_cache_hits = Counter(
            "choruswatch_embedding_cache_hits", "Embedding cache hits.", registry=r
        )
        self.embedding_cache_misses = Counter(
            "choruswatch_embedding_cache_misses",
            "Embedding cache misses (texts sent to the model).",
            registry=r,
        )
        self.embedding_cache_hit_ratio = Gauge(
            "choruswatch_embedding_cache_hit_ratio", "Cache hits / look-ups since start.", registry=r
        )

    def _integrity_metrics(self, r: CollectorRegistry) -> None:
        """Where every record ends, latency and the stages' persisted totals (issue "Nothing lost")."""
        self.event_to_alert_latency_seconds = Histogram(
            "choruswatch_event_to_alert_latency_seconds",
            "From the newest mention's arrival in the input topic to the alert revision it led to, by cause "
            "(data: raised by new mentions; time: raised by event time passing, e.g. expiry or a re-score).",
            ["cause"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.routed_dead_lettered = Counter(
            "choruswatch_routed_dead_lettered",
            "Routed records stage 2 could not read, sent to the routed dead-letter topic.",
            registry=r,
        )
        self.alerts_dead_lettered = Counter(
            "choruswatch_alerts_dead_lettered",
            "Alert records the sink could not read or store for good, by reason.",
            ["reason"],
            registry=r,
        )
        self.dead_letter_failures = Counter(
            "choruswatch_dead_letter_failures",
            "Dead letters the broker refused for good (the only way a record can be lost: alert on it).",
            registry=r,
        )
        self.stage_mentions = Gauge(
            "choruswatch_stage_mentions",
            "Persisted totals of a stage over the partitions this worker owns, by outcome; they survive "
            "restarts (detect: consumed = processed + duplicate + in_flight + dead_lettered; late is a "
            "subset of processed).",
            ["stage", "outcome"],
            registry=r,
        )
        self.detector_failures = Counter(
            "choruswatch_detector_failures",
            "Detector calls that raised (a bug); the mentions of such a call are dead-lettered.",
            registry=r,
        )
        self.es_resyncs = Counter(
            "choruswatch_es_resyncs",
            "Times the sink re-read the alerts topic because the index was created anew.",
            registry=r,
        )
        self.live_narratives = Gauge(
            "choruswatch_live_narratives", "Narratives currently tracked by this worker.", registry=r
        )

    def _campaign_metrics(self, r: CollectorRegistry) -> None:
        """The campaign stage: facts applied, duplicates, dead letters, campaign alerts."""
        self.campaign_facts_applied = Counter(
            "choruswatch_campaign_facts_applied",
            "Campaign facts (actions, narrative reports) taken by the campaign stage, each once.",
            registry=r,
        )
        self.campaign_facts_duplicates = Counter(
            "choruswatch_campaign_facts_duplicates",
            "Campaign facts skipped because they were already applied (stage 2 replayed them).",
            registry=r,
        )
        self.campaign_facts_dead_lettered = Counter(
            "choruswatch_campaign_facts_dead_lettered",
            "Unreadable campaign facts records sent to the dead-letter topic.",
            registry=r,
        )
        self.campaign_alerts_published = Counter(
            "choruswatch_campaign_alerts_published",
            "Campaign alert revisions (Alert v2) published, by severity and status.",
            ["severity", "status"],
            registry=r,
        )
        self.campaign_tracker_failures = Counter(
            "choruswatch_campaign_tracker_failures",
            "Campaign tracker calls that raised (their facts are lost to the campaign level).",
            registry=r,
        )
        self.live_campaigns = Gauge(
            "choruswatch_live_campaigns", "Campaigns currently tracked by the campaign stage.", registry=r
        )

    def _output_metrics(self, r: CollectorRegistry) -> None:
        """Alerts emitted, the Elasticsearch sink, consumer lag, model and sink health."""
        self.alerts_emitted = Counter(
            "choruswatch_alerts_emitted",
            "Alert revisions emitted, by severity and status.",
            ["severity", "status"],
            registry=r,
        )
        self.es_documents_indexed = Counter(
            "choruswatch_es_documents_indexed", "Alert revisions acknowledged by Elasticsearch.", registry=r
        )
        self.es_bulk_failures = Counter(
            "choruswatch_es_bulk_failures",
            "Bulk requests (or items) Elasticsearch did not accept.",
            registry=r,
        )
        self.es_bulk_retries = Counter(
            "choruswatch_es_bulk_retries", "Bulk requests sent again after a failure.", registry=r
        )
        self.es_pending_alerts = Gauge(
            "choruswatch_es_pending_alerts", "Alert revisions waiting to be indexed.", registry=r
        )
        self.consumer_lag = Gauge(
            "choruswatch_consumer_lag",
            "Records behind the end of each assigned partition (end offset - position), by stage.",
            ["stage", "topic", "partition"],
            registry=r,
        )
        self.model_loaded = Gauge(
            "choruswatch_model_loaded", "1 when the embedding model is loaded.", registry=r
        )
        self.sink_up = Gauge("choruswatch_sink_up", "1 when the sink answers, by sink.", ["sink"], registry=r)

    def _analyst_metrics(self, r: CollectorRegistry) -> None:
        """The analyst's loop (docs/analyst-guide.md): verdicts, suppression, watchlist, reply storms."""
        self.verdicts_applied = Counter(
            "choruswatch_verdicts_applied",
            "New analyst verdicts applied to the worker's verdict book, by value and where they came from.",
            ["verdict", "source"],
            registry=r,
        )
        self.verdicts_in_force = Gauge(
            "choruswatch_verdicts_in_force",
            "Alerts with a verdict in force in this worker's book.",
            registry=r,
        )
        self.suppressed_revisions = Counter(
            "choruswatch_suppressed_revisions",
            "Alert revisions held back by a false_positive verdict: v1 narrative alerts (stage 2), "
            "v2 campaign, resurfacing and reply-storm alerts (campaign stage).",
            ["version"],
            registry=r,
        )
        self.watchlist_matches = Counter(
            "choruswatch_watchlist_matches",
            "(mention, claim) matches with the watchlist seen by the campaign stage (claim sightings).",
            registry=r,
        )
        self.resurfacing_revisions = Counter(
            "choruswatch_resurfacing_revisions",
            "'known claim resurfacing' alert revisions published.",
            registry=r,
        )
        self.reply_storm_revisions = Counter(
            "choruswatch_reply_storm_revisions", "'reply storm' alert revisions published.", registry=r
        )
        self.analyst_file_reloads = Counter(
            "choruswatch_analyst_file_reloads",
            "Changed analyst files: loaded (in force now) or refused (the previous version stays).",
            ["file", "outcome"],
            registry=r,
        )

    # ----------------------------------------------------------------------------------------- helpers
    def verdict_applied(self, verdict: str, source: str) -> None:
        self.verdicts_applied.labels(
            verdict=bounded(verdict, VERDICT_VALUES), source=bounded(source, VERDICT_SOURCES)
        ).inc()

    def count_global_step(self, counters: AnalystCounters) -> None:
        """The analyst counters of one campaign-stage step."""
        self.suppressed_revisions.labels(version="v2").inc(counters.suppressed_revisions)
        self.watchlist_matches.inc(counters.claim_sightings)
        self.resurfacing_revisions.inc(counters.resurfacing_revisions)
        self.reply_storm_revisions.inc(counters.reply_storm_revisions)

    def mention_invalid(self, reason: str) -> None:
        self.mentions_invalid.labels(reason=bounded(reason, INVALID_REASONS)).inc()

    def mention_dead_lettered(self, reason: str) -> None:
        self.mentions_dead_lettered.labels(reason=bounded(reason, INVALID_REASONS)).inc()

    def observe_embedding_batch(self, size: int, seconds: float) -> None:
        self.embedding_batch_size.observe(size)
        self.embedding_batch_seconds.observe(seconds)

    def set_cache_stats(self, hits: int, misses: int) -> None:
        """Record a cache's cumulative hit/miss counts (e.g. CachedEmbedder.hits / .misses)."""
        with self._cache_lock:
            seen_hits, seen_misses = self._cache_seen
            # A cache rebuilt after a restart starts from 0 again; count its totals from there.
            if hits < seen_hits or misses < seen_misses:
                seen_hits, seen_misses = 0, 0
            self.embedding_cache_hits.inc(hits - seen_hits)
            self.embedding_cache_misses.inc(misses - seen_misses)
            self._cache_seen = (hits, misses)
        lookups = hits + misses
        self.embedding_cache_hit_ratio.set(hits / lookups if lookups else 0.0)

    def alert_emitted(
        self, severity: str, status: str, latency_seconds: float | None = None, *, cause: str = "data"
    ) -> None:
        self.alerts_emitted.labels(
            severity=bounded(severity, SEVERITIES), status=bounded(status, ALERT_STATUSES)
        ).inc()
        if latency_seconds is not None and latency_seconds >= 0:
            self.event_to_alert_latency_seconds.labels(cause=bounded(cause, LATENCY_CAUSES)).observe(
                latency_seconds
            )

    def set_consumer_lag(self, stage: str, topic: str, partition: int, lag: int) -> None:
        # Topic and partition come from the worker's own assignment: a fixed, small set.
        self.consumer_lag.labels(stage=bounded(stage, STAGES), topic=topic, partition=str(partition)).set(
            max(lag, 0)
        )

    def set_stage_totals(self, stage: str, totals: Mapping[str, int]) -> None:
        for outcome, value in totals.items():
            self.stage_mentions.labels(stage=bounded(stage, STAGES), outcome=bounded(outcome, OUTCOMES)).set(
                value
            )

    def set_sink_up(self, sink: str, up: bool) -> None:
        self.sink_up.labels(sink=bounded(sink, SINKS)).set(1 if up else 0)

    def exposition(self) -> bytes:
        """The registry in Prometheus text format."""
        return generate_latest(self.registry)


@dataclass(frozen=True, slots=True)
class HealthReport:
    model_loaded: bool
    kafka_reachable: bool
    elasticsearch_reachable: bool | None  # None: this process has no Elasticsearch sink

    @property
    def ok(self) -> bool:
        return self.model_loaded and self.kafka_reachable and self.elasticsearch_reachable is not False

    def to_dict(self) -> dict[str, object]:
        return {
            "status": "ok" if self.ok else "degraded",
            "model_loaded": self.model_loaded,
            "kafka_reachable": self.kafka_reachable,
            "elasticsearch_reachable": self.elasticsearch_reachable,
        }


class Health:
    """Thread-safe health state, set by the worker and read by `/health`; mirrored into the gauges.

    `uses_elasticsearch=False` for workers without the Elasticsearch sink: their health ignores it.
    `needs_model=False` for processes that do not embed (e.g. a sink-only consumer).
    """

    def __init__(
        self, metrics: Metrics | None = None, *, uses_elasticsearch: bool = True, needs_model: bool = True
    ) -> None:
        self._metrics = metrics
        self._lock = threading.Lock()
        self._model_loaded = not needs_model
        self._kafka = False
        self._es: bool | None = False if uses_elasticsearch else None

    def set_model_loaded(self, loaded: bool = True) -> None:
        with self._lock:
            self._model_loaded = loaded
        if self._metrics is not None:
            self._metrics.model_loaded.set(1 if loaded else 0)

    def set_kafka_reachable(self, up: bool) -> None:
        with self._lock:
            self._kafka = up
        if self._metrics is not None:
            self._metrics.set_sink_up("kafka", up)

    def set_elasticsearch_reachable(self, up: bool) -> None:
        with self._lock:
            if self._es is None:
                return
            self._es = up
        if self._metrics is not None:
            self._metrics.set_sink_up("elasticsearch", up)

    def report(self) -> HealthReport:
        with self._lock:
            return HealthReport(self._model_loaded, self._kafka, self._es)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._send(200, CONTENT_TYPE_LATEST, self.server.metrics.exposition())
        elif path == "/health":
            report = self.server.health.report()
            body = json.dumps(report.to_dict()).encode()
            self._send(200 if report.ok else 503, "application/json", body)
        elif path == "/health/live":
            self._send(200, "application/json", b'{"status": "alive"}')
        else:
            self._send(404, "text/plain; charset=utf-8", b"not found: try /metrics or /health\n")

    def _send(self, code: int, content_type: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        # Scrapes every few seconds would flood the worker's log; keep them at debug level.
        log.debug("metrics http: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], metrics: Metrics, health: Health) -> None:
        self.metrics = metrics
        self.health = health
        super().__init__(address, _Handler)


class MetricsServer:
    """`/metrics` and `/health` over HTTP from a daemon thread; `port` is the bound port (0 → free one)."""

    def __init__(self, metrics: Metrics, health: Health, host: str = "0.0.0.0", port: int = 9464) -> None:
        self._server = _Server((host, port), metrics, health)
        self.host = host
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics-http", daemon=True)

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> Self:
        self._thread.start()
        log.info("metrics on %s/metrics, health on %s/health", self.url, self.url)
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(5)
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
