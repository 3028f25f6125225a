"""`choruswatch replay FILE`: produce a file of mentions into the `mentions` topic of a running stack.

The file (JSON lines or CSV, `-` for stdin; the format `choruswatch detect` reads) is checked and read
whole, bad lines are reported with their line numbers and skipped like `detect` does, and the valid
mentions are sent in event-time order: at `--speed X` (event time compressed X times: 60 turns an
hour into a minute) or, by default, as fast as the broker takes them. The broker comes from the
`CHORUSWATCH_*` settings (`CHORUSWATCH_KAFKA_BOOTSTRAP`, `CHORUSWATCH_TOPIC_MENTIONS`, TLS/SASL).
To run a file through the embedded stack instead, use `choruswatch demo --input FILE`.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import Any

from choruswatch.detect_cmd import rejection_reporter
from choruswatch.io import MentionReader, Rejected


def _read(args: argparse.Namespace) -> tuple[list[Any], int]:
    mentions: list[Any] = []
    rejected = 0
    with MentionReader(args.input) as reader:
        reader.preflight()
        report = rejection_reporter(reader.name)
        for _, record in reader:
            if isinstance(record, Rejected):
                rejected += 1
                report(record)
            else:
                mentions.append(record)
    return mentions, rejected


def _run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from streams.replay import Replay
    from streams.settings import Settings

    settings = Settings.from_env()
    console = Console(stderr=True)
    mentions, rejected = _read(args)
    replay = Replay(settings)
    started = time.monotonic()
    try:
        with Progress(
            TextColumn("replay"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not sys.stderr.isatty(),
        ) as progress:
            task = progress.add_task("replay", total=len(mentions))
            stats = replay.run(
                mentions, args.speed, threading.Event(), lambda n: progress.update(task, completed=n)
            )
    finally:
        replay.close()
    seconds = time.monotonic() - started
    pace = "as fast as possible" if args.speed is None else f"at {args.speed:g}x event time"
    console.print(
        f"replayed {stats.sent:,} mentions to {settings.topic_mentions} on {settings.kafka_bootstrap} {pace} "
        f"in {seconds:.1f} s; {rejected:,} rejected lines, {stats.send_errors:,} send errors"
    )
    return 1 if stats.send_errors else 0


def _speed(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="produce a file of mentions into the mentions topic (event-time order, paced or fast)",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("input", help="mentions file (.jsonl or .csv; sniffed otherwise), '-' for stdin")
    parser.add_argument(
        "--speed",
        type=_speed,
        default=None,
        help="event-time compression (60: an hour a minute); unset: as fast as possible",
    )
    parser.set_defaults(func=_run)
