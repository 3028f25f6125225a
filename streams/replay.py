"""Producing mentions into the `mentions` topic in event-time order, paced or as fast as possible.

`Replay.run(mentions, speed, stop)` sends each mention (Mention v1 JSON, keyed by author id so one
account's posts stay in order) at ``(created_at - first created_at) / speed`` seconds after the start;
`speed=None` sends as fast as the broker takes them (a backfill). Mentions keep their `created_at`:
the detectors run on event time, so a replay gives the alerts the live stream would have given.
Used by `choruswatch replay` and `choruswatch demo`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.models import Mention
from streams.clients import kafka_client_kwargs
from streams.settings import Settings

log = logging.getLogger(__name__)


def schedule(event_times: Sequence[float], speed: float | None) -> list[float]:
    """Seconds after the start at which each mention is sent: event-time gaps divided by `speed`
    (all 0 when `speed` is None: as fast as possible)."""
    if speed is not None and speed <= 0:
        raise ValueError(f"speed must be positive, got {speed}")
    if not event_times or speed is None:
        return [0.0] * len(event_times)
    t0 = event_times[0]
    return [(t - t0) / speed for t in event_times]


def mention_value(mention: Mention) -> bytes:
    return json.dumps(mention.to_dict(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class ReplayStats:
    sent: int = 0
    send_errors: int = 0


class Replay:
    """A kafka-python producer sending mentions to `settings.topic_mentions`."""

    def __init__(self, settings: Settings, producer: Any | None = None, stats: Any | None = None) -> None:
        if producer is None:
            from kafka import KafkaProducer

            producer = KafkaProducer(acks="all", linger_ms=20, **kafka_client_kwargs(settings))
        self._producer = producer
        self.topic = settings.topic_mentions
        self.stats = stats if stats is not None else ReplayStats()  # anything with .sent, .send_errors

    def run(
        self,
        mentions: Sequence[Mention],
        speed: float | None,
        stop: threading.Event,
        on_sent: Callable[[int], None] | None = None,
    ) -> Any:
        """Send `mentions` (sorted by event time, stable) until done or `stop` is set."""
        ordered = sorted(mentions, key=lambda m: m.timestamp)
        offsets = schedule([m.timestamp for m in ordered], speed)
        started = time.monotonic()
        for i, (mention, offset) in enumerate(zip(ordered, offsets, strict=True)):
            delay = started + offset - time.monotonic()
            if (delay > 0 and stop.wait(delay)) or stop.is_set():
                break
            future = self._producer.send(
                self.topic, key=mention.author.id.encode("utf-8"), value=mention_value(mention)
            )
            future.add_callback(self._counted)
            future.add_errback(self._failed)
            if on_sent is not None and i % 500 == 0:
                on_sent(i)
        self._producer.flush(timeout=60)
        if on_sent is not None:
            on_sent(len(ordered))
        return self.stats

    def close(self) -> None:
        self._producer.close(5)

    def _counted(self, _: Any) -> None:
        self.stats.sent += 1

    def _failed(self, exc: BaseException) -> None:
        self.stats.send_errors += 1
        log.warning("send failed: %s", exc)
