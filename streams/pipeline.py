"""The glue between faust and the detection core, kept free of faust so it can be unit-tested.

Stage 1 turns raw `mentions` records into either a `Mention` or a `Rejection` (`check_record`), and
encodes embedded mentions for `mentions.routed` (`encode_routed` / `decode_routed`). Stage 2 keeps one
`BucketState` per routing bucket: a small event-time reorder buffer in front of the bucket's Detector,
the offset of the last routed record applied (so a replay after a crash is skipped, not re-applied)
and a processed count; `pack_state` / `unpack_state` turn it into compressed, chunked table values
that stay under Kafka's 1 MB message limit.

Wire format of a routed record (JSON, UTF-8): ``{"v": 1, "m": <Mention v1>, "e": <base64 float16
vector>, "ts": <Kafka timestamp of the original record, ms>}``. float16 halves the size of float32
(768 bytes for 384 dimensions); its error (~1e-3 relative) is far below the clustering thresholds, and
the vector is re-normalised on decode. Every worker decodes the same bytes, so one worker and two
workers feed the detectors identical vectors.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from schemas.models import Mention, SchemaError, parse_mention

ROUTED_VERSION: Final = 1
# Kafka's default max.message.bytes is 1 MB; keep each table value well below it.
MAX_CHUNK_BYTES: Final = 512 * 1024
CHUNK_SEPARATOR: Final = "#"


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a record cannot enter the pipeline; `code` is a bounded metric label."""

    code: str  # decode, schema, too_large, future_timestamp
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
    """Validate one raw `mentions` record; never raises for bad input.

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


# ------------------------------------------------------------------------------------ routed records
@dataclass(frozen=True, slots=True)
class RoutedMention:
    """A mention with its embedding and the Kafka timestamp (ms) of the record it came from."""

    mention: Mention
    vector: npt.NDArray[np.float32]
    source_ts_ms: int


def encode_vector(vector: npt.ArrayLike) -> str:
    return base64.b64encode(np.asarray(vector, dtype="<f2").tobytes()).decode("ascii")


def decode_vector(text: str) -> npt.NDArray[np.float32]:
    vec = np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float32)
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm > 0 else vec


def encode_routed(mention: Mention, vector: npt.ArrayLike, source_ts_ms: int) -> bytes:
    body = {"v": ROUTED_VERSION, "m": mention.to_dict(), "e": encode_vector(vector), "ts": source_ts_ms}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_routed(raw: bytes) -> RoutedMention:
    """Inverse of `encode_routed`; raises SchemaError on a record this version cannot read."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaError("$", f"routed record is not JSON: {exc}", code="decode") from None
    if not isinstance(body, dict) or body.get("v") != ROUTED_VERSION:
        raise SchemaError("v", "unknown routed record version")
    return RoutedMention(Mention.from_dict(body["m"]), decode_vector(body["e"]), int(body["ts"]))


def event_order(item: RoutedMention) -> tuple[float, str]:
    """Processing order inside a bucket: event time, then id, so arrival jitter cannot change it."""
    return (item.mention.timestamp, item.mention.id)


# ------------------------------------------------------------------------------- per-bucket state
@dataclass(slots=True)
class Pending:
    """A routed mention waiting in the reorder buffer, with the routed record's offset."""

    item: RoutedMention
    offset: int
    arrived_s: float  # monotonic seconds, only used to bound how long an item may wait


@dataclass(slots=True)
class BucketState:
    """Everything stage 2 remembers about one routing bucket besides the Detector itself."""

    last_offset: int = -1  # highest routed offset taken into this bucket (buffered or processed)
    processed: int = 0
    newest_event_s: float | None = None
    pending: list[Pending] = field(default_factory=list)

    def accept(self, item: RoutedMention, offset: int, arrived_s: float) -> bool:
        """Buffer `item`; False (and nothing changes) when the offset was already taken: a replay."""
        if offset <= self.last_offset:
            return False
        self.last_offset = offset
        self.pending.append(Pending(item, offset, arrived_s))
        ts = item.mention.timestamp
        if self.newest_event_s is None or ts > self.newest_event_s:
            self.newest_event_s = ts
        return True

    def watermark(self, lateness_s: float) -> float | None:
        return None if self.newest_event_s is None else self.newest_event_s - lateness_s

    def release(self, *, lateness_s: float, max_wait_s: float, now_s: float) -> list[RoutedMention]:
        """Pop the mentions that are due, sorted by (created_at, id).

        Due: at or before the event-time watermark (newest seen minus `lateness_s`), or buffered longer
        than `max_wait_s` of wall time (a quiet bucket must not hold its last mentions forever). When
        any item is overdue the whole buffer goes: releasing a later one first would break the order.
        """
        if not self.pending:
            return []
        mark = self.watermark(lateness_s)
        overdue = any(now_s - p.arrived_s >= max_wait_s for p in self.pending)
        if overdue:
            due, keep = self.pending, []
        else:
            due = [p for p in self.pending if mark is not None and p.item.mention.timestamp <= mark]
            keep = [p for p in self.pending if not (mark is not None and p.item.mention.timestamp <= mark)]
        self.pending = keep
        out = sorted((p.item for p in due), key=event_order)
        self.processed += len(out)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "last_offset": self.last_offset,
            "processed": self.processed,
            "newest_event_s": self.newest_event_s,
            "pending": [
                {
                    "m": p.item.mention.to_dict(),
                    "e": encode_vector(p.item.vector),
                    "ts": p.item.source_ts_ms,
                    "o": p.offset,
                }
                for p in self.pending
            ],
        }

    @classmethod
    def from_dict(cls, obj: dict[str, Any], *, now_s: float) -> BucketState:
        pending = [
            Pending(
                RoutedMention(Mention.from_dict(p["m"]), decode_vector(p["e"]), int(p["ts"])), p["o"], now_s
            )
            for p in obj.get("pending", [])
        ]
        return cls(int(obj["last_offset"]), int(obj["processed"]), obj.get("newest_event_s"), pending)


# ------------------------------------------------------------------------------ table value packing
def pack_state(state: dict[str, Any], *, max_chunk: int = MAX_CHUNK_BYTES) -> list[bytes]:
    """Compress a JSON-able state into chunks of at most `max_chunk` bytes (one table value each)."""
    blob = zlib.compress(json.dumps(state, separators=(",", ":")).encode("utf-8"), 6)
    return [blob[i : i + max_chunk] for i in range(0, len(blob), max_chunk)] or [b""]


def unpack_state(chunks: Sequence[bytes]) -> dict[str, Any]:
    obj = json.loads(zlib.decompress(b"".join(chunks)))
    if not isinstance(obj, dict):
        raise ValueError("bucket state is not a JSON object")
    return obj


def chunk_keys(bucket: str, n: int) -> list[str]:
    """Table keys of a bucket's chunks: the first is the bucket key itself, then `bucket#1`, ..."""
    return [bucket] + [f"{bucket}{CHUNK_SEPARATOR}{i}" for i in range(1, n)]


def manifest(chunks: Sequence[bytes]) -> bytes:
    """First table value of a bucket: its chunk count, then the first chunk."""
    return len(chunks).to_bytes(2, "big") + chunks[0]


def read_manifest(value: bytes) -> tuple[int, bytes]:
    return int.from_bytes(value[:2], "big"), value[2:]


def newest_timestamp_ms(items: Iterable[RoutedMention]) -> int | None:
    """Kafka timestamp of the newest input record among `items` (for event-to-alert latency)."""
    values = [i.source_ts_ms for i in items]
    return max(values) if values else None
