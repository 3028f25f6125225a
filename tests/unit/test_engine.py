"""The event-time engine (`detectors.engine`): slots, watermarks, and the one driver of Detectors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from detectors.campaigns import CampaignTracker
from detectors.config import DetectorConfig
from detectors.detector import Detector
from detectors.embedding import HashingEmbedder
from detectors.engine import (
    CampaignLevel,
    Engine,
    FactNumbering,
    Frontier,
    SlotBuffer,
    SlotMark,
    SlotMarks,
    SourceMark,
    SourceMarks,
    SourceProgress,
    detector_target,
    fact_from_list,
    fact_to_list,
    step_facts,
    wire_vectors,
)
from schemas.models import Mention
from tests.factories import campaign_stream

T0 = datetime(2026, 3, 1, tzinfo=UTC).timestamp()


class _Recorder:
    """A ten-line fake target: records the calls a SlotBuffer makes; something is due `due_every`
    seconds after each call while `live`."""

    def __init__(self, due_every: float | None = None) -> None:
        self.calls: list[tuple[str, object]] = []
        self.due_every = due_every
        self.last = 0.0

    def process(self, items: Any) -> str:
        self.calls.append(("process", tuple(items)))
        return "p"

    def advance(self, now: float) -> str:
        self.calls.append(("advance", now - T0))
        self.last = now
        return "a"

    def next_deadline(self) -> float | None:
        return None if self.due_every is None or not self.calls else self.last + self.due_every


def _buffer(items: list[tuple[str, float]]) -> SlotBuffer[str]:
    buf: SlotBuffer[str] = SlotBuffer()
    for seq, (name, sec) in enumerate(items):
        buf.add(name, T0 + sec, name, seq)
    return buf


def test_complete_slots_go_in_order_sorted_by_time_then_id() -> None:
    buf, target = _buffer([("c", 3.2), ("b", 1.5), ("a", 1.5), ("d", 5.0)]), _Recorder()
    steps = buf.drive(target, Frontier(T0 + 4.5), slot_s=1.0)  # slots 1..3 complete, 4 is not
    assert target.calls == [("process", ("a", "b")), ("advance", 2.0), ("process", ("c",)), ("advance", 4.0)]
    assert [s.result for s in steps] == ["p", "a", "p", "a"] and [p.item for p in buf.pending] == ["d"]
    buf.drive(target, Frontier(None, flush=True), slot_s=1.0)
    assert target.calls[-2:] == [("process", ("d",)), ("advance", 6.0)] and buf.processed == 4


def test_empty_slots_advance_only_when_the_target_has_something_due() -> None:
    idle = _Recorder()
    buf = _buffer([("x", 10.0)])
    buf.drive(idle, Frontier(T0 + 30.0), slot_s=1.0)
    assert idle.calls == [("process", ("x",)), ("advance", 11.0)] and buf.next_slot == int(T0) + 30
    busy = _Recorder(due_every=4.0)  # e.g. a re-score or an expiry falls due every 4 s
    _buffer([("x", 10.0)]).drive(busy, Frontier(T0 + 30.0), slot_s=1.0)
    assert [c[1] for c in busy.calls if c[0] == "advance"] == [11.0, 15.0, 19.0, 23.0, 27.0]


def test_calls_do_not_depend_on_arrival_order_or_frontier_steps() -> None:
    items = [(f"m{i:02d}", i * 0.7) for i in range(40)]

    def run(order: list[int], frontiers: list[float]) -> list[tuple[str, object]]:
        buf: SlotBuffer[str] = SlotBuffer()
        target = _Recorder(due_every=2.5)
        for seq, i in enumerate(order):
            buf.add(items[i][0], T0 + items[i][1], items[i][0], seq)
            if seq in (10, 25):  # part of the stream arrives, the frontier moves, more arrives
                buf.drive(target, Frontier(T0 + frontiers[0 if seq == 10 else 1]), slot_s=1.0)
        buf.drive(target, Frontier(None, flush=True), slot_s=1.0)
        assert (buf.late, buf.processed) == (0, 40)
        return target.calls

    forward = list(range(40))
    jitter = sorted(range(40), key=lambda i: (i + 3 * (i % 3), i))  # each source in order, merged late
    assert run(forward, [5.0, 12.0]) == run(jitter, [2.0, 6.0]) == run(forward, [0.0, 0.0])


def test_an_older_mention_within_the_lateness_is_not_late_before_anything_was_released() -> None:
    # The first drive releases nothing (the watermark is below the first mention): the slot clock must
    # not start there, or a slightly older mention from another partition would be taken as late.
    buf, target = _buffer([("new", 100.0)]), _Recorder()
    buf.drive(target, Frontier(T0 + 50.0), slot_s=1.0)
    buf.add("older", T0 + 98.0, "older", 1)
    buf.drive(target, Frontier(T0 + 120.0), slot_s=1.0)
    assert buf.late == 0 and [c[1] for c in target.calls if c[0] == "process"] == [("older",), ("new",)]


def test_a_mention_after_its_slot_went_is_processed_alone_and_counted() -> None:
    buf, target = _buffer([("a", 5.0)]), _Recorder()
    buf.drive(target, Frontier(T0 + 10.0), slot_s=1.0)
    buf.add("old", T0 + 2.0, "old", 1)
    steps = buf.drive(target, Frontier(T0 + 10.0), slot_s=1.0)
    assert ("process", ("old",)) in target.calls and buf.late == 1 and steps[0].slot == buf.next_slot - 1


def test_slot_buffer_survives_a_json_round_trip() -> None:
    import json

    buf = _buffer([("a", 1.0), ("b", 7.0)])
    buf.drive(_Recorder(), Frontier(T0 + 3.0), slot_s=1.0)
    back = SlotBuffer.from_dict(json.loads(json.dumps(buf.to_dict(str))), str)
    assert (back.next_slot, back.processed, back.late) == (buf.next_slot, 1, 0)
    assert [(p.item, p.t, p.key, p.seq) for p in back.pending] == [("b", T0 + 7.0, "b", 1)]


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
    assert progress.busy_marks([0]) == {0: SourceMark(T0 + 5, False)} and progress.handled() == {0: 12}


def test_a_drained_partition_is_idle_only_once_a_fetch_after_its_idle_period_confirms_it() -> None:
    progress = SourceProgress(idle_after_s=1.0)
    progress.observe(0, 9, T0)
    assert progress.marks({0: 10}, {}, now_s=0.0, fetch_ages={0: 0.0})[0].idle is False
    # Drained for 5 s by a high watermark last refreshed 4.5 s ago (the consumer stopped fetching):
    # new mentions may wait on the broker, so the partition still holds the watermark back.
    assert progress.marks({0: 10}, {}, now_s=5.0, fetch_ages={0: 4.5})[0].idle is False
    # A response 0.2 s ago, 4.8 s into the drained spell, still showed nothing new.
    assert progress.marks({0: 10}, {}, now_s=5.0, fetch_ages={0: 0.2})[0].idle is True
    # Exactly at the bound: the response came idle_after_s after the spell began.
    assert progress.marks({0: 10}, {}, now_s=6.0, fetch_ages={0: 5.0})[0].idle is True


def test_wire_vectors_do_not_depend_on_the_batch() -> None:
    rng = np.random.default_rng(3)
    vecs = rng.standard_normal((50, 384)).astype(np.float32)
    whole = wire_vectors(vecs)
    one_by_one = np.concatenate([wire_vectors(vecs[i : i + 1]) for i in range(50)])
    assert np.array_equal(whole, one_by_one)
    assert np.allclose(np.linalg.norm(whole, axis=1), 1.0, atol=1e-6)


# ------------------------------------------------------------------------------------- real Detectors
TEXTS = (
    "the dam upstream will break tonight, evacuate the valley now",
    "officials hide that the northern dam is cracking, leave tonight",
    "lovely weather for the football final this weekend in the park",
    "new bus timetable for the city centre starts on monday morning",
)


def _stream(n: int = 400) -> list[Mention]:
    out = []
    for i in range(n):
        created = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(seconds=7 * i + (i % 3))
        account = f"acct{i % 41}" if i % 4 != 0 else f"young{i % 9}"
        out.append(
            Mention.from_dict(
                {
                    "id": f"m{i:04d}",
                    "platform": "x",
                    "created_at": created.isoformat().replace("+00:00", "Z"),
                    "text": f"{TEXTS[i % 4]} {i % 5}",
                    "author": {"id": account, "created_at": "2026-02-20T00:00:00Z"},
                }
            )
        )
    return out


def _run_engine(
    mentions: list[Mention], batch: int, *, every_slot: bool = False, flush: bool = True
) -> list[dict[str, Any]]:
    emb = HashingEmbedder()

    def make() -> Any:
        detector = Detector(DetectorConfig(), model_name="hashing")
        # The old semantics: advance at every slot boundary while a narrative is live.
        return _EverySlot(detector) if every_slot else detector

    engine = Engine(make, buckets=4, lateness_s=30.0)
    alerts: list[dict[str, Any]] = []
    for s in range(0, len(mentions), batch):
        chunk = mentions[s : s + batch]
        alerts += [
            a.to_dict()
            for _, step in engine.add(chunk, emb.encode([m.text for m in chunk]))
            for a in step.result.alerts
        ]
    alerts += [a.to_dict() for _, step in engine.finish() for a in step.result.alerts]
    for bucket in sorted(engine.detectors) if flush else ():
        alerts += [a.to_dict() for a in engine.detectors[bucket].flush().alerts]
    return sorted(alerts, key=lambda a: (a["alert_id"], a["revision"]))


class _EverySlot:
    def __init__(self, detector: Detector) -> None:
        self.detector = detector

    def process(self, mentions: Any, vectors: Any) -> Any:
        return self.detector.process(mentions, vectors)

    def advance(self, now: float) -> Any:
        return self.detector.advance(now)

    def next_deadline(self) -> float | None:
        return float("-inf") if self.detector.live_narratives else None

    def flush(self) -> Any:
        return self.detector.flush()


def test_engine_results_do_not_depend_on_batching_and_deadline_skips_change_nothing() -> None:
    mentions = _stream()
    # Without the end-of-input flush (a stream never has one): advancing at every slot boundary, or
    # only when something is due, gives the same revisions.
    reference = _run_engine(mentions, 400, every_slot=True, flush=False)
    assert reference, "the scenario should raise at least one alert"
    assert _run_engine(mentions, 400, flush=False) == reference
    assert _run_engine(mentions, 7) == _run_engine(mentions, 400)


def test_detector_target_feeds_mentions_and_vectors_in_slot_order() -> None:
    det = Detector(DetectorConfig(), model_name="hashing")
    emb = HashingEmbedder()
    buf: SlotBuffer[Any] = SlotBuffer()
    from detectors.engine import EmbeddedMention

    for seq, m in enumerate(reversed(_stream(20))):
        buf.add(EmbeddedMention(m, emb.encode([m.text])[0]), m.timestamp, m.id, seq)
    steps = buf.drive(detector_target(det), Frontier(None, flush=True), slot_s=0.25)
    order = [a.mention_id for s in steps for a in s.result.assignments]
    assert order == sorted(order) and len(order) == 20


# ------------------------------------------------------------------------------ campaign level
class _TrackerEverySlot:
    """The tracker advanced at every slot boundary while anything is live (no deadline skipping)."""

    def __init__(self, tracker: CampaignTracker) -> None:
        self.tracker = tracker

    def process(self, facts: Any) -> Any:
        return self.tracker.process(facts)

    def advance(self, now: float) -> Any:
        return self.tracker.advance(now)

    def next_deadline(self) -> float | None:
        return float("-inf") if self.tracker.next_deadline() is not None else None

    def flush(self) -> Any:
        return self.tracker.flush()


def _campaign_run(rows: list[dict[str, object]], batch: int, *, every_slot: bool = False) -> Any:
    mentions = [Mention.from_dict(r) for r in rows]
    emb = HashingEmbedder()
    cfg = DetectorConfig()

    def make_tracker() -> Any:
        tracker = CampaignTracker(cfg, model_name="hashing")
        return _TrackerEverySlot(tracker) if every_slot else tracker

    engine = Engine(
        lambda: Detector(cfg, model_name="hashing"), buckets=4, lateness_s=30.0, make_tracker=make_tracker
    )
    alerts: list[dict[str, Any]] = []
    placed: list[tuple[str, str | None, str | None, str | None]] = []

    def take() -> None:
        for step in engine.take_campaign_steps():
            alerts.extend(a.to_dict() for a in step.result.alerts)
            placed.extend(
                (a.mention_id, a.narrative_id, a.theme_id, a.campaign_id) for a in step.result.assignments
            )

    for s in range(0, len(mentions), batch):
        chunk = mentions[s : s + batch]
        engine.add(chunk, emb.encode([m.text for m in chunk]))
        take()
    engine.finish(close=True)
    take()
    return alerts, placed, engine.late


def test_campaign_level_results_do_not_depend_on_batching_order_or_deadline_skips() -> None:
    rows = campaign_stream(n_organic=400)
    alerts, placed, late = _campaign_run(rows, 500)
    assert late == 0
    assert any(a["status"] != "closed" for a in alerts), "the bursts should raise a campaign alert"
    assert len(placed) == len(rows) and len({p[0] for p in placed}) == len(rows)
    assert _campaign_run(rows, 7) == (alerts, placed, 0)
    # Arrival order within the lateness (30 s) changes nothing: swap neighbours.
    shuffled = list(rows)
    for i in range(0, len(shuffled) - 1, 2):
        shuffled[i], shuffled[i + 1] = shuffled[i + 1], shuffled[i]
    assert _campaign_run(shuffled, 50) == (alerts, placed, 0)
    # The tracker's deadline is a true lower bound: advancing it at every slot gives the same.
    assert _campaign_run(rows, 500, every_slot=True) == (alerts, placed, 0)


def test_fact_numbering_never_goes_back_and_a_late_step_joins_the_current_slot() -> None:
    numbering = FactNumbering()
    facts: list[Any] = ["a", "b"]
    first = numbering.number(2, 10, facts)
    assert [(f.slot, f.n) for f in first] == [(10, 0), (10, 1)]
    assert [(f.slot, f.n) for f in numbering.number(2, 10, ["c"])] == [(10, 2)]
    assert [(f.slot, f.n) for f in numbering.number(2, 7, ["late"])] == [(10, 3)]
    assert [(f.slot, f.n) for f in numbering.number(2, 11, ["d"])] == [(11, 0)]
    assert FactNumbering.from_list(numbering.to_list()) == numbering


def test_campaign_frontier_is_the_end_of_the_last_slot_every_bucket_completed() -> None:
    level = CampaignLevel(CampaignTracker(DetectorConfig(), model_name="hashing"), slot_s=0.25)
    assert level.frontier_after(Frontier(10.6)) == Frontier(10.5)
    assert level.frontier_after(Frontier(None, flush=True)).flush
    assert level.frontier_after(Frontier(None)) == Frontier(None)


def test_slot_marks_merge_partitions_never_go_back_and_flush_when_all_flushed() -> None:
    marks = SlotMarks(2)
    marks.update(0, SlotMark(40))
    assert marks.frontier(0.25) == Frontier(None)  # partition 1 never heard from
    marks.update(1, SlotMark(44))
    assert marks.frontier(0.25) == Frontier(10.0)
    marks.update(0, SlotMark(30))  # a new owner's older checkpoint: ignored
    assert marks.frontier(0.25) == Frontier(10.0)
    marks.update(0, SlotMark(None, True))
    assert marks.frontier(0.25) == Frontier(11.0)  # a flushed partition holds nothing back
    marks.update(1, SlotMark(None, True))
    assert marks.frontier(0.25) == Frontier(None, flush=True)
    marks.update(1, SlotMark(50))  # data again: its end never went back below 44
    assert SlotMarks.from_dict(2, marks.to_dict()).frontier(0.25) == marks.frontier(0.25) == Frontier(12.5)
    assert SlotMark.after(Frontier(10.6), 0.25) == SlotMark(42)
    assert SlotMark.after(Frontier(None), 0.25) is None
    # The same rule as the file engine's campaign frontier.
    level = CampaignLevel(CampaignTracker(DetectorConfig(), model_name="hashing"), slot_s=0.25)
    assert level.frontier_after(Frontier(10.6)).low == 42 * 0.25


def test_campaign_level_snapshot_continues_exactly() -> None:
    import json

    rows = campaign_stream(n_organic=200)
    mentions = [Mention.from_dict(r) for r in rows]
    emb = HashingEmbedder()
    cfg = DetectorConfig()
    facts: list[Any] = []
    detector = Detector(cfg, model_name="hashing")
    numbering = FactNumbering()
    for m in mentions:
        step = detector.process([m], emb.encode([m.text]))
        facts.extend(numbering.number(0, int(m.timestamp / 0.25), step_facts(step)))
    assert all(fact_from_list(json.loads(json.dumps(fact_to_list(f.fact)))) == f.fact for f in facts)

    def run(split: int | None) -> list[dict[str, Any]]:
        level = CampaignLevel(CampaignTracker(cfg, model_name="hashing"))
        out: list[dict[str, Any]] = []
        for i, bf in enumerate(facts):
            if split is not None and i == split:
                snap = json.loads(json.dumps({"level": level.to_dict(), "tracker": level.tracker.snapshot()}))
                tracker = CampaignTracker.restore(snap["tracker"], cfg, model_name="hashing")
                level = CampaignLevel.from_dict(snap["level"], tracker)
            level.add([bf])
            for step in level.drive(Frontier(bf.slot * 0.25 - 30.0)):
                out.extend(a.to_dict() for a in step.result.alerts)
        for step in level.drive(Frontier(None, flush=True)):
            out.extend(a.to_dict() for a in step.result.alerts)
        return out

    whole = run(None)
    assert whole, "the bursts should raise a campaign alert"
    assert run(len(facts) // 2) == whole
    with pytest.raises(ValueError):
        fact_from_list(["x", []])
