"""Topics against the real embedded Tansu broker: idempotent creation, readiness check, CLI exit codes."""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
from collections.abc import Callable

import pytest

from streams.embedded import EmbeddedKafka, EmbeddedSearch, EmbeddedStartError
from streams.settings import Settings
from streams.topics import (
    TopicsNotReady,
    check_topics,
    create_topics,
    delete_topics,
    ensure_topics_ready,
    topic_specs,
)
from tests.integration.conftest import consume_all, produce_json


def _fresh(settings: Settings, unique_name: Callable[[str], str]) -> Settings:
    return settings.for_app(unique_name("cw-topics"))


def test_stack_settings_topics_are_ready(stack_settings: Settings) -> None:
    assert check_topics(stack_settings) == []
    ensure_topics_ready(stack_settings)


def test_create_is_idempotent_and_sizes_topics(
    stack_settings: Settings, unique_name: Callable[[str], str]
) -> None:
    settings = _fresh(stack_settings, unique_name)
    try:
        assert check_topics(settings) != []
        created = create_topics(settings)
        assert sorted(created) == sorted(spec.name for spec in topic_specs(settings))
        assert create_topics(settings) == []
        assert check_topics(settings) == []
        from kafka import KafkaConsumer

        consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
        try:
            assert len(consumer.partitions_for_topic(settings.topic_mentions) or ()) == settings.partitions
            assert len(consumer.partitions_for_topic(settings.topic_dlq) or ()) == settings.dlq_partitions
        finally:
            consumer.close()
    finally:
        delete_topics(settings, [spec.name for spec in topic_specs(settings)])


def test_missing_and_mis_sized_topics_are_reported(
    stack_settings: Settings, unique_name: Callable[[str], str]
) -> None:
    settings = _fresh(stack_settings, unique_name)
    wrong = dataclasses.replace(settings, partitions=2)
    specs = topic_specs(wrong)
    try:
        create_topics(wrong, [s for s in specs if s.name != settings.topic_alerts])
        problems = check_topics(settings)
        assert f"topic {settings.topic_mentions!r} has 2 partitions, expected 4" in problems
        assert any(settings.topic_alerts in p and "missing" in p for p in problems)
        with pytest.raises(TopicsNotReady) as info:
            ensure_topics_ready(settings)
        assert "choruswatch topics create" in str(info.value)
        assert info.value.problems == problems
    finally:
        delete_topics(settings, [spec.name for spec in specs])


def test_records_round_trip_through_created_topic(stack_settings: Settings) -> None:
    values = [{"n": i} for i in range(5)]
    produce_json(stack_settings.kafka_bootstrap, stack_settings.topic_dlq, values, key="k")
    records = consume_all(stack_settings.kafka_bootstrap, stack_settings.topic_dlq, timeout=1.0)
    assert [r.value for r in records][-5:] == [b'{"n": %d}' % i for i in range(5)]


def test_cli_check_and_create_exit_codes(stack_settings: Settings, unique_name: Callable[[str], str]) -> None:
    settings = _fresh(stack_settings, unique_name)
    env = settings.to_env()

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "choruswatch.cli", "topics", *args],
            env=env | {"PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=120,
        )

    try:
        missing = cli("check")
        assert missing.returncode == 1 and "is missing" in missing.stderr
        created = cli("create")
        assert created.returncode == 0, created.stderr
        assert cli("create").returncode == 0
        ready = cli("check")
        assert ready.returncode == 0 and "ready" in ready.stdout
    finally:
        delete_topics(settings, [spec.name for spec in topic_specs(settings)])


@pytest.mark.parametrize("service", [EmbeddedKafka, EmbeddedSearch])
def test_service_that_cannot_start_reports_its_output(service: type[EmbeddedKafka | EmbeddedSearch]) -> None:
    # Hold the port so the child cannot bind it: it must exit, and the error must carry its output.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        with pytest.raises(EmbeddedStartError) as info:
            service(port, startup_timeout=20).start()
    assert "in use" in str(info.value)
