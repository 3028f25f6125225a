"""`choruswatch detect`: run the detection core over a file of mentions, without Kafka.

Mentions are read (JSON lines or CSV, `-` for stdin; see :mod:`choruswatch.io`), embedded in
batches of `--batch-size` through a bounded cache, and fed to :class:`detectors.detector.Detector` in
input order in slices of at most `--batch-window` seconds of event time (like the stream worker's
micro-batches).
After each slice the detector is advanced to the newest event time seen, so narratives expire and
alerts close on event time exactly as in the stream worker; `flush()` closes what is left at the end.

Alert revisions go out as JSON lines (`--out`, default stdout); `--assignments` writes one
`{"mention_id", "narrative_id"}` line per processed mention. A bad line is reported on stderr with
its line number and reason, counted and skipped. A mention whose `created_at` is earlier than the
newest one seen by more than `--order-tolerance` seconds is counted as out of order and still
processed (the core takes it as arriving late). Exit status: 0 on success (even with rejected
lines), 2 when the input cannot be read or the configuration, allowlist or model is bad.

The loop itself is :func:`detect_records`, which takes already-read records and callbacks, so the
quality benchmark runs the same code in-process.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from choruswatch.io import InputError, MentionReader, Rejected, jsonl_line, read_allowlist

if TYPE_CHECKING:
    from detectors.config import DetectorConfig
    from detectors.detector import Detector, StepResult
    from detectors.embedding import Embedder
    from detectors.profiles import ModelProfile
    from schemas.models import Mention

DEFAULT_BATCH_SIZE = 256
DEFAULT_ORDER_TOLERANCE_S = 60.0
DEFAULT_BATCH_WINDOW_S = 30.0
DEFAULT_CACHE_SIZE = 50_000
# Past this many, rejected lines are only counted: a wholly wrong file must not bury the summary.
MAX_REPORTED_REJECTIONS = 100
SEVERITIES = ("low", "medium", "high", "critical")


class UsageError(Exception):
    """A bad configuration, allowlist or model: the run cannot start (exit status 2)."""


@dataclass(slots=True)
class DetectSummary:
    """What one run did; printed as the summary table and used by the quality benchmark."""

    mentions: int = 0
    rejected: int = 0
    out_of_order: int = 0
    narratives: set[str] = field(default_factory=set)
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


def load_config(path: str | None, profile: ModelProfile | None = None) -> DetectorConfig:
    """DetectorConfig from the model profile and a JSON or TOML file on top (by extension; otherwise
    JSON, then TOML)."""
    from detectors.config import ConfigError, DetectorConfig
    from detectors.profiles import detector_config

    if path is None:
        return detector_config(profile) if profile else DetectorConfig()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read config {path}: {exc.strerror or exc}") from None
    data: Any
    try:
        if path.endswith(".toml"):
            data = tomllib.loads(text)
        elif path.endswith(".json"):
            data = json.loads(text)
        else:
            try:
                data = json.loads(text)
            except json.JSONDecodeError:
                data = tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"config {path} is neither valid JSON nor TOML: {exc}") from None
    try:
        return detector_config(profile, data) if profile else DetectorConfig.from_mapping(data)
    except ConfigError as exc:
        raise UsageError(f"config {path}: {exc}") from None


def build_embedder(kind: str, model: str | None, cache_size: int, backend: str | None = None) -> Embedder:
    """A CachedEmbedder in front of the real model (offline) or of the hashing embedder."""
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


def detect_records(
    records: Iterable[tuple[int, Mention | Rejected]],
    detector: Detector,
    embedder: Embedder,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    order_tolerance_s: float = DEFAULT_ORDER_TOLERANCE_S,
    batch_window_s: float = DEFAULT_BATCH_WINDOW_S,
    on_alert: Callable[[dict[str, Any]], None],
    on_assignment: Callable[[str, str | None], None] | None = None,
    on_rejected: Callable[[Rejected], None] | None = None,
    on_batch: Callable[[DetectSummary], None] | None = None,
) -> DetectSummary:
    """Run the detector over records in input order; alerts and assignments go to the callbacks."""
    summary = DetectSummary()
    started = time.perf_counter()
    newest = float("-inf")
    batch: list[Mention] = []

    def emit(result: StepResult) -> None:
        for assignment in result.assignments:
            if assignment.narrative_id is not None:
                summary.narratives.add(assignment.narrative_id)
            if on_assignment is not None:
                on_assignment(assignment.mention_id, assignment.narrative_id)
        for alert in result.alerts:
            summary.revisions += 1
            summary.alert_severity[alert.alert_id] = alert.severity
            if alert.authentic:
                summary.authentic_alerts.add(alert.alert_id)
            on_alert(alert.to_dict())

    def run_batch() -> None:
        t0 = time.perf_counter()
        vectors = embedder.encode([m.text for m in batch])
        summary.embed_seconds += time.perf_counter() - t0
        summary.embedded_texts += len(batch)
        # One model call per batch for throughput, but the detector sees event-time slices of at most
        # `batch_window_s`, so a slow stream is not scored late (that would add to the detection delay).
        start, clock = 0, float("-inf")
        for i, mention in enumerate(batch):
            if i > start and mention.timestamp - batch[start].timestamp > batch_window_s:
                emit(detector.process(batch[start:i], vectors[start:i]))
                emit(detector.advance(clock))
                start = i
            clock = max(clock, mention.timestamp)
        emit(detector.process(batch[start:], vectors[start:]))
        emit(detector.advance(clock))
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
        ts = record.timestamp
        if ts < newest - order_tolerance_s:
            summary.out_of_order += 1
        newest = max(newest, ts)
        batch.append(record)
        if len(batch) >= batch_size:
            run_batch()
    if batch:
        run_batch()
    emit(detector.flush())
    summary.seconds = time.perf_counter() - started
    return summary


def summary_table(summary: DetectSummary, embedder: Embedder | None = None) -> Any:
    from rich.table import Table

    table = Table(title="choruswatch detect")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("mentions processed", f"{summary.mentions:,}")
    table.add_row("narratives", f"{len(summary.narratives):,}")
    by_severity = summary.alerts_by_severity
    table.add_row("alerts (distinct ids)", f"{len(summary.alert_severity):,}")
    for severity in SEVERITIES:
        table.add_row(f"  {severity}", f"{by_severity.get(severity, 0):,}")
    table.add_row("  of which authentic (allowlisted)", f"{len(summary.authentic_alerts):,}")
    table.add_row("alert revisions", f"{summary.revisions:,}")
    table.add_row("rejected lines", f"{summary.rejected:,}")
    table.add_row("out of order (still processed)", f"{summary.out_of_order:,}")
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

    from detectors.detector import Detector

    console = Console(stderr=True)
    try:
        from detectors.profiles import ProfileError
        from streams.models import model_choice, resolve_profile

        try:
            profile = resolve_profile(model_choice(args.embedder, args.model))
        except ProfileError as exc:
            raise UsageError(str(exc)) from None
        config = load_config(args.config, profile)
        try:
            allowlist = read_allowlist(args.allowlist) if args.allowlist else frozenset[str]()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read allowlist {args.allowlist}: {exc}") from None
        with contextlib.ExitStack() as stack:
            reader = stack.enter_context(MentionReader(args.input))
            embedder = build_embedder(args.embedder, args.model, args.cache_size)
            detector = Detector(config, model_name=embedder.name, allowlist=allowlist)
            out = sys.stdout if args.out in (None, "-") else stack.enter_context(_open_for_writing(args.out))
            assignments = (
                stack.enter_context(_open_for_writing(args.assignments)) if args.assignments else None
            )
            summary = _with_progress(
                reader.total_bytes is not None and sys.stderr.isatty(),
                reader,
                console,
                lambda on_batch: detect_records(
                    reader,
                    detector,
                    embedder,
                    batch_size=args.batch_size,
                    order_tolerance_s=args.order_tolerance,
                    batch_window_s=args.batch_window,
                    on_alert=_writer(out),
                    on_assignment=_assignment_writer(assignments) if assignments is not None else None,
                    on_rejected=_rejection_reporter(reader.name),
                    on_batch=on_batch,
                ),
            )
            out.flush()
    except (UsageError, InputError) as exc:
        print(f"choruswatch detect: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"choruswatch detect: {exc}", file=sys.stderr)
        return 2
    console.print(summary_table(summary, embedder))
    return 0


def _open_for_writing(path: str) -> TextIO:
    try:
        return Path(path).open("w", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _writer(fp: TextIO) -> Callable[[dict[str, Any]], None]:
    def write(obj: dict[str, Any]) -> None:
        fp.write(jsonl_line(obj))

    return write


def _assignment_writer(fp: TextIO) -> Callable[[str, str | None], None]:
    def write(mention_id: str, narrative_id: str | None) -> None:
        fp.write(jsonl_line({"mention_id": mention_id, "narrative_id": narrative_id}))

    return write


def _rejection_reporter(name: str) -> Callable[[Rejected], None]:
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
        description="Read mentions in created_at order, cluster them into narratives, score coordination "
        "and write alert revisions as JSON lines.",
    )
    parser.add_argument("input", help="mentions file (.jsonl or .csv; sniffed otherwise), '-' for stdin")
    parser.add_argument("--out", default=None, help="alert revisions JSONL (default stdout)")
    parser.add_argument(
        "--assignments", default=None, help="write one {mention_id, narrative_id} line per mention"
    )
    parser.add_argument("--allowlist", default=None, help="official account ids, one per line (# comments)")
    parser.add_argument("--config", default=None, help="detector thresholds (JSON or TOML)")
    parser.add_argument(
        "--model", default=None, help="multilingual (default), english, or a sentence-transformers folder"
    )
    parser.add_argument(
        "--embedder",
        choices=("model", "hashing"),
        default="model",
        help="model (default) or hashing (no model)",
    )
    parser.add_argument(
        "--batch-size", type=_positive_int, default=DEFAULT_BATCH_SIZE, help="mentions per batch"
    )
    parser.add_argument(
        "--cache-size", type=_positive_int, default=DEFAULT_CACHE_SIZE, help="embedding cache entries"
    )
    parser.add_argument(
        "--batch-window",
        type=float,
        default=DEFAULT_BATCH_WINDOW_S,
        help="most seconds of event time the detector gets in one step (default 30)",
    )
    parser.add_argument(
        "--order-tolerance",
        type=float,
        default=DEFAULT_ORDER_TOLERANCE_S,
        help="seconds a mention may be older than the newest seen before it counts as out of order",
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
