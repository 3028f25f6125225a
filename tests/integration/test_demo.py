"""`choruswatch demo` as a user runs it: a real subprocess that starts its own embedded Tansu broker and
osmem-server, a worker, and replays a scenario. It must show alerts and the summary, exit 0, and leave
none of the processes it started behind, both when it finishes by itself and when it gets Ctrl-C."""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALERT_LINE = re.compile(r"\b(low|medium|high|critical)\s+(open|updated|closed)/r\d+\b")
# as of (event time), "↑late" when printed after a later revision, the short alert id
ALERT_ROW = re.compile(r"^(\d\d:\d\d:\d\d)(↑late)?\s+([0-9a-f]{8})\s+(low|medium|high|critical)\s")
DEMO_ARGS = ("--embedder", "hashing", "--mentions", "1500", "--speed", "600")


def _children(pid: int) -> set[int]:
    """Direct children of `pid` (from /proc/*/stat)."""
    out: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: the fields start after the last ')'.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            out.add(int(entry.name))
    return out


def _descendants(pid: int) -> dict[int, str]:
    """Every live descendant of `pid`, with its start time (so a reused pid is not mistaken for it)."""
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        for child in _children(todo.pop()):
            start = _start_time(child)
            if start is not None:
                found[child] = start
                todo.append(child)
    return found


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] == "Z":  # a zombie has exited; only its parent's wait() is missing
        return None
    return fields[19]


@dataclass
class DemoRun:
    """The demo subprocess, its output collected line by line and every process it started."""

    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    started: dict[int, str] = field(default_factory=dict)
    first_alert: threading.Event = field(default_factory=threading.Event)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if ALERT_LINE.search(line):
                self.first_alert.set()

    def watch(self) -> None:
        while self.proc.poll() is None:
            self.started.update(_descendants(self.proc.pid))
            time.sleep(0.2)

    def survivors(self) -> list[int]:
        return [pid for pid, start in self.started.items() if _start_time(pid) == start]


@pytest.fixture
def start_demo() -> Iterator[Callable[..., DemoRun]]:
    runs: list[DemoRun] = []

    def start(*extra: str) -> DemoRun:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHORUSWATCH_")}
        env["CHORUSWATCH_METRICS_PORT"] = "0"  # a free port: tests may run beside a real worker
        proc = subprocess.Popen(
            [sys.executable, "-m", "choruswatch.cli", "demo", *DEMO_ARGS, *extra],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        run = DemoRun(proc)
        for target in (run.read, run.watch):
            threading.Thread(target=target, daemon=True).start()
        runs.append(run)
        return run

    yield start
    for run in runs:  # a failed test must not leave the demo or its children running
        if run.proc.poll() is None:
            run.proc.kill()
            run.proc.wait()
        for pid in run.survivors():
            os.kill(pid, signal.SIGKILL)


def _seconds(hh_mm_ss: str) -> int:
    h, m, sec = map(int, hh_mm_ss.split(":"))
    return 3600 * h + 60 * m + sec


def _summary_value(output: str, row: str) -> str:
    match = re.search(rf"{re.escape(row)}\s*│\s*([^│]+?)\s*│", output)
    assert match, f"no {row!r} row in the summary:\n{output}"
    return match.group(1)


def test_demo_runs_to_the_end_shows_alerts_and_leaves_nothing_behind(
    start_demo: Callable[..., DemoRun],
) -> None:
    run = start_demo("--exit-when-done")
    code = run.proc.wait(timeout=240)
    time.sleep(0.5)  # the reader thread drains the last lines
    out = run.output
    assert code == 0, out
    assert "/metrics" in out and "/health" in out and "_search" in out
    assert run.first_alert.is_set(), out
    assert _summary_value(out, "mentions sent") == "1500 of 1500"
    narratives = int(_summary_value(out, "alerts (narratives and campaigns)"))
    assert narratives >= 1
    assert int(_summary_value(out, "documents in the index")) == narratives
    rows = [m.groups() for m in map(ALERT_ROW.match, run.lines) if m]
    assert len({alert_id for _, _, alert_id, _ in rows}) == narratives  # one short id per alert
    in_order = [_seconds(when) for when, late, _, _ in rows if not late]
    assert all(b >= a or a - b > 12 * 3600 for a, b in itertools.pairwise(in_order)), (
        "rows not marked late must be in event-time order (a day may wrap)"
    )
    assert _summary_value(out, "alerts search").endswith("/_search")
    assert _summary_value(out, "alerts topic").startswith("narrative-alerts on ")
    assert len(run.started) >= 3, f"expected tansu, osmem and the worker among {run.started}"
    assert run.survivors() == [], f"left running: {run.survivors()}"


def test_ctrl_c_after_the_first_alert_stops_everything_within_20_s(
    start_demo: Callable[..., DemoRun],
) -> None:
    run = start_demo()
    assert run.first_alert.wait(timeout=180), run.output
    assert run.proc.poll() is None, run.output
    run.proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    code = run.proc.wait(timeout=30)
    took = time.monotonic() - sent
    time.sleep(0.5)
    out = run.output
    assert code == 0, out
    assert took <= 20, f"took {took:.1f} s to stop"
    assert "stopped (SIGINT)" in out
    assert "mentions sent" in out
    assert run.survivors() == [], f"left running: {run.survivors()}"
