"""Dead letters: the original bytes of a rejected record, with headers that say where it came from and why.

faust has no dead-letter topic and acknowledges a message whose handler raised, so stage 1 decides per
record and sends rejects here itself. The value is the untouched original record (so it can be replayed
after a fix); the key is the original key. Header names are stable, lower-case ``x-choruswatch-*``:

source-topic, source-partition, source-offset, source-timestamp (ms), error-class, error-code (a bounded
label: decode, schema, too_large, future_timestamp), error-field, error-reason (at most 500 characters),
dead-lettered-at (ms, wall clock of the worker).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from streams.pipeline import Rejection

HEADER_PREFIX: Final = "x-choruswatch-"
MAX_REASON_CHARS: Final = 500


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
    return kept + [(HEADER_PREFIX + k, v.encode("utf-8")) for k, v in ours.items()]


def read_dead_letter_headers(headers: Sequence[tuple[str, bytes]] | Mapping[str, bytes]) -> dict[str, str]:
    """Our headers of a dead letter, without the prefix (for tools and tests)."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {
        k.removeprefix(HEADER_PREFIX): v.decode("utf-8", "replace")
        for k, v in items
        if k.startswith(HEADER_PREFIX)
    }
