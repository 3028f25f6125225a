"""`choruswatch es resync`: rebuild the alert index from the alerts topic.

The alerts topic is compacted, keyed by alert id: it holds at least the latest revision of every
alert. Resync reads every partition from its beginning to its current end with a consumer of its own
(no group, nothing committed), keeps the newest revision per alert and hands them to the indexer, which
creates the missing documents, updates stale ones and skips current ones; analyst fields of documents
that exist are never overwritten. Alerts the server refuses for good are counted (exit status 1); the
running sink dead-letters such alerts as it meets them. Use it after restoring a cluster from an old snapshot or deleting the index by mistake;
the running sink does the same by itself when it finds its index gone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from streams.clients import kafka_client_kwargs
from streams.es import AlertIndexer
from streams.kafka_io import aiokafka_record
from streams.ports import InRecord
from streams.settings import Settings


@dataclass(frozen=True, slots=True)
class ResyncReport:
    records: int
    alerts: int
    created: int
    updated: int
    stale: int
    rejected: int


async def read_topic(settings: Settings, topic: str) -> list[InRecord]:
    """Every record of `topic` from its beginning to its end when first fetched (the fetch response's
    high watermark; not ListOffsets, which Tansu 0.6 answers wrongly for multi-record batches)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(enable_auto_commit=False, **kafka_client_kwargs(settings, "aiokafka"))
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in sorted(await consumer.partitions_for_topic(topic) or ())]
        if not parts:
            return []
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        records: list[InRecord] = []
        ends: dict[TopicPartition, int] = {}
        while len(ends) < len(parts) or [tp for tp in parts if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=1000, max_records=2000)
            records += [aiokafka_record(r) for recs in batch.values() for r in recs]
            for tp in parts:
                high = consumer.highwater(tp)
                if tp not in ends and high is not None:
                    ends[tp] = high
        return [r for r in records if r.offset < ends[TopicPartition(r.topic, r.partition)]]
    finally:
        await consumer.stop()


def latest_alerts(records: list[InRecord]) -> tuple[dict[str, dict[str, Any]], list[InRecord]]:
    """The newest revision per alert id, and the records that are not readable alerts."""
    from streams.alerts_out import alert_from_record

    latest: dict[str, dict[str, Any]] = {}
    unreadable: list[InRecord] = []
    for record in records:
        if record.value is None:
            continue  # a tombstone: compaction's way of deleting a key
        try:
            alert = alert_from_record(record.value).to_dict()
        except (ValueError, KeyError, TypeError, json.JSONDecodeError):
            unreadable.append(record)
            continue
        held = latest.get(alert["alert_id"])
        if held is None or alert["revision"] > held["revision"]:
            latest[alert["alert_id"]] = alert
    return latest, unreadable


async def resync_index(settings: Settings) -> ResyncReport:
    records = await read_topic(settings, settings.topic_alerts)
    latest, _ = latest_alerts(records)
    indexer = AlertIndexer.from_settings(settings)
    try:
        created = updated = stale = rejected = 0
        alerts = list(latest.values())
        for i in range(0, len(alerts), 500):
            result = await indexer.index(alerts[i : i + 500])
            created += len(result.created)
            updated += len(result.updated)
            stale += len(result.stale)
            rejected += len(result.rejected)
    finally:
        await indexer.close()
    return ResyncReport(len(records), len(latest), created, updated, stale, rejected)
