"""Sending records so that none is lost silently: hand a batch to the producer, then settle it.

faust acknowledges an input record once its agent has moved on, whatever happened to what the agent
produced, and a producer reports most failures only when the delivery is awaited. So a stage sends a
batch with `Outbox.send` and awaits `Outbox.settle()` before it returns: a transient failure (broker
unreachable, leader moving; aiokafka marks these errors `retriable`) is retried with capped exponential
backoff until the broker takes the record — the stage stalls, which is the backpressure we want while
the broker is away — and a permanent one (the broker refuses that record for good, e.g. too large) is
handed back to the caller, who dead-letters the input that produced it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from streams.logs import RateLimited
from streams.ports import OutRecord, Producer

log = logging.getLogger(__name__)
_quiet = RateLimited(log)


def is_transient(exc: BaseException) -> bool:
    """Whether sending again may succeed: the error, or the one it wraps, says it is retriable."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if getattr(current, "retriable", False) or isinstance(current, (ConnectionError, TimeoutError)):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


@dataclass(frozen=True, slots=True)
class Failure:
    """A record the broker refused for good, with the caller's tag (what produced it)."""

    record: OutRecord
    tag: Any
    error: BaseException


@dataclass
class Outbox:
    producer: Producer
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
    initial_backoff_s: float = 0.2
    max_backoff_s: float = 10.0
    on_broker: Callable[[bool], None] = lambda up: None  # health: the broker answers or not
    _inflight: list[tuple[OutRecord, Any, Any]] = field(default_factory=list)

    async def send(self, record: OutRecord, tag: Any = None) -> None:
        """Hand `record` to the producer (its delivery is awaited by `settle`)."""
        try:
            delivery: Any = await self.producer.send(record)
        except Exception as exc:  # an immediate refusal counts like a failed delivery
            delivery = exc
        self._inflight.append((record, tag, delivery))

    async def settle(self) -> list[Failure]:
        """Wait for every record sent since the last call; return those refused for good."""
        inflight, self._inflight = self._inflight, []
        failures: list[Failure] = []
        for record, tag, delivery in inflight:
            error = await self._outcome(delivery)
            if error is not None and is_transient(error):
                error = await self._retry(record)
            if error is not None:
                _quiet.error("record for %s refused for good: %r", record.topic, error)
                failures.append(Failure(record, tag, error))
        return failures

    async def _outcome(self, delivery: Any) -> BaseException | None:
        if isinstance(delivery, BaseException):
            return delivery
        try:
            await delivery
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            return exc
        return None

    async def _retry(self, record: OutRecord) -> BaseException | None:
        """Send `record` until it is taken (None) or refused for good (the error)."""
        delay = self.initial_backoff_s
        while True:
            self.on_broker(False)
            _quiet.warning("broker did not take a record for %s; retrying in %.1f s", record.topic, delay)
            await self.sleep(delay)
            delay = min(delay * 2, self.max_backoff_s)
            try:
                error = await self._outcome(await self.producer.send(record))
            except Exception as exc:
                error = exc
            if error is None:
                self.on_broker(True)
                return None
            if not is_transient(error):
                return error
