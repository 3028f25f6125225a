"""Stage 1's verdict on one raw `mentions` record: a `Mention`, or a `Rejection` saying why not.

`check_record` never raises for bad input: whatever a record holds (not JSON, not UTF-8, a 5,000-digit
number, a lone surrogate, a date in year 0001 or far in the future, a tombstone), the answer is a
Rejection with a bounded `code` (a metric label) and a reason for the dead letter.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.models import Mention, SchemaError, parse_mention


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a record cannot enter (or go on through) the pipeline; `code` is a bounded metric label:
    decode, schema, too_large, future_timestamp, encode, internal."""

    code: str
    error_class: str
    field: str
    reason: str


def check_record(
    raw: bytes | None,
    *,
    kafka_timestamp_ms: int | None,
    newest_event_s: float | None,
    max_bytes: int,
    max_future_s: float,
) -> Mention | Rejection:
    """Validate one raw `mentions` record.

    A mention is "from the future" when its created_at is more than `max_future_s` ahead of both the
    newest event time seen so far and the record's Kafka timestamp: a replay of old data is fine (the
    Kafka timestamp is recent but the event time old), a clock-skewed or forged timestamp is not.
    """
    if raw is None:
        return Rejection("decode", "SchemaError", "$", "empty record (tombstone)")
    try:
        mention = parse_mention(raw, max_bytes=max_bytes)
    except SchemaError as exc:
        return Rejection(exc.code, type(exc).__name__, exc.field, exc.reason)
    except Exception as exc:  # a parser bug must cost one record, never the batch
        return Rejection(
            "internal", type(exc).__name__, "$", f"unexpected error while parsing: {exc!r}"[:500]
        )
    references = [t for t in (newest_event_s, _ms_to_s(kafka_timestamp_ms)) if t is not None]
    if references:
        limit = max(references) + max_future_s
        if mention.timestamp > limit:
            ahead = mention.timestamp - max(references)
            return Rejection(
                "future_timestamp",
                "FutureTimestamp",
                "created_at",
                f"{ahead:.0f} s ahead of the newest event/record time (limit {max_future_s:.0f} s)",
            )
    return mention


def _ms_to_s(ms: int | None) -> float | None:
    return None if ms is None or ms <= 0 else ms / 1000.0
