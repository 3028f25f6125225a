"""The analyst's loop in a stream worker (`streams.analyst_live`, the worker's factories, the stages'
refresh): shared inputs, files loaded at start and on change, verdicts from the topic and the index
applied once, and their effect on what the stages publish. Fakes from `streams.fakes` and here."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from detectors.config import DetectorConfig
from detectors.embedding import HashingEmbedder
from detectors.global_level import GlobalLevel
from detectors.verdicts import VerdictRecord
from streams.analyst_live import AnalystFiles, AnalystFilesRefused, AnalystLoop, VerdictSync
from streams.campaign_stage import CampaignStage
from streams.detect_stage import DetectStage
from streams.fakes import ManualClock, MemoryBroker, MemoryStore
from streams.metrics import Metrics
from streams.worker import detector_factory, tracker_factory
from tests.factories import campaign_stream
from tests.unit.test_campaign_stage import CAMPAIGN, ROUTED, batches_of, engine_v2, run_stage_2, v2_events
from tests.unit.test_detect_stage import DETECT, alert_revisions, engine_revisions, interleaved, routed_log

CONFIG = DetectorConfig()
T = 1_772_366_400.0  # 2026-03-01T12:00:00Z: the scenario's day


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    # A rewrite within the same clock tick must still look changed: move the mtime on.
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    return path


def loop_of(tmp_path: Path, **files: list[str]) -> AnalystLoop:
    paths = {name: write(tmp_path / name, lines) for name, lines in files.items()}
    return AnalystLoop(AnalystFiles(**paths), CONFIG, embedder=HashingEmbedder(), metrics=Metrics())


def fp(
    alert_id: str, at: float = T, source: str = "topic", verdict: str | None = "false_positive"
) -> VerdictRecord:
    return VerdictRecord(alert_id, verdict, "alice", at, 1, None, (), source)  # type: ignore[arg-type]


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    """One sample of the exposition (0 when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(metrics.exposition().decode()):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


# -- files ------------------------------------------------------------------------------------------


def test_a_bad_file_at_start_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(AnalystFilesRefused, match=r"watchlist:2: "):
        loop_of(tmp_path, watchlist=['{"id": "c1", "text": "the dam will burst"}', '{"id": "c2"}'])
    with pytest.raises(AnalystFilesRefused, match=r"sensors:1: two account ids"):
        loop_of(tmp_path, sensors=["100 200"])
    with pytest.raises(AnalystFilesRefused, match=r"verdicts:1: "):
        loop_of(tmp_path, verdicts=['{"alert_id": "cw-1", "verdict": "maybe", "analyst": "a", "at": 1}'])
    with pytest.raises(AnalystFilesRefused, match=r"watchlist: no claims"):
        loop_of(tmp_path, watchlist=[""])


def test_a_watchlist_needs_an_embedder(tmp_path: Path) -> None:
    path = write(tmp_path / "w", ['{"id": "c1", "text": "the dam will burst"}'])
    with pytest.raises(AnalystFilesRefused, match="needs the embedding model"):
        AnalystLoop(AnalystFiles(watchlist=path), CONFIG, embedder=None, metrics=Metrics())


def test_without_files_the_inputs_hold_only_the_shared_empty_book(tmp_path: Path) -> None:
    loop = AnalystLoop(AnalystFiles(), CONFIG, embedder=None, metrics=Metrics(), allowlist=frozenset({"a"}))
    assert loop.inputs.watchlist is None and loop.inputs.sensors == () and loop.inputs.verdicts is loop.book
    assert loop.book.judged_alerts() == () and loop.allowlist == {"a"}
    assert loop.check_files() == set()


def test_a_good_new_version_takes_effect_and_a_bad_one_keeps_the_previous(tmp_path: Path) -> None:
    loop = loop_of(
        tmp_path, sensors=["100 @embassy_x"], watchlist=['{"id": "c1", "text": "the dam will burst"}']
    )
    first = loop.inputs
    assert loop.allowlist == {"100"} and len(first.watchlist or ()) == 1

    write(tmp_path / "sensors", ["100 @embassy_x", "200 @ministry"])
    changed = loop.check_files()
    assert changed == {"sensors"} and loop.inputs is first  # read, not yet adopted
    assert loop.adopt(changed) is True
    assert loop.inputs is not first and loop.inputs.verdicts is loop.book  # same book, new inputs
    assert loop.allowlist == {"100", "200"} and len(loop.inputs.sensors) == 2

    second = loop.inputs
    write(tmp_path / "watchlist", ['{"id": "c1"}'])  # no text: refused
    assert loop.check_files() == set() and loop.inputs is second
    assert (
        sample(loop.metrics, "choruswatch_analyst_file_reloads_total", file="watchlist", outcome="refused")
        == 1
    )
    assert (
        sample(loop.metrics, "choruswatch_analyst_file_reloads_total", file="sensors", outcome="loaded") == 1
    )
    assert loop.check_files() == set()  # the refused version is counted once

    write(
        tmp_path / "watchlist",
        ['{"id": "c1", "text": "the dam will burst"}', '{"id": "c2", "text": "x y z"}'],
    )
    assert loop.adopt(loop.check_files()) is True and len(loop.inputs.watchlist or ()) == 2


def test_the_verdicts_seed_is_applied_at_start_and_its_new_lines_on_change(tmp_path: Path) -> None:
    line = (
        '{"alert_id": "cw-1", "verdict": "false_positive", "analyst": "alice", "at": "2026-03-01T12:00:00Z"}'
    )
    loop = loop_of(tmp_path, verdicts=[line])
    assert loop.book.current("cw-1").verdict == "false_positive"  # type: ignore[union-attr]
    clear = '{"alert_id": "cw-1", "verdict": "cleared", "analyst": "bob", "at": "2026-03-01T13:00:00Z"}'
    write(tmp_path / "verdicts", [line, clear])
    assert loop.adopt(loop.check_files()) is False  # the book changed in place: nothing to rebuild
    assert loop.book.current("cw-1") is None and len(loop.book.history("cw-1")) == 2
    assert sample(loop.metrics, "choruswatch_verdicts_applied_total", verdict="cleared", source="file") == 1


def test_a_verdict_from_the_topic_and_the_index_is_applied_and_counted_once(tmp_path: Path) -> None:
    loop = loop_of(tmp_path)
    assert loop.apply([fp("cw-1", source="topic")]) == 1
    assert loop.apply([fp("cw-1", source="index")]) == 0
    assert (
        sample(loop.metrics, "choruswatch_verdicts_applied_total", verdict="false_positive", source="topic")
        == 1
    )
    assert sample(loop.metrics, "choruswatch_verdicts_in_force") == 1


# -- verdict sync -------------------------------------------------------------------------------------


class FakeReader:
    def __init__(self, backlog: list[VerdictRecord]) -> None:
        self.backlog = backlog
        self.new: list[VerdictRecord] = []
        self.closed = False

    def read_all(self) -> list[VerdictRecord]:
        out, self.backlog = self.backlog, []
        return out

    def poll(self, timeout_s: float) -> list[VerdictRecord]:
        out, self.new = self.new, []
        return out

    def close(self) -> None:
        self.closed = True


class FakeSearch:
    """The part of the Elasticsearch client `pickup_verdicts` uses; `down` makes it raise."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs
        self.down = False
        self.queries: list[dict[str, Any]] = []

    def search(self, *, index: str, query: dict[str, Any], sort: Any, size: int) -> dict[str, Any]:
        self.queries.append(query)
        if self.down:
            raise ConnectionError("search server unreachable")
        return {"hits": {"hits": self.docs}}

    def close(self) -> None:
        pass


def judged(alert_id: str, verdict: str, updated_at: str) -> dict[str, Any]:
    analyst = {"verdict": verdict, "assignee": "carol", "updated_at": updated_at}
    return {
        "_id": alert_id,
        "_source": {"choruswatch": {"alert_id": alert_id, "revision": 3}, "analyst": analyst},
    }


def test_sync_catches_up_on_the_topic_and_the_index_then_picks_up_what_moved() -> None:
    reader = FakeReader([fp("cw-1")])
    client = FakeSearch([judged("cw-2", "authentic", "2026-03-01T12:05:00Z")])
    sync = VerdictSync(reader, client, "alerts")
    records = sync.catch_up()
    assert [(r.alert_id, r.verdict, r.source) for r in records] == [
        ("cw-1", "false_positive", "topic"),
        ("cw-2", "authentic", "index"),
    ]
    assert records[1].analyst == "carol" and records[1].revision == 3
    assert "exists" in client.queries[0]
    sync.pickup()
    assert "range" in client.queries[1]  # from the newest updated_at seen on
    reader.new = [fp("cw-3")]
    assert [r.alert_id for r in sync.poll_topic()] == ["cw-3"]
    client.down = True
    assert sync.pickup() == []  # logged; the next pickup tries again
    sync.close()
    assert reader.closed


# -- the stages with the shared inputs ---------------------------------------------------------------


def test_the_campaign_stage_with_the_global_level_and_empty_inputs_equals_the_bare_tracker(
    tmp_path: Path,
) -> None:
    rows = campaign_stream()
    expected = engine_v2(rows)
    loop = loop_of(tmp_path)
    out = MemoryBroker(partitions={"alerts": ROUTED})
    metrics = Metrics()
    stage = CampaignStage(
        CAMPAIGN,
        tracker_factory=tracker_factory(CONFIG, "hashing", loop),
        table=MemoryStore(),
        producer=out,
        log_reader=out,
        clock=ManualClock(),
        metrics=metrics,
    )
    for batch in batches_of(run_stage_2(rows).records("facts"), 50):
        asyncio.run(stage.handle(batch))
    assert isinstance(stage.level.tracker, GlobalLevel)  # type: ignore[union-attr]
    assert v2_events(out) == expected
    stage.refresh_inputs()  # rebuilt from its snapshot before the next batch: nothing changes
    asyncio.run(stage.handle([]))
    assert isinstance(stage.level.tracker, GlobalLevel) and v2_events(out) == expected  # type: ignore[union-attr]


def test_a_checkpoint_of_the_bare_tracker_is_restored_into_the_global_level(tmp_path: Path) -> None:
    from detectors.campaigns import CampaignTracker

    bare = CampaignTracker(CONFIG, model_name="hashing")
    restored = tracker_factory(CONFIG, "hashing", loop_of(tmp_path))(bare.snapshot())
    assert isinstance(restored, GlobalLevel) and restored.tracker.snapshot() == bare.snapshot()


def detect_with(loop: AnalystLoop, rows: list[dict[str, Any]]) -> tuple[MemoryBroker, Metrics, DetectStage]:
    broker = routed_log(rows)
    metrics = Metrics()
    stage = DetectStage(
        DETECT,
        detector_factory=detector_factory(CONFIG, "hashing", frozenset(), loop),
        table=MemoryStore(),
        producer=broker,
        log_reader=broker,
        clock=ManualClock(),
        metrics=metrics,
    )
    for records in interleaved(broker, 50):
        asyncio.run(stage.handle(records))
    return broker, metrics, stage


def test_a_false_positive_verdict_holds_back_the_narrative_alert_and_is_counted(tmp_path: Path) -> None:
    rows = campaign_stream()
    expected = engine_revisions(rows)
    loop = loop_of(tmp_path)
    broker, metrics, _ = detect_with(loop, rows)
    assert alert_revisions(broker) == expected  # the empty book changes nothing
    assert sample(metrics, "choruswatch_suppressed_revisions_total", version="v1") == 0

    judged_id = min(k[0] for k in expected)
    loop.apply([fp(judged_id)])
    broker, metrics, stage = detect_with(loop, rows)
    published = alert_revisions(broker)
    came_through = [v for k, v in published.items() if k[0] == judged_id and v["status"] != "closed"]
    # Held back unless it doubled since (then the revision says why it came through).
    assert len(came_through) < sum(1 for k in expected if k[0] == judged_id)
    assert all("published despite" in v["signals"]["analyst_verdict"]["detail"] for v in came_through)
    assert {k: v for k, v in published.items() if k[0] != judged_id} == {
        k: v for k, v in expected.items() if k[0] != judged_id
    }
    assert sample(metrics, "choruswatch_suppressed_revisions_total", version="v1") >= 1
    assert all(d.analyst.verdicts is loop.book for d in stage.detectors.values())


def test_a_reloaded_file_reaches_the_detectors_before_the_next_batch(tmp_path: Path) -> None:
    loop = loop_of(tmp_path, sensors=["100 @embassy_x"])
    _, _, stage = detect_with(loop, campaign_stream()[:200])
    before = {b: d.snapshot() for b, d in stage.detectors.items()}
    write(tmp_path / "sensors", ["100 @embassy_x", "200 @ministry"])
    assert loop.adopt(loop.check_files())
    stage.refresh_inputs()
    asyncio.run(stage.handle([]))
    assert all(d.analyst is loop.inputs and "200" in d.allowlist for d in stage.detectors.values())
    assert {b: d.snapshot() for b, d in stage.detectors.items()} == before  # state carried over


# -- the index document ------------------------------------------------------------------------------


def test_the_document_carries_claims_target_and_the_verdict_override_tag() -> None:
    from detectors.verdicts import verdict_signal
    from schemas.alert_v2 import TargetInfo
    from streams.es import alert_to_document, load_index_template
    from tests.factories import make_alert_v2

    storm = make_alert_v2(claim_ids=("claim-7",), target=TargetInfo("u-emb", "@VeridiaEmbUK", "p-42"))
    doc = alert_to_document(storm.to_dict())
    assert doc["watchlist"] == {"claim_ids": ["claim-7"]}
    assert doc["target"] == {"account_id": "u-emb", "handle": "@VeridiaEmbUK", "post_id": "p-42"}
    assert "verdict-override" not in doc["tags"]

    plain = alert_to_document(make_alert_v2().to_dict())
    assert plain["watchlist"] == {"claim_ids": []} and "target" not in plain
    override = make_alert_v2(signals={"analyst_verdict": verdict_signal("published despite the verdict")})
    assert "verdict-override" in alert_to_document(override.to_dict())["tags"]

    mapping = load_index_template("a")["template"]["mappings"]["properties"]
    assert mapping["watchlist"]["properties"]["claim_ids"]["type"] == "keyword"
    assert {f: v["type"] for f, v in mapping["target"]["properties"].items()} == dict.fromkeys(
        ("account_id", "handle", "post_id"), "keyword"
    )
    assert mapping["rule"]["properties"]["name"]["type"] == "keyword"
    analyst = mapping["analyst"]["properties"]
    assert (analyst["verdict_by"]["type"], analyst["verdict_at"]["type"]) == ("keyword", "date")
