"""Wire formats of the internal topics: routed mentions and the tick records that carry watermarks.

Routed record (`mentions.routed`, JSON, UTF-8): ``{"v": 1, "m": <Mention v1>, "e": <base64 float16
vector>, "ts": <Kafka timestamp of the original record, ms>, "sp": <mentions partition>, "so":
<mentions offset>}``. The vector is rounded exactly as `detectors.engine.wire_vectors` rounds it, so
every worker, and `choruswatch detect`, feed the detectors identical vectors.

Tick record (same topic, header ``x-choruswatch-tick``): ``{"v": 1, "marks": {"<mentions partition>":
[newest event time routed or null, idle]}}``: stage 1's progress, merged by stage 2 into its low
watermark (`detectors.engine.SourceMarks`).

Campaign facts topic (`campaign-facts`, one partition, compact JSON, UTF-8), written by stage 2 and read
by the campaign stage (`streams.campaign_stage`):

* facts record: ``{"v": 1, "k": "facts", "b": <bucket>, "s": <slot>, "n": <number of the first fact>,
  "f": [<fact>, ...]}``: consecutive facts of one bucket step, numbered ``(s, n), (s, n + 1), ...``
  (`detectors.engine.FactNumbering`); a fact is ``["a", <Action list>]`` or ``["r", <NarrativeReport
  list>]`` (`detectors.engine.fact_to_list`). A step with many facts spans several records of at most
  `FACTS_RECORD_BYTES`.
* mark record: ``{"v": 1, "k": "mark", "p": <routed partition>, "e": <slot or null>, "x": <flush>}``:
  every bucket of routed partition p has completed the slots below e (or flushed everything), and
  the facts of those slots were published (and acknowledged) before this record.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from detectors.engine import BucketFact, SlotMark, SourceMark, fact_from_list, fact_to_list, wire_vectors
from schemas.models import Mention, SchemaError

ROUTED_VERSION: Final = 1
TICK_HEADER: Final = "x-choruswatch-tick"


@dataclass(frozen=True, slots=True)
class RoutedMention:
    """A mention with its embedding, the Kafka timestamp (ms) of its `mentions` record and where that
    record was (partition, offset; -1 when unknown): the identity stage 2 de-duplicates replays by."""

    mention: Mention
    vector: npt.NDArray[np.float32]
    source_ts_ms: int
    source_partition: int = -1
    source_offset: int = -1
    # The float16 bits `vector` was decoded from (normalised by `wire_vectors`): what the record
    # carries, so that encoding again (a checkpoint of a pending mention) never rounds twice.
    half: npt.NDArray[np.float16] | None = field(default=None, compare=False, repr=False)


def encode_vector(vector: npt.ArrayLike) -> str:
    return base64.b64encode(np.asarray(vector, dtype="<f2").tobytes()).decode("ascii")


def decode_vector(text: str) -> npt.NDArray[np.float32]:
    vector: npt.NDArray[np.float32] = wire_vectors(decode_half(text)[None, :])[0]
    return vector


def decode_half(text: str) -> npt.NDArray[np.float16]:
    half: npt.NDArray[np.float16] = np.frombuffer(base64.b64decode(text), dtype="<f2")
    return half


def routed_body(item: RoutedMention) -> dict[str, Any]:
    return {
        "v": ROUTED_VERSION,
        "m": item.mention.to_dict(),
        "e": encode_vector(item.vector if item.half is None else item.half),
        "ts": item.source_ts_ms,
        "sp": item.source_partition,
        "so": item.source_offset,
    }


def routed_from_body(body: Mapping[str, Any]) -> RoutedMention:
    half = decode_half(body["e"])
    return RoutedMention(
        Mention.from_dict(body["m"]),
        wire_vectors(half[None, :])[0],
        int(body["ts"]),
        int(body.get("sp", -1)),
        int(body.get("so", -1)),
        half,
    )


def encode_routed(item: RoutedMention) -> bytes:
    """The routed record's value. Raises ValueError/UnicodeEncodeError for what JSON UTF-8 cannot
    carry (stage 1 dead-letters such a mention)."""
    return json.dumps(routed_body(item), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_routed(raw: bytes | None) -> RoutedMention:
    """Inverse of `encode_routed`; raises SchemaError on a record this version cannot read."""
    try:
        body = json.loads(raw) if raw is not None else None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaError("$", f"routed record is not JSON: {exc}", code="decode") from None
    if not isinstance(body, dict) or body.get("v") != ROUTED_VERSION:
        raise SchemaError("v", "unknown routed record version")
    try:
        return routed_from_body(body)
    except SchemaError:
        raise
    except (KeyError, TypeError, ValueError) as exc:  # binascii.Error is a ValueError
        raise SchemaError("$", f"malformed routed record: {exc!r}") from None


def encode_tick(marks: Mapping[int, SourceMark]) -> bytes:
    body = {"v": ROUTED_VERSION, "marks": {str(p): [m.newest_s, m.idle] for p, m in sorted(marks.items())}}
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def decode_tick(raw: bytes | None) -> dict[int, SourceMark]:
    """Inverse of `encode_tick`; an empty or unreadable value (an older worker's tick) carries no marks."""
    try:
        body = json.loads(raw) if raw else {}
        marks = body.get("marks", {}) if isinstance(body, dict) else {}
        return {
            int(p): SourceMark(None if v[0] is None else float(v[0]), bool(v[1])) for p, v in marks.items()
        }
    except (UnicodeDecodeError, ValueError, TypeError, IndexError, AttributeError):
        return {}


def newest_timestamp_ms(items: Iterable[RoutedMention]) -> int | None:
    """Kafka timestamp of the newest input record among `items` (for event-to-alert latency)."""
    values = [i.source_ts_ms for i in items]
    return max(values) if values else None


# ------------------------------------------------------------------------------ campaign facts
FACTS_VERSION: Final = 1
#: A facts record stays far below Kafka's 1 MB default: an action is ~300 B, a born report ~1.3 KB
#: (its float16 centroid), a scored one a few KB with its summary.
FACTS_RECORD_BYTES: Final = 256 * 1024


@dataclass(frozen=True, slots=True)
class PartitionMark:
    """A mark record: the progress of one routed partition's buckets."""

    partition: int
    mark: SlotMark


def _compact(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encode_facts(facts: Sequence[BucketFact], max_bytes: int = FACTS_RECORD_BYTES) -> list[bytes]:
    """Records of one bucket step's numbered facts (consecutive numbers of one bucket and slot)."""
    out: list[bytes] = []
    chunk: list[str] = []
    first: BucketFact | None = None
    size = 0
    for bf in facts:
        text = json.dumps(fact_to_list(bf.fact), ensure_ascii=False, separators=(",", ":"))
        if chunk and first is not None and size + len(text) > max_bytes:
            out.append(_facts_value(first, chunk))
            chunk, size = [], 0
        if not chunk:
            first = bf
        chunk.append(text)
        size += len(text) + 1
    if chunk and first is not None:
        out.append(_facts_value(first, chunk))
    return out


def _facts_value(first: BucketFact, texts: Sequence[str]) -> bytes:
    head = f'{{"v":{FACTS_VERSION},"k":"facts","b":{first.bucket},"s":{first.slot},"n":{first.n},"f":['
    return (head + ",".join(texts) + "]}").encode("utf-8")


def encode_mark(partition: int, mark: SlotMark) -> bytes:
    return _compact({"v": FACTS_VERSION, "k": "mark", "p": partition, "e": mark.end, "x": mark.flush})


def decode_campaign_record(raw: bytes | None) -> list[BucketFact] | PartitionMark:
    """A facts record's numbered facts, or a mark; raises SchemaError on what this version cannot read."""
    try:
        body = json.loads(raw) if raw is not None else None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaError("$", f"campaign facts record is not JSON: {exc}", code="decode") from None
    if not isinstance(body, dict) or body.get("v") != FACTS_VERSION:
        raise SchemaError("v", "unknown campaign facts record version")
    try:
        if body["k"] == "mark":
            end = body["e"]
            return PartitionMark(int(body["p"]), SlotMark(None if end is None else int(end), bool(body["x"])))
        if body["k"] != "facts":
            raise SchemaError("k", f"unknown campaign facts record kind {body['k']!r}")
        bucket, slot, n = int(body["b"]), int(body["s"]), int(body["n"])
        return [BucketFact(bucket, slot, n + i, fact_from_list(v)) for i, v in enumerate(body["f"])]
    except SchemaError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise SchemaError("$", f"malformed campaign facts record: {exc!r}") from None
