"""`choruswatch_consumer_lag{stage,topic,partition}`: records behind the end of each assigned partition.

The figures come from the adapters (end offset minus the consumer's position, see `streams.kafka_io`);
this reporter keeps the gauge to the current assignment, so a rebalanced worker does not go on
reporting a partition it no longer reads.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

from streams.metrics import Metrics


class LagReporter:
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._reported: dict[str, set[tuple[str, int]]] = {}

    def update(self, stage: str, lags: Mapping[tuple[str, int], int]) -> None:
        for (topic, partition), lag in lags.items():
            self._metrics.set_consumer_lag(stage, topic, partition, lag)
        for topic, partition in self._reported.get(stage, set()) - set(lags):
            with contextlib.suppress(KeyError):
                self._metrics.consumer_lag.remove(stage, topic, str(partition))
        self._reported[stage] = set(lags)
