"""File I/O for the command line: reading mentions from JSON lines or CSV, writing JSON lines.

Mentions are read from a path or from standard input (`-`). The format comes from the file
extension (`.jsonl`, `.ndjson`, `.json`, `.csv`) or, failing that, from the first non-blank line
(a line starting with `{` means JSON lines, anything else CSV with a header row). Every record comes
back with the line number it started on, either as a :class:`schemas.models.Mention` or as a
:class:`Rejected` carrying the reason, so a caller reports and skips bad lines and goes on.

JSON lines are read as bytes so that a line that is not UTF-8 is rejected on its own; CSV is
decoded with replacement characters because the csv module needs text and one bad byte must not end
the run.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Final, Literal, TextIO, cast

from schemas.models import Mention, SchemaError, mention_dict_from_csv_row, parse_mention

Format = Literal["jsonl", "csv"]
EXTENSIONS: dict[str, Format] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}
MAX_LINE_BYTES = 256 * 1024


class InputError(Exception):
    """The input as a whole cannot be read or used (missing file, binary data, no valid record, a CSV
    header without the required columns)."""


#: Columns a CSV input must have (see `schemas.models.mention_dict_from_csv_row` for all of them).
REQUIRED_CSV_COLUMNS: Final = ("id", "platform", "created_at", "text", "author_id")
CSV_COLUMNS: Final = (
    *REQUIRED_CSV_COLUMNS,
    "author_handle",
    "author_created_at",
    "author_followers",
    "author_verified",
    "lang",
    "url",
    "links",
    "hashtags",
    "repost_of",
    "reply_to",
    "quote_of",
)
# How much of the input `preflight` reads before the run starts (the model is loaded after it).
PREFLIGHT_RECORDS: Final = 200


@dataclass(frozen=True, slots=True)
class Rejected:
    """A line that could not become a Mention: its line number, the reason and an error code."""

    line: int
    reason: str
    code: str = "schema"


def jsonl_line(obj: Any) -> str:
    """One compact JSON line (UTF-8 kept readable), newline included."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_jsonl(fp: TextIO, rows: Iterable[Any]) -> int:
    """Write rows as JSON lines; returns how many were written."""
    n = 0
    for row in rows:
        fp.write(jsonl_line(row))
        n += 1
    return n


class MentionReader:
    """Iterates `(line_number, Mention | Rejected)` over one input; use as a context manager.

    `bytes_read` grows as records are consumed (for a progress bar); `total_bytes` is the file
    size, or None for standard input.
    """

    def __init__(self, source: str | Path, fmt: Format | None = None) -> None:
        self.name = "<stdin>" if str(source) == "-" else str(source)
        self.total_bytes: int | None = None
        self.bytes_read = 0
        self._owned: BinaryIO | None = None
        if str(source) == "-":
            stream: BinaryIO = sys.stdin.buffer
        else:
            path = Path(source)
            try:
                stream = path.open("rb")
                self.total_bytes = path.stat().st_size
            except OSError as exc:
                raise InputError(f"cannot read {self.name}: {exc.strerror or exc}") from None
            if fmt is None:
                fmt = EXTENSIONS.get(path.suffix.lower())
            self._owned = stream
        self._stream = stream
        # Peek at the first non-blank line so the format can be sniffed without seeking (stdin).
        self._head: list[bytes] = []
        first = b""
        for line in stream:
            self._head.append(line)
            if line.strip():
                first = line.lstrip(b"\xef\xbb\xbf").lstrip()
                break
        self.format: Format = fmt or ("jsonl" if first.startswith(b"{") else "csv")
        self._records: Iterator[tuple[int, Mention | Rejected]] = (
            self._jsonl() if self.format == "jsonl" else self._csv()
        )
        self._buffered: list[tuple[int, Mention | Rejected]] = []

    def __enter__(self) -> MentionReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    def preflight(self) -> None:
        """Fail fast, before anything expensive (a model load) starts: binary data, a CSV header
        without the required columns, or no valid record among the first ones read raise InputError.
        The records read are kept and come first when the reader is iterated."""
        head = b"".join(self._head)
        if b"\x00" in head:
            raise InputError(f"{self.name} looks like binary data (NUL bytes), not JSON lines or CSV")
        if not head.strip():
            raise InputError(f"{self.name} is empty: no mention to read")
        if self.format == "csv":
            self._check_csv_header()
        records = self._records
        self._buffered = list(itertools.islice(records, PREFLIGHT_RECORDS))
        if self._buffered and not any(isinstance(r, Mention) for _, r in self._buffered):
            first = next(r for _, r in self._buffered if isinstance(r, Rejected))
            raise InputError(
                f"{self.name}: none of the first {len(self._buffered)} records is a valid mention "
                f"(line {first.line}: {first.reason})"
            )

    def _check_csv_header(self) -> None:
        first = next((line for line in self._head if line.strip()), b"")
        header = next(csv.reader([first.decode("utf-8-sig", "replace")]), [])
        found = [c.strip() for c in header]
        missing = [c for c in REQUIRED_CSV_COLUMNS if c not in found]
        if missing:
            raise InputError(
                f"{self.name}: the CSV header lacks the required column(s) {', '.join(missing)}; expected "
                f"{', '.join(REQUIRED_CSV_COLUMNS)} (optional: {', '.join(CSV_COLUMNS[len(REQUIRED_CSV_COLUMNS) :])}); "
                f"found {', '.join(found) or 'nothing'}"
            )

    def _lines(self) -> Iterator[bytes]:
        for line in itertools.chain(self._head, self._stream):
            self.bytes_read += len(line)
            yield line

    def __iter__(self) -> Iterator[tuple[int, Mention | Rejected]]:
        buffered, self._buffered = self._buffered, []
        return itertools.chain(buffered, self._records)

    def _jsonl(self) -> Iterator[tuple[int, Mention | Rejected]]:
        for line_no, raw in enumerate(self._lines(), 1):
            if line_no == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            if not raw.strip():
                continue
            try:
                yield line_no, parse_mention(raw.rstrip(b"\r\n"), max_bytes=MAX_LINE_BYTES)
            except SchemaError as exc:
                yield line_no, Rejected(line_no, str(exc), exc.code)

    def _csv(self) -> Iterator[tuple[int, Mention | Rejected]]:
        raw = cast(BinaryIO, io.BufferedReader(_IterStream(self._lines())))
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.DictReader(text)
        last_line = 1  # the header row
        while True:
            start = last_line + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                last_line = reader.line_num
                yield start, Rejected(start, f"malformed CSV: {exc}", "decode")
                continue
            last_line = reader.line_num
            if None in row:
                yield start, Rejected(start, f"{len(row[None])} more cells than header columns", "schema")
                continue
            try:
                yield start, Mention.from_dict(mention_dict_from_csv_row(row))
            except SchemaError as exc:
                yield start, Rejected(start, str(exc), exc.code)


class _IterStream(io.RawIOBase):
    """A read-only binary stream over an iterator of byte chunks (lets TextIOWrapper decode lines)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buffer = chunk
        n = min(len(b), len(self._buffer))
        b[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n
