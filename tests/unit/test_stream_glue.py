"""The faust-free glue of the stream stages: validation, wire formats, dead letters, checkpoints."""

from __future__ import annotations

import json

import numpy as np
import pytest

from detectors.engine import SourceMark
from schemas.models import Mention
from streams.checkpoints import (
    CHUNK_SEPARATOR,
    CheckpointPlan,
    ReplayGate,
    chunk_keys,
    covered_key,
    decode_offset,
    encode_offset,
    manifest,
    pack_state,
    read_manifest,
    read_state,
    state_items,
    state_keys,
    unpack_state,
)
from streams.detect_stage import BucketState
from streams.dlq import dead_letter_headers, dead_letter_record, read_dead_letter_headers
from streams.fakes import MemoryStore
from streams.ports import InRecord
from streams.validation import Rejection, check_record
from streams.wire import RoutedMention, decode_routed, decode_tick, encode_routed, encode_tick


def _mention_dict(
    mid: str, created_at: str = "2026-03-01T00:00:10Z", text: str = "the dam will break"
) -> dict:
    return {"id": mid, "platform": "x", "created_at": created_at, "text": text, "author": {"id": "a-" + mid}}


def _mention(mid: str, created_at: str = "2026-03-01T00:00:10Z") -> Mention:
    return Mention.from_dict(_mention_dict(mid, created_at))


def _check(raw: bytes | None, **kw: object) -> Mention | Rejection:
    args: dict = {
        "kafka_timestamp_ms": None,
        "newest_event_s": None,
        "max_bytes": 8192,
        "max_future_s": 600.0,
    }
    args.update(kw)
    return check_record(raw, **args)


POISON = [
    (b"\xff\xfe not utf-8", "decode"),
    (b"{not json", "decode"),
    (b"[1, 2]", "schema"),
    (json.dumps({"id": "x"}).encode(), "schema"),
    (b"x" * 9000, "too_large"),
    (None, "decode"),
    (json.dumps(_mention_dict("n"))[:-1].encode() + b', "followers": ' + b"9" * 4400 + b"}", "decode"),
    (json.dumps(_mention_dict("s")).replace("the dam", "\\ud800 dam").encode(), "schema"),
    (json.dumps(_mention_dict("y", "0001-01-01T00:00:00Z")).encode(), "schema"),
]


@pytest.mark.parametrize(("raw", "code"), POISON)
def test_bad_records_are_rejected_with_their_code_and_never_raise(raw: bytes | None, code: str) -> None:
    verdict = _check(raw)
    assert isinstance(verdict, Rejection) and verdict.code == code


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
    got = decode_routed(encode_routed(RoutedMention(_mention("r1"), vec, 1234, 2, 9)))
    assert got.mention == _mention("r1") and (got.source_ts_ms, got.source_partition, got.source_offset) == (
        1234,
        2,
        9,
    )
    assert float(got.vector @ vec) > 0.9999


@pytest.mark.parametrize("raw", [None, b"", b"\xff", b"[]", b'{"v": 2}', b'{"v": 1, "m": {}}', b'{"v": 1}'])
def test_unreadable_routed_records_are_schema_errors(raw: bytes | None) -> None:
    from schemas.models import SchemaError

    with pytest.raises(SchemaError):
        decode_routed(raw)


def test_tick_round_trip_and_unreadable_ticks_carry_nothing() -> None:
    marks = {0: SourceMark(1.0e9, False), 3: SourceMark(None, True)}
    assert decode_tick(encode_tick(marks)) == marks
    assert decode_tick(b"") == {} and decode_tick(b"\xff") == {} and decode_tick(b"[1]") == {}


def _routed(mid: str, second: int, sp: int = -1, so: int = -1) -> RoutedMention:
    return RoutedMention(
        _mention(mid, f"2026-03-01T00:00:{second:02d}Z"), np.ones(4, np.float32) / 2, 0, sp, so
    )


def test_bucket_state_skips_replayed_offsets_and_sources_routed_twice() -> None:
    state = BucketState()
    assert state.accept(_routed("a", 1, sp=0, so=5), 0)
    assert not state.accept(_routed("a", 1, sp=0, so=5), 0)  # a routed replay
    assert state.accept(_routed("b", 1, sp=1, so=5), 1)
    # Stage 1 crashed before committing and routed offset 5 of partition 0 again, at a new offset.
    assert not state.accept(_routed("a", 1, sp=0, so=5), 2)
    assert state.accept(_routed("c", 2, sp=0, so=6), 3)
    assert state.duplicates == 1 and [p.item.mention.id for p in state.buffer.pending] == ["a", "b", "c"]


def test_bucket_state_survives_a_json_round_trip() -> None:
    state = BucketState(partition=2)
    state.accept(_routed("p", 5, sp=1, so=4), 7)
    state.accept(_routed("p", 5, sp=1, so=4), 8)
    back = BucketState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert (back.last_offset, back.partition, back.sources, back.duplicates) == (8, 2, {1: 4}, 1)
    assert back.buffer.pending[0].item.mention.id == "p" and back.buffer.pending[0].seq == 7


def test_state_packing_chunks_large_states_and_round_trips() -> None:
    rng = np.random.default_rng(0)
    state = {"noise": rng.standard_normal(50_000).tolist()}
    chunks = pack_state(state, max_chunk=100_000)
    assert len(chunks) > 1 and all(len(c) <= 100_000 for c in chunks)
    n, head = read_manifest(manifest(chunks))
    assert n == len(chunks) and len(chunk_keys("b0001", n)) == n
    assert unpack_state([head, *chunks[1:]]) == state


def test_states_written_to_a_store_read_back_with_the_manifest_last() -> None:
    store = MemoryStore()
    rng = np.random.default_rng(0)
    state = {"noise": rng.standard_normal(200_000).tolist()}  # several 512 KB chunks
    items = state_items("b0003", state)
    assert items[-1][0] == "b0003" and len(items) > 1
    store.put(1, [*items, (covered_key(1), encode_offset(9))])
    assert read_state(store, "b0003") == state and read_state(store, "b0009") is None
    assert state_keys(store) == ["b0003"]
    assert (
        read_state(store.restored([1]), "b0003") == state and read_state(store.restored([0]), "b0003") is None
    )


def test_dead_letter_headers_carry_origin_and_reason() -> None:
    rej = Rejection("schema", "SchemaError", "author", "missing")
    headers = dead_letter_headers(
        rej, topic="mentions", partition=2, offset=41, timestamp_ms=99, now_ms=100, original=[("trace", b"t")]
    )
    assert headers[0] == ("trace", b"t")
    got = read_dead_letter_headers(headers)
    assert got["source-topic"] == "mentions" and got["source-offset"] == "41"
    assert got["error-code"] == "schema" and got["error-reason"] == "missing"


def test_a_dead_letter_too_large_for_the_topic_is_cut_with_its_size_and_hash() -> None:
    record = InRecord("mentions", 0, 7, b"k", b"z" * 5000, (), 99)
    out = dead_letter_record(
        record, Rejection("too_large", "E", "$", "big"), dlq_topic="dlq", now_ms=1, max_bytes=1000
    )
    got = read_dead_letter_headers(out.headers)
    assert len(out.value) == 1000 and got["original-bytes"] == "5000" and len(got["original-sha256"]) == 64
    small = dead_letter_record(record, Rejection("schema", "E", "$", "bad"), dlq_topic="dlq", now_ms=1)
    assert small.value == record.value and "original-bytes" not in read_dead_letter_headers(small.headers)


def test_checkpoint_plan_waits_for_the_interval_and_covers_the_partition() -> None:
    plan = CheckpointPlan(interval_s=5.0)
    assert plan.due(0, 100.0) is None  # nothing read yet
    plan.handled(0, 10)
    plan.touch(0, "bucket-01")
    assert plan.due(0, 100.0) is None  # the interval starts with the first record
    plan.handled(0, 12)
    plan.touch(0, "bucket-00")
    plan.handled(1, 3)
    due = plan.due(0, 105.0)
    assert due is not None and (due.keys, due.covered) == (("bucket-00", "bucket-01"), 12)
    plan.written(0, due, 105.0)
    plan.handled(0, 13)  # only a tick since: the offset alone is due, after the next interval
    assert plan.due(0, 109.0) is None
    tick_only = plan.due(0, 110.0)
    assert tick_only is not None and (tick_only.keys, tick_only.covered) == ((), 13)
    plan.written(0, tick_only, 110.0)
    assert plan.due(0, 200.0) is None and plan.next_offsets() == {0: 14, 1: 4}
    plan.forget([1])
    assert plan.due(1, 1e9) is None


def test_replay_gate_asks_once_per_assignment_for_the_records_after_the_checkpoint() -> None:
    covered = {0: 41, 1: -1}
    gate = ReplayGate()
    assert gate.missing(0, 50, covered.__getitem__) == range(42, 50)
    assert gate.missing(0, 51, covered.__getitem__) == range(0)  # asked only on the first record
    assert gate.missing(1, 0, covered.__getitem__) == range(0)  # a fresh partition: nothing missed
    gate.forget([0])
    covered[0] = 60
    assert gate.missing(0, 61, covered.__getitem__) == range(0)  # committed right after the checkpoint


def test_covered_offsets_round_trip_under_a_key_no_state_reader_takes() -> None:
    assert CHUNK_SEPARATOR in covered_key(3) and covered_key(3) != covered_key(13)
    assert decode_offset(encode_offset(12345)) == 12345 and decode_offset(None) == -1


def test_rate_limited_logs_let_a_burst_through_then_summarise(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from streams.logs import RateLimited

    now = [0.0]
    quiet = RateLimited(logging.getLogger("cw.test"), burst=3, period_s=60.0, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="cw.test"):
        for i in range(10):
            quiet.warning("record %d is bad", i)
        now[0] = 61.0
        quiet.warning("record %d is bad", 10)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "record 0 is bad",
        "record 1 is bad",
        "record 2 is bad",
        "... and 7 more like it in the last 60 s",
        "record 10 is bad",
    ]
