"""Stage 3: the Elasticsearch sink, its own consumer group, offsets committed only once stored.

Kafka is the buffer: while Elasticsearch is down the sink waits with its partitions paused (the alerts
wait on the topic and the lag grows), retries the store's pending alerts with backoff, and only then
reads on. The store counts documents, bulk failures and retries and sets the Elasticsearch health
itself; this stage adds the consumer lag and never counts those again.

Nothing is dropped silently: an alert record that cannot be read, or that the server refuses for good
(a 4xx such as a mapping conflict), goes to the alerts dead-letter topic with its reason. When the store
finds its index gone and creates it again (an in-memory server restarted, an index deleted), what the
index held is lost: the sink reads the compacted alerts topic again from its beginning, which holds
the latest revision of every alert (revisions already stored are skipped; analyst fields of documents
that survived are never overwritten).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from streams.alerts_out import alert_dict_from_record
from streams.dlq import dead_letter_record
from streams.lag import LagReporter
from streams.logs import RateLimited
from streams.metrics import Metrics
from streams.outbox import Outbox
from streams.ports import (
    AlertFeed,
    AlertStore,
    Clock,
    InRecord,
    Producer,
    StoreBackpressure,
    StoreUnavailable,
)
from streams.validation import Rejection

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SinkConfig:
    alerts_topic: str
    dlq_topic: str
    backoff_initial_s: float
    backoff_max_s: float
    poll_ms: int = 500
    max_records: int = 500
    verify_interval_s: float = 10.0  # how often a quiet sink checks that its index is still there
    lag_timeout_s: float = 5.0  # the longest wait for the end offsets behind one lag report


class SinkStage:
    """Stage 3 behind its ports; `streams.app` runs `run()` as a task (or `step()` in tests)."""

    def __init__(
        self,
        config: SinkConfig,
        *,
        feed: AlertFeed,
        store: AlertStore,
        producer: Producer,
        clock: Clock,
        metrics: Metrics,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
    ) -> None:
        self.config = config
        self.feed = feed
        self.store = store
        self.clock = clock
        self.metrics = metrics
        self._outbox = Outbox(producer) if sleep is None else Outbox(producer, sleep=sleep)
        self._sleep = sleep or asyncio.sleep
        self._log_dead = RateLimited(log)
        self._log_failed = RateLimited(log)
        self._lag = LagReporter(metrics)
        self._verified_at = float("-inf")
        self._held: Sequence[InRecord] = ()

    async def run(self) -> None:
        """Step until cancelled. A round that fails (a broker request timed out, a fetch error) is
        logged and tried again after a backoff; the records it had read are stored by the next round
        before anything newer, so a failed round loses nothing, and the sink never dies of one."""
        delay = self.config.backoff_initial_s
        try:
            while True:
                try:
                    await self.step()
                    delay = self.config.backoff_initial_s
                except Exception as exc:
                    self._log_failed.error(
                        "Elasticsearch sink round failed, retrying in %.1f s: %r", delay, exc
                    )
                    await self._sleep(delay)
                    delay = min(delay * 2, self.config.backoff_max_s)
        finally:
            await self.store.close()

    async def step(self) -> int:
        """One round: read, store, commit, report lag; returns how many records were read."""
        # Records of a round that failed before its commit are kept and stored first: never skipped.
        records = self._held or await self.feed.getmany(self.config.poll_ms, self.config.max_records)
        self._held = records
        if records:
            latest = await self._latest_revisions(records)
            await self._store(latest)
            for failure in await self._outbox.settle():
                self.metrics.dead_letter_failures.inc()
                log.error("alert dead letter refused for good: %r", failure.error)
            offsets: dict[tuple[str, int], int] = {}
            for rec in records:
                tp = (rec.topic, rec.partition)
                offsets[tp] = max(offsets.get(tp, 0), rec.offset + 1)
            if not await self.feed.commit(offsets):
                # A rebalance took the partitions away: their new owner reads these alerts again,
                # and storing a revision twice is a no-op.
                log.warning("Elasticsearch sink: offset commit lost to a rebalance")
        self._held = ()
        if self.clock.monotonic() - self._verified_at >= self.config.verify_interval_s:
            await self.store.verify()
            self._verified_at = self.clock.monotonic()
        if self.store.take_recreated():
            log.warning(
                "alert index was (re)created empty: re-reading %s from its beginning",
                self.config.alerts_topic,
            )
            self.metrics.es_resyncs.inc()
            await self.feed.rewind()
        await self._report_lag()
        return len(records)

    async def _report_lag(self) -> None:
        # The end offsets may need a broker round trip; a slow answer skips one report, not the sink.
        try:
            lags = await asyncio.wait_for(self.feed.lags(), self.config.lag_timeout_s)
        except TimeoutError:
            return
        self._lag.update("sink", lags)

    async def _latest_revisions(
        self, records: Sequence[InRecord]
    ) -> dict[str, tuple[dict[str, Any], InRecord]]:
        """The newest revision of each alert read; unreadable records are dead-lettered."""
        latest: dict[str, tuple[dict[str, Any], InRecord]] = {}
        for record in records:
            try:
                alert = alert_dict_from_record(record.value or b"")
            except Exception as exc:  # whatever a foreign producer wrote: one record, not the batch
                await self._dead_letter(record, Rejection("decode", type(exc).__name__, "$", repr(exc)[:500]))
                continue
            held = latest.get(alert["alert_id"])
            if held is None or alert["revision"] > held[0]["revision"]:
                latest[alert["alert_id"]] = (alert, record)
        return latest

    async def _store(self, latest: dict[str, tuple[dict[str, Any], InRecord]]) -> None:
        """Return once every alert is stored (or refused for good); wait paused meanwhile."""
        alerts = [alert for alert, _ in latest.values()]
        delay = self.config.backoff_initial_s
        paused = False
        while True:
            try:
                # Calling index() again after a failure is cheap: revisions already stored come back
                # "stale", and the store keeps one pending copy per alert.
                result = await self.store.index(alerts)
                break
            except (StoreUnavailable, StoreBackpressure) as exc:
                if not paused:
                    log.warning(
                        "Elasticsearch sink paused, alerts wait on %s: %s", self.config.alerts_topic, exc
                    )
                    paused = True
                await self.feed.wait_paused(delay)
                delay = min(delay * 2, self.config.backoff_max_s)
        if paused:
            log.info("Elasticsearch sink resumed: %d alerts stored", len(latest))
        await self._dead_letter_rejected(result, latest)

    async def _dead_letter_rejected(
        self, result: Any, latest: dict[str, tuple[dict[str, Any], InRecord]]
    ) -> None:
        # The server refused these for good (a 4xx, e.g. a mapping conflict); retrying cannot help.
        for alert_id, reason in result.rejected:
            held = latest.get(alert_id)
            if held is not None:
                await self._dead_letter(held[1], Rejection("rejected", "StoreRejected", "$", reason[:500]))

    async def _dead_letter(self, record: InRecord, rejection: Rejection) -> None:
        out = dead_letter_record(
            record, rejection, dlq_topic=self.config.dlq_topic, now_ms=int(self.clock.time() * 1000)
        )
        await self._outbox.send(out, tag="dead-letter")
        self.metrics.alerts_dead_lettered.labels(reason=rejection.code).inc()
        self._log_dead.error(
            "alert record %s[%d]@%d dead-lettered: %s",
            record.topic,
            record.partition,
            record.offset,
            rejection.reason,
        )
