"""End to end on the embedded stack: mentions in (kafka-python and an outside non-Python client), alerts out
on `narrative-alerts` (valid CloudEvents + Alert v1, key = alert_id) and in the index at their last revision.

The outside client is KafkaJS (tools/kafkajs, installed by `make system-deps`). kcat, the issue's first
choice, cannot talk to Tansu: librdkafka 2.0.2 fails to parse Tansu's ApiVersions v3 response ("read
underflow"), and with `api.version.request=false` it falls back to pre-0.10 protocol versions that Tansu
answers wrongly (ListOffsets v0) or drops (Produce v0/v1 with the old message format). The kcat test
below probes that and runs as soon as a kcat build can produce to the broker.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from schemas.alert_v2 import ALERT_V2_EVENT_TYPE, cloudevent_to_alert_v2
from schemas.models import validate_alert_dict, validate_alert_event_dict
from streams.clients import es_client
from streams.settings import Settings
from tests.integration.conftest import produce_json
from tests.integration.worker_helpers import (
    ROOT,
    WorkerProcess,
    alerts_by_id,
    copy_paste_campaign,
    organic_chatter,
    wait_for,
    wait_index_matches_topic,
)

KAFKAJS_PRODUCER = ROOT / "tools" / "kafkajs" / "produce.js"
TEXT_PY = "The minister lied about the water deal, share before they delete it #WaterGate"
TEXT_JS = "Foreign agents are buying land near the border while the council looks away #BorderSale"
TEXT_KCAT = "Vaccines at the northern clinic were replaced with saline, nurses confirm #SalineGate"


def _kafkajs_ready() -> bool:
    return (
        shutil.which("node") is not None and (KAFKAJS_PRODUCER.parent / "node_modules" / "kafkajs").is_dir()
    )


def produce_with_kafkajs(bootstrap: str, topic: str, values: list[dict[str, Any]]) -> None:
    lines = "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in values)
    done = subprocess.run(
        ["node", str(KAFKAJS_PRODUCER), bootstrap, topic],
        input=lines.encode(),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert json.loads(done.stdout)["sent"] == len(values)


def produce_with_kcat(
    bootstrap: str, topic: str, values: list[dict[str, Any]]
) -> subprocess.CompletedProcess[bytes]:
    lines = "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in values)
    return subprocess.run(
        ["kcat", "-b", bootstrap, "-P", "-t", topic, "-X", "message.timeout.ms=10000"],
        input=lines.encode(),
        capture_output=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def kcat_probe(stack_settings: Settings) -> subprocess.CompletedProcess[bytes]:
    """A real produce round trip from kcat to the embedded broker (not a version check)."""
    probe = replace(stack_settings, topic_mentions=stack_settings.topic_mentions + ".kcat-probe")
    from streams.topics import TopicSpec, create_topics, delete_topics

    create_topics(probe, [TopicSpec(probe.topic_mentions, 1, 1, "kcat probe")])
    try:
        return produce_with_kcat(probe.kafka_bootstrap, probe.topic_mentions, [{"probe": 1}])
    finally:
        delete_topics(probe, [probe.topic_mentions])


# What Debian's kcat 1.7.1 (librdkafka 2.0.2) says to Tansu 0.6.0: it cannot parse Tansu's ApiVersions
# v3 reply, and Tansu refuses the pre-0.10 fallback protocol. KafkaJS stands in as the outside client.
KNOWN_KCAT_TANSU_FAILURE = "ApiVersionRequest failed: Local: Read underflow"


@pytest.fixture
def worker(stack_settings: Settings) -> Iterator[WorkerProcess]:
    with WorkerProcess(stack_settings) as proc:
        yield proc


def _campaign_alerts(alerts: dict[str, list[tuple[int, Any]]], prefix: str) -> list[str]:
    """Alert ids whose evidence samples mentions of the campaign `prefix`."""
    found = []
    for alert_id, revisions in alerts.items():
        data = json.loads(revisions[-1][1].value)["data"]
        if any(m.startswith(prefix + "-") for m in data["evidence"]["sample_mention_ids"]):
            found.append(alert_id)
    return found


def assert_alerts_delivered(settings: Settings, worker: WorkerProcess, prefixes: list[str]) -> None:
    """Each campaign alerted on the topic with well-formed records, and the index holds the last revisions."""
    alerts: dict[str, list[tuple[int, Any]]] = {}

    def every_campaign_alerted() -> bool:
        alerts.clear()
        alerts.update(alerts_by_id(settings))
        return all(_campaign_alerts(alerts, p) for p in prefixes)

    wait_for(every_campaign_alerted, 120, f"alerts for campaigns {prefixes}", worker)
    for alert_id, revisions in alerts.items():
        numbers = [n for n, _ in revisions]
        assert numbers == sorted(numbers), f"revisions of {alert_id} out of order on the topic: {numbers}"
        for revision, record in revisions:
            event = json.loads(record.value)
            if event["type"] == ALERT_V2_EVENT_TYPE:  # a campaign alert (v2) shares the topic
                cloudevent_to_alert_v2(event)  # validates the envelope and the alert
            else:
                validate_alert_event_dict(event)
                validate_alert_dict(event["data"])
            assert record.key == alert_id.encode()
            assert event["id"] == f"{alert_id}:{revision}"
            assert dict(record.headers)["content-type"].startswith(b"application/cloudevents+json")

    last = wait_index_matches_topic(settings, worker, 60)
    client: Any = es_client(settings)
    try:
        client.indices.refresh(index=settings.es_alias)
        for alert_id, revision in last.items():
            hits = client.search(
                index=settings.es_alias, query={"term": {"choruswatch.alert_id": alert_id}}, size=5
            )["hits"]["hits"]
            assert [h["_id"] for h in hits] == [alert_id]
            assert hits[0]["_source"]["choruswatch"]["revision"] == revision
            assert hits[0]["_source"]["event"]["kind"] == "alert"
    finally:
        client.close()


def test_mentions_from_python_and_kafkajs_become_alerts_on_the_topic_and_in_the_index(
    stack_settings: Settings, worker: WorkerProcess
) -> None:
    if not _kafkajs_ready():
        pytest.fail("KafkaJS is not installed: run `make system-deps` (npm ci in tools/kafkajs)")
    bootstrap, topic = stack_settings.kafka_bootstrap, stack_settings.topic_mentions
    produce_json(bootstrap, topic, organic_chatter("org", 120, 600))
    produce_json(bootstrap, topic, copy_paste_campaign("py", 30, 200, TEXT_PY))
    produce_with_kafkajs(bootstrap, topic, copy_paste_campaign("js", 30, 260, TEXT_JS))

    assert_alerts_delivered(stack_settings, worker, ["py", "js"])
    assert worker.alive
    health = worker.health()
    assert health is not None and health["status"] == "ok", health
    # Each stage's lag per partition it reads (the sink's on the alerts topic: 0 once all is stored),
    # reported by a timer every LAG_REPORT_INTERVAL_S: wait for the next report rather than race it.
    lags = [
        f'choruswatch_consumer_lag{{partition="0",stage="{stage}",topic="{topic}"}}'
        for stage, topic in (("embed", stack_settings.topic_mentions), ("sink", stack_settings.topic_alerts))
    ]
    wait_for(lambda: all(lag in worker.metrics_text() for lag in lags), 30, "the lag metrics", worker)
    assert "choruswatch_es_documents_indexed_total" in worker.metrics_text()
    # Stage 1 reads its fetch times from faust's aiokafka consumer (idleness needs a fresh fetch).
    assert "cannot read fetch times" not in worker.log_text()


def test_mentions_from_kcat_become_alerts(
    stack_settings: Settings, worker: WorkerProcess, kcat_probe: subprocess.CompletedProcess[bytes]
) -> None:
    if kcat_probe.returncode != 0:
        # Pinned, not skipped: any other kcat failure (not installed, another error) fails here, and a
        # kcat or Tansu that fixes the handshake makes this test run the full end-to-end path below.
        assert KNOWN_KCAT_TANSU_FAILURE in kcat_probe.stderr.decode(errors="replace"), kcat_probe.stderr
        return
    done = produce_with_kcat(
        stack_settings.kafka_bootstrap,
        stack_settings.topic_mentions,
        copy_paste_campaign("kc", 30, 900, TEXT_KCAT),
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert_alerts_delivered(stack_settings, worker, ["kc"])


@pytest.mark.model
def test_real_model_end_to_end(stack_settings: Settings, unique_name: Any) -> None:
    """The same path with the sentence-transformers model: paraphrases of one talking point alert."""
    settings = stack_settings.for_app(unique_name("cw-e2e-model"))
    from streams.topics import create_topics, delete_topics, topic_specs

    create_topics(settings)
    variants = [
        "The minister lied about the water deal, share this before they delete it",
        "Share before they delete it: the minister lied about the water deal",
        "The minister lied about the water deal! Share it before it gets deleted",
    ]
    campaign = [
        m | {"text": variants[k % len(variants)] + f" #{['WaterGate', 'Water', 'Leak'][k % 3]}"}
        for k, m in enumerate(copy_paste_campaign("st", 30, 200, ""))
    ]
    try:
        with WorkerProcess(settings, embedder="model") as proc:
            produce_json(settings.kafka_bootstrap, settings.topic_mentions, organic_chatter("org", 60, 600))
            produce_json(settings.kafka_bootstrap, settings.topic_mentions, campaign)
            assert_alerts_delivered(settings, proc, ["st"])
            health = proc.health()
            assert health is not None and health["model_loaded"] is True
    finally:
        delete_topics(settings, [spec.name for spec in topic_specs(settings)])
