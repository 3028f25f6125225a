"""Dead letters: the original bytes of a rejected record, with headers that say where it came from and why.

faust has no dead-letter topic and acknowledges a message whose handler raised, so every stage decides
per record and sends rejects to a dead-letter topic itself. The value is the untouched original record
(so it can be replayed after a fix); the key is the original key. Header names are stable, lower-case
``x-choruswatch-*``:

source-topic, source-partition, source-offset, source-timestamp (ms), error-class, error-code (a bounded
label: decode, schema, too_large, future_timestamp, encode, internal), error-field, error-reason (at most
500 characters), dead-lettered-at (ms, wall clock of the worker).

A record larger than the dead-letter topic takes (`max_bytes`, below the producer's request limit)
cannot be kept whole: its value is cut to `max_bytes` and the headers ``original-bytes`` (its full size)
and ``original-sha256`` say so, so it is still accounted for and can be matched to its source.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Final

from streams.ports import InRecord, OutRecord
from streams.validation import Rejection

HEADER_PREFIX: Final = "x-choruswatch-"
MAX_REASON_CHARS: Final = 500
# The producer's request limit is 1 MiB (1,048,576 bytes, Kafka's default message limit); leave room for
# the key (cut to 1 KB) and the headers (~1 KB), so any record that came in whole goes out whole.
DEFAULT_MAX_DEAD_LETTER_BYTES: Final = 1_040_000


def dead_letter_headers(
    rejection: Rejection,
    *,
    topic: str,
    partition: int,
    offset: int,
    timestamp_ms: int | None,
    now_ms: int,
    original: Sequence[tuple[str, bytes]] = (),
) -> list[tuple[str, bytes]]:
    """Headers of a dead letter: the original record's own headers first, then ours."""
    ours = {
        "source-topic": topic,
        "source-partition": str(partition),
        "source-offset": str(offset),
        "source-timestamp": "" if timestamp_ms is None else str(timestamp_ms),
        "error-class": rejection.error_class,
        "error-code": rejection.code,
        "error-field": rejection.field,
        "error-reason": rejection.reason[:MAX_REASON_CHARS],
        "dead-lettered-at": str(now_ms),
    }
    kept = [(k, v) for k, v in original if not k.startswith(HEADER_PREFIX)]
    return kept + [(HEADER_PREFIX + k, v.encode("utf-8", "replace")) for k, v in ours.items()]


def dead_letter_record(
    record: InRecord,
    rejection: Rejection,
    *,
    dlq_topic: str,
    now_ms: int,
    max_bytes: int = DEFAULT_MAX_DEAD_LETTER_BYTES,
) -> OutRecord:
    """The dead letter of `record`: its key and value (cut to `max_bytes` with a note when larger)."""
    value = record.value or b""
    headers = dead_letter_headers(
        rejection,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        timestamp_ms=record.timestamp_ms,
        now_ms=now_ms,
        original=record.headers,
    )
    if len(value) > max_bytes:
        headers += [
            (HEADER_PREFIX + "original-bytes", str(len(value)).encode("ascii")),
            (HEADER_PREFIX + "original-sha256", hashlib.sha256(value).hexdigest().encode("ascii")),
        ]
        value = value[:max_bytes]
    key = record.key if record.key is None or len(record.key) <= 1024 else record.key[:1024]
    return OutRecord(dlq_topic, value, key=key, headers=tuple(headers))


def read_dead_letter_headers(headers: Sequence[tuple[str, bytes]] | Mapping[str, bytes]) -> dict[str, str]:
    """Our headers of a dead letter, without the prefix (for tools and tests)."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {
        k.removeprefix(HEADER_PREFIX): v.decode("utf-8", "replace")
        for k, v in items
        if k.startswith(HEADER_PREFIX)
    }
