"""The analyst's files: one loader each for the watchlist, the verdicts and the sensors.

Every loader reads a whole file and returns plain core objects, or refuses the file as a whole at its
first bad line with :class:`AnalystFileError` (``str()`` is ``"file:line: reason"``): nothing is ever
half-loaded. Formats (documented once, in ``docs/analyst-guide.md``):

- **watchlist** (JSON lines): one claim per line, ``{"id": ..., "text": ...}`` or ``"texts": [...]``
  for several wordings, optional ``notes`` and ``severity_floor``, any other fields kept. Blank lines
  are skipped. :func:`load_watchlist` -> ``tuple[Claim, ...]``; :func:`build_watchlist` embeds the
  wordings with the stream's embedder (the core never calls a model) into a ``Watchlist``.
- **verdicts** (JSON lines): ``{"alert_id", "verdict", "analyst", "at"}`` plus optional ``revision``,
  ``note``, ``accounts``; ``verdict`` is ``confirmed``, ``false_positive``, ``authentic`` or
  ``cleared`` (undo). :func:`load_verdicts` -> ``tuple[VerdictRecord, ...]``.
- **sensors** (text, like the allowlist): one official account per line, its id and/or its
  ``@handles`` separated by spaces; ``#`` starts a comment. :func:`load_sensors` ->
  ``tuple[Sensor, ...]``; :func:`sensor_allowlist` gives their ids for the allowlist.

:class:`WatchedFile` keeps the last good load of a file and reloads it when it changes (the stream
loads its files at start, where a bad file stops it, and on change, where a bad file is reported and
the previous version stays in force).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np

from detectors.config import DetectorConfig
from detectors.embedding import Embedder
from detectors.replystorm import Sensor, handle_key
from detectors.verdicts import VerdictError, VerdictRecord
from detectors.watchlist import Claim, ClaimError, Watchlist

log = logging.getLogger(__name__)

T = TypeVar("T")
_HANDLE_RE = re.compile(r"^@[A-Za-z0-9_][A-Za-z0-9_.]*$")


class AnalystFileError(ValueError):
    """A watchlist, verdicts or sensors file that cannot be used; names the file, line and reason."""

    def __init__(self, path: str | Path, line: int | None, reason: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")
        self.path = str(path)
        self.line = line
        self.reason = reason


def _lines(path: str | Path) -> Iterator[tuple[int, str]]:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise AnalystFileError(path, None, f"cannot read: {exc.strerror or exc}") from None
    for number, line in enumerate(raw.removeprefix(b"\xef\xbb\xbf").splitlines(), 1):
        try:
            yield number, line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AnalystFileError(path, number, f"not UTF-8 ({exc.reason} at byte {exc.start})") from None


def _json_objects(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in _lines(path):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AnalystFileError(path, number, f"not JSON: {exc.msg} (column {exc.colno})") from None
        if not isinstance(obj, dict):
            raise AnalystFileError(path, number, f"expected a JSON object, got {type(obj).__name__}")
        yield number, obj


def load_watchlist(path: str | Path) -> tuple[Claim, ...]:
    """The claims of a watchlist file, in file order; refuses the whole file at the first bad line."""
    claims: list[Claim] = []
    first_line: dict[str, int] = {}
    for number, obj in _json_objects(path):
        try:
            claim = Claim.from_dict(obj)
        except ClaimError as exc:
            raise AnalystFileError(path, number, str(exc)) from None
        if claim.id in first_line:
            raise AnalystFileError(
                path, number, f"duplicate claim id {claim.id!r} (first on line {first_line[claim.id]})"
            )
        first_line[claim.id] = number
        claims.append(claim)
    return tuple(claims)


def build_watchlist(claims: tuple[Claim, ...], embedder: Embedder, config: DetectorConfig) -> Watchlist:
    """Embed every wording once with the stream's embedder and hand the vectors to the core."""
    texts = [t for c in claims for t in c.texts]
    vectors = embedder.encode(texts) if texts else np.zeros((0, embedder.dim), dtype=np.float32)
    return Watchlist(claims, vectors, config)


def load_verdicts(path: str | Path) -> tuple[VerdictRecord, ...]:
    """The verdicts of a file, in file order (the VerdictBook orders them by time)."""
    records: list[VerdictRecord] = []
    for number, obj in _json_objects(path):
        try:
            records.append(VerdictRecord.from_dict(obj, source="file"))
        except VerdictError as exc:
            raise AnalystFileError(path, number, str(exc)) from None
    return tuple(records)


def load_sensors(path: str | Path) -> tuple[Sensor, ...]:
    """Official accounts, one a line: an id and/or @handles; ``#`` comments; blank lines skipped."""
    sensors: list[Sensor] = []
    seen: dict[str, int] = {}
    for number, line in _lines(path):
        tokens = line.split("#", 1)[0].split()
        if not tokens:
            continue
        ids = [t for t in tokens if not t.startswith("@")]
        handles = [t for t in tokens if t.startswith("@")]
        if len(ids) > 1:
            raise AnalystFileError(path, number, f"two account ids on one line ({ids[0]!r}, {ids[1]!r})")
        bad = next((h for h in handles if not _HANDLE_RE.match(h)), None)
        if bad is not None:
            raise AnalystFileError(
                path, number, f"not a handle: {bad!r} (expected @ and letters, digits, _ or .)"
            )
        for key in [f"id {i}" for i in ids] + [f"handle @{handle_key(h)}" for h in handles]:
            if key in seen:
                raise AnalystFileError(path, number, f"{key} already listed on line {seen[key]}")
            seen[key] = number
        sensors.append(Sensor(ids[0] if ids else None, tuple(handles)))
    return tuple(sensors)


def sensor_allowlist(sensors: tuple[Sensor, ...]) -> frozenset[str]:
    """The sensors' account ids: official accounts are allowlisted wherever they post together."""
    return frozenset(s.account_id for s in sensors if s.account_id is not None)


class WatchedFile(Generic[T]):
    """The last good load of a file, reloaded by :meth:`poll` when its size or modification time
    changes. The first load raises (a bad file stops the start); a bad reload is logged and kept in
    :attr:`last_error`, and the previous content stays in force."""

    def __init__(self, path: str | Path, load: Callable[[Path], T]) -> None:
        self.path = Path(path)
        self._load = load
        self._stamp = self._stat()
        self.value: T = load(self.path)
        self.last_error: AnalystFileError | None = None

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def poll(self) -> bool:
        """Reload if the file changed; True when a new version is now in force."""
        stamp = self._stat()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            self.value = self._load(self.path)
        except AnalystFileError as exc:
            self.last_error = exc
            log.error("keeping the previous %s: %s", self.path.name, exc)
            return False
        self.last_error = None
        return True
