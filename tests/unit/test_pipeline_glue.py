"""Unit tests of streams.pipeline / streams.dlq / streams.alerts_out: the faust-free glue."""

from __future__ import annotations

import json

import numpy as np
import pytest

from schemas.models import Mention
from streams.dlq import dead_letter_headers, read_dead_letter_headers
from streams.pipeline import (
    CHUNK_SEPARATOR,
    BucketState,
    CheckpointPlan,
    Frontier,
    Rejection,
    ReplayGate,
    RoutedMention,
    SourceMark,
    SourceMarks,
    SourceProgress,
    check_record,
    chunk_keys,
    covered_key,
    decode_offset,
    decode_routed,
    decode_tick,
    drive,
    encode_offset,
    encode_routed,
    encode_tick,
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


def _routed(mid: str, second: int, sp: int = -1, so: int = -1) -> RoutedMention:
    return RoutedMention(
        _mention(mid, f"2026-03-01T00:00:{second:02d}Z"), np.ones(4, np.float32) / 2, 0, sp, so
    )


T0 = _mention("t0", "2026-03-01T00:00:00Z").timestamp


class _RecordingDetector:
    """A ten-line fake: records the calls `drive` makes; keeps one narrative live after any mention."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self.live_narratives = 0

    def process(self, mentions: list[Mention], vectors: object) -> str:
        self.calls.append(("process", tuple(m.id for m in mentions)))
        self.live_narratives = 1
        return "p"

    def advance(self, now: float) -> str:
        self.calls.append(("advance", now - T0))
        return "a"


def test_drive_releases_complete_slots_in_order_and_skips_replays() -> None:
    state, det = BucketState(), _RecordingDetector()
    for offset, (mid, sec) in enumerate([("c", 3), ("a", 1), ("b", 1), ("d", 5)]):
        assert state.accept(_routed(mid, sec), offset)
    assert not state.accept(_routed("a", 1), 1)  # replayed routed offset
    steps = drive(state, det, Frontier(T0 + 4.5), slot_s=1.0)  # slots 1..3 complete, 4 is not
    assert det.calls == [
        ("process", ("a", "b")),
        ("advance", 2.0),
        ("advance", 3.0),  # an empty slot still advances while a narrative is live
        ("process", ("c",)),
        ("advance", 4.0),
    ]
    assert [s.result for s in steps] == ["p", "a", "a", "p", "a"]
    assert [p.item.mention.id for p in state.pending] == ["d"] and state.processed == 3
    drive(state, det, Frontier(None, flush=True), slot_s=1.0)
    assert det.calls[-2:] == [("process", ("d",)), ("advance", 6.0)] and state.processed == 4


def test_drive_skips_empty_slots_when_no_narrative_is_live() -> None:
    state, det = BucketState(), _RecordingDetector()
    state.accept(_routed("x", 10), 0)
    drive(state, det, Frontier(T0 + 30.0), slot_s=1.0)
    assert det.calls[0] == ("process", ("x",))
    assert det.calls[-1] == ("advance", 30.0) and len(det.calls) == 1 + 20  # live: every boundary
    quiet = _RecordingDetector()
    state2 = BucketState(next_slot=int(T0))
    drive(state2, quiet, Frontier(T0 + 30.0), slot_s=1.0)
    assert quiet.calls == [] and state2.next_slot == int(T0) + 30


def test_drive_calls_do_not_depend_on_arrival_order_or_frontier_steps() -> None:
    items = [_routed(f"m{i}", i, sp=i % 3, so=i) for i in range(40)]

    def run(order: list[int], frontiers: list[float]) -> list[tuple[str, object]]:
        state, det = BucketState(), _RecordingDetector()
        for offset, i in enumerate(order):
            state.accept(items[i], offset)
            if offset in (10, 25):  # part of the stream arrives, the frontier moves, more arrives
                drive(state, det, Frontier(T0 + frontiers[0 if offset == 10 else 1]), slot_s=1.0)
        drive(state, det, Frontier(None, flush=True), slot_s=1.0)
        assert (state.late, state.duplicates, state.processed) == (0, 0, 40)
        return det.calls

    forward = list(range(40))
    # Jittered arrival: each source partition in its own order, some partitions behind the others.
    jitter = sorted(range(40), key=lambda i: (i + 3 * (i % 3), i))
    assert run(forward, [5.0, 20.0]) == run(jitter, [2.0, 9.0]) == run(forward, [0.0, 0.0])


def test_late_mention_is_processed_alone_and_counted() -> None:
    state, det = BucketState(), _RecordingDetector()
    state.accept(_routed("a", 5), 0)
    drive(state, det, Frontier(T0 + 10.0), slot_s=1.0)
    state.accept(_routed("old", 2), 1)
    drive(state, det, Frontier(T0 + 10.0), slot_s=1.0)
    assert ("process", ("old",)) in det.calls and state.late == 1 and state.processed == 2


def test_mentions_routed_twice_by_stage_1_are_skipped() -> None:
    state = BucketState()
    assert state.accept(_routed("a", 1, sp=0, so=5), 0)
    assert state.accept(_routed("b", 1, sp=1, so=5), 1)
    # Stage 1 crashed before committing and routed offsets 5 of partition 0 again, at a new offset.
    assert not state.accept(_routed("a", 1, sp=0, so=5), 2)
    assert state.accept(_routed("c", 2, sp=0, so=6), 3)
    assert state.duplicates == 1 and [p.item.mention.id for p in state.pending] == ["a", "b", "c"]


def test_source_marks_give_the_low_watermark_of_the_active_partitions() -> None:
    marks = SourceMarks(n_sources=2)
    marks.update({0: SourceMark(100.0, False)})
    assert marks.frontier(2.0) == Frontier(None)  # partition 1 never reported: hold everything
    marks.update({1: SourceMark(None, False)})
    assert marks.frontier(2.0) == Frontier(None)  # partition 1 busy with nothing routed yet
    marks.update({1: SourceMark(90.0, False)})
    assert marks.frontier(2.0) == Frontier(88.0)
    marks.update({1: SourceMark(None, True)})  # idle after a restart: keeps the newest seen
    assert marks.frontier(2.0) == Frontier(98.0)
    marks.update({0: SourceMark(101.0, True)})
    assert marks.frontier(2.0) == Frontier(None, flush=True)
    fresh = SourceMarks(n_sources=2)
    fresh.update({0: SourceMark(None, True), 1: SourceMark(None, True)})
    assert fresh.frontier(2.0) == Frontier(None, flush=True)
    fresh.update({0: SourceMark(50.0, False)})  # data on 0; partition 1 may not have been read yet
    assert fresh.frontier(2.0) == Frontier(None)


def test_source_progress_reports_idle_only_after_staying_drained() -> None:
    progress = SourceProgress(idle_after_s=3.0)
    progress.observe(0, 9, T0)
    assert progress.marks({0: 10, 1: 0}, {1: 0}, now_s=0.0) == {
        0: SourceMark(T0, False),
        1: SourceMark(None, False),
    }
    assert progress.marks({0: 10, 1: 0}, {1: 0}, now_s=3.0) == {
        0: SourceMark(T0, True),
        1: SourceMark(None, True),
    }
    assert progress.marks({0: 12, 1: 0}, {}, now_s=4.0)[0].idle is False  # new records arrived
    progress.observe(0, 11, T0 + 5)
    assert progress.busy_marks([0]) == {0: SourceMark(T0 + 5, False)}


def test_tick_round_trip_and_unreadable_ticks_carry_nothing() -> None:
    marks = {0: SourceMark(T0, False), 3: SourceMark(None, True)}
    assert decode_tick(encode_tick(marks)) == marks
    assert decode_tick(b"") == {} and decode_tick(b"\xff") == {} and decode_tick(b"[1]") == {}


def test_real_detector_gives_the_same_alerts_whatever_the_arrival_order() -> None:
    from detectors.config import DetectorConfig
    from detectors.detector import Detector
    from detectors.embedding import HashingEmbedder

    texts = [
        "the dam upstream will break tonight, evacuate the valley now",
        "officials hide that the northern dam is cracking, leave tonight",
        "lovely weather for the football final this weekend in the park",
    ]
    emb = HashingEmbedder()
    items = []
    for i in range(90):
        text = f"{texts[i % 3]} {i % 5}"
        mention = Mention.from_dict(
            {
                **_mention_dict(f"m{i:03d}", f"2026-03-01T00:{i // 30:02d}:{(i * 2) % 60:02d}Z", text),
                "author": {"id": f"acct{i % 17}", "handle": f"h{i % 17}"},
            }
        )
        items.append(RoutedMention(mention, emb.encode([text])[0], 0, i % 4, i))

    def run(order: list[int], steps: list[int]) -> list[dict]:
        det = Detector(DetectorConfig(), model_name="hashing")
        state, out = BucketState(), []
        for offset, i in enumerate(order):
            state.accept(items[i], offset)
            if offset in steps:
                mark = max(items[j].mention.timestamp for j in order[: offset + 1]) - 30.0
                out += [
                    a.to_dict()
                    for s in drive(state, det, Frontier(mark), slot_s=1.0)
                    for a in s.result.alerts
                ]
        for s in drive(state, det, Frontier(None, flush=True), slot_s=1.0):
            out += [a.to_dict() for a in s.result.alerts]
        return out

    in_order = list(range(90))
    # Source partition p lags 5p seconds behind: each partition stays in order, the merge does not.
    shuffled = sorted(range(90), key=lambda i: (items[i].mention.timestamp + 5 * (i % 4), i))
    one = run(in_order, [89])
    assert one, "the scenario should raise at least one alert"
    assert run(shuffled, [20, 50, 70]) == one


def test_bucket_state_survives_a_json_round_trip() -> None:
    state = BucketState(next_slot=3, partition=2)
    state.accept(_routed("p", 5, sp=1, so=4), 7)
    state.accept(_routed("p", 5, sp=1, so=4), 8)
    back = BucketState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert back.last_offset == 8 and back.pending[0].item.mention.id == "p"
    assert (back.next_slot, back.partition, back.sources, back.duplicates) == (3, 2, {1: 4}, 1)
    assert back.pending[0].item.source_offset == 4


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
    assert due is not None and (due.buckets, due.covered) == (("bucket-00", "bucket-01"), 12)
    plan.written(0, due, 105.0)
    plan.handled(0, 13)  # only a tick since: the offset alone is due, after the next interval
    assert plan.due(0, 109.0) is None
    tick_only = plan.due(0, 110.0)
    assert tick_only is not None and (tick_only.buckets, tick_only.covered) == ((), 13)
    plan.written(0, tick_only, 110.0)
    assert plan.due(0, 200.0) is None  # nothing new at all
    plan.forget([1])
    assert plan.due(1, 1e9) is None


def test_checkpoint_plan_with_no_interval_checkpoints_every_batch() -> None:
    plan = CheckpointPlan(interval_s=0.0)
    for offset in range(3):
        plan.handled(2, offset)
        plan.touch(2, "bucket-02")
        due = plan.due(2, 50.0)
        assert due is not None and due.covered == offset
        plan.written(2, due, 50.0)


def test_replay_gate_asks_once_per_assignment_for_the_records_after_the_checkpoint() -> None:
    covered = {0: 41, 1: -1}
    gate = ReplayGate()
    assert gate.missing(0, 50, covered.__getitem__) == range(42, 50)
    assert gate.missing(0, 51, covered.__getitem__) == range(0)  # asked only on the first record
    assert gate.missing(1, 0, covered.__getitem__) == range(0)  # a fresh partition: nothing missed
    gate.forget([0])
    covered[0] = 60
    assert gate.missing(0, 61, covered.__getitem__) == range(0)  # committed right after the checkpoint
    gate.forget([1])
    assert gate.missing(1, 7, covered.__getitem__) == range(0, 7)  # never checkpointed: all of it


def test_covered_offsets_round_trip_under_a_key_no_bucket_reader_takes() -> None:
    assert CHUNK_SEPARATOR in covered_key(3) and covered_key(3) != covered_key(13)
    assert decode_offset(encode_offset(12345)) == 12345
    assert decode_offset(None) == -1
