"""Session fixtures for the integration tier: one real Tansu broker and one real osmem-server.

Fixtures (names are stable; other test modules rely on them):

- `embedded_stack` (session): the running `streams.embedded.EmbeddedStack`.
- `tansu` (session): the broker's bootstrap string, "127.0.0.1:PORT".
- `osmem` (session): the search server's base URL, "http://127.0.0.1:PORT".
- `stack_settings` (module): `Settings` pointing at both, with an app id, topic names and alias unique
  to the test module, and the topics already created. Its topics are deleted after the module.
- `unique_name` (function): a factory of short unique names ("prefix-1a2b3c4d") for ad-hoc topics etc.

Helpers (plain functions, import them: `from tests.integration.conftest import produce_json, consume_all`):

- `produce_json(bootstrap, topic, values, key=None) -> None`
- `consume_all(bootstrap, topic, timeout=5.0) -> list[ConsumerRecord]` (up to the end offsets of the call)

The whole tier is marked `integration`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from streams.embedded import EmbeddedStack
from streams.settings import Settings
from streams.topics import create_topics, delete_topics, topic_specs


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def embedded_stack() -> Iterator[EmbeddedStack]:
    with EmbeddedStack() as stack:
        yield stack


@pytest.fixture(scope="session")
def tansu(embedded_stack: EmbeddedStack) -> str:
    return embedded_stack.bootstrap


@pytest.fixture(scope="session")
def osmem(embedded_stack: EmbeddedStack) -> str:
    return embedded_stack.url


@pytest.fixture(scope="module")
def stack_settings(embedded_stack: EmbeddedStack, request: pytest.FixtureRequest) -> Iterator[Settings]:
    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_").replace("_", "-")
    app_id = _unique(f"cw-{module}")
    settings = embedded_stack.settings().for_app(app_id)
    create_topics(settings)
    yield settings
    delete_topics(settings, [spec.name for spec in topic_specs(settings)])


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    return _unique


def produce_json(bootstrap: str, topic: str, values: Iterable[Any], key: str | bytes | None = None) -> None:
    """Send each value as UTF-8 JSON (bytes are sent as they are), all with `key`, and flush."""
    from kafka import KafkaProducer

    key_bytes = key.encode() if isinstance(key, str) else key
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    try:
        for value in values:
            payload = value if isinstance(value, bytes) else json.dumps(value).encode()
            producer.send(topic, value=payload, key=key_bytes)
        producer.flush(timeout=30)
    finally:
        producer.close()


def consume_all(bootstrap: str, topic: str, timeout: float = 5.0) -> list[Any]:
    """Every record of `topic` from the beginning up to its end when first fetched.

    Bounded by each partition's high watermark as the first fetch response reports it, not by a quiet
    spell (a routed topic receives ticks four times a second and is never quiet) nor by the broker's
    ListOffsets answer (Tansu 0.6 answers the last batch's base offset + 1: 1 for five records sent in
    one batch). `timeout` is the least time to wait for the first fetch. Uses manual assignment (no
    consumer group), so it never disturbs the workers' group offsets.
    """
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        records: list[Any] = []
        ends: dict[Any, int] = {}
        # A loaded machine can take seconds for a metadata refresh; `timeout` is the least wait.
        deadline = time.monotonic() + max(timeout, 30.0)
        while time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=200)
            for recs in batch.values():
                records.extend(recs)
            for tp in assigned:
                high = consumer.highwater(tp)
                if tp not in ends and high is not None:
                    ends[tp] = high
            if len(ends) == len(assigned) and all(consumer.position(tp) >= ends[tp] for tp in assigned):
                break
        return [r for r in records if r.offset < ends.get(TopicPartition(r.topic, r.partition), 0)]
    finally:
        consumer.close()
