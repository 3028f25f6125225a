"""The demo's live alert table: rows in event-time order, and the endpoints worth repeating.

Alert revisions reach a reader of `narrative-alerts` in the order the partitions deliver them, which is
not event time: buckets on different partitions release their slots independently. The table holds
each revision for a short wall-clock delay and prints what it holds sorted by the alert's ``as_of``;
a revision whose event time is before one already printed (it came later than the delay) is printed
marked late, so the table never silently goes back in time.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from streams.settings import Settings

__all__ = ["DISPLAY_DELAY_S", "EventTimeOrder", "endpoints", "event_time", "short_id"]

# Revisions of one event-time slot reach the reader within about a second of each other (stage 2
# releases a slot on every partition once the watermark passes it, ticks every 0.25 s); 2 s of
# holding puts them in order without making the table feel late.
DISPLAY_DELAY_S: Final = 2.0


def event_time(alert: Mapping[str, Any]) -> datetime:
    """The revision's event time (``as_of``), from the alert's ISO 8601 string."""
    return datetime.fromisoformat(str(alert["as_of"]).replace("Z", "+00:00"))


def short_id(alert_id: str) -> str:
    """``cw-1a2b3c4d5e6f7788`` -> ``1a2b3c4d``: enough to tell the alerts of one run apart and to see
    that revisions whose label changed belong to one alert; campaign alerts (``cwc-``) likewise."""
    return alert_id.removeprefix("cwc-").removeprefix("cw-")[:8]


class EventTimeOrder:
    """Holds alert revisions for ``delay_s`` of wall time, then releases them in event-time order."""

    def __init__(self, delay_s: float = DISPLAY_DELAY_S) -> None:
        if delay_s < 0:
            raise ValueError(f"delay_s must be >= 0, got {delay_s}")
        self.delay_s = delay_s
        self._held: list[tuple[datetime, str, int, float, dict[str, Any]]] = []
        self._printed_up_to: datetime | None = None

    def __len__(self) -> int:
        return len(self._held)

    def add(self, alert: dict[str, Any], now: float) -> None:
        """Hold one revision that arrived at wall time ``now`` (monotonic seconds)."""
        key = (event_time(alert), str(alert["alert_id"]), int(alert["revision"]))
        heapq.heappush(self._held, (*key, now, alert))

    def release(self, now: float, *, everything: bool = False) -> list[tuple[dict[str, Any], bool]]:
        """Revisions due at ``now`` (all with ``everything``), earliest event time first, each with
        whether it is late (an event-time later revision was printed before it)."""
        out: list[tuple[dict[str, Any], bool]] = []
        # The heap is in event-time order; the head is due once it waited delay_s, and anything behind
        # it with an earlier arrival waits for it: releasing out of event-time order is what we avoid.
        while self._held and (everything or now - self._held[0][3] >= self.delay_s):
            when, _, _, _, alert = heapq.heappop(self._held)
            late = self._printed_up_to is not None and when < self._printed_up_to
            if not late:
                self._printed_up_to = when
            out.append((alert, late))
        return out


def endpoints(settings: Settings) -> list[tuple[str, str]]:
    """Where a user finds the demo's output: search, alerts topic, metrics and health."""
    metrics = f"http://127.0.0.1:{settings.metrics_port}"
    return [
        ("alerts search", f"{settings.es_url}/{settings.es_alias}/_search"),
        ("alerts topic", f"{settings.topic_alerts} on {settings.kafka_bootstrap}"),
        ("input topic", settings.topic_mentions),
        ("metrics", f"{metrics}/metrics"),
        ("health", f"{metrics}/health"),
    ]
