"""Chaos on the embedded stack: nothing lost, nothing duplicated, nothing crashed.

A labelled scenario with every campaign kind is interleaved with a flood of poison records (random
bytes, bad UTF-8, JSON arrays, a 2 MB text, 5,000-digit numbers, lone surrogates, years 0001 and
3000, tombstones, empty values). While it streams through one worker running all three stages, the
worker is killed with `kill -9` and started again, and the search server is restarted empty. Then:

- every valid mention was processed exactly once by the detectors (the persisted per-bucket counters
  read back from the state changelog), none is pending, none was late;
- every poison record sits in the dead-letter topic with its reason, by source offset;
- the alerts topic holds exactly `choruswatch detect`'s revisions for the valid mentions;
- the index holds every alert at its latest revision, once (the lost index was rebuilt from the topic);
- the worker that finished never crashed: no traceback, its agents never restarted.
"""

from __future__ import annotations

import dataclasses
import json
import random
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from choruswatch.simulate import generate
from streams.dlq import read_dead_letter_headers
from streams.embedded import EmbeddedSearch, free_port
from streams.settings import Settings
from tests.integration.conftest import consume_all
from tests.integration.test_crash_recovery import (
    alert_events,
    bucket_states,
    check_alerts,
    reference_alerts,
)
from tests.integration.worker_helpers import WorkerProcess, stored_revisions, wait_for

VALID_JSON = {
    "id": "x",
    "platform": "x",
    "created_at": "2026-03-01T00:00:00Z",
    "text": "t",
    "author": {"id": "a"},
}


def poison(rng: random.Random) -> list[tuple[bytes | None, str]]:
    """(value, expected error code) for every kind of garbage."""

    def with_(**kw: Any) -> bytes:
        return json.dumps({**VALID_JSON, **kw}).encode()

    huge_number = json.dumps(VALID_JSON)[:-1].encode() + b', "n": ' + b"7" * 5000 + b"}"
    return [
        (bytes(rng.randrange(256) for _ in range(300)), "decode"),
        (b"\xc3\x28\xa0\xa1 not utf-8", "decode"),
        (b"[1, 2, 3]", "schema"),
        (with_(text="x" * 2_000_000), "too_large"),
        (huge_number, "decode"),
        (with_(text="a \ud800 b"), "schema"),  # json.dumps writes the lone surrogate as an escape
        (with_(created_at="0001-01-01T00:00:00Z"), "schema"),
        (with_(created_at="3000-01-01T00:00:00Z"), "future_timestamp"),
        (None, "decode"),
        (b"", "decode"),
    ]


@pytest.fixture
def search() -> Iterator[EmbeddedSearch]:
    """A search server of this test's own, on a fixed port, so it can be restarted empty."""
    server = EmbeddedSearch(free_port()).start()
    yield server
    server.stop()


def produce(settings: Settings, values: list[bytes | None]) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, acks="all", max_request_size=4_000_000
    )
    try:
        for value in values:
            producer.send(settings.topic_mentions, value=value, key=b"k" if value is None else None)
        producer.flush(timeout=60)
    finally:
        producer.close()


def test_poison_kill_9_and_a_lost_index_lose_and_duplicate_nothing(
    stack_settings: Settings, search: EmbeddedSearch, tmp_path: Path
) -> None:
    scenario = generate(seed=11, mentions=1500, hours=4.0)
    rows = scenario.mentions
    allowlist = tmp_path / "allowlist.txt"
    allowlist.write_text("".join(f"{a}\n" for a in scenario.allowlist), encoding="utf-8")
    settings = dataclasses.replace(stack_settings, es_url=search.url, allowlist_file=allowlist)
    rng = random.Random(3)
    bad = poison(rng) * 3
    stream: list[bytes | None] = [json.dumps(r).encode() for r in rows]
    for value, _ in bad:
        stream.insert(rng.randrange(len(stream)), value)
    half = len(stream) // 2

    worker = _worker(settings)
    produce(settings, stream[:half])
    wait_for(lambda: len(alert_events(settings)) > 0, 120, "a first alert", worker)
    worker.process.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
    worker.process.wait()  # type: ignore[union-attr]
    worker = _worker(settings)
    produce(settings, stream[half:])
    wait_for(
        lambda: bool(stored_revisions(settings, _alert_ids(settings))), 120, "alerts in the index", worker
    )
    search.stop()
    search.start()  # back, and empty: the running worker must notice and rebuild the index
    try:
        wait_for(lambda: _processed(settings) >= len(rows), 240, "every valid mention", worker)
        reference = reference_alerts(settings, rows, tmp_path, allowlist)
        latest = {a["alert_id"]: a["revision"] for a in reference.values()}
        wait_for(lambda: stored_revisions(settings, latest) == latest, 120, "the index rebuilt", worker)
        log = worker.log_text()
    finally:
        worker.stop()

    states = bucket_states(settings)
    assert sum(s.buffer.processed for s in states.values()) == len(rows), "lost or counted twice"
    assert (
        not any(s.buffer.pending for s in states.values())
        and sum(s.buffer.late for s in states.values()) == 0
    )
    check_alerts(alert_events(settings), reference)
    _check_dead_letters(settings, bad)
    assert _document_count(settings) == len(latest), "duplicate or missing documents"
    assert "Traceback" not in log and "crashed" not in log.lower(), log[-3000:]


def _worker(settings: Settings) -> WorkerProcess:
    worker = WorkerProcess(settings)
    worker._env.update({"CHORUSWATCH_CHECKPOINT_INTERVAL_S": "2", "CHORUSWATCH_REORDER_LATENESS_S": "2"})
    return worker.start()


def _alert_ids(settings: Settings) -> set[str]:
    return {event["data"]["alert_id"] for event in alert_events(settings)}


def _processed(settings: Settings) -> int:
    return sum(s.buffer.processed for s in bucket_states(settings).values())


def _check_dead_letters(settings: Settings, bad: list[tuple[bytes | None, str]]) -> None:
    # At least once: a record read again after the kill -9 may be dead-lettered twice; count sources.
    by_source: dict[tuple[str, str], dict[str, str]] = {}
    for record in consume_all(settings.kafka_bootstrap, settings.topic_dlq, timeout=2.0):
        headers = read_dead_letter_headers(record.headers)
        by_source[(headers["source-partition"], headers["source-offset"])] = headers
    codes = Counter(h["error-code"] for h in by_source.values())
    assert sorted(codes.items()) == sorted(Counter(code for _, code in bad).items())
    big = max(len(value or b"") for value, _ in bad)
    cut = [h for h in by_source.values() if "original-bytes" in h]
    assert [h["original-bytes"] for h in cut] == [str(big)] * 3  # the 2 MB record, cut, accounted for


def _document_count(settings: Settings) -> int:
    from streams.clients import es_client

    client: Any = es_client(settings)
    try:
        client.indices.refresh(index=settings.es_alias)
        return int(client.count(index=settings.es_alias)["count"])
    finally:
        client.close()
