"""Metrics: Prometheus naming, bounded labels, a parseable exposition, and /health status codes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from detectors.global_level import AnalystCounters
from streams.metrics import OTHER, Health, Metrics, MetricsServer

# docs/architecture.md "Metrics": name -> (type, label names)
DOCUMENTED = {
    "choruswatch_mentions_consumed": ("counter", set()),
    "choruswatch_mentions_processed": ("counter", set()),
    "choruswatch_mentions_invalid": ("counter", {"reason"}),
    "choruswatch_mentions_dead_lettered": ("counter", {"reason"}),
    "choruswatch_embedding_batch_size": ("histogram", set()),
    "choruswatch_embedding_batch_seconds": ("histogram", set()),
    "choruswatch_embedding_cache_hits": ("counter", set()),
    "choruswatch_embedding_cache_misses": ("counter", set()),
    "choruswatch_embedding_cache_hit_ratio": ("gauge", set()),
    "choruswatch_event_to_alert_latency_seconds": ("histogram", {"cause"}),
    "choruswatch_routed_dead_lettered": ("counter", set()),
    "choruswatch_alerts_dead_lettered": ("counter", {"reason"}),
    "choruswatch_dead_letter_failures": ("counter", set()),
    "choruswatch_es_resyncs": ("counter", set()),
    "choruswatch_detector_failures": ("counter", set()),
    "choruswatch_stage_mentions": ("gauge", {"stage", "outcome"}),
    "choruswatch_live_narratives": ("gauge", set()),
    "choruswatch_campaign_facts_applied": ("counter", set()),
    "choruswatch_campaign_facts_duplicates": ("counter", set()),
    "choruswatch_campaign_facts_dead_lettered": ("counter", set()),
    "choruswatch_campaign_alerts_published": ("counter", {"severity", "status"}),
    "choruswatch_campaign_tracker_failures": ("counter", set()),
    "choruswatch_live_campaigns": ("gauge", set()),
    "choruswatch_verdicts_applied": ("counter", {"verdict", "source"}),
    "choruswatch_verdicts_in_force": ("gauge", set()),
    "choruswatch_suppressed_revisions": ("counter", {"version"}),
    "choruswatch_watchlist_matches": ("counter", set()),
    "choruswatch_resurfacing_revisions": ("counter", set()),
    "choruswatch_reply_storm_revisions": ("counter", set()),
    "choruswatch_analyst_file_reloads": ("counter", {"file", "outcome"}),
    "choruswatch_alerts_emitted": ("counter", {"severity", "status"}),
    "choruswatch_es_documents_indexed": ("counter", set()),
    "choruswatch_es_bulk_failures": ("counter", set()),
    "choruswatch_es_bulk_retries": ("counter", set()),
    "choruswatch_es_pending_alerts": ("gauge", set()),
    "choruswatch_consumer_lag": ("gauge", {"stage", "topic", "partition"}),
    "choruswatch_model_loaded": ("gauge", set()),
    "choruswatch_sink_up": ("gauge", {"sink"}),
}
BOUNDED_LABELS = {
    *("reason", "severity", "status", "sink", "topic", "partition", "stage", "cause", "outcome"),
    *("verdict", "source", "version", "file"),
}


def _exercised() -> Metrics:
    m = Metrics()
    m.mentions_consumed.inc(10)
    m.mentions_processed.inc(8)
    m.mention_invalid("schema")
    m.mention_dead_lettered("schema")
    m.observe_embedding_batch(32, 0.04)
    m.set_cache_stats(hits=3, misses=7)
    m.alert_emitted("high", "open", latency_seconds=0.8)
    m.live_narratives.set(5)
    m.campaign_alerts_published.labels(severity="high", status="open").inc()
    m.es_documents_indexed.inc()
    m.es_pending_alerts.set(2)
    m.set_consumer_lag("embed", "mentions", 0, 12)
    m.set_sink_up("elasticsearch", True)
    m.set_stage_totals("detect", {"consumed": 3, "processed": 3})
    m.verdict_applied("false_positive", "index")
    m.verdicts_in_force.set(1)
    m.count_global_step(AnalystCounters(claim_sightings=2, resurfacing_revisions=1, suppressed_revisions=1))
    m.analyst_file_reloads.labels(file="watchlist", outcome="loaded").inc()
    return m


def _families(m: Metrics) -> dict[str, object]:
    return {f.name: f for f in text_string_to_metric_families(m.exposition().decode())}


def test_every_documented_metric_exists_with_its_type_and_labels() -> None:
    families = _families(_exercised())
    assert set(families) == set(DOCUMENTED)
    for name, (kind, labels) in DOCUMENTED.items():
        family = families[name]
        assert family.type == kind, name  # type: ignore[attr-defined]
        seen: set[str] = set()
        for sample in family.samples:  # type: ignore[attr-defined]
            seen |= set(sample.labels) - {"le"}
        assert seen == labels, name


def test_names_follow_prometheus_conventions() -> None:
    text = _exercised().exposition().decode()
    for family in text_string_to_metric_families(text):
        assert re.fullmatch(r"choruswatch_[a-z0-9_]+", family.name)
        if family.type == "counter":
            assert all(s.name.endswith("_total") for s in family.samples), family.name
        assert not family.name.endswith("_total")  # the parser strips it from counters only
        assert "_ms" not in family.name and "milliseconds" not in family.name
    assert "choruswatch_embedding_batch_seconds_bucket" in text
    assert "choruswatch_mentions_consumed_total 10.0" in text


def test_label_values_are_bounded() -> None:
    m = Metrics()
    for i in range(50):
        m.mention_invalid(f"weird-{i}")
        m.alert_emitted(f"sev-{i}", f"status-{i}")
        m.set_sink_up(f"sink-{i}", True)
        m.verdict_applied(f"verdict-{i}", f"source-{i}")
    for family in text_string_to_metric_families(m.exposition().decode()):
        for sample in family.samples:
            assert set(sample.labels) <= BOUNDED_LABELS | {"le"}
    assert m.mentions_invalid.labels(reason=OTHER)._value.get() == 50
    assert m.alerts_emitted.labels(severity=OTHER, status=OTHER)._value.get() == 50


def test_cache_stats_turn_cumulative_counts_into_counters_and_ratio() -> None:
    m = Metrics()
    m.set_cache_stats(hits=3, misses=1)
    m.set_cache_stats(hits=9, misses=3)
    assert m.embedding_cache_hits._value.get() == 9
    assert m.embedding_cache_misses._value.get() == 3
    assert m.embedding_cache_hit_ratio._value.get() == pytest.approx(0.75)
    m.set_cache_stats(hits=1, misses=1)  # a new cache after a restart: counters keep growing
    assert m.embedding_cache_hits._value.get() == 10
    assert m.embedding_cache_hit_ratio._value.get() == pytest.approx(0.5)


def test_registries_are_independent() -> None:
    a, b = Metrics(), Metrics()
    a.mentions_consumed.inc(5)
    assert b.mentions_consumed._value.get() == 0


def test_typo_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        Metrics().mentions_consumd.inc()  # type: ignore[attr-defined]


def _get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read(), resp.headers["Content-Type"]
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers["Content-Type"]


def test_http_server_serves_metrics_and_health_codes() -> None:
    metrics = _exercised()
    health = Health(metrics)
    with MetricsServer(metrics, health, host="127.0.0.1", port=0) as server:
        code, body, ctype = _get(server.url + "/metrics")
        assert code == 200 and ctype.startswith("text/plain")
        assert {f.name for f in text_string_to_metric_families(body.decode())} == set(DOCUMENTED)

        code, body, _ = _get(server.url + "/health")
        assert code == 503
        assert json.loads(body) == {
            "status": "degraded",
            "model_loaded": False,
            "kafka_reachable": False,
            "elasticsearch_reachable": False,
        }
        health.set_model_loaded()
        health.set_kafka_reachable(True)
        health.set_elasticsearch_reachable(True)
        code, body, _ = _get(server.url + "/health")
        assert code == 200 and json.loads(body)["status"] == "ok"
        assert metrics.model_loaded._value.get() == 1
        assert metrics.sink_up.labels(sink="kafka")._value.get() == 1

        health.set_elasticsearch_reachable(False)
        assert _get(server.url + "/health")[0] == 503
        assert metrics.sink_up.labels(sink="elasticsearch")._value.get() == 0
        # Liveness stays up while a sink is down: restarting the worker would not bring the sink back.
        code, body, _ = _get(server.url + "/health/live")
        assert code == 200 and json.loads(body) == {"status": "alive"}
        assert _get(server.url + "/nope")[0] == 404


def test_health_without_elasticsearch_sink_ignores_it() -> None:
    health = Health(uses_elasticsearch=False)
    health.set_model_loaded()
    health.set_kafka_reachable(True)
    health.set_elasticsearch_reachable(False)
    report = health.report()
    assert report.ok and report.to_dict()["elasticsearch_reachable"] is None


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed (make system-deps)")
def test_promtool_accepts_the_exposition() -> None:
    result = subprocess.run(
        ["promtool", "check", "metrics"], input=_exercised().exposition(), capture_output=True, timeout=30
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == b"" and result.stderr.strip() == b""
