"""Unit tests of streams.pipeline / streams.dlq / streams.alerts_out: the faust-free glue."""

from __future__ import annotations

import json

import numpy as np
import pytest

from schemas.models import Mention
from streams.dlq import dead_letter_headers, read_dead_letter_headers
from streams.pipeline import (
    BucketState,
    Rejection,
    RoutedMention,
    check_record,
    chunk_keys,
    decode_routed,
    encode_routed,
    manifest,
    pack_state,
    read_manifest,
    unpack_state,
)


def _mention_dict(
    mid: str, created_at: str = "2026-03-01T00:00:10Z", text: str = "the dam will break"
) -> dict:
    return {
        "id": mid,
        "platform": "x",
        "created_at": created_at,
        "text": text,
        "author": {"id": "a-" + mid, "handle": "h" + mid},
    }


def _mention(mid: str, created_at: str = "2026-03-01T00:00:10Z") -> Mention:
    return Mention.from_dict(_mention_dict(mid, created_at))


def _check(raw: bytes, **kw: object) -> Mention | Rejection:
    args: dict = {
        "kafka_timestamp_ms": None,
        "newest_event_s": None,
        "max_bytes": 4096,
        "max_future_s": 600.0,
    }
    args.update(kw)
    return check_record(raw, **args)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"\xff\xfe not utf-8", "decode"),
        (b"{not json", "decode"),
        (b"[1, 2]", "schema"),
        (json.dumps({"id": "x"}).encode(), "schema"),
        (b"x" * 5000, "too_large"),
        (None, "decode"),
    ],
)
def test_bad_records_are_rejected_with_their_code(raw: bytes | None, code: str) -> None:
    verdict = _check(raw)  # type: ignore[arg-type]
    assert isinstance(verdict, Rejection)
    assert verdict.code == code


def test_future_timestamp_is_judged_against_newest_event_and_kafka_time() -> None:
    raw = json.dumps(_mention_dict("f", "2026-03-01T02:00:00Z")).encode()
    base = _mention("b").timestamp
    rejected = _check(raw, newest_event_s=base, kafka_timestamp_ms=int(base * 1000))
    assert isinstance(rejected, Rejection) and rejected.code == "future_timestamp"
    # Replaying old data: the Kafka timestamp is recent, so the event time is not "in the future".
    accepted = _check(raw, newest_event_s=base, kafka_timestamp_ms=int((base + 7200) * 1000))
    assert isinstance(accepted, Mention)


def test_routed_round_trip_keeps_mention_and_vector_direction() -> None:
    rng = np.random.default_rng(1)
    vec = rng.standard_normal(384).astype(np.float32)
    vec /= np.linalg.norm(vec)
    got = decode_routed(encode_routed(_mention("r1"), vec, 1234))
    assert got.mention == _mention("r1") and got.source_ts_ms == 1234
    assert float(got.vector @ vec) > 0.9999


def _routed(mid: str, second: int) -> RoutedMention:
    return RoutedMention(_mention(mid, f"2026-03-01T00:00:{second:02d}Z"), np.ones(4, np.float32) / 2, 0)


def test_reorder_buffer_releases_in_event_order_and_skips_replays() -> None:
    state = BucketState()
    for offset, (mid, sec) in enumerate([("c", 30), ("a", 10), ("b", 10), ("d", 50)]):
        assert state.accept(_routed(mid, sec), offset, arrived_s=0.0)
    assert not state.accept(_routed("a", 10), 1, arrived_s=0.0)  # replayed offset
    out = state.release(lateness_s=15.0, max_wait_s=60.0, now_s=1.0)
    assert [r.mention.id for r in out] == ["a", "b", "c"]  # watermark 35 s; (time, id) order
    assert [p.item.mention.id for p in state.pending] == ["d"]
    overdue = state.release(lateness_s=15.0, max_wait_s=60.0, now_s=61.0)
    assert [r.mention.id for r in overdue] == ["d"] and state.processed == 4


def test_bucket_state_survives_a_json_round_trip() -> None:
    state = BucketState()
    state.accept(_routed("p", 5), 7, arrived_s=0.0)
    back = BucketState.from_dict(json.loads(json.dumps(state.to_dict())), now_s=0.0)
    assert back.last_offset == 7 and back.pending[0].item.mention.id == "p"


def test_state_packing_chunks_large_states_and_round_trips() -> None:
    rng = np.random.default_rng(0)
    state = {"noise": rng.standard_normal(50_000).tolist()}
    chunks = pack_state(state, max_chunk=100_000)
    assert len(chunks) > 1 and all(len(c) <= 100_000 for c in chunks)
    n, head = read_manifest(manifest(chunks))
    assert n == len(chunks) and len(chunk_keys("b0001", n)) == n
    assert unpack_state([head, *chunks[1:]]) == state


def test_dead_letter_headers_carry_origin_and_reason() -> None:
    rej = Rejection("schema", "SchemaError", "author", "missing")
    headers = dead_letter_headers(
        rej, topic="mentions", partition=2, offset=41, timestamp_ms=99, now_ms=100, original=[("trace", b"t")]
    )
    assert headers[0] == ("trace", b"t")
    got = read_dead_letter_headers(headers)
    assert got["source-topic"] == "mentions" and got["source-offset"] == "41"
    assert got["error-code"] == "schema" and got["error-reason"] == "missing"
