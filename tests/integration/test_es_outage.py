"""Elasticsearch outage: the worker starts while the search server is down, keeps running and says it is
degraded; once a server answers at the configured address, every alert on the topic reaches the index at
its last revision (Kafka was the buffer; nothing is lost)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from streams.embedded import EmbeddedSearch, free_port
from streams.settings import Settings
from tests.integration.conftest import produce_json
from tests.integration.worker_helpers import (
    WorkerProcess,
    alerts_by_id,
    copy_paste_campaign,
    organic_chatter,
    stored_revisions,
    wait_for,
    wait_index_matches_topic,
)

CAMPAIGN_TEXT = "The dam upstream will break tonight, the council hides it, evacuate now #DamBreak"


@pytest.fixture
def down_search() -> Iterator[EmbeddedSearch]:
    """A search server on a fixed free port, not started yet (the test starts it)."""
    server = EmbeddedSearch(free_port())
    yield server
    server.stop()


def test_alerts_wait_while_elasticsearch_is_down_and_all_arrive_after(
    stack_settings: Settings, down_search: EmbeddedSearch
) -> None:
    settings = replace(
        stack_settings,
        es_url=down_search.url,
        es_request_timeout_s=2.0,
        es_max_tries=2,
        es_backoff_initial_s=0.2,
        es_backoff_max_s=2.0,
    )
    with WorkerProcess(settings) as worker:
        wait_for(lambda: worker.health() is not None, 60, "/health to answer", worker)
        produce_json(settings.kafka_bootstrap, settings.topic_mentions, organic_chatter("org", 80, 600))
        produce_json(
            settings.kafka_bootstrap,
            settings.topic_mentions,
            copy_paste_campaign("dam", 30, 200, CAMPAIGN_TEXT),
        )

        wait_for(lambda: bool(alerts_by_id(settings)), 90, "an alert on the topic", worker)
        # The sink has tried and failed: alerts pending, retries counted, degraded, and still running.
        wait_for(
            lambda: (
                (worker.metric("choruswatch_es_pending_alerts") or 0) >= 1
                and (worker.metric("choruswatch_es_bulk_retries_total") or 0) >= 1
            ),
            60,
            "the sink to hold alerts pending and retry",
            worker,
        )
        health = worker.health()
        assert health is not None and health["status"] == "degraded", health
        assert health["elasticsearch_reachable"] is False
        assert worker.metric("choruswatch_sink_up", sink="elasticsearch") == 0
        assert worker.alive

        waiting = set(alerts_by_id(settings))  # emitted while the server was down
        down_search.start()
        wait_index_matches_topic(settings, worker, 90)
        wait_for(lambda: (worker.health() or {}).get("status") == "ok", 30, "/health to be ok again", worker)
        assert worker.alive
        assert waiting <= set(stored_revisions(settings, waiting)), "an alert from the outage was lost"
        assert worker.metric("choruswatch_es_pending_alerts") == 0
        assert worker.metric("choruswatch_sink_up", sink="elasticsearch") == 1
        log = worker.log_text()
        assert "Elasticsearch sink paused" in log and "Elasticsearch sink resumed" in log
        assert "Traceback" not in log
