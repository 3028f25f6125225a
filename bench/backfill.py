"""Backfill benchmark: a held-out world produced all at once, beside the same world produced paced.

Run ``.venv/bin/python -m bench.backfill`` (17,000 mentions, hashing embedder, about 8 minutes on
2 cores) or ``--embedder model``. The world is a ``bench.worlds`` scenario (default profile, seed 11):
code the detector was never tuned on. Each run gets a fresh embedded stack (Tansu + osmem-server) and
one ``choruswatch worker``; the mentions keep their own ``created_at`` (event time), only the wall-clock
pace of producing them differs:

* **backfill**: every mention produced as fast as kafka-python sends (the issue's "17k produced at once").
* **paced**: the same mentions at ``--paced-rate`` mentions/s (default: a quarter of the backfill's measured
  throughput: a trickle of small fetches costs more per mention than a backlog, and the worker keeps up).

Per run, from the worker's /metrics polled every 0.2 s and ``/proc/PID/status``:

* **first alert**: seconds from the first produce to the first alert revision the worker emitted
  (``choruswatch_alerts_emitted_total`` > 0). The issue's target counts from the moment the first
  campaign's data is *consumed*, which is never earlier than the first produce: this figure is an upper
  bound on that one.
* **all processed**: seconds until every mention is processed or dead-lettered.
* **peak RSS**: ``VmHWM`` of the worker.

Targets (issue "Nothing lost"): first alert within 30 s in the backfill; backfill peak RSS within 1.2x
of the paced run's. The figures end in a Markdown block for ``docs/benchmarks.md``; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import signal
import sys
import threading
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench.pipeline import accounted, peak_rss_mib, worker_on_stack
from bench.worlds.world import generate
from streams.clients import kafka_client_kwargs
from streams.embedded import EmbeddedStack
from streams.settings import Settings

TARGET_FIRST_ALERT_S = 30.0
TARGET_RSS_RATIO = 1.2
POLL_S = 0.2
_EMITTED = re.compile(r"^choruswatch_alerts_emitted_total\{[^}]*\} (\S+)$")


@dataclass(frozen=True, slots=True)
class RunFigures:
    mentions: int
    produce_s: float  # first produce to the last one flushed
    first_alert_s: float  # first produce to the first alert revision emitted (nan: none)
    all_processed_s: float  # first produce to every mention accounted for
    peak_rss_mib: float


def alerts_emitted(metrics_url: str) -> int:
    with urllib.request.urlopen(metrics_url, timeout=2) as resp:
        body = resp.read().decode()
    return int(sum(float(m.group(1)) for line in body.splitlines() if (m := _EMITTED.match(line))))


class _Watch(threading.Thread):
    """Polls /metrics beside the producer: when the first alert came and when all was accounted for."""

    def __init__(self, metrics_url: str, total: int, started: float) -> None:
        super().__init__(daemon=True)
        self.metrics_url, self.total, self.started = metrics_url, total, started
        self.first_alert_s = float("nan")
        self.done_s = float("nan")
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            now = time.monotonic() - self.started
            if math.isnan(self.first_alert_s) and alerts_emitted(self.metrics_url) > 0:
                self.first_alert_s = now
            if accounted(self.metrics_url) >= self.total:
                self.done_s = now
                return
            time.sleep(POLL_S)


def produce(settings: Settings, mentions: Sequence[dict[str, Any]], rate: float | None) -> float:
    """Send every mention (keyed by author) at `rate` per second, or as fast as possible; returns the
    seconds from the first send to the flush."""
    from kafka import KafkaProducer

    producer = KafkaProducer(acks=1, linger_ms=5, **kafka_client_kwargs(settings))
    started = time.monotonic()
    try:
        for i, row in enumerate(mentions):
            if rate is not None and (delay := started + i / rate - time.monotonic()) > 0:
                time.sleep(delay)
            value = json.dumps(row, ensure_ascii=False).encode()
            producer.send(settings.topic_mentions, value=value, key=row["author"]["id"].encode())
        producer.flush(120)
    finally:
        producer.close(5)
    return time.monotonic() - started


def one_run(
    mentions: Sequence[dict[str, Any]], embedder: str, rate: float | None, timeout_s: float
) -> RunFigures:
    tag = "paced" if rate is not None else "backfill"
    with (
        EmbeddedStack() as stack,
        worker_on_stack(stack, f"bench-{tag}-{os.getpid()}", embedder) as (
            settings,
            worker,
        ),
    ):
        metrics_url = f"http://127.0.0.1:{settings.metrics_port}/metrics"
        watch = _Watch(metrics_url, len(mentions), time.monotonic())
        watch.start()
        try:
            produce_s = produce(settings, mentions, rate)
            watch.join(timeout_s)
        finally:
            watch.stop.set()
        if math.isnan(watch.done_s):
            raise TimeoutError(
                f"{tag}: only {accounted(metrics_url)} of {len(mentions)} mentions accounted for"
            )
        rss = peak_rss_mib(worker.pid or 0)
    figures = RunFigures(len(mentions), produce_s, watch.first_alert_s, watch.done_s, rss)
    print(f"{tag}: {figures}", flush=True)
    return figures


def report(world: str, embedder: str, backfill: RunFigures, paced: RunFigures, rate: float) -> str:
    ratio = backfill.peak_rss_mib / paced.peak_rss_mib

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    day = datetime.now(UTC).strftime("%Y-%m-%d")
    rows = [
        f"| {name} | {f.produce_s:.1f} | {f.first_alert_s:.1f} | {f.all_processed_s:.1f} | "
        f"{f.mentions / f.all_processed_s:.0f} | {f.peak_rss_mib:.0f} |"
        for name, f in (("backfill (all at once)", backfill), (f"paced ({rate:.0f}/s)", paced))
    ]
    return "\n".join(
        [
            f"### Backfill ({day}; {os.cpu_count()} CPUs, {platform.machine()}; {world}; {embedder} "
            "embedder; one worker, 4 partitions; a fresh embedded stack per run)",
            "",
            "| run | produce s | first alert s | all processed s | mentions/s | peak RSS MiB |",
            "|---|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"- first alert in the backfill: **{backfill.first_alert_s:.1f} s** after the first produce "
            f"(target <= {TARGET_FIRST_ALERT_S:.0f} s after the first campaign data is consumed: "
            f"{verdict(backfill.first_alert_s <= TARGET_FIRST_ALERT_S)})",
            f"- peak RSS backfill / paced: **{ratio:.2f}x** "
            f"(target <= {TARGET_RSS_RATIO}x: {verdict(ratio <= TARGET_RSS_RATIO)})",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backfill", description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentions", type=int, default=17_000)
    parser.add_argument("--seed", type=int, default=11, help="bench.worlds seed (default profile)")
    parser.add_argument("--embedder", choices=("model", "hashing"), default="hashing")
    parser.add_argument(
        "--paced-rate", type=float, default=None, help="mentions/s (default: a quarter of the backfill's)"
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds allowed per run")
    args = parser.parse_args(argv)
    if args.mentions < 1000:
        parser.error("--mentions must be at least 1000")
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    mentions = list(generate(args.seed, "default", args.mentions).mentions())
    world = f"bench.worlds seed {args.seed}, {len(mentions)} mentions"
    backfill = one_run(mentions, args.embedder, None, args.timeout)
    rate = args.paced_rate or 0.25 * backfill.mentions / backfill.all_processed_s
    paced = one_run(mentions, args.embedder, rate, args.timeout + len(mentions) / rate)
    print("\n---- paste into docs/benchmarks.md ----\n")
    print(report(world, args.embedder, backfill, paced, rate))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
