"""Bad input on a real broker: every kind of poison record lands in the DLQ with its reason header, and
the worker (a real subprocess) keeps running and processes the good mentions sent after them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.dlq import read_dead_letter_headers
from streams.settings import Settings
from streams.wire import TICK_HEADER
from tests.integration.conftest import consume_all, produce_json

ROOT = Path(__file__).resolve().parents[2]


def _mention(i: int, created_at: str = "2026-03-01T00:00:00Z", text: str | None = None) -> dict:
    return {
        "id": f"m{i}",
        "platform": "x",
        "created_at": created_at,
        "text": text or f"the dam upstream will break tonight, evacuate now {i % 3}",
        "author": {"id": f"acct{i}", "handle": f"acct{i}"},
    }


@pytest.fixture
def worker(stack_settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        **stack_settings.to_env(),
        "CHORUSWATCH_EMBEDDER": "hashing",
        "CHORUSWATCH_METRICS_PORT": "0",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "choruswatch.cli", "worker", "--stages", "embed,detect"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_poison_records_are_dead_lettered_and_the_worker_keeps_going(
    stack_settings: Settings, worker: subprocess.Popen[bytes]
) -> None:
    bad = {
        b"\x00\x01garbage\xff": "decode",
        b"\xc3\x28 invalid utf-8": "decode",
        json.dumps([1, 2, 3]).encode(): "schema",
        json.dumps({k: v for k, v in _mention(1).items() if k != "author"}).encode(): "schema",
        json.dumps(_mention(2, text="x" * 1_000_000)).encode(): "too_large",
        json.dumps(_mention(3, created_at="2099-01-01T00:00:00Z")).encode(): "future_timestamp",
    }
    produce_json(stack_settings.kafka_bootstrap, stack_settings.topic_mentions, list(bad))
    good = [_mention(100 + i, created_at=f"2026-03-01T00:00:{i:02d}Z") for i in range(20)]
    produce_json(stack_settings.kafka_bootstrap, stack_settings.topic_mentions, good)

    deadline = time.monotonic() + 90
    dead: list = []
    while time.monotonic() < deadline and len(dead) < len(bad):
        assert worker.poll() is None, "the worker died"
        dead = consume_all(stack_settings.kafka_bootstrap, stack_settings.topic_dlq, timeout=1.0)
    assert worker.poll() is None
    by_value = {rec.value: read_dead_letter_headers(rec.headers) for rec in dead}
    assert set(by_value) == set(bad)  # original bytes, untouched
    for raw, code in bad.items():
        headers = by_value[raw]
        assert headers["error-code"] == code
        assert headers["source-topic"] == stack_settings.topic_mentions
        assert headers["error-reason"] and headers["source-offset"].isdigit()

    routed: list = []
    while time.monotonic() < deadline and len(routed) < len(good):
        routed = [
            r
            for r in consume_all(stack_settings.kafka_bootstrap, stack_settings.topic_routed, timeout=1.0)
            if not any(name == TICK_HEADER for name, _ in (r.headers or []))
        ]
    assert sorted(json.loads(r.value)["m"]["id"] for r in routed) == sorted(m["id"] for m in good)
