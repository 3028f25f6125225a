"""`choruswatch demo`: the whole pipeline on one machine, with alerts shown live in the terminal.

What it does, in order:

1. Settings from the environment. When no broker (`CHORUSWATCH_KAFKA_BOOTSTRAP`) or no search server
   (`CHORUSWATCH_ES_URL`) is configured, it starts the embedded one(s) (`streams.embedded.EmbeddedStack`:
   Tansu and osmem-server on free local ports).
2. Creates the topics (idempotent) and the alerts index with its write alias.
3. Generates a labelled `choruswatch.simulate` scenario (the default seed starts two copy-paste campaigns
   twelve minutes into the scenario: alerts within the first minute at `--speed 60`), or reads the
   user's own file (`--input FILE [--allowlist F]`), and writes the allowlist of official accounts to a
   temporary file handed to the worker (`CHORUSWATCH_ALLOWLIST_FILE`).
4. Starts `choruswatch worker` as a child process with the demo's settings in its environment.
5. Replays the mentions to `mentions` (`streams.replay`), compressing event time by `--speed` but keeping
   each mention's original `created_at` (the detector runs on event time, so the alerts are the ones the
   real-time stream would give).
6. Reads `narrative-alerts` and prints each new alert revision as it fires.

Ctrl-C or SIGTERM stops the replay, prints the summary, stops the worker, then the embedded services;
every child runs in its own session so the terminal's Ctrl-C reaches only this process, which stops them
in that order and leaves none behind.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any, Final

from choruswatch.alert_table import EventTimeOrder, endpoints, short_id
from schemas.models import Mention
from streams.clients import es_client, kafka_client_kwargs
from streams.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_SPEED: Final = 60.0
DEFAULT_MENTIONS: Final = 5000
# Seed 1 opens with two copy-paste campaigns 12 minutes into the scenario (12 s at --speed 60).
DEFAULT_SEED: Final = 1
SCENARIO_HOURS: Final = 4.0  # the shortest scenario simulate allows: 4 minutes of replay at 60x
WORKER_START_TIMEOUT_S: Final = 180.0
WORKER_STOP_GRACE_S: Final = 15.0
LOG_TAIL_CHARS: Final = 4000
SEVERITY_STYLE: Final = {
    "low": "green",
    "medium": "yellow",
    "high": "bold red",
    "critical": "bold white on red",
}
SEVERITY_ORDER: Final = ("critical", "high", "medium", "low")


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """The command line of `choruswatch demo`."""

    speed: float = DEFAULT_SPEED
    mentions: int = DEFAULT_MENTIONS
    seed: int = DEFAULT_SEED
    embedder: str = "model"
    input: str | None = None  # a mentions file to replay instead of a simulated scenario
    allowlist: str | None = None  # with `input`: its allowlist of official accounts
    exit_when_done: bool = False
    duration_s: float | None = None
    grace_s: float = 15.0  # --exit-when-done: quiet time after the replay before stopping


@dataclass(slots=True)
class DemoStats:
    """What the summary reports; filled by the replay thread and the alert reader."""

    sent: int = 0
    send_errors: int = 0
    revisions: int = 0
    latest: dict[str, dict[str, Any]] = field(default_factory=dict)  # alert_id -> newest revision seen
    last_alert_at: float = 0.0  # monotonic

    def severities(self) -> Counter[str]:
        return Counter(str(a["severity"]) for a in self.latest.values())


class StopRequested:
    """A flag set by SIGINT/SIGTERM; the main loop and the replay thread poll it."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal_name: str | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.signal_name = signal.Signals(signum).name
        self.event.set()

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


# ----------------------------------------------------------------------------------------- worker
class WorkerProcess:
    """`choruswatch worker` as a child process, its output in a log file shown when it fails."""

    def __init__(self, settings: Settings, embedder: str) -> None:
        self._settings = settings
        self._embedder = embedder
        fd, path = tempfile.mkstemp(prefix="choruswatch-demo-worker-", suffix=".log")
        os.close(fd)
        self.log_path = Path(path)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, **self._settings.to_env(), "HF_HUB_OFFLINE": "1"}
        argv = [sys.executable, "-m", "choruswatch.cli", "worker", "--embedder", self._embedder]
        with self.log_path.open("wb") as log_file:
            self.process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=env,
                # Own session: Ctrl-C reaches the demo only, which stops the worker before the broker.
                start_new_session=True,
            )

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def log_tail(self) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:]

    def wait_healthy(self, health_url: str, timeout_s: float, stop: threading.Event) -> str | None:
        """None once /health answers; else why not (exited, timed out, stopped)."""
        deadline = time.monotonic() + timeout_s
        while not stop.is_set():
            code = self.exited()
            if code is not None:
                return f"the worker exited with code {code}"
            try:
                with urllib.request.urlopen(health_url, timeout=1):
                    return None
            except urllib.error.HTTPError:
                return None  # 503 "degraded" is an answer: the worker is up, a sink is not yet
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                return f"the worker did not answer {health_url} within {timeout_s:.0f} s"
            stop.wait(0.5)
        return "stopped before the worker was ready"

    def stop(self, grace_s: float = WORKER_STOP_GRACE_S) -> None:
        proc = self.process
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(grace_s)

    def remove_log(self) -> None:
        self.log_path.unlink(missing_ok=True)


# ----------------------------------------------------------------------------------------- replay
def scenario_start(now: datetime, hours: float) -> datetime:
    """A start time that puts the whole scenario in the past (to the minute), so no mention is 'future'."""
    return (now - timedelta(hours=hours)).replace(second=0, microsecond=0)


# ----------------------------------------------------------------------------------------- alerts
def _markup_safe(text: str) -> str:
    return text.replace("[", r"\[")


def alert_row(alert: dict[str, Any], *, late: bool = False) -> str:
    """Terminal lines (rich markup) for one alert revision: the row, then its summary when it has one.

    The short id tells one alert's revisions apart from another alert's, also when the label changed
    between revisions; ``late`` marks a revision printed after a later one (see EventTimeOrder).
    """
    label, accounts, size = _covers(alert)
    severity = str(alert["severity"])
    style = SEVERITY_STYLE.get(severity, "")
    when = str(alert["as_of"])[11:19] + ("[dim]↑late[/dim]" if late else "     ")
    label = " ".join(label.split())
    if len(label) > 44:
        label = label[:43] + "…"
    status = f"{alert['status']}/r{alert['revision']}"
    authentic = "[cyan]yes[/cyan]" if alert.get("authentic") else "no"
    row = (
        f"{when}  {short_id(str(alert['alert_id'])):<8}  [{style}]{severity:<8}[/{style}]  {status:<11} "
        f"{_markup_safe(label):<44}  {accounts:>8} {size:>6} "
        f"{float(alert['score']):>6.2f}  {authentic}"
    )
    summary = alert.get("summary")
    return row + (f"\n[dim]{' ' * 15}{_markup_safe(' '.join(str(summary).split()))}[/dim]" if summary else "")


def _covers(alert: dict[str, Any]) -> tuple[str, int, int]:
    """(label, accounts, posts) of a narrative alert (v1) or a campaign alert (v2: "campaign of N
    narratives" and its first narrative's label)."""
    if "campaign" in alert:
        campaign, narratives = alert["campaign"], alert.get("narratives") or [{}]
        first = str(narratives[0].get("label", ""))
        return f"campaign ×{campaign['narrative_count']}: {first}", campaign["accounts"], campaign["posts"]
    narrative = alert["narrative"]
    return str(narrative.get("label", "")), narrative["accounts"], narrative["size"]


ALERT_HEADER: Final = (
    f"{'as of':<13}  {'alert':<8}  {'severity':<8}  {'status/rev':<11} {'narrative':<44}  "
    f"{'accounts':>8} {'size':>6} {'score':>6}  authentic"
)


class AlertReader:
    """Reads `narrative-alerts` from where it ends now (manual assignment: no consumer group)."""

    def __init__(self, settings: Settings) -> None:
        from kafka import KafkaConsumer, TopicPartition

        self._consumer = KafkaConsumer(
            enable_auto_commit=False, group_id=None, **kafka_client_kwargs(settings)
        )
        parts = self._consumer.partitions_for_topic(settings.topic_alerts) or set()
        assigned = [TopicPartition(settings.topic_alerts, p) for p in sorted(parts)]
        self._consumer.assign(assigned)
        # Only the alerts of this run: a configured broker may hold earlier runs' alerts.
        self._consumer.seek_to_end(*assigned)
        for tp in assigned:
            self._consumer.position(tp)
        self._seen: set[str] = set()

    def poll(self, timeout_ms: int) -> list[dict[str, Any]]:
        """New alert revisions (Alert v1 dicts), duplicates of a replay dropped by CloudEvent id."""
        out: list[dict[str, Any]] = []
        for records in self._consumer.poll(timeout_ms=timeout_ms).values():
            for record in records:
                try:
                    event = json.loads(record.value)
                    alert = event["data"]
                    ce_id = str(event["id"])
                except (ValueError, KeyError, TypeError):
                    log.warning("unreadable alert record at offset %d", record.offset)
                    continue
                if ce_id not in self._seen:
                    self._seen.add(ce_id)
                    out.append(alert)
        return out

    def close(self) -> None:
        self._consumer.close()


def apply_alert(stats: DemoStats, alert: dict[str, Any]) -> bool:
    """Record an alert revision; True when it is newer than what was seen for its alert_id."""
    stats.revisions += 1
    stats.last_alert_at = time.monotonic()
    current = stats.latest.get(alert["alert_id"])
    if current is not None and int(current["revision"]) >= int(alert["revision"]):
        return False
    stats.latest[alert["alert_id"]] = alert
    return True


# ----------------------------------------------------------------------------------------- summary
def dead_lettered(settings: Settings) -> int | None:
    """Records on the dead-letter topic (end minus beginning offsets); None when it cannot be read."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError

    try:
        consumer = KafkaConsumer(
            enable_auto_commit=False, group_id=None, request_timeout_ms=5000, **kafka_client_kwargs(settings)
        )
    except KafkaError:
        return None
    try:
        parts = consumer.partitions_for_topic(settings.topic_dlq) or set()
        tps = [TopicPartition(settings.topic_dlq, p) for p in parts]
        end = consumer.end_offsets(tps)
        begin = consumer.beginning_offsets(tps)
        return sum(int(end[tp]) - int(begin[tp]) for tp in tps)
    except KafkaError:
        return None
    finally:
        consumer.close()


def indexed_documents(settings: Settings) -> int | None:
    """Documents behind the alerts alias; None when the search server does not answer."""
    from elasticsearch import ApiError, TransportError

    client: Any = es_client(settings).options(request_timeout=5)
    try:
        with contextlib.suppress(ApiError, TransportError):
            client.indices.refresh(index=settings.es_alias)
        return int(client.count(index=settings.es_alias)["count"])
    except (ApiError, TransportError):
        return None
    finally:
        client.close()


def wait_for_index(settings: Settings, want: int, timeout_s: float, stop: threading.Event) -> int | None:
    """Poll the document count until it reaches `want` (the sink lags the alerts topic a little)."""
    deadline = time.monotonic() + timeout_s
    count = indexed_documents(settings)
    while (count is None or count < want) and time.monotonic() < deadline and not stop.is_set():
        stop.wait(1.0)
        count = indexed_documents(settings)
    return count


# ----------------------------------------------------------------------------------------- the demo
def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def _metrics_port(settings: Settings) -> int:
    from streams.embedded import free_port

    if settings.metrics_port and _port_free("127.0.0.1", settings.metrics_port):
        return settings.metrics_port
    return free_port()


def run_demo(options: DemoOptions, base: Settings, console: Any) -> int:
    """The demo from start to summary; returns the exit code (0, or 1 when something failed)."""
    from streams.embedded import EmbeddedStack

    stop = StopRequested()
    with stop.installed(), contextlib.ExitStack() as cleanup:
        need_kafka, need_search = not base.kafka_configured, not base.es_configured
        settings = base
        if need_kafka or need_search:
            what = " and ".join(
                n for n, on in (("Kafka (Tansu)", need_kafka), ("search (osmem-server)", need_search)) if on
            )
            console.print(f"starting the embedded {what} ...")
            stack = EmbeddedStack(kafka=need_kafka, search=need_search).start()
            cleanup.callback(stack.stop)
            settings = stack.settings(base)
        scratch = Path(tempfile.mkdtemp(prefix="choruswatch-demo-"))
        cleanup.callback(_remove_tree, scratch)
        return _run_with_services(options, settings, scratch, stop, console, cleanup)


def _demo_input(options: DemoOptions) -> tuple[list[Mention], frozenset[str], str]:
    """The mentions to replay (sorted by event time), the allowlist and a description: the user's
    file when `--input` is given, else a simulated scenario placed just before now."""
    if options.input is not None:
        from choruswatch.io import MentionReader
        from streams.inputs import load_allowlist

        with MentionReader(options.input) as reader:
            reader.preflight()
            mentions = [m for _, m in reader if isinstance(m, Mention)]
        allowlist = load_allowlist(options.allowlist) if options.allowlist else frozenset[str]()
        return sorted(mentions, key=lambda m: m.timestamp), allowlist, f"from {options.input}"
    from choruswatch.simulate import generate

    start = scenario_start(datetime.now(UTC), SCENARIO_HOURS)
    scenario = generate(options.seed, options.mentions, SCENARIO_HOURS, start)
    mentions = sorted((Mention.from_dict(m) for m in scenario.mentions), key=lambda m: m.timestamp)
    what = f"simulated, seed {options.seed}, {SCENARIO_HOURS:g} h of event time"
    return mentions, frozenset(scenario.allowlist), what


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _run_with_services(
    options: DemoOptions,
    settings: Settings,
    scratch: Path,
    stop: StopRequested,
    console: Any,
    cleanup: contextlib.ExitStack,
) -> int:
    import asyncio

    from streams.es import setup_alert_index
    from streams.replay import Replay
    from streams.topics import create_topics, ensure_topics_ready

    create_topics(settings)
    ensure_topics_ready(settings)
    asyncio.run(setup_alert_index(settings))

    mentions, allowlist_ids, what = _demo_input(options)
    allowlist = scratch / "allowlist.txt"
    allowlist.write_text("".join(f"{a}\n" for a in sorted(allowlist_ids)), encoding="utf-8")
    settings = replace(settings, allowlist_file=allowlist, metrics_port=_metrics_port(settings))
    span = (mentions[-1].timestamp - mentions[0].timestamp) / options.speed if mentions else 0.0

    base_url = f"http://127.0.0.1:{settings.metrics_port}"
    console.print(f"Kafka        {settings.kafka_bootstrap}   (input topic {settings.topic_mentions})")
    console.print(f"metrics      {base_url}/metrics")
    console.print(f"health       {base_url}/health")
    console.print(f"search       {settings.es_url}/{settings.es_alias}/_search")
    console.print(
        f"  try: curl -s -H 'Content-Type: application/json' {settings.es_url}/{settings.es_alias}/_search "
        """-d '{"query": {"range": {"event.severity": {"gte": 3}}}, "size": 5}'""",
        soft_wrap=True,
        highlight=False,
        markup=False,
    )

    worker = WorkerProcess(settings, options.embedder)
    cleanup.callback(worker.remove_log)
    worker.start()
    cleanup.callback(worker.stop)  # runs before the stack stops: the worker needs the broker to leave
    console.print(
        f"worker       pid {worker.pid}, embedder {options.embedder}; waiting for it to be ready ..."
    )
    problem = worker.wait_healthy(base_url + "/health", WORKER_START_TIMEOUT_S, stop.event)
    if problem is not None:
        if stop.event.is_set():
            console.print(f"stopped ({stop.signal_name})")
            return 0
        console.print(f"[red]error:[/red] {problem}; its log ends with:")
        console.print(worker.log_tail(), markup=False, highlight=False)
        return 1

    reader = AlertReader(settings)
    cleanup.callback(reader.close)
    stats = DemoStats()
    replay = Replay(settings, stats=stats)
    cleanup.callback(replay.close)
    replay_stop = threading.Event()
    console.print(f"replaying {len(mentions)} mentions ({what}) at {options.speed:g}x: about {span:.0f} s")
    thread = threading.Thread(
        target=replay.run,
        args=(mentions, options.speed, replay_stop),
        name="choruswatch-demo-replay",
        daemon=True,
    )
    began = time.monotonic()
    thread.start()
    console.print(ALERT_HEADER, style="bold", highlight=False)
    code = _show_alerts(options, reader, stats, thread, worker, stop, began, console, endpoints(settings))
    replay_stop.set()
    thread.join(35)
    _print_summary(settings, stats, len(mentions), stop.event, console)
    console.print("stopping the worker and the embedded services ...")
    return code


def _show_alerts(
    options: DemoOptions,
    reader: AlertReader,
    stats: DemoStats,
    thread: threading.Thread,
    worker: WorkerProcess,
    stop: StopRequested,
    began: float,
    console: Any,
    where: Sequence[tuple[str, str]] = (),
) -> int:
    """Print alerts in event-time order until stopped, the duration is up, or (--exit-when-done) the
    replay settled; revisions still held back for ordering are printed before it returns."""
    order = EventTimeOrder()
    replay_done_at: float | None = None
    try:
        while not stop.event.is_set():
            for alert in reader.poll(timeout_ms=250):
                if apply_alert(stats, alert):
                    order.add(alert, time.monotonic())
            now = time.monotonic()
            for alert, late in order.release(now):
                console.print(alert_row(alert, late=late), highlight=False)
            code = worker.exited()
            if code is not None:
                console.print(f"[red]error:[/red] the worker exited with code {code}; its log ends with:")
                console.print(worker.log_tail(), markup=False, highlight=False)
                return 1
            if options.duration_s is not None and now - began >= options.duration_s:
                console.print(f"--duration {options.duration_s:g} s reached")
                return 0
            if replay_done_at is None and not thread.is_alive():
                replay_done_at = now
                ending = "" if options.exit_when_done else "; Ctrl-C to stop (these stay up until then)"
                console.print(f"replay finished: {stats.sent} mentions sent{ending}")
                for name, url in where:
                    console.print(f"  {name:<14} {url}", highlight=False, markup=False, soft_wrap=True)
            if (
                options.exit_when_done
                and replay_done_at is not None
                and now - max(replay_done_at, stats.last_alert_at) >= options.grace_s
            ):
                return 0
        console.print(f"stopped ({stop.signal_name})")
        return 0
    finally:
        for alert, late in order.release(time.monotonic(), everything=True):
            console.print(alert_row(alert, late=late), highlight=False)


def _print_summary(
    settings: Settings, stats: DemoStats, total: int, stop: threading.Event, console: Any
) -> None:
    from rich.table import Table

    # After a Ctrl-C the user wants out: do not wait for the sink to catch up.
    docs = (
        indexed_documents(settings)
        if stop.is_set()
        else wait_for_index(settings, len(stats.latest), 15, stop)
    )
    dlq = dead_lettered(settings)
    severities = stats.severities()
    table = Table(title="summary", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row(
        "mentions sent",
        f"{stats.sent} of {total}" + (f" ({stats.send_errors} failed)" if stats.send_errors else ""),
    )
    table.add_row("dead-lettered", "?" if dlq is None else str(dlq))
    table.add_row("alerts (narratives and campaigns)", str(len(stats.latest)))
    for severity in SEVERITY_ORDER:
        style = SEVERITY_STYLE[severity]
        table.add_row(f"  [{style}]{severity}[/{style}]", str(severities.get(severity, 0)))
    table.add_row("alert revisions", str(stats.revisions))
    table.add_row("documents in the index", "?" if docs is None else str(docs))
    for name, url in endpoints(settings):
        table.add_row(name, _markup_safe(url))
    console.print(table)


# ----------------------------------------------------------------------------------------- CLI
def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _cmd(args: argparse.Namespace) -> int:
    from rich.console import Console

    from choruswatch.simulate import MIN_MENTIONS

    # Without a terminal rich assumes 80 columns and would wrap every alert line.
    console = Console(width=None if sys.stdout.isatty() else 140)
    if args.mentions < MIN_MENTIONS:
        console.print(f"[red]error:[/red] --mentions must be at least {MIN_MENTIONS}")
        return 2
    settings = Settings.from_env()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # kafka-python warns when a poll of the demo's own reader runs a little long: noise in a live table.
    logging.getLogger("kafka.net.selector").setLevel(logging.ERROR)
    options = DemoOptions(
        speed=args.speed,
        mentions=args.mentions,
        seed=args.seed,
        embedder=args.embedder,
        input=args.input,
        allowlist=args.allowlist,
        exit_when_done=args.exit_when_done,
        duration_s=args.duration,
    )
    return run_demo(options, settings, console)


def register(subparsers: Any) -> None:
    """Add `choruswatch demo` to the CLI."""
    parser = subparsers.add_parser(
        "demo", help="live demo: embedded broker and search server, a worker, a replayed scenario"
    )
    parser.add_argument("--speed", type=_positive, default=DEFAULT_SPEED, help="event-time compression (60)")
    parser.add_argument("--mentions", type=int, default=DEFAULT_MENTIONS, help="scenario size (5000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="scenario seed (1)")
    parser.add_argument(
        "--embedder",
        choices=("model", "hashing"),
        default="model",
        help="model: CHORUSWATCH_MODEL, by default multilingual-e5-small; hashing: fast, no model",
    )
    parser.add_argument(
        "--exit-when-done",
        action="store_true",
        help="exit once the replay is over and no alert arrived for a grace period",
    )
    parser.add_argument("--duration", type=_positive, default=None, help="stop after this many seconds")
    parser.add_argument(
        "--input",
        default=None,
        help="replay this mentions file (JSON lines or CSV) instead of a simulated scenario",
    )
    parser.add_argument("--allowlist", default=None, help="with --input: official account ids, one per line")
    parser.set_defaults(func=_cmd)
