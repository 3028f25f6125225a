"""`choruswatch detect`: run the detection core over a file of mentions, exactly as the stream would.

Mentions are read (JSON lines or CSV, `-` for stdin; see :mod:`choruswatch.io`), checked before the
model is loaded (an empty, binary or unusable input fails at once with the reason), embedded in batches
of `--batch-size` through a bounded cache, and fed to the event-time engine
(:class:`detectors.engine.Engine`): one Detector per routing bucket, each driven in fixed event-time
slots, as stream stage 2 drives them. So with the stream's bucket count (`--buckets`, default 4 = the
default partition count) `detect` gives the alert revisions the stream gives for the same mentions.

Mentions may arrive out of order by up to `--lateness` seconds of event time; one later than that
comes after its slot went and is processed apart (counted as late), as in the stream. At the end of
the input every open alert is closed (`closed` revisions), unless `--keep-open` says the input is a
slice of a stream that goes on.

Behind the per-bucket Detectors runs the global campaign level (:class:`detectors.campaigns.
CampaignTracker`, fed the buckets' facts slot by slot, as the stream's campaign stage is): alert
revisions go out as JSON lines (`--out`, default stdout) as the alerts topic carries them, narrative
alerts (Alert v1, `"narrative"`) and campaign alerts (Alert v2, `"campaign"`) in the order they were
made; `--level narrative` leaves the campaign level out. `--assignments` writes one `{"mention_id",
"narrative_id", "theme_id", "campaign_id"}` line per processed mention, in processing (event-time)
order; `--exports DIR` writes the evidence (GraphML, CSV) of every campaign alert. A bad
line is reported on stderr with its line number and reason, counted and skipped. Exit status: 0 on
success (even with rejected lines), 2 when the input, configuration, allowlist or model cannot be used.

The analyst loop (docs/analyst-guide.md): `--watchlist` (known claims, JSON lines), `--sensors` (the
team's official accounts; they also join the allowlist) and `--verdicts` (analyst verdicts, JSON
lines, all in force from the start of the run) put :class:`detectors.global_level.GlobalLevel` behind
the buckets instead of the bare campaign tracker: `known claim resurfacing` and `reply storm` alerts,
`watchlist.claim_ids`, verdict suppression. A bad analyst file is refused as a whole (`file:line:
reason`, exit 2) before the model loads. Without them the output is byte for byte what it was.

The loop itself is :func:`detect_records`, which takes already-read records and callbacks, so the
quality benchmark runs the same code in-process.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from choruswatch.io import MentionReader, Rejected, jsonl_line

if TYPE_CHECKING:
    from detectors.campaigns import CampaignStep
    from detectors.detector import StepResult
    from detectors.embedding import Embedder
    from detectors.engine import DetectorLike, Engine, Step, TrackerLike
    from detectors.global_level import GlobalStep
    from detectors.replystorm import Sensor
    from detectors.verdicts import VerdictBook
    from detectors.watchlist import Claim
    from schemas.alert_v2 import AlertV2
    from schemas.models import Alert, Mention

DEFAULT_BATCH_SIZE = 256
DEFAULT_LATENESS_S = 60.0
DEFAULT_BUCKETS = 4
DEFAULT_CACHE_SIZE = 50_000
# Past this many, rejected lines are only counted: a wholly wrong file must not bury the summary.
MAX_REPORTED_REJECTIONS = 100
SEVERITIES = ("low", "medium", "high", "critical")


class UsageError(Exception):
    """A bad option or model: the run cannot start (exit status 2)."""


@dataclass(frozen=True, slots=True)
class DetectOptions:
    batch_size: int = DEFAULT_BATCH_SIZE
    buckets: int = DEFAULT_BUCKETS
    lateness_s: float = DEFAULT_LATENESS_S
    keep_open: bool = False
    campaigns: bool = True  # run the campaign level (Alert v2) behind the narrative level (Alert v1)


@dataclass(slots=True)
class DetectSummary:
    """What one run did; printed as the summary table and used by the quality benchmark."""

    mentions: int = 0
    rejected: int = 0
    late: int = 0
    narratives: set[str] = field(default_factory=set)
    themes: set[str] = field(default_factory=set)
    campaign_alerts: set[str] = field(default_factory=set)  # alert ids of Alert v2 (campaign) alerts
    rules: Counter[str] = field(default_factory=Counter)  # Alert v2 revisions per rule name
    claim_matches: int = 0  # mentions that matched a watchlist claim
    replies_watched: int = 0  # (reply, sensor) pairs watched for reply storms
    suppressed_revisions: int = 0  # revisions (v1 and v2) held back by false_positive verdicts
    alert_severity: dict[str, str] = field(default_factory=dict)  # alert id → latest severity
    authentic_alerts: set[str] = field(default_factory=set)
    revisions: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0
    embedded_texts: int = 0

    @property
    def alerts_by_severity(self) -> Counter[str]:
        return Counter(self.alert_severity.values())

    @property
    def mentions_per_s(self) -> float:
        return self.mentions / self.seconds if self.seconds else 0.0


def build_embedder(kind: str, model: str | None, cache_size: int, backend: str | None = None) -> Embedder:
    """The cached embedder of a model choice (`streams.models`): the multilingual default, english,
    a local folder, or the hashing embedder; offline."""
    from detectors.embedding import EmbeddingError
    from streams.models import DEFAULT_BACKEND, model_choice
    from streams.models import build_embedder as build

    # The command never reaches the network: the default model is built from a package.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        chosen = backend or DEFAULT_BACKEND
        return build(model_choice(kind, model), cache_size=cache_size, backend=chosen)  # type: ignore[arg-type]
    except EmbeddingError as exc:
        raise UsageError(f"cannot load model: {exc}") from None


@dataclass(slots=True)
class _Emitter:
    """Turns engine steps into output callbacks and the summary. With the campaign level on, a
    mention's assignment is written when the tracker places it (with its theme and campaign)."""

    summary: DetectSummary
    on_alert: Callable[[dict[str, Any]], None]
    on_assignment: Callable[[dict[str, Any]], None] | None
    campaigns: bool

    def step(self, result: StepResult) -> None:
        self.summary.claim_matches += result.facts.claim_matches
        self.summary.suppressed_revisions += result.facts.suppressed_revisions
        for assignment in result.assignments:
            if assignment.narrative_id is not None:
                self.summary.narratives.add(assignment.narrative_id)
            if self.on_assignment is not None and not self.campaigns:
                self.on_assignment(
                    {"mention_id": assignment.mention_id, "narrative_id": assignment.narrative_id}
                )
        self.alerts(result.alerts)

    def campaign_step(self, result: CampaignStep | GlobalStep) -> None:
        for a in result.assignments:
            if a.theme_id is not None:
                self.summary.themes.add(a.theme_id)
            if self.on_assignment is not None:
                self.on_assignment(
                    {
                        "mention_id": a.mention_id,
                        "narrative_id": a.narrative_id,
                        "theme_id": a.theme_id,
                        "campaign_id": a.campaign_id,
                    }
                )
        self.summary.campaign_alerts.update(alert.alert_id for alert in result.alerts)
        self.summary.rules.update(alert.rule.name for alert in result.alerts)
        analyst = getattr(result, "analyst", None)  # a GlobalStep (analyst loop on) has counters
        if analyst is not None:
            self.summary.replies_watched += analyst.replies_watched
            self.summary.suppressed_revisions += analyst.suppressed_revisions
        self.alerts(result.alerts)

    def alerts(self, alerts: Iterable[Alert | AlertV2]) -> None:
        for alert in alerts:
            self.summary.revisions += 1
            self.summary.alert_severity[alert.alert_id] = alert.severity
            if alert.authentic:
                self.summary.authentic_alerts.add(alert.alert_id)
            self.on_alert(alert.to_dict())

    def steps(self, engine: Engine, steps: Iterable[tuple[int, Step[Any, Any]]]) -> None:
        for _, step in steps:
            self.step(step.result)
        for campaign_step in engine.take_campaign_steps():
            self.campaign_step(campaign_step.result)


def detect_records(
    records: Iterable[tuple[int, Mention | Rejected]],
    make_detector: Callable[[], DetectorLike],
    embedder: Embedder,
    *,
    make_tracker: Callable[[], TrackerLike] | None = None,
    options: DetectOptions = DetectOptions(),
    on_alert: Callable[[dict[str, Any]], None],
    on_assignment: Callable[[dict[str, Any]], None] | None = None,
    on_rejected: Callable[[Rejected], None] | None = None,
    on_batch: Callable[[DetectSummary], None] | None = None,
) -> DetectSummary:
    """Run the engine over records in input order; alerts (v1 per narrative and, with ``make_tracker``,
    v2 per campaign, as the alerts topic carries them) and assignments go to the callbacks."""
    from detectors.engine import Engine

    summary = DetectSummary()
    emit = _Emitter(summary, on_alert, on_assignment, make_tracker is not None)
    engine = Engine(
        make_detector, buckets=options.buckets, lateness_s=options.lateness_s, make_tracker=make_tracker
    )
    started = time.perf_counter()
    batch: list[Mention] = []

    def run_batch() -> None:
        t0 = time.perf_counter()
        vectors = embedder.encode([m.text for m in batch])
        summary.embed_seconds += time.perf_counter() - t0
        summary.embedded_texts += len(batch)
        emit.steps(engine, engine.add(batch, vectors))
        summary.mentions += len(batch)
        batch.clear()
        if on_batch is not None:
            on_batch(summary)

    for _, record in records:
        if isinstance(record, Rejected):
            summary.rejected += 1
            if on_rejected is not None:
                on_rejected(record)
            continue
        batch.append(record)
        if len(batch) >= options.batch_size:
            run_batch()
    if batch:
        run_batch()
    emit.steps(engine, engine.finish(close=not options.keep_open))
    summary.late = engine.late
    summary.seconds = time.perf_counter() - started
    return summary


def summary_table(summary: DetectSummary, embedder: Embedder | None = None) -> Any:
    from rich.table import Table

    table = Table(title="choruswatch detect")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("mentions processed", f"{summary.mentions:,}")
    table.add_row("narratives", f"{len(summary.narratives):,}")
    if summary.themes:
        table.add_row("themes", f"{len(summary.themes):,}")
    by_severity = summary.alerts_by_severity
    table.add_row("alerts (distinct ids)", f"{len(summary.alert_severity):,}")
    table.add_row("  of which campaign alerts (v2)", f"{len(summary.campaign_alerts):,}")
    for severity in SEVERITIES:
        table.add_row(f"  {severity}", f"{by_severity.get(severity, 0):,}")
    table.add_row("  of which authentic (allowlisted)", f"{len(summary.authentic_alerts):,}")
    for rule in ("known claim resurfacing", "reply storm"):
        if summary.rules.get(rule):
            table.add_row(f"  revisions by rule {rule!r}", f"{summary.rules[rule]:,}")
    table.add_row("alert revisions", f"{summary.revisions:,}")
    if summary.claim_matches or summary.replies_watched or summary.suppressed_revisions:
        table.add_row("mentions matching a watchlist claim", f"{summary.claim_matches:,}")
        table.add_row("replies watched on sensors", f"{summary.replies_watched:,}")
        table.add_row("revisions suppressed by verdicts", f"{summary.suppressed_revisions:,}")
    table.add_row("rejected lines", f"{summary.rejected:,}")
    table.add_row("late (after their slot; processed apart)", f"{summary.late:,}")
    table.add_row("seconds", f"{summary.seconds:.1f}")
    table.add_row("mentions/s", f"{summary.mentions_per_s:,.0f}")
    if summary.embed_seconds:
        table.add_row("embedding texts/s", f"{summary.embedded_texts / summary.embed_seconds:,.0f}")
    hit_ratio = getattr(embedder, "hit_ratio", None)
    if isinstance(hit_ratio, float):
        table.add_row("embedding cache hit ratio", f"{hit_ratio:.1%}")
    return table


def _run(args: argparse.Namespace) -> int:
    from rich.console import Console

    console = Console(stderr=True)
    with contextlib.ExitStack() as stack:
        reader = stack.enter_context(MentionReader(args.input))
        reader.preflight()  # first: a bad input fails in a second, not after the model load
        make, make_tracker, embedder = _detector_and_embedder(args)
        out = sys.stdout if args.out in (None, "-") else stack.enter_context(_open_for_writing(args.out))
        assignments = stack.enter_context(_open_for_writing(args.assignments)) if args.assignments else None
        options = DetectOptions(
            args.batch_size, args.buckets, args.lateness, args.keep_open, campaigns=args.level == "campaign"
        )
        campaign_alerts: list[dict[str, Any]] = []
        write_alert = _writer(out)

        def on_alert(alert: dict[str, Any]) -> None:
            write_alert(alert)
            if args.exports is not None and "campaign" in alert:
                campaign_alerts.append(alert)

        summary = _with_progress(
            reader.total_bytes is not None and sys.stderr.isatty(),
            reader,
            console,
            lambda on_batch: detect_records(
                reader,
                make,
                embedder,
                make_tracker=make_tracker if options.campaigns else None,
                options=options,
                on_alert=on_alert,
                on_assignment=_assignment_writer(assignments) if assignments is not None else None,
                on_rejected=rejection_reporter(reader.name),
                on_batch=on_batch,
            ),
        )
        out.flush()
    if args.exports is not None:
        _write_exports(campaign_alerts, args.exports, console)
    console.print(summary_table(summary, embedder))
    return 0


def _write_exports(alerts: list[dict[str, Any]], folder: Path, console: Any) -> None:
    """The latest revision of every campaign alert as GraphML and CSV (choruswatch/exports.py)."""
    from choruswatch.exports import write_exports
    from schemas.alert_v2 import AlertV2

    latest: dict[str, dict[str, Any]] = {}
    for alert in alerts:
        if alert["revision"] >= latest.get(alert["alert_id"], {}).get("revision", 0):
            latest[alert["alert_id"]] = alert
    written = [p for a in latest.values() for p in write_exports(AlertV2.from_dict(a), folder)]
    console.print(f"evidence exports: {len(latest)} campaign alerts, {len(written)} files in {folder}")


def _detector_and_embedder(
    args: argparse.Namespace,
) -> tuple[Callable[[], Any], Callable[[], Any], Embedder]:
    """The Detector and global-level factories (the model profile's thresholds, the config file on
    top, the allowlist, the analyst files) and the embedder; every input file is checked before the
    model loads."""
    from detectors.analyst import AnalystInputs
    from detectors.campaigns import CampaignTracker
    from detectors.detector import Detector
    from detectors.global_level import GlobalLevel
    from streams.analyst_files import build_watchlist, sensor_allowlist
    from streams.inputs import load_allowlist, load_detector_config
    from streams.models import model_choice, resolve_profile

    choice = model_choice(args.embedder, args.model)
    profile = resolve_profile(choice, Path(args.profile) if args.profile else None)
    config = load_detector_config(args.config, profile)
    allowlist = load_allowlist(args.allowlist) if args.allowlist else frozenset[str]()
    claims, sensors, book = load_analyst_files(args, config.verdict_false_positive_growth)
    embedder = build_embedder(args.embedder, args.model, args.cache_size, args.backend)
    watchlist = build_watchlist(claims, embedder, config) if claims is not None else None
    analyst = AnalystInputs(watchlist, sensors, book)
    allowlist |= sensor_allowlist(sensors)

    def make() -> Detector:
        return Detector(config, model_name=embedder.name, allowlist=allowlist, analyst=analyst)

    def make_tracker() -> CampaignTracker | GlobalLevel:
        if analyst:
            return GlobalLevel(config, model_name=embedder.name, analyst=analyst)
        return CampaignTracker(config, model_name=embedder.name)

    return make, make_tracker, embedder


def load_analyst_files(
    args: argparse.Namespace, growth: float
) -> tuple[tuple[Claim, ...] | None, tuple[Sensor, ...], VerdictBook | None]:
    """The claims, sensors and verdict book of ``--watchlist`` / ``--sensors`` / ``--verdicts``; a bad
    file is refused as a whole (:class:`UsageError` naming file:line: reason)."""
    from detectors.verdicts import VerdictBook
    from streams.analyst_files import AnalystFileError, load_sensors, load_verdicts, load_watchlist

    try:
        claims = load_watchlist(args.watchlist) if args.watchlist else None
        sensors = load_sensors(args.sensors) if args.sensors else ()
        verdicts = load_verdicts(args.verdicts) if args.verdicts else None
    except AnalystFileError as exc:
        raise UsageError(str(exc)) from None
    if claims is not None and not claims:
        raise UsageError(f"{args.watchlist}: no claims in the watchlist")
    book = None
    if verdicts is not None:
        book = VerdictBook(false_positive_growth=growth)
        book.apply_many(verdicts)
    return claims, sensors, book


def _open_for_writing(path: str) -> TextIO:
    try:
        return Path(path).open("w", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _writer(fp: TextIO) -> Callable[[dict[str, Any]], None]:
    def write(obj: dict[str, Any]) -> None:
        fp.write(jsonl_line(obj))

    return write


def _assignment_writer(fp: TextIO) -> Callable[[dict[str, Any]], None]:
    def write(line: dict[str, Any]) -> None:
        fp.write(jsonl_line(line))

    return write


def rejection_reporter(name: str) -> Callable[[Rejected], None]:
    count = 0

    def report(rejected: Rejected) -> None:
        nonlocal count
        count += 1
        if count <= MAX_REPORTED_REJECTIONS:
            print(f"{name}:{rejected.line}: rejected: {rejected.reason}", file=sys.stderr)
        elif count == MAX_REPORTED_REJECTIONS + 1:
            print(f"{name}: further rejected lines are counted, not shown", file=sys.stderr)

    return report


def _with_progress(
    enabled: bool,
    reader: MentionReader,
    console: Any,
    work: Callable[[Callable[[DetectSummary], None] | None], DetectSummary],
) -> DetectSummary:
    """Run `work` with a byte-based progress bar on stderr when `enabled`."""
    if not enabled:
        return work(None)
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("detect"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[mentions]:,} mentions"),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("detect", total=reader.total_bytes, mentions=0)
        return work(lambda s: progress.update(task, completed=reader.bytes_read, mentions=s.mentions))


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "detect",
        help="detect coordinated narratives in a file of mentions (JSON lines or CSV)",
        description="Read mentions, cluster them into narratives, score coordination and write alert "
        "revisions as JSON lines: the stream's results for the same mentions. CSV needs the columns "
        "id, platform, created_at, text, author_id (see README).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("input", help="mentions file (.jsonl or .csv; sniffed otherwise), '-' for stdin")
    parser.add_argument("--out", default=None, help="alert revisions JSONL (stdout when not given)")
    parser.add_argument(
        "--assignments",
        default=None,
        help="write one {mention_id, narrative_id, theme_id, campaign_id} line per mention",
    )
    parser.add_argument(
        "--level",
        choices=("campaign", "narrative"),
        default="campaign",
        help="campaign: narrative alerts (v1) and campaign alerts (v2), as the alerts topic carries them; "
        "narrative: v1 only, no campaign level",
    )
    parser.add_argument(
        "--exports", type=Path, default=None, help="folder: GraphML and CSV evidence of every campaign alert"
    )
    parser.add_argument("--allowlist", default=None, help="official account ids, one per line (# comments)")
    parser.add_argument(
        "--watchlist",
        default=None,
        help="known claims, JSON lines {id, text|texts, ...} (docs/analyst-guide.md)",
    )
    parser.add_argument(
        "--sensors",
        default=None,
        help="official accounts watched for reply storms: id and/or @handles a line",
    )
    parser.add_argument(
        "--verdicts", default=None, help="analyst verdicts, JSON lines {alert_id, verdict, analyst, at, ...}"
    )
    parser.add_argument("--config", default=None, help="detector thresholds (JSON or TOML)")
    parser.add_argument(
        "--model", default=None, help="multilingual (default), english, or a sentence-transformers folder"
    )
    parser.add_argument(
        "--embedder", choices=("model", "hashing"), default="model", help="model, or hashing (no model)"
    )
    parser.add_argument(
        "--backend",
        choices=("int8", "onnx", "torch"),
        default="int8",
        help="how the model runs (docs/models.md)",
    )
    parser.add_argument(
        "--profile", default=None, help="model profile (thresholds) for a model without a bundled one"
    )
    parser.add_argument(
        "--batch-size", type=_positive_int, default=DEFAULT_BATCH_SIZE, help="mentions per embedding batch"
    )
    parser.add_argument(
        "--cache-size", type=_positive_int, default=DEFAULT_CACHE_SIZE, help="embedding cache entries"
    )
    parser.add_argument(
        "--buckets",
        type=_positive_int,
        default=DEFAULT_BUCKETS,
        help="routing buckets, as the stream's CHORUSWATCH_ROUTING_BUCKETS (its partition count by default)",
    )
    parser.add_argument(
        "--lateness",
        "--order-tolerance",
        type=float,
        default=DEFAULT_LATENESS_S,
        help="seconds of event time a mention may lag the newest one read and still be put in its place",
    )
    parser.add_argument(
        "--keep-open",
        action="store_true",
        help="leave alerts open at the end (the input is a slice of a stream)",
    )
    parser.set_defaults(func=_run)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def records_from_mentions(mentions: Sequence[Mention]) -> Iterable[tuple[int, Mention | Rejected]]:
    """Number already-parsed mentions like input lines (for in-process callers such as the benchmark)."""
    return ((i, m) for i, m in enumerate(mentions, 1))
