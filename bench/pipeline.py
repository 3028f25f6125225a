"""End-to-end benchmark of the stream pipeline on the embedded stack (Tansu + osmem-server).

Run ``.venv/bin/python -m bench.pipeline`` (real model, about 4 minutes on 2 cores) or ``--quick``.
One run measures, on the same texts:

* **bare model**: ``SentenceTransformer.encode`` in batches of 64 (no Kafka, no cache): the ceiling of
  what any pipeline around this model can embed per second.
* **naive pipeline**: one ``encode([text])`` per message, no cache: what a straightforward consumer does.
* **pipeline**: one ``choruswatch worker`` process (all three stages) fed by kafka-python as fast as it
  can produce. A mention is *processed* when the worker has validated it, embedded it, routed it to
  ``mentions.routed``, applied it to its bucket's Detector and published the alert revisions it caused
  (``choruswatch_mentions_processed_total``, read from the worker's /metrics every 0.1 s) or
  dead-lettered it. Throughput = N / (time of the last mention accounted for - time of the first produce).
* **event-to-alert latency** at half of the measured capacity: a scenario slice rich in campaigns is
  produced at 0.5x the lower of the two measured rates. Each mention's ``created_at`` is set to the
  wall-clock millisecond at which it is produced and the record's Kafka timestamp to the same value, so
  the Kafka timestamp of the mention that triggered a revision is the revision's ``last_seen``. Latency
  = Kafka timestamp of the alert record (set by the worker's producer when it publishes) - that value.
  Revisions that are not triggered by a mention (closing on expiry) are left out.
* **peak RSS** of the worker process: ``VmHWM`` from ``/proc/PID/status``.

Two text sets, drawn from ``choruswatch.simulate`` scenarios and disjoint so the worker's cache never
carries one into the other: *unique* (every text distinct after normalisation) and a stream in which
30% of the messages repeat an earlier text of the stream. The figures end in a Markdown block for
``docs/benchmarks.md``. It asserts nothing: the ratios are printed against the targets.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import signal
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from choruswatch.demo import WorkerProcess
from detectors.text import exact_key, normalize
from streams.clients import kafka_client_kwargs
from streams.embedded import EmbeddedStack, free_port
from streams.settings import Settings
from streams.topics import create_topics

TARGET_VS_BARE = 0.8
TARGET_VS_NAIVE = 3.0
TARGET_P99_S = 2.0
DUP_SHARE = 0.3
BATCH = 64
WARMUP = 64


@dataclass(frozen=True, slots=True)
class Sizes:
    mentions: int
    latency_s: float


# ------------------------------------------------------------------------------------------ texts
def text_sets(n: int, seed: int) -> tuple[list[str], list[str], list[str]]:
    """(warm-up texts, `n` unique texts, `n` texts with 30% repeats), pairwise disjoint."""
    from choruswatch.simulate import generate

    pool: list[str] = []
    seen: set[str] = set()
    size = max(3 * n, 6000)
    while len(pool) < WARMUP + int(n * (2 - DUP_SHARE)) + 1:
        for mention in generate(seed + len(seen), size, 24.0).mentions:
            key = exact_key(normalize(mention["text"]))
            if key not in seen:
                seen.add(key)
                pool.append(mention["text"])
        size *= 2
    rng = random.Random(seed)
    rng.shuffle(pool)
    warmup, unique = pool[:WARMUP], pool[WARMUP : WARMUP + n]
    fresh = pool[WARMUP + n : WARMUP + n + n - int(n * DUP_SHARE)]
    repeats = set(rng.sample(range(1, n), int(n * DUP_SHARE)))  # never 0: a repeat needs an earlier text
    dup: list[str] = []
    new_texts = iter(fresh)
    for i in range(n):
        dup.append(rng.choice(dup) if i in repeats else next(new_texts))
    return warmup, unique, dup


def latency_slice(count: int, seed: int) -> list[dict[str, Any]]:
    """`count` consecutive scenario mentions from the stretch with the most campaign posts."""
    from choruswatch.simulate import generate

    scenario = generate(seed, max(4 * count, 6000), 4.0)
    inauthentic = [
        int(lab["kind"] not in ("organic", "viral") and not str(lab["label"]).startswith("official"))
        for lab in scenario.labels
    ]
    count = min(count, len(inauthentic))
    window = sum(inauthentic[:count])
    best, best_at = window, 0
    for i in range(count, len(inauthentic)):
        window += inauthentic[i] - inauthentic[i - count]
        if window > best:
            best, best_at = window, i - count + 1
    return scenario.mentions[best_at : best_at + count]


# ------------------------------------------------------------------------------------------ model
def load_encoder(kind: str) -> tuple[str, Callable[[Sequence[str]], Any]]:
    """(name, encode(texts)) of the bare model, batches of 64, L2-normalised like the pipeline's."""
    if kind == "hashing":
        from detectors.embedding import HashingEmbedder

        hashing = HashingEmbedder()
        return "HashingEmbedder", hashing.encode
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from streams.models import build_embedder

    model = build_embedder(near_copy_bits=0, batch_size=BATCH).inner  # the worker's default model

    def encode(texts: Sequence[str]) -> Any:
        return model.encode(list(texts))

    return model.name, encode


def bare_rate(encode: Callable[[Sequence[str]], Any], texts: Sequence[str]) -> float:
    started = time.perf_counter()
    for i in range(0, len(texts), BATCH):
        encode(texts[i : i + BATCH])
    return len(texts) / (time.perf_counter() - started)


def naive_rate(encode: Callable[[Sequence[str]], Any], texts: Sequence[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        encode([text])
    return len(texts) / (time.perf_counter() - started)


# ------------------------------------------------------------------------------------------ pipeline
_SAMPLE = re.compile(
    r"^(choruswatch_mentions_processed_total|choruswatch_mentions_dead_lettered_total)\b[^ ]* (\S+)$"
)


def accounted(metrics_url: str) -> int:
    """Mentions processed or dead-lettered so far, from the worker's /metrics."""
    with urllib.request.urlopen(metrics_url, timeout=2) as resp:
        body = resp.read().decode()
    return int(sum(float(m.group(2)) for line in body.splitlines() if (m := _SAMPLE.match(line))))


def wait_accounted(metrics_url: str, want: int, timeout_s: float) -> float:
    """Monotonic time at which `want` mentions were first seen accounted for."""
    deadline = time.monotonic() + timeout_s
    while True:
        now = time.monotonic()
        if accounted(metrics_url) >= want:
            return now
        if now > deadline:
            raise TimeoutError(f"only {accounted(metrics_url)} of {want} mentions accounted for")
        time.sleep(0.1)


def mention(text: str, i: int, tag: str, now_ms: int) -> dict[str, Any]:
    created = datetime.fromtimestamp(now_ms / 1000, UTC).isoformat(timespec="milliseconds")
    return {
        "id": f"{tag}-{i}",
        "platform": "x",
        "created_at": created.replace("+00:00", "Z"),
        "text": text,
        "author": {"id": f"{tag}-a{i % 997}", "handle": f"{tag}_a{i % 997}"},
    }


class Feeder:
    """A kafka-python producer that stamps created_at and the Kafka timestamp with the send time."""

    def __init__(self, settings: Settings) -> None:
        from kafka import KafkaProducer

        self.topic = settings.topic_mentions
        self._producer = KafkaProducer(acks=1, linger_ms=5, **kafka_client_kwargs(settings))

    def send(self, payload: dict[str, Any], now_ms: int) -> None:
        value = json.dumps(payload, ensure_ascii=False).encode()
        self._producer.send(
            self.topic, value=value, key=payload["author"]["id"].encode(), timestamp_ms=now_ms
        )

    def texts(self, texts: Sequence[str], tag: str) -> None:
        for i, text in enumerate(texts):
            now_ms = int(time.time() * 1000)
            self.send(mention(text, i, tag, now_ms), now_ms)
        self._producer.flush(60)

    def paced(self, mentions: Sequence[dict[str, Any]], rate: float) -> None:
        started = time.monotonic()
        for i, original in enumerate(mentions):
            delay = started + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            now_ms = int(time.time() * 1000)
            created = datetime.fromtimestamp(now_ms / 1000, UTC).isoformat(timespec="milliseconds")
            self.send({**original, "created_at": created.replace("+00:00", "Z")}, now_ms)
        self._producer.flush(60)

    def close(self) -> None:
        self._producer.close(5)


def pipeline_rate(feeder: Feeder, metrics_url: str, texts: Sequence[str], tag: str) -> float:
    base = accounted(metrics_url)
    started = time.monotonic()
    feeder.texts(texts, tag)
    done = wait_accounted(metrics_url, base + len(texts), timeout_s=300)
    return len(texts) / (done - started)


def alert_latencies(settings: Settings, since_ms: int) -> dict[str, list[float]]:
    """Seconds from the triggering mention's Kafka timestamp to the alert record's, per revision, for
    narrative alerts (v1, stage 2) and campaign alerts (v2, the campaign stage, one hop later)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(enable_auto_commit=False, group_id=None, **kafka_client_kwargs(settings))
    try:
        tps = [
            TopicPartition(settings.topic_alerts, p)
            for p in consumer.partitions_for_topic(settings.topic_alerts) or ()
        ]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        out: dict[str, list[float]] = {"narrative": [], "campaign": []}
        while any(consumer.position(tp) < end[tp] for tp in tps):
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    alert = json.loads(record.value)["data"]
                    last_seen = datetime.fromisoformat(alert["last_seen"].replace("Z", "+00:00"))
                    last_ms = round(last_seen.timestamp() * 1000)
                    # Closing revisions come from event-time expiry, not from a mention.
                    if alert["status"] != "closed" and last_ms >= since_ms:
                        level = "campaign" if "campaign" in alert else "narrative"
                        out[level].append((record.timestamp - last_ms) / 1000.0)
        return out
    finally:
        consumer.close()


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


# ------------------------------------------------------------------------------------------ main
def run(sizes: Sizes, embedder: str, seed: int) -> str:
    print(f"texts: {sizes.mentions} unique and {sizes.mentions} with {DUP_SHARE:.0%} repeats ...", flush=True)
    warmup, unique, dup = text_sets(sizes.mentions, seed)
    name, encode = load_encoder(embedder)
    encode(warmup)
    bare = {"unique": bare_rate(encode, unique), "dup": bare_rate(encode, dup)}
    print(f"bare model: {bare['unique']:.0f}/s unique, {bare['dup']:.0f}/s dup", flush=True)
    naive = {"unique": naive_rate(encode, unique), "dup": naive_rate(encode, dup)}
    print(f"naive: {naive['unique']:.0f}/s unique, {naive['dup']:.0f}/s dup", flush=True)
    del encode  # the worker gets the cores from here on

    with (
        EmbeddedStack() as stack,
        worker_on_stack(stack, f"bench-{os.getpid()}", embedder) as (settings, worker),
    ):
        feeder = Feeder(settings)
        try:
            metrics_url = f"http://127.0.0.1:{settings.metrics_port}/metrics"
            # Group join and the first model call happen here, outside every measurement.
            feeder.texts(warmup, "warm")
            wait_accounted(metrics_url, len(warmup), timeout_s=120)
            pipe = {
                "unique": pipeline_rate(feeder, metrics_url, unique, "u"),
                "dup": pipeline_rate(feeder, metrics_url, dup, "d"),
            }
            print(f"pipeline: {pipe['unique']:.0f}/s unique, {pipe['dup']:.0f}/s dup", flush=True)
            rate = 0.5 * min(pipe.values())
            stream = latency_slice(max(1, int(rate * sizes.latency_s)), seed + 1000)
            print(f"latency run: {len(stream)} scenario mentions at {rate:.0f}/s ...", flush=True)
            since_ms = int(time.time() * 1000)
            before = accounted(metrics_url)
            feeder.paced(stream, rate)
            wait_accounted(metrics_url, before + len(stream), timeout_s=120)
            time.sleep(2.0)  # revisions published right after the last mention was applied
            latencies = alert_latencies(settings, since_ms)
            rss = peak_rss_mib(worker.pid or 0)
        finally:
            feeder.close()
    return report(name, sizes, bare, naive, pipe, rate, len(stream), latencies, rss)


@contextmanager
def worker_on_stack(
    stack: EmbeddedStack, app_id: str, embedder: str
) -> Iterator[tuple[Settings, WorkerProcess]]:
    """Topics and an index of their own named after `app_id`, and one `choruswatch worker` on them,
    healthy (its /metrics on `settings.metrics_port`); the worker is stopped on exit."""
    import asyncio

    from streams.es import setup_alert_index

    settings = replace(stack.settings(Settings()).for_app(app_id), metrics_port=free_port())
    create_topics(settings)
    asyncio.run(setup_alert_index(settings))
    worker = WorkerProcess(settings, embedder)
    worker.start()
    try:
        health = f"http://127.0.0.1:{settings.metrics_port}/health"
        problem = worker.wait_healthy(health, 180, threading.Event())
        if problem is not None:
            raise RuntimeError(f"{problem}\n{worker.log_tail()}")
        yield settings, worker
    finally:
        worker.stop()
        worker.remove_log()


def report(
    name: str,
    sizes: Sizes,
    bare: dict[str, float],
    naive: dict[str, float],
    pipe: dict[str, float],
    rate: float,
    streamed: int,
    latencies: dict[str, list[float]],
    rss: float,
) -> str:
    vs_bare = pipe["unique"] / bare["unique"]
    vs_naive = pipe["dup"] / naive["dup"]
    lines = [_latency_line(level, rate, streamed, values) for level, values in latencies.items()]

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    day = datetime.now(UTC).strftime("%Y-%m-%d")
    return "\n".join(
        [
            f"### Pipeline end to end ({day}; {os.cpu_count()} CPUs, {platform.machine()}; {name}; "
            f"N = {sizes.mentions} per text set; embedded Tansu + osmem-server; one worker, 4 partitions)",
            "",
            "| mentions/s | unique texts | 30% duplicates |",
            "|---|---:|---:|",
            f"| bare model, encode in batches of {BATCH} | {bare['unique']:.0f} | {bare['dup']:.0f} |",
            f"| naive pipeline, one encode per message, no cache | {naive['unique']:.0f} | {naive['dup']:.0f} |",
            f"| ChorusWatch pipeline (Kafka in → processed) | {pipe['unique']:.0f} | {pipe['dup']:.0f} |",
            "",
            f"- pipeline / bare model on unique texts: **{vs_bare:.2f}x** "
            f"(target >= {TARGET_VS_BARE}x: {verdict(vs_bare >= TARGET_VS_BARE)})",
            f"- pipeline / naive on the 30%-duplicate stream: **{vs_naive:.1f}x** "
            f"(target >= {TARGET_VS_NAIVE:g}x: {verdict(vs_naive >= TARGET_VS_NAIVE)})",
            *lines,
            f"- peak RSS of the worker (VmHWM): {rss:.0f} MiB",
        ]
    )


def _latency_line(level: str, rate: float, streamed: int, values: Sequence[float]) -> str:
    if not values:
        return f"- {level} alerts: none raised during the latency run"
    p50, p95, p99 = (percentile(values, q) for q in (50, 95, 99))
    met = "met" if p99 <= TARGET_P99_S else "NOT met"
    return (
        f"- event-to-alert latency of {level} alerts at half load ({rate:.0f} mentions/s, {streamed} scenario "
        f"mentions, {len(values)} revisions): p50 {p50:.2f} s, p95 {p95:.2f} s, **p99 {p99:.2f} s** "
        f"(target <= {TARGET_P99_S:g} s: {met})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--mentions", type=int, default=None, help="mentions per text set (3000; --quick 600)"
    )
    parser.add_argument("--quick", action="store_true", help="a small run (about a minute)")
    parser.add_argument("--embedder", choices=("model", "hashing"), default="model")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    sizes = Sizes(mentions=600, latency_s=10.0) if args.quick else Sizes(mentions=3000, latency_s=30.0)
    if args.mentions is not None:
        if args.mentions < 100:
            parser.error("--mentions must be at least 100")
        sizes = replace(sizes, mentions=args.mentions)
    # SIGTERM unwinds like Ctrl-C, so the worker and the embedded services are stopped, not orphaned.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    block = run(sizes, args.embedder, args.seed)
    print("\n---- paste into docs/benchmarks.md ----\n")
    print(block)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
