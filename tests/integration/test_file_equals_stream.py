"""One engine for file and stream, on a real broker: a simulated scenario with every campaign kind goes
through one worker and through two workers in one consumer group (each run with its own app id and
topics), produced all at once, and once more paced in event time with the real-time defaults; all three
give `choruswatch detect`'s alert revisions on the same file, revision by revision.

The two workers are started first and the test waits until the group is stable, both holding a share of
the `mentions` partitions (read from faust's "Setting newly assigned partitions" log tables), before
producing: a rebalance in the middle would test recovery, which test_crash_recovery.py does.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from choruswatch.simulate import generate
from schemas.models import Mention
from streams.replay import Replay
from streams.settings import Settings
from streams.topics import create_topics
from tests.integration.conftest import produce_json
from tests.integration.test_crash_recovery import (
    alert_events,
    check_alerts,
    drop_topics,
    isolated_settings,
    reference_alerts,
    start_worker,
    stop_worker,
    wait_until_processed,
)

_ASSIGNED = "Setting newly assigned partitions"


def _partition_set(cell: str) -> set[int]:
    out: set[int] = set()
    for part in cell.strip().strip("{}").split(","):
        if "-" in part:
            lo, hi = part.split("-")
            out.update(range(int(lo), int(hi) + 1))
        elif part.strip():
            out.add(int(part))
    return out


def assigned_mentions_partitions(log_text: str, topic: str) -> set[int] | None:
    """The `mentions` partitions of the worker's latest assignment (None: not assigned yet)."""
    at = log_text.rfind(_ASSIGNED)
    if at < 0:
        return None
    block = log_text[at:].split(" for group ", 1)[0]
    row = re.search(rf"\|\s*{re.escape(topic)}\s*\|\s*(\{{[^}}]*\}})", block)
    return _partition_set(row.group(1)) if row else set()


def wait_for_stable_group(logs: list[Path], settings: Settings, limit_s: float = 90.0) -> None:
    deadline = time.monotonic() + limit_s
    stable_since: float | None = None
    last: list[set[int] | None] = []
    while time.monotonic() < deadline:
        now = [
            assigned_mentions_partitions(p.read_text(errors="replace"), settings.topic_mentions) for p in logs
        ]
        shares = [s for s in now if s]
        ok = len(shares) == len(logs) and set().union(*shares) == set(range(settings.partitions))
        if ok and now == last:
            stable_since = stable_since or time.monotonic()
            if time.monotonic() - stable_since >= 3.0:
                return
        else:
            stable_since = None
        last = now
        time.sleep(0.5)
    pytest.fail(f"the consumer group did not settle: {last}")


@pytest.fixture
def run_settings(stack_settings: Settings, unique_name: Any) -> Iterator[list[Settings]]:
    made: list[Settings] = []
    for label in ("one", "two", "paced"):
        settings = isolated_settings(stack_settings, unique_name(f"cw-scale-{label}"))
        create_topics(settings)
        made.append(settings)
    yield made
    for settings in made:
        drop_topics(settings)


_PACED_SKEW_S = 4.0


def _paced(speed: float) -> dict[str, str]:
    """Lateness for a replay at `speed` times event time: a wall-clock skew of d seconds between input
    partitions (a fetch answered late, a busy stage 1) is `speed` * d seconds of event time. The
    real-time defaults (0.5 s lateness, idle after 0.5 s) tolerate about 1 s of skew; a shared CI
    machine stalls a worker for longer, so the test allows `_PACED_SKEW_S` of wall clock and idles
    after as long. The bound only holds while the worker keeps up: behind a backlog, the skew between
    partitions is set by the consumer's fetch buffers, not by the clock (CI saw 3 and 10 late mentions
    at 1200x, 167 mentions/s, about the hashing worker's capacity on 2 cores)."""
    return {
        "CHORUSWATCH_REORDER_LATENESS_S": str(_PACED_SKEW_S * speed),
        "CHORUSWATCH_REORDER_MAX_WAIT_S": str(_PACED_SKEW_S),
    }


def _run(
    settings: Settings, n_workers: int, rows: list[dict[str, Any]], tmp: Path, speed: float | None = None
) -> list[dict[str, Any]]:
    """Stream `rows` through `n_workers`: all at once (a backfill, with the compressed-replay slack),
    or paced at `speed` times event time with the real-time defaults."""
    logs = [tmp / f"{settings.app_id}-w{i}.log" for i in range(n_workers)]
    workers = []
    try:
        for log in logs:
            workers.append(start_worker(settings, log, overrides=None if speed is None else _paced(speed)))
            time.sleep(1.0)
        wait_for_stable_group(logs, settings)
        if speed is None:
            produce_json(settings.kafka_bootstrap, settings.topic_mentions, rows)
        else:
            replay = Replay(settings)
            replay.run([Mention.from_dict(r) for r in rows], speed, threading.Event())
            replay.close()
        states = wait_until_processed(settings, len(rows), workers, 120)
        time.sleep(2.0)  # the last alerts are published before the checkpoint, but read them settled
    finally:
        for w in workers:
            stop_worker(w)
    assert sum(s.buffer.processed for s in states.values()) == len(rows)
    assert sum(s.buffer.late for s in states.values()) == 0
    return alert_events(settings)


def test_detect_on_a_file_gives_the_streams_revisions_with_one_and_two_workers(
    run_settings: list[Settings], tmp_path: Path
) -> None:
    # Every campaign kind of `simulate` (copy-paste, paraphrase, link ring, hashtag push, drip,
    # bilingual), organic chatter and viral events, the official hashtag day, in 4 hours of event time.
    scenario = generate(seed=3, mentions=2000, hours=4.0)
    rows = scenario.mentions
    allowlist = tmp_path / "allowlist.txt"
    allowlist.write_text("".join(f"{a}\n" for a in scenario.allowlist), encoding="utf-8")
    one_settings, two_settings, paced_settings = (
        dataclasses.replace(s, allowlist_file=allowlist) for s in run_settings
    )
    one = _run(one_settings, 1, rows, tmp_path)
    two = _run(two_settings, 2, rows, tmp_path)
    reference = reference_alerts(one_settings, rows, tmp_path, allowlist)
    assert len({a["alert_id"] for a in reference.values()}) >= 3, "the scenario should raise several alerts"
    check_alerts(one, reference)
    check_alerts(two, reference)
    # Pacing decides when, never what: the first 90 minutes of event time (about 750 mentions) in 18 s,
    # some 40 mentions/s, well within one worker's capacity on a slow machine.
    start = Mention.from_dict(rows[0]).timestamp
    early = [r for r in rows if Mention.from_dict(r).timestamp < start + 5400.0]
    paced = _run(paced_settings, 1, early, tmp_path, speed=300.0)
    paced_dir = tmp_path / "paced"
    paced_dir.mkdir()
    paced_reference = reference_alerts(paced_settings, early, paced_dir, allowlist)
    assert len({a["alert_id"] for a in paced_reference.values()}) >= 3, "90 minutes should raise alerts"
    check_alerts(paced, paced_reference)
    # Every revision (severity, narrative size, accounts, score...) equal, whatever the worker count.
    by_alert_one = {ev["id"]: ev["data"] for ev in one}
    by_alert_two = {ev["id"]: ev["data"] for ev in two}
    assert by_alert_one == by_alert_two
