"""Readiness that tells the truth: the worker asks the broker and the search server on a timer.

A worker on a quiet stream writes nothing, so health set only as a side effect of writes would stay
"not ready" (or "ready") for as long as nothing flows. `HealthProbe.check()` asks the broker for its
metadata and, when this worker runs the sink, pings the search server, each within `timeout_s`, and sets
`streams.metrics.Health` (and the `choruswatch_sink_up` gauges) from the answers; `streams.app` runs it
every `PROBE_INTERVAL_S` and once at start.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

from streams.clients import es_client, kafka_client_kwargs
from streams.metrics import Health
from streams.settings import Settings

log = logging.getLogger(__name__)

PROBE_INTERVAL_S: Final = 5.0


class HealthProbe:
    def __init__(self, settings: Settings, health: Health, *, search: bool, timeout_s: float = 4.0) -> None:
        self._settings = settings
        self._health = health
        self._search = search
        self._timeout_s = timeout_s
        self._kafka: Any = None
        self._es: Any = None

    async def check(self) -> None:
        self._health.set_kafka_reachable(await self._answers(self._broker_metadata, "broker"))
        if self._search:
            self._health.set_elasticsearch_reachable(await self._answers(self._es_ping, "search server"))

    async def _answers(self, ask: Any, what: str) -> bool:
        try:
            return bool(await asyncio.wait_for(ask(), self._timeout_s))
        except Exception as exc:  # a timeout, a refused connection, an error reply: not reachable
            log.debug("%s did not answer the health probe: %r", what, exc)
            return False

    async def _broker_metadata(self) -> bool:
        from aiokafka import AIOKafkaClient

        if self._kafka is None:
            self._kafka = AIOKafkaClient(**kafka_client_kwargs(self._settings, "aiokafka"))
            await self._kafka.bootstrap()
        metadata = await self._kafka.fetch_all_metadata()
        return bool(metadata.brokers())

    async def _es_ping(self) -> bool:
        if self._es is None:
            self._es = es_client(self._settings, asynchronous=True)
        return bool(await self._es.ping())

    async def close(self) -> None:
        if self._kafka is not None:
            await self._kafka.close()
        if self._es is not None:
            await self._es.close()
