"""Crash recovery on a real broker: `kill -9` a worker mid-stream, start it again, and check that every
input mention is accounted for and that the alerts topic holds exactly what an uninterrupted run gives.

How mentions are accounted for: each bucket's state, checkpointed in the `bucket-state` table, counts
the mentions handed to its Detector (`processed`), the stage-1 replays it skipped (`duplicates`) and
what still waits (`pending`). The test reads the table's changelog back (latest value per key, as a
restarted worker would) and requires processed == valid mentions, nothing pending, and the dead-letter
topic to hold exactly the invalid ones (by source offset). No extra audit topic is needed.

Alerts: the reference is `choruswatch detect` on the same mentions (`reference_alerts`: the same
event-time engine, embedder, routing and float16 wire vectors, alerts left open at the end as a stream
leaves them). Every CloudEvent id on the topic must carry one payload, equal to the reference's; after
de-duplication by id the topic holds the reference's revisions exactly, and per alert_id the revisions
only move forward.

The helpers here are shared with test_scale_out.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from choruswatch.cli import main as choruswatch
from schemas.alert_v2 import ALERT_V2_EVENT_TYPE
from streams.campaign_stage import STATE_KEY, Applied
from streams.checkpoints import CHUNK_SEPARATOR, read_manifest, unpack_state
from streams.detect_stage import BucketState
from streams.dlq import read_dead_letter_headers
from streams.settings import Settings
from streams.topics import (
    CAMPAIGN_TABLE,
    STATE_TABLE,
    changelog_topic,
    create_topics,
    delete_topics,
    topic_specs,
)
from tests.integration.conftest import consume_all, produce_json

ROOT = Path(__file__).resolve().parents[2]
START = 1_772_323_200  # 2026-03-01T00:00:00Z

CAMPAIGNS = (
    "the northern dam is cracking and officials hide it, evacuate the valley tonight",
    "kordan ministry confirms fuel shortage next week, fill your tanks today before it is too late",
    "leaked memo shows veridia election servers were tampered with, share before deleted",
)
ORGANIC = (
    "had a lovely walk by the river this morning with my dog",
    "anyone watching the football final later tonight at the pub",
    "new bakery opened on main street and the croissants are great",
    "my train was late again, third time this week honestly",
    "reading a good book about the history of sailing ships",
)


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def scenario(n: int, t0: float, *, prefix: str) -> list[dict[str, Any]]:
    """`n` mentions from `t0` on, ~2 per event second: three copy/paraphrase campaigns from small
    account rings in bursts, the rest organic chatter from distinct accounts."""
    rows: list[dict[str, Any]] = []
    for i in range(n):
        t = t0 + i // 2
        if i % 3 == 0:
            c = (i // 3) % len(CAMPAIGNS)
            text, account = f"{CAMPAIGNS[c]} #{c}", f"{prefix}ring{c}-{i % 23}"
        else:
            text, account = f"{ORGANIC[i % len(ORGANIC)]} ({prefix}{i})", f"{prefix}user{i}"
        rows.append(
            {
                "id": f"{prefix}{i:05d}",
                "platform": "x",
                "created_at": _iso(t),
                "text": text,
                "author": {"id": account, "handle": account},
            }
        )
    return rows


BAD = [b"\x00garbage", json.dumps({"id": "no-author"}).encode(), b"[1, 2]"]


# ------------------------------------------------------------------------------------------ workers
COMPRESSED_REPLAY = {
    # A backfill of a compressed stream (minutes of event time per wall second): the arrival skew
    # between input partitions, in event time, can exceed the real-time default of 0.5 s.
    "CHORUSWATCH_REORDER_LATENESS_S": "2",
    "CHORUSWATCH_REORDER_MAX_WAIT_S": "5",
}


def start_worker(
    settings: Settings,
    log_path: Path,
    stages: str = "embed,detect,campaign",
    overrides: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **settings.to_env(),
        "CHORUSWATCH_EMBEDDER": "hashing",
        "CHORUSWATCH_METRICS_PORT": "0",
        "CHORUSWATCH_LOG_LEVEL": "INFO",
        **(COMPRESSED_REPLAY if overrides is None else overrides),
    }
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "choruswatch.cli", "worker", "--stages", stages],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def isolated_settings(base: Settings, app_id: str) -> Settings:
    return base.for_app(app_id)


def drop_topics(settings: Settings) -> None:
    names = [s.name for s in topic_specs(settings)] + [changelog_topic(settings)]
    names.append(changelog_topic(settings, CAMPAIGN_TABLE))
    delete_topics(settings, list(dict.fromkeys(names)))


# ------------------------------------------------------------------------------------------- reading
def table_states(settings: Settings, table: str = STATE_TABLE) -> dict[str, dict[str, Any]]:
    """Latest checkpointed state under every key of a stage's table, read back from its changelog."""
    latest: dict[str, bytes] = {}
    for rec in consume_all(settings.kafka_bootstrap, changelog_topic(settings, table), timeout=1.0):
        if rec.key is not None and rec.value is not None:
            latest[rec.key.decode().strip('"')] = rec.value
    out: dict[str, dict[str, Any]] = {}
    for key, value in latest.items():
        if CHUNK_SEPARATOR in key:
            continue
        n, head = read_manifest(value)
        rest = [latest[f"{key}{CHUNK_SEPARATOR}{i}"] for i in range(1, n)]
        out[key] = unpack_state([head, *rest])
    return out


def bucket_states(settings: Settings) -> dict[str, BucketState]:
    """Latest checkpointed BucketState of every bucket."""
    return {k: BucketState.from_dict(v["bucket"]) for k, v in table_states(settings).items()}


def campaign_done(settings: Settings) -> bool:
    """Whether the campaign stage's checkpoint covers every facts record, with no fact waiting."""
    facts = consume_all(settings.kafka_bootstrap, settings.topic_facts, timeout=1.0)
    state = table_states(settings, CAMPAIGN_TABLE).get(STATE_KEY)
    if not facts or state is None:
        return False
    return (
        Applied.from_dict(state["applied"]).last_offset >= facts[-1].offset
        and not (state["level"]["buffer"]["pending"])
    )


def alert_events(settings: Settings) -> list[dict[str, Any]]:
    records = consume_all(settings.kafka_bootstrap, settings.topic_alerts, timeout=1.0)
    return [json.loads(r.value) for r in records]


def wait_until_processed(
    settings: Settings,
    n_valid: int,
    procs: Sequence[subprocess.Popen[bytes]],
    limit_s: float,
    *,
    campaigns: bool = True,
) -> dict[str, BucketState]:
    """Wait until every valid mention is processed (and, with `campaigns`, the campaign stage has
    taken every fact); returns the buckets' states."""
    deadline = time.monotonic() + limit_s
    states: dict[str, BucketState] = {}
    while time.monotonic() < deadline:
        assert all(p.poll() is None for p in procs), "a worker died"
        states = bucket_states(settings)
        done = sum(s.buffer.processed for s in states.values())
        buckets_done = done >= n_valid and not any(s.buffer.pending for s in states.values())
        if buckets_done and (not campaigns or campaign_done(settings)):
            return states
        time.sleep(1.0)
    pytest.fail(
        f"only {sum(s.buffer.processed for s in states.values())}/{n_valid} mentions processed in time"
    )


# ------------------------------------------------------------------------------------------ reference
def reference_alerts(
    settings: Settings, rows: Sequence[dict[str, Any]], tmp: Path, allowlist: Path | None = None
) -> dict[str, dict[str, Any]]:
    """CloudEvent id -> alert dict (narrative alerts v1 and campaign alerts v2), from `choruswatch
    detect` on a file of `rows` with the worker's embedder and bucket count, alerts left open at the
    end as the stream leaves them."""
    src, out = tmp / "reference-mentions.jsonl", tmp / "reference-alerts.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    argv = [
        "detect",
        str(src),
        "--embedder",
        "hashing",
        "--keep-open",
        "--out",
        str(out),
    ]
    argv += ["--buckets", str(settings.n_routing_buckets)]
    if allowlist is not None:
        argv += ["--allowlist", str(allowlist)]
    assert choruswatch(argv) == 0
    alerts = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return {f"{a['alert_id']}:{a['revision']}": a for a in alerts}


def check_alerts(events: Sequence[dict[str, Any]], reference: dict[str, dict[str, Any]]) -> None:
    """One payload per CloudEvent id, equal to the reference; revisions per alert only move forward."""
    by_id: dict[str, dict[str, Any]] = {}
    for ev in events:
        data = ev["data"]
        assert ev["id"] == f"{data['alert_id']}:{data['revision']}"
        assert by_id.setdefault(ev["id"], data) == data, f"{ev['id']} published with two payloads"
    assert set(by_id) == set(reference)
    for eid, data in by_id.items():
        assert data == reference[eid], f"{eid} differs from the uninterrupted reference"
    # Topic order per alert_id (its key keeps every revision on one partition, in order).
    per_alert: dict[str, list[int]] = defaultdict(list)
    for ev in events:
        per_alert[ev["data"]["alert_id"]].append(ev["data"]["revision"])
    for alert_id, revisions in per_alert.items():
        deduped = list(dict.fromkeys(revisions))
        assert deduped == sorted(deduped), f"{alert_id} revisions went backwards: {revisions}"


# ------------------------------------------------------------------------------------------------ test
@pytest.fixture
def crash_settings(stack_settings: Settings) -> Iterator[Settings]:
    yield stack_settings
    delete_topics(stack_settings, [changelog_topic(stack_settings)])


def test_kill_9_mid_stream_loses_nothing_and_duplicates_no_alert(
    crash_settings: Settings, tmp_path: Path
) -> None:
    settings = crash_settings
    first = scenario(400, START, prefix="a")
    second = scenario(400, START + 400, prefix="b")  # later in event time than the first part
    produce_json(settings.kafka_bootstrap, settings.topic_mentions, [*first[:200], *BAD, *first[200:]])
    log = tmp_path / "worker.log"
    worker = start_worker(settings, log)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not alert_events(settings):
            assert worker.poll() is None, log.read_text()[-3000:]
        assert alert_events(settings), "no alert before the crash"
        produce_json(settings.kafka_bootstrap, settings.topic_mentions, second[:200])
        time.sleep(0.5)  # let it get into the second part, then pull the plug
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        before = bucket_states(settings)
        assert sum(s.buffer.processed for s in before.values()) < len(first) + len(second)
        produce_json(settings.kafka_bootstrap, settings.topic_mentions, second[200:])
        worker = start_worker(settings, log)
        states = wait_until_processed(settings, len(first) + len(second), [worker], 120)
    finally:
        stop_worker(worker)

    processed = sum(s.buffer.processed for s in states.values())
    assert processed == len(first) + len(second), "a mention was lost or counted twice"
    assert sum(s.buffer.late for s in states.values()) == 0
    dead = consume_all(settings.kafka_bootstrap, settings.topic_dlq, timeout=1.0)
    heads = [read_dead_letter_headers(r.headers) for r in dead]
    offsets = {(h["source-partition"], h["source-offset"]) for h in heads}
    assert len(offsets) == len(BAD) and {r.value for r in dead} == set(BAD)
    check_alerts(alert_events(settings), reference_alerts(settings, [*first, *second], tmp_path))


@pytest.fixture
def campaign_crash_settings(stack_settings: Settings, unique_name: Any) -> Iterator[Settings]:
    settings = isolated_settings(stack_settings, unique_name("cw-campaign-crash"))
    create_topics(settings)
    yield settings
    drop_topics(settings)


def test_kill_9_of_the_campaign_stage_mid_stream_publishes_the_same_campaign_alerts(
    campaign_crash_settings: Settings, tmp_path: Path
) -> None:
    """Stage 2 and the campaign stage on two workers; the campaign worker is killed with -9 while
    facts flow, then started again: it replays the facts since its checkpoint, and the alerts topic
    holds the uninterrupted reference's revisions, each CloudEvent id with one payload."""
    settings = campaign_crash_settings
    first = scenario(400, START, prefix="a")
    second = scenario(400, START + 400, prefix="b")
    overrides = COMPRESSED_REPLAY  # checkpoints every 5 s: faust's commits run ahead of them
    buckets = start_worker(settings, tmp_path / "detect.log", "embed,detect", overrides)
    log = tmp_path / "campaign.log"
    campaigns = start_worker(settings, log, "campaign", overrides)
    try:
        produce_json(settings.kafka_bootstrap, settings.topic_mentions, first)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _campaign_events(settings):
            assert campaigns.poll() is None, log.read_text()[-3000:]
            time.sleep(0.5)
        assert _campaign_events(settings), "no campaign alert before the crash"
        produce_json(settings.kafka_bootstrap, settings.topic_mentions, second[:200])
        time.sleep(1.0)  # facts of the second part flow: pull the plug
        campaigns.send_signal(signal.SIGKILL)
        campaigns.wait()
        before = table_states(settings, CAMPAIGN_TABLE).get(STATE_KEY)
        facts_then = consume_all(settings.kafka_bootstrap, settings.topic_facts, timeout=1.0)
        produce_json(settings.kafka_bootstrap, settings.topic_mentions, second[200:])
        campaigns = start_worker(settings, log, "campaign", overrides)
        wait_until_processed(settings, len(first) + len(second), [buckets, campaigns], 180)
        time.sleep(2.0)
    finally:
        stop_worker(campaigns)
        stop_worker(buckets)
    # Killed mid-stream: its last checkpoint did not cover every fact published by then.
    assert before is None or Applied.from_dict(before["applied"]).last_offset < facts_then[-1].offset
    events = alert_events(settings)
    reference = reference_alerts(settings, [*first, *second], tmp_path)
    assert any(a["schema_version"] == "2" for a in reference.values()), "the scenario should raise campaigns"
    check_alerts(events, reference)


def _campaign_events(settings: Settings) -> list[dict[str, Any]]:
    return [e for e in alert_events(settings) if e["type"] == ALERT_V2_EVENT_TYPE]
