"""deploy/examples/alerts_consumer.py against the embedded Tansu broker: the records the worker's own
encoder (`streams.alerts_out.alert_record`) writes validate against the published schemas, duplicates
and stale revisions are dropped, each alert is printed once when it becomes critical, and malformed
messages are reported and skipped."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from typing import Any

from kafka import KafkaProducer

from deploy.contract import DEPLOY_DIR, REPO_ROOT
from schemas.models import Alert
from streams.alerts_out import alert_record
from streams.settings import Settings

CONSUMER = DEPLOY_DIR / "examples" / "alerts_consumer.py"


def _alert(alert_id: str, revision: int, severity: str, status: str = "updated") -> Alert:
    data: dict[str, Any] = {
        "schema_version": "1",
        "alert_id": alert_id,
        "revision": revision,
        "status": "open" if revision == 1 else status,
        "as_of": f"2025-03-01T12:0{revision}:00Z",
        "first_seen": "2025-03-01T11:58:00Z",
        "last_seen": f"2025-03-01T12:0{revision}:00Z",
        "severity": severity,
        "score": 0.93,
        "authentic": False,
        "authentic_reason": None,
        "narrative": {
            "id": f"n-{alert_id}",
            "label": "الانتخابات مزورة",
            "keywords": ["elections"],
            "representative_texts": ["الانتخابات مزورة"],
            "size": 120,
            "accounts": 37,
            "languages": ["ar", "en"],
            "platforms": ["x"],
        },
        "signals": {"burst": {"value": 0.9, "weight": 1.0, "contribution": 1.0, "detail": "120 in 3 min"}},
        "evidence": {
            "top_accounts": [],
            "links": [],
            "hashtags": [],
            "timeline": [],
            "sample_mention_ids": [],
        },
        "detector": {"version": "0.1.0", "embedding_model": "all-MiniLM-L6-v2", "thresholds": {"join": 0.8}},
    }
    return Alert.from_dict(data)


def test_example_consumer_prints_each_new_critical_alert_once(
    stack_settings: Settings, unique_name: Any
) -> None:
    records = [
        alert_record(_alert("a1", 1, "critical")),
        alert_record(_alert("a1", 1, "critical")),  # an at-least-once duplicate
        alert_record(_alert("a1", 2, "critical")),  # still critical: not new
        alert_record(_alert("b2", 1, "high")),
        alert_record(_alert("b2", 2, "critical")),  # escalates: new critical
        alert_record(_alert("c3", 2, "critical", status="closed")),  # closed: nothing to act on
    ]
    event = json.loads(records[0].value)
    broken = copy.deepcopy(event)
    broken["data"]["severity"] = "apocalyptic"
    producer = KafkaProducer(bootstrap_servers=stack_settings.kafka_bootstrap, acks="all")
    try:
        for record in records:
            producer.send(
                stack_settings.topic_alerts, key=record.key, value=record.value, headers=list(record.headers)
            )
        producer.send(stack_settings.topic_alerts, key=b"x", value=b"{not json")
        producer.send(stack_settings.topic_alerts, key=b"a1", value=json.dumps(broken).encode())
        producer.flush(timeout=30)
    finally:
        producer.close()

    result = subprocess.run(
        [
            sys.executable,
            str(CONSUMER),
            "--bootstrap",
            stack_settings.kafka_bootstrap,
            "--topic",
            stack_settings.topic_alerts,
            "--group",
            unique_name("example-consumer"),
            "--from-beginning",
            "--max-messages",
            "8",
            # Only a safety net: joining a new consumer group takes a while on the embedded broker.
            "--idle-timeout",
            "90",
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # Partitions interleave, so order across alerts is free; each alert's line is exact.
    assert sorted(lines) == [
        'CRITICAL alert=a1 revision=1 score=0.93 accounts=37 languages=ar,en inauthentic label="الانتخابات مزورة"',
        'CRITICAL alert=b2 revision=2 score=0.93 accounts=37 languages=ar,en inauthentic label="الانتخابات مزورة"',
    ], result.stderr
    assert "invalid message (not JSON)" in result.stderr
    assert "invalid message at data/severity" in result.stderr
    assert "6 valid, 2 invalid messages" in result.stderr
