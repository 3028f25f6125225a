"""The analyst's loop in a stream worker: one shared AnalystInputs, kept current.

:class:`AnalystLoop` is built once per worker by the composition root (`streams.worker`) and handed to
every bucket Detector (stage 2) and to the campaign stage's :class:`~detectors.global_level.GlobalLevel`
through their factories, so all of them read the same inputs:

- the **verdict book** is one object for the worker's whole life: a verdict applied to it (from the
  seed file, the verdicts topic or the index) takes effect on the next revision decided anywhere in
  the process; it is an input, never checkpointed (the topic is read from its beginning at start);
- the **watchlist** (`CHORUSWATCH_WATCHLIST_FILE`, claims embedded with the worker's embedder) and
  the **sensors** (`CHORUSWATCH_SENSORS_FILE`, which also join the allowlist) are loaded at start (a
  bad file stops the worker: `file:line: reason`) and reloaded when they change: a good new version
  replaces :attr:`AnalystLoop.inputs` and the stages rebuild their detectors from a snapshot
  (`refresh_inputs`); a bad one is logged, counted, and the previous version stays;
- the **verdicts seed** (`CHORUSWATCH_VERDICTS_FILE`) is applied at start and, when it changes, its new
  records are applied (a record already applied is recorded once; removing a line undoes nothing:
  undoing is a ``cleared`` verdict).

:class:`VerdictSync` brings verdicts from outside: the compacted verdicts topic (everything at start,
then what is new) and the alert index (documents whose ``analyst.updated_at`` moved: a verdict set in
Kibana). Both do blocking I/O; `streams.app` runs them in a thread and applies what they return on the
event loop, where the detectors read the book.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from detectors.analyst import AnalystInputs
from detectors.config import DetectorConfig
from detectors.embedding import Embedder, EmbeddingError
from detectors.replystorm import Sensor
from detectors.verdicts import VerdictBook, VerdictRecord
from detectors.watchlist import Watchlist
from streams.analyst_files import (
    AnalystFileError,
    WatchedFile,
    build_watchlist,
    load_sensors,
    load_verdicts,
    load_watchlist,
    sensor_allowlist,
)
from streams.logs import RateLimited
from streams.metrics import Metrics

log = logging.getLogger(__name__)

#: The `file` label of the reload metrics.
WATCHLIST: Final = "watchlist"
SENSORS: Final = "sensors"
VERDICTS: Final = "verdicts"


class AnalystFilesRefused(ValueError):
    """An analyst file the worker cannot start with; ``str()`` is ``file:line: reason``."""


def watchlist_loader(embedder: Embedder, config: DetectorConfig) -> Callable[[Path], Watchlist]:
    """Load and embed a watchlist file; an empty file or a failed embedding is refused like a bad line."""

    def load(path: Path) -> Watchlist:
        claims = load_watchlist(path)
        if not claims:
            raise AnalystFileError(path, None, "no claims (unset CHORUSWATCH_WATCHLIST_FILE to run without)")
        try:
            return build_watchlist(claims, embedder, config)
        except EmbeddingError as exc:
            raise AnalystFileError(path, None, f"cannot embed the claims: {exc}") from None

    return load


@dataclass(frozen=True, slots=True)
class AnalystFiles:
    """Which analyst files a worker watches (any may be absent)."""

    watchlist: Path | None = None
    sensors: Path | None = None
    verdicts: Path | None = None


class AnalystLoop:
    """The worker's shared analyst inputs; see the module docstring."""

    def __init__(
        self,
        files: AnalystFiles,
        config: DetectorConfig,
        *,
        embedder: Embedder | None,
        metrics: Metrics,
        allowlist: frozenset[str] = frozenset(),
    ) -> None:
        self.metrics = metrics
        self.book = VerdictBook(false_positive_growth=config.verdict_false_positive_growth)
        self._base_allowlist = frozenset(allowlist)
        try:
            self._watchlist = self._watch_watchlist(files.watchlist, config, embedder)
            self._sensors = WatchedFile(files.sensors, load_sensors) if files.sensors else None
            self._verdicts = WatchedFile(files.verdicts, load_verdicts) if files.verdicts else None
        except AnalystFileError as exc:
            raise AnalystFilesRefused(str(exc)) from None
        self.inputs = AnalystInputs()
        self.allowlist = self._base_allowlist
        self._rebuild_inputs()
        if self._verdicts is not None:
            self.apply(self._verdicts.value)

    @staticmethod
    def _watch_watchlist(
        path: Path | None, config: DetectorConfig, embedder: Embedder | None
    ) -> WatchedFile[Watchlist] | None:
        if path is None:
            return None
        if embedder is None:
            raise AnalystFileError(
                path, None, "a watchlist needs the embedding model, and none is configured"
            )
        return WatchedFile(path, watchlist_loader(embedder, config))

    def _rebuild_inputs(self) -> None:
        watchlist = self._watchlist.value if self._watchlist is not None else None
        sensors: tuple[Sensor, ...] = self._sensors.value if self._sensors is not None else ()
        # The book is always there (one object, shared): with no verdict in it, nothing changes.
        self.inputs = AnalystInputs(watchlist, sensors, self.book)
        self.allowlist = self._base_allowlist | sensor_allowlist(sensors)

    # -- files ----------------------------------------------------------------------------------------

    def _watched(self) -> list[tuple[str, WatchedFile[Any]]]:
        named = [(WATCHLIST, self._watchlist), (SENSORS, self._sensors), (VERDICTS, self._verdicts)]
        return [(name, f) for name, f in named if f is not None]

    def check_files(self) -> set[str]:
        """Reload the files that changed (blocking: reads and embeds); the names whose new version is
        ready to adopt. A refused version is logged and counted, and the previous one stays."""
        changed: set[str] = set()
        for name, watched in self._watched():
            if watched.poll():
                changed.add(name)
                self.metrics.analyst_file_reloads.labels(file=name, outcome="loaded").inc()
            elif watched.last_error is not None:
                self.metrics.analyst_file_reloads.labels(file=name, outcome="refused").inc()
                watched.last_error = None  # counted once per refused version
        return changed

    def adopt(self, changed: Iterable[str]) -> bool:
        """Put the reloaded files in force (on the event loop); True when the stages must rebuild
        their detectors (the watchlist or the sensors changed)."""
        changed = set(changed)
        if VERDICTS in changed and self._verdicts is not None:
            self.apply(self._verdicts.value)
        if changed & {WATCHLIST, SENSORS}:
            self._rebuild_inputs()
            log.info("analyst files reloaded: %s", ", ".join(sorted(changed & {WATCHLIST, SENSORS})))
            return True
        return False

    # -- verdicts ------------------------------------------------------------------------------------

    def apply(self, records: Iterable[VerdictRecord]) -> int:
        """Apply verdicts to the shared book; the number that changed the verdict in force (a record
        seen before from the other source, an older one, or a clearing of an alert nobody judged
        changes nothing and is not counted)."""
        new = 0
        for record in records:
            change = self.book.apply(record)
            if not change.effective:
                continue
            new += 1
            self.metrics.verdict_applied(record.value, record.source)
            log.info(
                "verdict %s on %s by %s (%s): %s",
                record.value,
                record.alert_id,
                record.analyst,
                record.source,
                change.reason,
            )
        self.metrics.verdicts_in_force.set(len(self.book.judged_alerts()))
        return new


class VerdictSync:
    """Verdicts from the verdicts topic and the alert index (blocking I/O: call from a thread).

    ``reader`` is a :class:`streams.verdicts_io.VerdictTopicReader` (or a fake with ``poll`` and
    ``read_all``), ``client`` a synchronous Elasticsearch client (or a fake with ``search``); a
    failure of the index is logged (rate-limited) and retried on the next pickup."""

    def __init__(self, reader: Any, client: Any, alias: str) -> None:
        self._reader = reader
        self._client = client
        self._alias = alias
        self._since: float | None = None
        self._log_failure = RateLimited(log)

    def catch_up(self) -> list[VerdictRecord]:
        """Start-up: the whole topic, then every judged document of the index."""
        from_topic: list[VerdictRecord] = self._reader.read_all()
        return from_topic + self.pickup()

    def poll_topic(self, timeout_s: float = 0.2) -> list[VerdictRecord]:
        records: list[VerdictRecord] = self._reader.poll(timeout_s)
        return records

    def pickup(self) -> list[VerdictRecord]:
        from elasticsearch import NotFoundError

        from streams.verdicts_io import pickup_verdicts

        try:
            records, self._since = pickup_verdicts(self._client, self._alias, self._since)
        except NotFoundError:
            return []  # no alert indexed yet: nothing to judge
        except Exception as exc:  # the index down or not there yet: the next pickup tries again
            self._log_failure.warning("cannot pick up verdicts from %r: %s", self._alias, exc)
            return []
        return records

    def close(self) -> None:
        self._reader.close()
        self._client.close()
