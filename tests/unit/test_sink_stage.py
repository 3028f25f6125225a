"""Stage 3 (`streams.sink_stage.SinkStage`) behind its ports: nothing lost while the index is down,
refused or unreadable alerts dead-lettered, and a lost index rebuilt from the topic."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from typing import Any

from streams.alerts_out import alert_record
from streams.dlq import read_dead_letter_headers
from streams.fakes import ManualClock, MemoryAlertFeed, MemoryAlertStore, MemoryBroker
from streams.metrics import Metrics
from streams.ports import OutRecord
from streams.sink_stage import SinkConfig, SinkStage
from tests.unit.test_schemas import make_alert

CONFIG = SinkConfig("alerts", "alerts.dlq", backoff_initial_s=0.5, backoff_max_s=4.0)


def publish(broker: MemoryBroker, alert_id: str, revisions: int) -> None:
    for revision in range(1, revisions + 1):
        alert = make_alert(
            alert_id=alert_id, revision=revision, status="open" if revision == 1 else "updated"
        )
        broker.append(alert_record(alert).to_out("alerts"))


def sink(broker: MemoryBroker, store: MemoryAlertStore) -> tuple[SinkStage, MemoryAlertFeed]:
    broker.partitions["alerts"] = 2
    feed = MemoryAlertFeed(broker, "alerts")
    stage = SinkStage(CONFIG, feed=feed, store=store, producer=broker, clock=ManualClock(), metrics=Metrics())
    return stage, feed


def drain(stage: SinkStage) -> None:
    while asyncio.run(stage.step()):
        pass


def stored(store: MemoryAlertStore) -> dict[str, int]:
    return {alert_id: doc["revision"] for alert_id, doc in store.docs.items()}


def test_the_latest_revision_of_each_alert_is_stored_and_offsets_committed_after() -> None:
    broker, store = MemoryBroker(), MemoryAlertStore()
    publish(broker, "cw-a", 3)
    publish(broker, "cw-b", 1)
    stage, feed = sink(broker, store)
    drain(stage)
    assert stored(store) == {"cw-a": 3, "cw-b": 1}
    assert sum(feed.committed.values()) == 4 and store.calls == 1  # one bulk for the whole poll


def test_while_the_index_is_down_the_sink_waits_paused_and_commits_nothing() -> None:
    broker, store = MemoryBroker(), MemoryAlertStore(down=4)
    publish(broker, "cw-a", 2)
    stage, feed = sink(broker, store)
    asyncio.run(stage.step())
    assert stored(store) == {"cw-a": 2}
    assert feed.paused_waits == [0.5, 1.0, 2.0, 4.0]  # capped exponential backoff
    assert sum(feed.committed.values()) == 2


def test_an_alert_the_index_refuses_for_good_is_dead_lettered_and_the_rest_stored() -> None:
    broker, store = MemoryBroker(), MemoryAlertStore(refuse={"cw-bad"})
    publish(broker, "cw-bad", 1)
    publish(broker, "cw-ok", 1)
    stage, feed = sink(broker, store)
    drain(stage)
    assert stored(store) == {"cw-ok": 1}
    (dead,) = broker.records("alerts.dlq")
    assert read_dead_letter_headers(dead.headers)["error-code"] == "rejected"
    assert b"cw-bad" in (dead.value or b"") and sum(feed.committed.values()) == 2


def test_an_unreadable_alert_record_is_dead_lettered_with_its_bytes() -> None:
    broker, store = MemoryBroker(), MemoryAlertStore()
    broker.append(OutRecord("alerts", b"not a cloudevent", key=b"x"))
    publish(broker, "cw-a", 1)
    stage, _ = sink(broker, store)
    drain(stage)
    assert stored(store) == {"cw-a": 1}
    assert [r.value for r in broker.records("alerts.dlq")] == [b"not a cloudevent"]
    assert stage.metrics.alerts_dead_lettered.labels(reason="decode")._value.get() == 1


def test_a_lost_index_is_rebuilt_from_the_alerts_topic() -> None:
    broker, store = MemoryBroker(), MemoryAlertStore()
    for n in range(6):
        publish(broker, f"cw-{n}", 2)
    stage, _ = sink(broker, store)
    drain(stage)
    store.lose_index()  # an in-memory server restarted empty
    publish(broker, "cw-new", 1)
    drain(stage)  # the next round finds the index new and re-reads the topic from its beginning
    drain(stage)
    assert stored(store) == {**{f"cw-{n}": 2 for n in range(6)}, "cw-new": 1}
    assert stage.metrics.es_resyncs._value.get() == 1


def test_a_quiet_sink_notices_a_lost_index_and_rebuilds_it() -> None:
    broker, store = MemoryBroker(), MemoryAlertStore()
    for n in range(3):
        publish(broker, f"cw-{n}", 1)
    stage, _ = sink(broker, store)
    drain(stage)
    store.lose_index()  # no new alert comes: only the periodic check can notice
    assert isinstance(stage.clock, ManualClock)
    asyncio.run(stage.step())
    assert stored(store) == {}  # checked less than verify_interval_s ago
    stage.clock.advance(CONFIG.verify_interval_s)
    drain(stage)
    drain(stage)
    assert stored(store) == {f"cw-{n}": 1 for n in range(3)} and store.verified >= 2


def test_lag_is_reported_per_stage_from_the_end_offsets() -> None:
    broker, store = MemoryBroker(), MemoryAlertStore()
    publish(broker, "cw-a", 5)
    stage, _ = sink(broker, store)
    stage.config = dataclasses.replace(CONFIG, max_records=2)
    asyncio.run(stage.step())
    text = stage.metrics.exposition().decode()
    lags: dict[str, Any] = {}
    for line in text.splitlines():
        if line.startswith("choruswatch_consumer_lag{"):
            lags[line.split("{")[1].split("}")[0]] = float(line.rsplit(" ", 1)[1])
    assert sum(lags.values()) == 3 and all('stage="sink"' in k for k in lags)


def test_campaign_alerts_v2_are_stored_beside_narrative_alerts_with_searchable_campaign_fields() -> None:
    from streams.alerts_out import alert_v2_record
    from streams.es import alert_to_document
    from tests.factories import make_alert_v2

    broker, store = MemoryBroker(), MemoryAlertStore()
    publish(broker, "cw-a", 2)
    campaign = make_alert_v2()
    broker.append(alert_v2_record(campaign).to_out("alerts"))
    stage, _ = sink(broker, store)
    drain(stage)
    assert stored(store) == {"cw-a": 2, campaign.alert_id: campaign.revision}
    assert not broker.records("alerts.dlq")
    doc = alert_to_document(store.docs[campaign.alert_id])
    fields = doc["choruswatch"]
    assert fields["kind"] == "campaign" and doc["labels"]["schema_version"] == "2"
    assert fields["campaign"]["account_ids"] == list(campaign.campaign.account_ids)
    assert fields["campaign"]["narrative_count"] == len(campaign.campaign.narrative_ids) == 2
    assert fields["campaign"]["theme_ids"] == list(campaign.campaign.theme_ids)
    assert fields["campaign"]["network_node_count"] == campaign.network.node_count
    assert "campaign" in doc["tags"] and doc["rule"]["id"] == campaign.rule.id
    assert alert_to_document(store.docs["cw-a"])["choruswatch"]["kind"] == "narrative"


class _FlakyFeed(MemoryAlertFeed):
    """Fails its first read (a broker request timed out) and never answers a lag query."""

    failures = 1

    async def getmany(self, timeout_ms: int, max_records: int) -> list[Any]:
        if self.failures:
            self.failures -= 1
            raise TimeoutError("fetch timed out")
        return await super().getmany(timeout_ms, max_records)

    async def lags(self) -> dict[Any, int]:
        await asyncio.sleep(3600)
        return {}


class _FlakyStore(MemoryAlertStore):
    """Fails its first bulk with an error the sink does not expect (neither unavailable nor backpressure)."""

    failures = 1

    async def index(self, alerts: Any) -> Any:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("unexpected bulk answer")
        return await super().index(alerts)


def test_a_failed_round_or_a_hung_lag_query_never_stops_the_sink_nor_loses_what_it_read() -> None:
    broker, store = MemoryBroker(), _FlakyStore()
    publish(broker, "cw-a", 2)
    broker.partitions["alerts"] = 2
    feed = _FlakyFeed(broker, "alerts")
    naps: list[float] = []

    async def nap(seconds: float) -> None:
        naps.append(seconds)

    config = dataclasses.replace(CONFIG, lag_timeout_s=0.01)
    stage = SinkStage(
        config, feed=feed, store=store, producer=broker, clock=ManualClock(), metrics=Metrics(), sleep=nap
    )

    async def until_stored(want: dict[str, int]) -> None:
        for _ in range(200):
            if stored(store) == want:
                return
            await asyncio.sleep(0.01)

    async def scenario() -> None:
        task = asyncio.create_task(stage.run())
        await until_stored({"cw-a": 2})
        publish(broker, "cw-b", 1)  # read only if the round before got past its hung lag query
        await until_stored({"cw-a": 2, "cw-b": 1})
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert stored(store) == {"cw-a": 2, "cw-b": 1}
    # Two failed rounds (the read, then the store of what was read), each followed by a backoff.
    assert naps == [CONFIG.backoff_initial_s, 2 * CONFIG.backoff_initial_s] and feed.committed
