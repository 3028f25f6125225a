"""Elasticsearch adapter: the alerts index, alert documents and the AlertIndexer sink.

- `ensure_alert_index()`: index template (schemas/elasticsearch/alerts-index-template.json) and the
  first index `<alias>-000001` behind the write alias; idempotent (`choruswatch es setup` calls it).
- `alert_to_document()`: Alert v1 or v2 dict -> ECS-shaped document with ChorusWatch's fields under
  `choruswatch.*`; analysts own `analyst.*`.
- `AlertIndexer`: async, idempotent, revision-ordered indexing with retries, backoff and a bounded
  pending map; see its docstring for the mechanism and the guarantees.

Transport: elasticsearch-py 8/9 sends `application/vnd.elasticsearch+json; compatible-with=N`, which real
Elasticsearch needs and OpenSearch-compatible servers (osmem-server, OpenSearch) refuse with 406. With
`CHORUSWATCH_ES_COMPAT_MODE=plain-json` the client uses the node classes below, which rewrite those
media types to plain `application/json` / `application/x-ndjson` and change nothing else.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from elastic_transport import AiohttpHttpNode, HttpHeaders, Urllib3HttpNode

from streams.clients import es_client
from streams.ports import IndexResult, StoreBackpressure, StoreUnavailable

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch

    from streams.metrics import Health, Metrics
    from streams.settings import Settings

log = logging.getLogger(__name__)

_VENDOR_PREFIX = "application/vnd.elasticsearch+"


def plain_json_headers(headers: HttpHeaders | None) -> HttpHeaders:
    """A copy of `headers` with vendor media types turned into plain ones (ndjson stays ndjson)."""
    out = HttpHeaders(headers or {})
    for name in ("accept", "content-type"):
        value = out.get(name)
        if value and value.startswith(_VENDOR_PREFIX):
            out[name] = "application/" + value[len(_VENDOR_PREFIX) :].split(";", 1)[0].strip()
    return out


class PlainJsonUrllib3Node(Urllib3HttpNode):
    """Synchronous node that sends plain JSON media types."""

    def perform_request(  # type: ignore[override]
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: HttpHeaders | None = None,
        **kw: Any,
    ) -> Any:
        return super().perform_request(method, target, body=body, headers=plain_json_headers(headers), **kw)


class PlainJsonAiohttpNode(AiohttpHttpNode):
    """Asynchronous node that sends plain JSON media types."""

    async def perform_request(  # type: ignore[override]
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: HttpHeaders | None = None,
        **kw: Any,
    ) -> Any:
        return await super().perform_request(
            method, target, body=body, headers=plain_json_headers(headers), **kw
        )


# ------------------------------------------------------------------------------------ index and alias
TEMPLATE_FILE: Final = (
    Path(__file__).resolve().parents[1] / "schemas" / "elasticsearch" / "alerts-index-template.json"
)


def load_index_template(alias: str) -> dict[str, Any]:
    """The composable index template body for `<alias>-*` (the file's `_comment` removed)."""
    body: dict[str, Any] = json.loads(TEMPLATE_FILE.read_text())
    body.pop("_comment", None)
    body["index_patterns"] = [f"{alias}-*"]
    return body


def first_index_name(alias: str) -> str:
    return f"{alias}-000001"


async def ensure_alert_index(client: AsyncElasticsearch, alias: str) -> bool:
    """Put the index template and create the first index behind the write alias; idempotent.

    Returns True when this call created the index. The template is always (re)written, so a changed
    mapping file applies to the next index; an existing index keeps its mapping.
    """
    from elasticsearch import BadRequestError

    await client.indices.put_index_template(name=alias, **load_index_template(alias))
    if await client.indices.exists_alias(name=alias):
        return False
    try:
        await client.indices.create(index=first_index_name(alias), aliases={alias: {"is_write_index": True}})
    except BadRequestError as err:
        # Another process created it between our check and our create.
        if err.error == "resource_already_exists_exception":
            return False
        raise
    return True


async def setup_alert_index(settings: Settings) -> bool:
    """`ensure_alert_index` against the configured cluster; True when the index was created now."""
    client: Any = es_client(settings, asynchronous=True)
    try:
        return await ensure_alert_index(client, settings.es_alias)
    finally:
        await client.close()


# ------------------------------------------------------------------------------- alert -> document
SEVERITY_RANK: Final = {"low": 1, "medium": 2, "high": 3, "critical": 4}
VERDICT_SIGNAL: Final = "analyst_verdict"  # detectors.verdicts.VERDICT_SIGNAL
RULE_ID: Final = "choruswatch.coordinated-narrative"
RULE_NAME: Final = "Coordinated narrative"
ANALYST_DEFAULTS: Final = {
    "status": "new",
    "assignee": None,
    "notes": None,
    "verdict": "pending",
    "updated_at": None,
}
ANALYST_STATUSES: Final = ("new", "triaged", "escalated", "closed")
ANALYST_VERDICTS: Final = ("pending", "coordinated_inauthentic", "authentic", "organic", "false_positive")


def _es_date(value: str) -> str:
    # Alert v1 allows "t"/" " between date and time and a lower-case "z"; Elasticsearch's default
    # date format wants "T" and "Z".
    if len(value) > 10 and value[10] in " t":
        value = value[:10] + "T" + value[11:]
    return value[:-1] + "Z" if value.endswith("z") else value


def _top_signals(signals: Mapping[str, Any], n: int = 3) -> list[str]:
    ranked = sorted(signals.items(), key=lambda item: float(item[1].get("contribution", 0.0)), reverse=True)
    return [name for name, value in ranked[:n] if float(value.get("contribution", 0.0)) > 0]


def alert_to_document(alert: Mapping[str, Any]) -> dict[str, Any]:
    """The Elasticsearch document (ECS + `choruswatch.*`) for one alert dict, without `analyst.*`:
    Alert v1 (one narrative, `choruswatch.kind` "narrative") or Alert v2 (one campaign, "campaign").

    The pipeline writes only these fields; `analyst.*` is set once, at the first insert, and afterwards
    only by analysts (see AlertIndexer).
    """
    if str(alert.get("schema_version", "1")) == "2":
        return _campaign_document(alert)
    narrative = alert["narrative"]
    message = (
        f"[{str(alert['severity']).upper()}] {narrative['label']!s}: {narrative['accounts']} accounts, "
        f"{narrative['size']} mentions, score {float(alert['score']):.2f}, {alert['status']} "
        f"(revision {alert['revision']})"
    )
    rule = {"id": RULE_ID, "name": RULE_NAME, "version": str(alert.get("detector", {}).get("version", ""))}
    doc = _document(alert, "narrative", message, rule)
    evidence = alert.get("evidence", {})
    doc["choruswatch"]["narrative"] = {
        key: narrative.get(key)
        for key in (
            "id",
            "label",
            "keywords",
            "representative_texts",
            "size",
            "accounts",
            "languages",
            "platforms",
        )
    }
    doc["choruswatch"]["evidence"] = {
        "top_accounts": list(evidence.get("top_accounts", [])),
        "links": list(evidence.get("links", [])),
        "hashtags": list(evidence.get("hashtags", [])),
        "sample_mention_ids": list(evidence.get("sample_mention_ids", [])),
        "timeline": list(evidence.get("timeline", [])),
    }
    return doc


def _campaign_document(alert: Mapping[str, Any]) -> dict[str, Any]:
    """Alert v2: the campaign's searchable fields under `choruswatch.campaign` (accounts as keywords,
    narrative and theme ids and counts, the network's size); the full network and per-narrative
    timelines stay in `_source` only (the mapping is not dynamic: no field explosion)."""
    campaign, network = alert["campaign"], alert["network"]
    narratives = alert.get("narratives", [])
    labels = [str(n.get("label", "")) for n in narratives]
    message = (
        f"[{str(alert['severity']).upper()}] campaign of {campaign['accounts']} accounts across "
        f"{campaign['narrative_count']} narratives ({'; '.join(labels[:3])}): {campaign['posts']} posts, "
        f"score {float(alert['score']):.2f}, {alert['status']} (revision {alert['revision']})"
    )
    rule = {k: str(v) for k, v in alert["rule"].items()}
    doc = _document(alert, "campaign", message, rule)
    evidence = alert.get("evidence", {})
    doc["choruswatch"]["merged_into"] = alert.get("merged_into")
    doc["choruswatch"]["campaign"] = {
        **{key: campaign[key] for key in ("id", "narrative_ids", "narrative_count", "theme_ids", "accounts")},
        **{key: campaign[key] for key in ("posts", "account_ids", "score_basis")},
        "theme_count": len(campaign["theme_ids"]),
        "narrative_labels": labels,
        "network_node_count": int(network["node_count"]),
        "network_edge_count": int(network["edge_count"]),
    }
    doc["choruswatch"]["evidence"] = {
        "sample_mention_ids": list(evidence.get("sample_mention_ids", [])),
    }
    # Top level, by the names evaluation tools and the analysts' saved searches use.
    doc["watchlist"] = {"claim_ids": list((alert.get("watchlist") or {}).get("claim_ids", []))}
    target = alert.get("target")
    if target:
        doc["target"] = {key: target.get(key) for key in ("account_id", "handle", "post_id")}
    return doc


def _document(alert: Mapping[str, Any], kind: str, message: str, rule: Mapping[str, str]) -> dict[str, Any]:
    """The fields every alert document has, whatever its version."""
    signals: Mapping[str, Any] = alert.get("signals", {})
    severity = str(alert["severity"])
    score = float(alert["score"])
    top = _top_signals(signals)
    reason = "strongest signals: " + (", ".join(top) if top else "none")
    if alert.get("authentic"):
        reason += f"; marked authentic ({alert.get('authentic_reason') or 'allowlisted accounts'})"
    tags = ["choruswatch", "coordination", f"severity:{severity}", kind]
    if alert.get("authentic"):
        tags.append("authentic")
    if VERDICT_SIGNAL in signals:  # a revision that came through despite a false_positive verdict
        tags.append("verdict-override")
    return {
        "@timestamp": _es_date(alert["as_of"]),
        "event": {
            "kind": "alert",
            "module": "choruswatch",
            "dataset": "choruswatch.alerts",
            "id": f"{alert['alert_id']}:{alert['revision']}",
            "severity": SEVERITY_RANK.get(severity, 1),
            "risk_score": round(score * 100.0, 3),
            "reason": reason,
            "start": _es_date(alert["first_seen"]),
            "end": _es_date(alert["last_seen"]),
        },
        "rule": dict(rule),
        "message": " ".join(message.split()),  # one line, whatever the label contains
        "tags": tags,
        "labels": {"schema_version": str(alert.get("schema_version", "1"))},
        "choruswatch": {
            "alert_id": alert["alert_id"],
            "kind": kind,
            "revision": int(alert["revision"]),
            "status": alert["status"],
            "severity": severity,
            "score": score,
            "authentic": bool(alert.get("authentic", False)),
            "authentic_reason": alert.get("authentic_reason"),
            "first_seen": _es_date(alert["first_seen"]),
            "last_seen": _es_date(alert["last_seen"]),
            "as_of": _es_date(alert["as_of"]),
            "signals": {
                name: {
                    "value": value.get("value"),
                    "weight": value.get("weight"),
                    "contribution": value.get("contribution"),
                    "detail": value.get("detail"),
                }
                for name, value in signals.items()
            },
            "detector": dict(alert.get("detector", {})),
        },
    }


# ------------------------------------------------------------------------------------------ indexer
class IndexingUnavailable(StoreUnavailable):
    """Elasticsearch did not store the alerts within the allowed tries; they stay pending (retry later)."""


class PendingQueueFull(StoreBackpressure):
    """More distinct alerts are waiting than `CHORUSWATCH_ES_MAX_PENDING`: stop consuming until flushed."""


def _is_transient_status(status: int) -> bool:
    return status == 429 or status >= 500


class AlertIndexer:
    """Stores alert revisions, one document per alert, and never loses one while Elasticsearch is down.

    Revisions move forward on both Elasticsearch and OpenSearch-compatible servers with one mechanism
    (osmem has no scripted updates): read the current documents (`mget`), then in one `_bulk`
    - `create` the documents not there yet, with the analyst defaults (status new, verdict pending);
    - skip revisions not newer than the stored one (a replay);
    - `update` with a partial `doc` of pipeline fields only, guarded by `if_seq_no`/`if_primary_term`,
      so a concurrent writer makes the item fail with 409 and the item is read and decided again.
    Partial updates never contain `analyst.*`, so analyst edits survive every revision.

    `index(alerts)` returns only when every alert passed (and every alert still pending from an earlier
    failed call) is stored; it raises IndexingUnavailable after `max_tries` attempts with exponential
    backoff, keeping them pending in a bounded in-memory map (latest revision per alert_id), so the
    caller commits Kafka offsets only after a successful return and calls `index()` / `flush()` again.
    """

    def __init__(
        self,
        client: AsyncElasticsearch,
        alias: str,
        *,
        metrics: Metrics | None = None,
        health: Health | None = None,
        max_pending: int = 10_000,
        max_tries: int = 6,
        backoff_initial_s: float = 0.5,
        backoff_max_s: float = 30.0,
        refresh: bool | str = False,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self.alias = alias
        self._metrics = metrics
        self._health = health
        self._max_pending = max_pending
        self._max_tries = max_tries
        self._backoff_initial_s = backoff_initial_s
        self._backoff_max_s = backoff_max_s
        self._refresh = refresh
        self._sleep = sleep
        self._pending: dict[str, dict[str, Any]] = {}
        self._index_ready = False
        self._recreated = False
        self._up: bool | None = None
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(
        cls, settings: Settings, *, metrics: Metrics | None = None, health: Health | None = None, **kw: Any
    ) -> AlertIndexer:
        """An indexer with the settings' client and limits; keyword arguments override the limits."""
        options: dict[str, Any] = {
            "max_pending": settings.es_max_pending,
            "max_tries": settings.es_max_tries,
            "backoff_initial_s": settings.es_backoff_initial_s,
            "backoff_max_s": settings.es_backoff_max_s,
        }
        options.update(kw)
        client: Any = es_client(settings, asynchronous=True)
        return cls(client, settings.es_alias, metrics=metrics, health=health, **options)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def take_recreated(self) -> bool:
        """Whether the index was created since the last call (see `streams.ports.AlertStore`)."""
        recreated, self._recreated = self._recreated, False
        return recreated

    async def verify(self) -> None:
        """See `streams.ports.AlertStore.verify`."""
        from elasticsearch import ApiError, TransportError

        async with self._lock:
            try:
                if await self._client.indices.exists_alias(name=self.alias):
                    self._mark_up(True)
                    return
                if await ensure_alert_index(self._client, self.alias):
                    log.warning("alert index %s was gone; created it again", self.alias)
                    self._recreated = True
                self._index_ready = True
                self._mark_up(True)
            except (ApiError, TransportError) as err:
                self._mark_up(False, f"{type(err).__name__}: {err}")

    async def close(self) -> None:
        await self._client.close()

    async def index(self, alerts: Iterable[Mapping[str, Any] | Any]) -> IndexResult:
        """Store these alert revisions (Alert v1 dicts or `Alert` objects); see the class docstring."""
        async with self._lock:
            for alert in alerts:
                self._add_pending(alert)
            return await self._drain()

    async def flush(self) -> IndexResult:
        """Retry what is pending (after an IndexingUnavailable)."""
        async with self._lock:
            return await self._drain()

    def _add_pending(self, alert: Mapping[str, Any] | Any) -> None:
        if not isinstance(alert, Mapping):
            alert = alert.to_dict()  # a schemas.models.Alert
        alert_id = str(alert["alert_id"])
        held = self._pending.get(alert_id)
        if held is not None and int(held["revision"]) >= int(alert["revision"]):
            return
        if held is None and len(self._pending) >= self._max_pending:
            raise PendingQueueFull(
                f"{len(self._pending)} alerts wait for Elasticsearch (CHORUSWATCH_ES_MAX_PENDING); pause input"
            )
        self._pending[alert_id] = dict(alert)
        self._set_pending_gauge()

    def _set_pending_gauge(self) -> None:
        if self._metrics is not None:
            self._metrics.es_pending_alerts.set(len(self._pending))

    async def _drain(self) -> IndexResult:
        created: list[str] = []
        updated: list[str] = []
        stale: list[str] = []
        rejected: list[tuple[str, str]] = []
        delay = self._backoff_initial_s
        last_error = ""
        for attempt in range(1, self._max_tries + 1):
            if not self._pending:
                break
            if attempt > 1 and self._metrics is not None:
                self._metrics.es_bulk_retries.inc()
            try:
                outcome = await self._attempt()
            except _Transient as err:
                last_error = str(err)
                self._mark_up(False, last_error)
                if attempt < self._max_tries:
                    await self._sleep(delay)
                    delay = min(delay * 2, self._backoff_max_s)
                continue
            self._mark_up(True)
            created += outcome.created
            updated += outcome.updated
            stale += outcome.stale
            rejected += outcome.rejected
            for alert_id in (
                *outcome.created,
                *outcome.updated,
                *outcome.stale,
                *(r[0] for r in outcome.rejected),
            ):
                self._pending.pop(alert_id, None)
            self._set_pending_gauge()
            if self._pending and outcome.transient_items:
                # Conflicts are re-read at once; throttling/5xx items wait like a failed request.
                last_error = outcome.transient_items
                await self._sleep(delay)
                delay = min(delay * 2, self._backoff_max_s)
        if self._pending:
            raise IndexingUnavailable(
                f"{len(self._pending)} alerts not stored in {self.alias} after {self._max_tries} tries "
                f"(last error: {last_error}); they stay pending"
            )
        return IndexResult(tuple(created), tuple(updated), tuple(stale), tuple(rejected))

    def _mark_up(self, up: bool, error: str = "") -> None:
        if up != self._up:
            if up:
                log.info("Elasticsearch reachable (%d alerts pending)", len(self._pending))
            else:
                log.warning(
                    "Elasticsearch unreachable: %s; %d alerts pending, retrying", error, len(self._pending)
                )
            self._up = up
        if self._metrics is not None:
            self._metrics.set_sink_up("elasticsearch", up)
        if self._health is not None:
            self._health.set_elasticsearch_reachable(up)

    async def _attempt(self) -> _Outcome:
        from elasticsearch import ApiError, TransportError

        try:
            if not self._index_ready:
                if await ensure_alert_index(self._client, self.alias):
                    # A new, empty index: whatever the alias held before is gone (a restarted
                    # in-memory server, a deleted index); the sink re-reads the alerts topic.
                    self._recreated = True
                self._index_ready = True
            current = await self._read_current(list(self._pending))
            return await self._write(current)
        except ApiError as err:
            if _is_transient_status(err.meta.status):
                raise _Transient(f"HTTP {err.meta.status} {err.error}") from err
            raise
        except TransportError as err:  # connection refused, timeout, TLS: the server is not there
            raise _Transient(f"{type(err).__name__}: {err.message}") from err

    async def _read_current(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Stored documents by id: `_index`, `_seq_no`, `_primary_term` and the stored revision."""
        response = await self._client.mget(
            index=self.alias, ids=ids, source_includes=["choruswatch.revision"], realtime=True
        )
        current: dict[str, dict[str, Any]] = {}
        for doc in response["docs"]:
            if "error" in doc:
                if doc["error"].get("type") == "index_not_found_exception":
                    # The index vanished (a wiped test server, a deleted alias): set it up again.
                    self._index_ready = False
                    raise _Transient("alert index not found")
                raise _Transient(f"mget failed for {doc['_id']}: {doc['error'].get('reason')}")
            if doc.get("found"):
                current[doc["_id"]] = doc
        return current

    async def _write(self, current: dict[str, dict[str, Any]]) -> _Outcome:
        outcome = _Outcome()
        operations: list[dict[str, Any]] = []
        kinds: list[tuple[str, str]] = []  # (alert_id, "create" | "update") per bulk item
        for alert_id, alert in self._pending.items():
            stored = current.get(alert_id)
            document = alert_to_document(alert)
            if stored is None:
                operations += [
                    {"create": {"_index": self.alias, "_id": alert_id}},
                    document | {"analyst": dict(ANALYST_DEFAULTS)},
                ]
                kinds.append((alert_id, "create"))
                continue
            stored_revision = int(stored.get("_source", {}).get("choruswatch", {}).get("revision", 0))
            if stored_revision >= int(alert["revision"]):
                outcome.stale.append(alert_id)
                continue
            operations += [
                {
                    "update": {
                        "_index": stored["_index"],
                        "_id": alert_id,
                        "if_seq_no": stored["_seq_no"],
                        "if_primary_term": stored["_primary_term"],
                    }
                },
                {"doc": document},
            ]
            kinds.append((alert_id, "update"))
        if not operations:
            return outcome
        response = await self._client.bulk(operations=operations, refresh=self._refresh)
        transient: list[str] = []
        for (alert_id, kind), item in zip(kinds, response["items"], strict=True):
            result = next(iter(item.values()))
            status = int(result.get("status", 500))
            if status < 300:
                (outcome.created if kind == "create" else outcome.updated).append(alert_id)
                continue
            error = result.get("error", {})
            reason = (
                f"{error.get('type', 'error')}: {error.get('reason', '')}"
                if isinstance(error, dict)
                else str(error)
            )
            if status == 409:
                continue  # someone wrote it since our read: read and decide again on the next attempt
            if self._metrics is not None:
                self._metrics.es_bulk_failures.inc()
            if _is_transient_status(status):
                transient.append(f"{status} {reason}")
            else:
                log.error("Elasticsearch rejected alert %s: %s", alert_id, reason)
                outcome.rejected.append((alert_id, reason))
        if self._metrics is not None:
            self._metrics.es_documents_indexed.inc(len(outcome.created) + len(outcome.updated))
        outcome.transient_items = "; ".join(transient[:3])
        return outcome


class _Transient(Exception):
    """A failure worth retrying (connection, 429, 5xx)."""


@dataclass(slots=True)
class _Outcome:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    transient_items: str = ""
