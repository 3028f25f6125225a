"""The Elasticsearch sink against a real osmem-server over HTTP (plain-json mode).

Setup is idempotent; revisions only move forward; analyst fields survive revisions; severity can be
searched and aggregated; alerts written while the server is down all arrive once it is up.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from schemas.models import Alert, validate_alert_dict
from streams.clients import es_client
from streams.embedded import EmbeddedSearch, free_port
from streams.es import (
    AlertIndexer,
    IndexingUnavailable,
    alert_to_document,
    ensure_alert_index,
    first_index_name,
    load_index_template,
    setup_alert_index,
)
from streams.metrics import Health, Metrics
from streams.settings import Settings


def make_alert(
    alert_id: str, revision: int, *, severity: str = "high", label: str = "vaccine hoax"
) -> dict[str, Any]:
    alert = {
        "schema_version": "1",
        "alert_id": alert_id,
        "revision": revision,
        "status": "open" if revision == 1 else "updated",
        "as_of": f"2025-03-01T12:{revision:02d}:00Z",
        "first_seen": "2025-03-01T12:00:00Z",
        "last_seen": f"2025-03-01T12:{revision:02d}:00+00:00",
        "severity": severity,
        "score": 0.5 + revision / 100,
        "authentic": False,
        "authentic_reason": None,
        "narrative": {
            "id": f"n-{alert_id}",
            "label": f"{label} r{revision}",
            "keywords": ["vaccine", "hoax"],
            "representative_texts": ["The vaccine is a hoax, share before they delete it"],
            "size": 10 * revision,
            "accounts": 5 * revision,
            "languages": ["en"],
            "platforms": ["x"],
        },
        "signals": {
            "near_duplicate": {
                "value": 0.9,
                "weight": 2.0,
                "contribution": 0.6,
                "detail": "9 of 10 near-identical",
            },
            "synchrony": {"value": 0.7, "weight": 1.0, "contribution": 0.4, "detail": "burst in 60 s"},
        },
        "evidence": {
            "top_accounts": [{"id": "a1", "handle": "@a1", "count": 3}],
            "links": [{"url": "https://example.org/x", "count": 4, "accounts": 3}],
            "hashtags": [{"tag": "hoax", "count": 5, "accounts": 4}],
            "timeline": [{"minute": "2025-03-01T12:00:00Z", "count": 10}],
            "sample_mention_ids": ["m1", "m2"],
        },
        "detector": {"version": "0.1.0", "embedding_model": "all-MiniLM-L6-v2", "thresholds": {"alert": 0.5}},
    }
    validate_alert_dict(alert)
    return alert


@pytest.fixture
def es_settings(stack_settings: Settings, unique_name: Callable[[str], str]) -> Iterator[Settings]:
    """Settings with an alias of this test's own; its indices are deleted afterwards."""
    settings = dataclasses.replace(stack_settings, es_alias=unique_name("cw-alerts"))
    yield settings
    client: Any = es_client(settings)
    try:
        client.indices.delete(index=f"{settings.es_alias}-*", ignore_unavailable=True, allow_no_indices=True)
        client.indices.delete_index_template(name=settings.es_alias)
    finally:
        client.close()


def _run_indexer(settings: Settings, batches: list[list[Any]], metrics: Metrics | None = None) -> list[Any]:
    async def go() -> list[Any]:
        indexer = AlertIndexer.from_settings(settings, metrics=metrics, refresh=True, backoff_initial_s=0.05)
        try:
            return [await indexer.index(batch) for batch in batches]
        finally:
            await indexer.close()

    return asyncio.run(go())


def _get(settings: Settings, alert_id: str) -> dict[str, Any]:
    client: Any = es_client(settings)
    try:
        return dict(client.get(index=settings.es_alias, id=alert_id)["_source"])
    finally:
        client.close()


def test_setup_is_idempotent_and_creates_alias_and_mapping(es_settings: Settings) -> None:
    assert asyncio.run(setup_alert_index(es_settings)) is True
    assert asyncio.run(setup_alert_index(es_settings)) is False
    env = es_settings.to_env() | {"PATH": "/usr/bin:/bin"}
    cli = subprocess.run(
        [sys.executable, "-m", "choruswatch.cli", "es", "setup"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    assert "already set up" in cli.stdout
    client: Any = es_client(es_settings)
    try:
        aliases = client.indices.get_alias(name=es_settings.es_alias)
        assert aliases[first_index_name(es_settings.es_alias)]["aliases"][es_settings.es_alias][
            "is_write_index"
        ]
        mapping = client.indices.get_mapping(index=es_settings.es_alias)
        props = mapping[first_index_name(es_settings.es_alias)]["mappings"]["properties"]
        assert props["analyst"]["properties"]["verdict"] == {"type": "keyword"}
        assert props["event"]["properties"]["severity"] == {"type": "long"}
        assert props["choruswatch"]["properties"]["narrative"]["properties"]["label"]["fields"]["keyword"][
            "type"
        ] == ("keyword")
    finally:
        client.close()


def _mapped_paths(properties: dict[str, Any], prefix: str = "") -> set[str]:
    paths: set[str] = set()
    for name, spec in properties.items():
        path = prefix + name
        paths.add(path)
        if "properties" in spec:
            paths |= _mapped_paths(spec["properties"], path + ".")
    return paths


def _document_paths(doc: dict[str, Any], prefix: str = "") -> set[str]:
    paths: set[str] = set()
    for name, value in doc.items():
        path = prefix + name
        paths.add(path)
        if isinstance(value, dict):
            paths |= _document_paths(value, path + ".")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                paths |= _document_paths(item, path + ".")
    return paths


def test_every_document_field_is_mapped() -> None:
    mapping = load_index_template("x")["template"]["mappings"]["properties"]
    mapped = _mapped_paths(mapping)
    doc = alert_to_document(make_alert("a", 1))
    # timeline and thresholds are stored, not indexed (enabled: false); labels are free-form keywords.
    unmapped = {
        p
        for p in _document_paths(doc) - mapped
        if not p.startswith(("choruswatch.evidence.timeline.", "choruswatch.detector.thresholds.", "labels."))
    }
    assert unmapped == set()
    assert doc["event"]["kind"] == "alert" and doc["event"]["severity"] == 3
    assert doc["event"]["risk_score"] == pytest.approx(51.0)
    assert "\n" not in doc["message"] and "vaccine hoax" in doc["message"]


def test_revisions_move_forward_and_replays_are_ignored(es_settings: Settings) -> None:
    metrics = Metrics()
    a1, a2, a3 = (make_alert("alert-1", r) for r in (1, 2, 3))
    # Alert objects are accepted as well as their dicts.
    a2_obj = Alert.from_dict(a2)
    results = _run_indexer(es_settings, [[a1], [a2_obj], [a3], [a2], [a1, a3]], metrics)
    assert results[0].created == ("alert-1",)
    assert results[1].updated == ("alert-1",) and results[2].updated == ("alert-1",)
    assert results[3].stale == ("alert-1",) and results[4].stale == ("alert-1",)
    doc = _get(es_settings, "alert-1")
    assert doc["choruswatch"]["revision"] == 3
    assert doc["choruswatch"]["narrative"]["label"] == "vaccine hoax r3"
    assert doc["analyst"]["status"] == "new" and doc["analyst"]["verdict"] == "pending"
    assert metrics.es_documents_indexed._value.get() == 3
    client: Any = es_client(es_settings)
    try:
        assert client.count(index=es_settings.es_alias)["count"] == 1
    finally:
        client.close()


def test_analyst_fields_survive_later_revisions(es_settings: Settings) -> None:
    _run_indexer(es_settings, [[make_alert("alert-2", 1)]])
    client: Any = es_client(es_settings)
    try:
        client.update(
            index=es_settings.es_alias,
            id="alert-2",
            doc={
                "analyst": {
                    "status": "triaged",
                    "verdict": "coordinated_inauthentic",
                    "assignee": "analyst@mfa.example",
                    "notes": "matches the March campaign",
                    "updated_at": "2025-03-01T13:00:00Z",
                }
            },
            refresh=True,
        )
    finally:
        client.close()
    _run_indexer(es_settings, [[make_alert("alert-2", 2)], [make_alert("alert-2", 5)]])
    doc = _get(es_settings, "alert-2")
    assert doc["choruswatch"]["revision"] == 5
    assert doc["analyst"] == {
        "status": "triaged",
        "verdict": "coordinated_inauthentic",
        "assignee": "analyst@mfa.example",
        "notes": "matches the March campaign",
        "updated_at": "2025-03-01T13:00:00Z",
    }


def test_search_and_aggregate_by_severity(es_settings: Settings) -> None:
    batch = [
        make_alert(f"s-{i}", 1, severity=sev) for i, sev in enumerate(["low", "high", "high", "critical"])
    ]
    _run_indexer(es_settings, [batch])
    client: Any = es_client(es_settings)
    try:
        high = client.search(
            index=es_settings.es_alias, query={"range": {"event.severity": {"gte": 3}}}, size=10
        )
        assert sorted(h["_id"] for h in high["hits"]["hits"]) == ["s-1", "s-2", "s-3"]
        aggs = client.search(
            index=es_settings.es_alias, size=0, aggs={"sev": {"terms": {"field": "choruswatch.severity"}}}
        )
        buckets = {b["key"]: b["doc_count"] for b in aggs["aggregations"]["sev"]["buckets"]}
        assert buckets == {"low": 1, "high": 2, "critical": 1}
        text = client.search(index=es_settings.es_alias, query={"match": {"message": "hoax"}})
        assert text["hits"]["total"]["value"] == 4
    finally:
        client.close()


def test_alerts_wait_while_the_server_is_down_and_all_arrive(
    stack_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="streams.es")
    port = free_port()
    settings = dataclasses.replace(
        stack_settings, es_url=f"http://127.0.0.1:{port}", es_request_timeout_s=2.0
    )
    metrics = Metrics()
    health = Health(metrics)
    alerts = [make_alert(f"o-{i}", 1) for i in range(20)] + [make_alert("o-0", 2)]
    server = EmbeddedSearch(port)

    async def scenario() -> tuple[int, int]:
        indexer = AlertIndexer.from_settings(
            settings, metrics=metrics, health=health, refresh=True, max_tries=3, backoff_initial_s=0.05
        )
        try:
            with pytest.raises(IndexingUnavailable):
                await indexer.index(alerts)
            assert indexer.pending == 20  # o-0 is held once, at its latest revision
            assert metrics.es_pending_alerts._value.get() == 20
            assert metrics.sink_up.labels(sink="elasticsearch")._value.get() == 0
            assert not health.report().ok
            await asyncio.to_thread(server.start)
            for _ in range(50):  # the caller's loop: pause, then flush what is pending
                try:
                    await indexer.flush()
                    break
                except IndexingUnavailable:
                    await asyncio.sleep(0.1)
            return indexer.pending, int(metrics.es_bulk_retries._value.get())
        finally:
            await indexer.close()

    try:
        pending, retries = asyncio.run(asyncio.wait_for(scenario(), timeout=120))
        assert pending == 0 and retries >= 2
        assert "Elasticsearch unreachable" in caplog.text and "Elasticsearch reachable" in caplog.text
        assert metrics.sink_up.labels(sink="elasticsearch")._value.get() == 1
        client: Any = es_client(settings)
        try:
            assert client.count(index=settings.es_alias)["count"] == 20
            assert client.get(index=settings.es_alias, id="o-0")["_source"]["choruswatch"]["revision"] == 2
        finally:
            client.close()
    finally:
        server.stop()


def test_index_recreated_when_the_server_loses_it(es_settings: Settings) -> None:
    async def go() -> None:
        indexer = AlertIndexer.from_settings(es_settings, refresh=True, backoff_initial_s=0.05)
        client: Any = es_client(es_settings, asynchronous=True)
        try:
            await indexer.index([make_alert("r-1", 1)])
            await client.indices.delete(index=first_index_name(es_settings.es_alias))
            await indexer.index([make_alert("r-1", 2)])
            assert await ensure_alert_index(client, es_settings.es_alias) is False
        finally:
            await indexer.close()
            await client.close()

    asyncio.run(go())
    assert _get(es_settings, "r-1")["choruswatch"]["revision"] == 2
