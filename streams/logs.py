"""Quiet logs: per-record problems are logged a few times a minute, then counted and summarised.

A flood of poison records must not drown the one line that matters; the metrics count every record.
`RateLimited(logger)` lets `burst` messages through per `period_s` and then one summary line saying how
many were held back, when the next period starts. `configure_library_logs` puts the Elasticsearch
client (every request is an INFO line) at WARNING unless the worker runs at DEBUG.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class RateLimited:
    def __init__(
        self,
        logger: logging.Logger,
        *,
        burst: int = 5,
        period_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._burst = burst
        self._period_s = period_s
        self._clock = clock
        self._window_start = float("-inf")
        self._sent = 0
        self._held = 0

    def log(self, level: int, msg: str, *args: object) -> None:
        now = self._clock()
        if now - self._window_start >= self._period_s:
            if self._held:
                self._logger.log(
                    level, "... and %d more like it in the last %.0f s", self._held, self._period_s
                )
            self._window_start, self._sent, self._held = now, 0, 0
        if self._sent < self._burst:
            self._sent += 1
            self._logger.log(level, msg, *args)
        else:
            self._held += 1

    def warning(self, msg: str, *args: object) -> None:
        self.log(logging.WARNING, msg, *args)

    def error(self, msg: str, *args: object) -> None:
        self.log(logging.ERROR, msg, *args)


# Every search request is an INFO line of elastic_transport; Kafka clients log only state changes
# (rebalances, assignments), which operators want.
CHATTY_LIBRARIES = ("elastic_transport", "elasticsearch")


def configure_library_logs(level: str) -> None:
    """Client libraries at WARNING unless the worker's own level is DEBUG."""
    if level.upper() == "DEBUG":
        return
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
