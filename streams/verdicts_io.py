"""Verdicts to and from the outside: the alert document in Elasticsearch and the verdicts topic.

A verdict reaches every worker two ways (either alone is enough; the VerdictBook records a decision
seen twice once):

- **the verdicts topic** (``CHORUSWATCH_TOPIC_VERDICTS``, compacted, key = alert_id, value = the
  :class:`~detectors.verdicts.VerdictRecord` as JSON): ``choruswatch verdict`` publishes there;
  :class:`VerdictTopicReader` reads it from the beginning at start and then polls for new records.
- **the index** (periodic pickup): an analyst who sets ``analyst.verdict`` in Kibana never touches
  Kafka; :func:`pickup_verdicts` turns documents whose ``analyst.updated_at`` moved into records.

In the alert document the analyst fields say what is in force and keep the audit trail
(``analyst.verdict_history``, one entry per decision: value, analyst, time, revision, note); the
pipeline's updates never contain ``analyst.*`` (``streams.es.AlertIndexer``), so none is clobbered.
:func:`record_verdict_in_index` writes them with an optimistic-concurrency update (``if_seq_no``),
retried when someone else wrote the document in between.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from detectors.verdicts import VerdictError, VerdictRecord, parse_verdict_value
from schemas.models import SchemaError, format_timestamp, parse_timestamp
from streams.clients import kafka_client_kwargs

log = logging.getLogger(__name__)

MAX_HISTORY: Final = 200  # verdict_history entries kept on one alert document
PICKUP_PAGE: Final = 1000
_MAX_ACCOUNTS: Final = 5000  # accounts carried by one verdict (bounded like max_tracked_accounts)


class UnknownAlert(LookupError):
    """No alert document with that id behind the alias."""


class VerdictWriteConflict(RuntimeError):
    """The document kept changing under us; the verdict was not written."""


def _iso(t: float) -> str:
    return format_timestamp(datetime.fromtimestamp(t, tz=UTC))


def _epoch(value: object) -> float | None:
    try:
        return parse_timestamp(value, "analyst.updated_at").timestamp()
    except SchemaError:
        return None


# ------------------------------------------------------------------------------------ the document
def fetch_alert(client: Any, alias: str, alert_id: str) -> dict[str, Any]:
    """The stored alert (``_index``, ``_seq_no``, ``_primary_term``, ``_source``); UnknownAlert if none."""
    response = client.search(
        index=alias, query={"ids": {"values": [alert_id]}}, seq_no_primary_term=True, size=1
    )
    hits = response["hits"]["hits"]
    if not hits:
        raise UnknownAlert(f"no alert {alert_id!r} in {alias!r}")
    return dict(hits[0])


def alert_accounts(source: Mapping[str, Any]) -> tuple[str, ...]:
    """The accounts an alert document names: every account of an Alert v2 campaign when present
    (``campaign.account_ids``), else Alert v1's top accounts (at most ``evidence_top_n``)."""
    campaign = source.get("campaign") or {}
    ids = campaign.get("account_ids") if isinstance(campaign, Mapping) else None
    if not ids:
        top = ((source.get("choruswatch") or {}).get("evidence") or {}).get("top_accounts") or []
        ids = [a.get("id") for a in top if isinstance(a, Mapping)]
    return tuple(dict.fromkeys(str(a) for a in ids if a))[:_MAX_ACCOUNTS]


def analyst_patch(current: Mapping[str, Any], record: VerdictRecord) -> dict[str, Any]:
    """The ``analyst`` fields after ``record``: the verdict in force and the history with it appended."""
    history = list(current.get("verdict_history") or [])
    entry = {
        "verdict": record.value,
        "analyst": record.analyst,
        "at": _iso(record.at),
        "revision": record.revision,
        "note": record.note,
    }
    history = [*history, entry][-MAX_HISTORY:]
    return {
        "verdict": "pending" if record.verdict is None else record.verdict,
        "verdict_by": record.analyst,
        "verdict_at": _iso(record.at),
        "verdict_revision": record.revision,
        "verdict_note": record.note,
        "verdict_history": history,
        "updated_at": _iso(record.at),
    }


def record_verdict_in_index(client: Any, alias: str, record: VerdictRecord, *, max_tries: int = 5) -> None:
    """Write ``record`` onto its alert document (verdict in force + audit entry); refresh so the
    next reader sees it. Raises UnknownAlert or VerdictWriteConflict."""
    from elasticsearch import ConflictError

    for _ in range(max_tries):
        stored = fetch_alert(client, alias, record.alert_id)
        current = stored.get("_source", {}).get("analyst") or {}
        try:
            client.update(
                index=stored["_index"],
                id=record.alert_id,
                doc={"analyst": analyst_patch(current, record)},
                if_seq_no=stored["_seq_no"],
                if_primary_term=stored["_primary_term"],
                refresh=True,
            )
            return
        except ConflictError:
            continue  # the sink or another analyst wrote it since our read: read again
    raise VerdictWriteConflict(
        f"alert {record.alert_id!r} changed {max_tries} times while writing the verdict"
    )


def verdict_from_document(doc: Mapping[str, Any]) -> VerdictRecord | None:
    """The verdict an alert document says is in force, as a record (``source="index"``), or None
    for a document no analyst ever judged. The time is the later of ``verdict_at`` (written by
    ``choruswatch verdict``) and ``updated_at`` (what an analyst sets in Kibana), so an edit in Kibana
    after the command wins, and the command's own write is the same decision as its topic record."""
    source = doc.get("_source", doc)
    analyst = source.get("analyst") or {}
    alert_id = str(doc.get("_id") or (source.get("choruswatch") or {}).get("alert_id") or "")
    try:
        verdict = parse_verdict_value(analyst.get("verdict"))
    except VerdictError as exc:
        log.warning("alert %s: ignoring analyst.verdict: %s", alert_id, exc)
        return None
    verdict_at, updated_at = _epoch(analyst.get("verdict_at")), _epoch(analyst.get("updated_at"))
    if verdict is None and verdict_at is None and updated_at is None:
        return None  # pending and never touched
    # Pending with an edit time is a clearing: an analyst who sets the verdict back to "pending" in
    # Kibana undoes it (on an alert that has no verdict in force the book changes nothing).
    times = [t for t in (verdict_at, updated_at) if t is not None]
    if not alert_id or not times:
        return None
    at = max(times)
    by_command = verdict_at is not None and at == verdict_at
    who = analyst.get("verdict_by") if by_command else analyst.get("assignee")
    revision = analyst.get("verdict_revision") if by_command else None
    if revision is None:
        revision = (source.get("choruswatch") or {}).get("revision")
    return VerdictRecord(
        alert_id,
        verdict,
        str(who or "unknown (set in the index)"),
        at,
        int(revision) if isinstance(revision, int) and revision > 0 else None,
        analyst.get("verdict_note") if by_command else analyst.get("notes"),
        alert_accounts(source),
        "index",
    )


def pickup_verdicts(
    client: Any, alias: str, since: float | None = None
) -> tuple[list[VerdictRecord], float | None]:
    """Verdicts on documents whose ``analyst.updated_at`` is at or after ``since`` (all judged
    documents when None), oldest first, and the newest ``updated_at`` seen (the next ``since``)."""
    query: dict[str, Any] = {"exists": {"field": "analyst.updated_at"}}
    if since is not None:
        query = {"range": {"analyst.updated_at": {"gte": _iso(since)}}}
    response = client.search(index=alias, query=query, sort=[{"analyst.updated_at": "asc"}], size=PICKUP_PAGE)
    records: list[VerdictRecord] = []
    newest = since
    for hit in response["hits"]["hits"]:
        updated = _epoch(((hit.get("_source") or {}).get("analyst") or {}).get("updated_at"))
        if updated is not None:
            newest = updated if newest is None else max(newest, updated)
        record = verdict_from_document(hit)
        if record is not None:
            records.append(record)
    return records, newest


# ------------------------------------------------------------------------------------------ the topic
def encode_verdict(record: VerdictRecord) -> tuple[bytes, bytes]:
    """(key, value) of a verdicts-topic record."""
    payload = record.to_dict() | {"source": "topic"}
    return record.alert_id.encode(), json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def decode_verdict(value: bytes) -> VerdictRecord:
    """A verdicts-topic value; raises VerdictError (bad JSON included) naming the field."""
    try:
        obj = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VerdictError("$", f"not JSON: {exc}") from None
    return VerdictRecord.from_dict(obj, source="topic")


def publish_verdict(settings: Any, record: VerdictRecord, *, timeout_s: float = 30.0) -> None:
    """Send one verdict to the verdicts topic and wait for the broker's acknowledgement."""
    from kafka import KafkaProducer

    producer = KafkaProducer(acks="all", **kafka_client_kwargs(settings))
    try:
        key, value = encode_verdict(record)
        producer.send(settings.topic_verdicts, key=key, value=value).get(timeout=timeout_s)
    finally:
        producer.close(timeout=timeout_s)


class VerdictTopicReader:
    """Reads the verdicts topic without a consumer group: from the beginning, then what is new.

    ``poll()`` returns the records that arrived since the last call; a record that does not decode is
    logged and skipped (a verdict topic is written by our command, but a bad record must not stop a
    worker)."""

    def __init__(self, settings: Any) -> None:
        from kafka import KafkaConsumer, TopicPartition

        self._consumer = KafkaConsumer(
            enable_auto_commit=False, group_id=None, **kafka_client_kwargs(settings)
        )
        partitions = self._consumer.partitions_for_topic(settings.topic_verdicts) or {0}
        assigned = [TopicPartition(settings.topic_verdicts, p) for p in sorted(partitions)]
        self._consumer.assign(assigned)
        self._consumer.seek_to_beginning(*assigned)
        self.skipped = 0

    def poll(self, timeout_s: float = 0.5) -> list[VerdictRecord]:
        records: list[VerdictRecord] = []
        batch = self._consumer.poll(timeout_ms=int(timeout_s * 1000))
        for messages in batch.values():
            for message in messages:
                if message.value is None:
                    continue  # a tombstone: compaction removes the key
                try:
                    records.append(decode_verdict(message.value))
                except VerdictError as exc:
                    self.skipped += 1
                    log.error("verdicts topic offset %s: skipped: %s", message.offset, exc)
        return records

    def read_all(self, idle_s: float = 1.0) -> list[VerdictRecord]:
        """Everything until the topic has been idle for ``idle_s`` (start-up catch-up)."""
        out: list[VerdictRecord] = []
        while True:
            got = self.poll(idle_s)
            if not got:
                return out
            out.extend(got)

    def close(self) -> None:
        self._consumer.close()
