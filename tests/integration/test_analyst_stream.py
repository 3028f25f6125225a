"""The analyst's loop on the embedded stack (Tansu + osmem-server), through a real worker process.

An alert is judged `false_positive` the way an analyst does it in Kibana (the analyst fields of the
alert document); the worker picks the verdict up from the index; the narrative then grows materially
(+40% accounts: a new revision without the verdict, below the x2 that reopens it) and nothing new is
published while `choruswatch_suppressed_revisions_total{version="v1"}` counts the held-back revision;
clearing the verdict in the index restores alerting on the next growth.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas.models import ALERT_EVENT_TYPE
from streams.clients import es_client
from streams.settings import Settings
from tests.integration.conftest import produce_json
from tests.integration.worker_helpers import (
    WorkerProcess,
    alerts_by_id,
    copy_paste_campaign,
    organic_chatter,
    stored_revisions,
    wait_for,
)

TEXT = "The harbour deal hides a secret military base, the mayor knows it #PortGate"


@pytest.fixture
def settings(stack_settings: Settings) -> Settings:
    # Verdicts picked up from the index every second (default 15 s) to keep the test short.
    return dataclasses.replace(stack_settings, verdicts_pickup_s=1.0, verdicts_poll_s=0.5)


@pytest.fixture
def worker(settings: Settings) -> Iterator[WorkerProcess]:
    with WorkerProcess(settings) as proc:
        yield proc


def phase(settings: Settings, prefix: str, accounts: int, start_s: float) -> None:
    """`accounts` new young accounts post TEXT from `start_s` on; chatter moves event time 10 min on."""
    rows = copy_paste_campaign(prefix, accounts, start_s, TEXT)
    chatter = [
        dict(row, created_at=_shifted(row["created_at"], start_s))
        for row in organic_chatter(f"{prefix}-chat", 60, 600.0, seed=accounts)
    ]
    produce_json(settings.kafka_bootstrap, settings.topic_mentions, sorted(rows + chatter, key=_time))


def _time(row: dict[str, Any]) -> str:
    return str(row["created_at"])


def _shifted(created_at: str, by_s: float) -> str:
    t = datetime.fromisoformat(created_at.replace("Z", "+00:00")).timestamp() + by_s
    return datetime.fromtimestamp(t, tz=UTC).isoformat().replace("+00:00", "Z")


def judged_revisions(settings: Settings) -> dict[str, list[int]]:
    """Narrative alerts (v1) of the campaign on the alerts topic: alert id -> revisions published."""
    out: dict[str, list[int]] = {}
    for alert_id, revisions in alerts_by_id(settings).items():
        for revision, record in revisions:
            event = json.loads(record.value)
            samples = event["data"]["evidence"].get("sample_mention_ids", [])
            if event["type"] == ALERT_EVENT_TYPE and any(m.startswith("fp") for m in samples):
                out.setdefault(alert_id, []).append(revision)
    return out


def set_verdict_in_index(settings: Settings, alert_id: str, verdict: str) -> None:
    """What an analyst does in Kibana: edit the analyst fields of the alert document."""
    client: Any = es_client(settings)
    try:
        hit = client.search(index=settings.es_alias, query={"ids": {"values": [alert_id]}})["hits"]["hits"][0]
        now = datetime.now(tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        doc = {"analyst": {"verdict": verdict, "assignee": "alice", "updated_at": now}}
        client.update(index=hit["_index"], id=alert_id, doc=doc, refresh=True)
    finally:
        client.close()


def test_false_positive_set_in_the_index_holds_back_growth_and_clearing_restores_alerting(
    settings: Settings, worker: WorkerProcess
) -> None:
    phase(settings, "fp1", 20, 0.0)
    found: dict[str, list[int]] = {}

    def alerted_and_stored() -> bool:
        found.clear()
        found.update(judged_revisions(settings))
        return bool(found) and stored_revisions(settings, found) == {a: max(r) for a, r in found.items()}

    wait_for(alerted_and_stored, 120, "the narrative alert in the index", worker)
    ((alert_id, revisions),) = found.items()

    set_verdict_in_index(settings, alert_id, "false_positive")

    def applied(verdict: str) -> bool:
        return (
            worker.metric("choruswatch_verdicts_applied_total", verdict=verdict, source="index") or 0
        ) >= 1

    wait_for(lambda: applied("false_positive"), 60, "the worker to pick the verdict up", worker)

    phase(settings, "fp2", 8, 1200.0)  # 20 -> 28 accounts: x1.4, material, below x2

    def suppressed() -> bool:
        return (worker.metric("choruswatch_suppressed_revisions_total", version="v1") or 0) >= 1

    wait_for(suppressed, 120, "the grown narrative's revision to be held back", worker)
    assert judged_revisions(settings)[alert_id] == revisions, "a revision went out despite the verdict"

    set_verdict_in_index(settings, alert_id, "pending")  # Kibana's "no verdict": clears it
    wait_for(lambda: applied("cleared"), 60, "the worker to pick the clearing up", worker)

    phase(settings, "fp3", 10, 2400.0)  # 28 -> 38: x1.9 over what was published, published now

    def resumed() -> bool:
        return max(judged_revisions(settings).get(alert_id, [0])) > max(revisions)

    wait_for(resumed, 120, "a new revision after the verdict was cleared", worker)
    assert (worker.metric("choruswatch_verdicts_in_force") or 0) == 0
