"""Benchmark of the detection core: clustering throughput, IVF recall, memory, routing locality.

Run ``.venv/bin/python -m bench.core`` (about 3 minutes on 2 cores) or ``--quick`` (about 30 s).
It prints figures and asserts nothing. BLAS is limited to one thread (threadpoolctl) so the figures
are per core. Vectors come from :class:`SyntheticStream`, a stationary stream of narrative-like
vectors (topics, narratives around each topic, mentions around each narrative) so that no model is
needed and the runs are reproducible; the functions are importable so a detector-level benchmark can
reuse them.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
import json
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from detectors.clustering import OnlineClusterer
from detectors.routing import route_buckets

if TYPE_CHECKING:
    from detectors.config import DetectorConfig
    from detectors.detector import Detector
    from schemas.models import Mention

F32 = npt.NDArray[np.float32]

DIM = 384
THRESHOLD = 0.75
BENCHES = ("throughput", "detector", "recall", "memory", "routing")


def _normalise(x: npt.NDArray[np.float64]) -> F32:
    out: F32 = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    return out


class SyntheticStream:
    """Endless stream of unit vectors shaped like mention embeddings.

    ``n_topics`` topic directions; each narrative is a topic plus noise (siblings on one topic have
    cosine ~0.5, the hard near-misses); each mention either joins a recent narrative (share
    ``join_share``, cosine to its centre between ~0.78 and ~0.96) or starts a new narrative. Only the
    last ``pool`` narrative centres are kept, so memory does not grow with the stream.
    """

    def __init__(
        self,
        dim: int = DIM,
        *,
        n_topics: int = 500,
        join_share: float = 0.7,
        pool: int = 8_000,
        seed: int = 0,
    ) -> None:
        self.dim = dim
        self.join_share = join_share
        self.rng = np.random.default_rng(seed)
        self.topics = _normalise(self.rng.standard_normal((n_topics, dim)))
        self.pool = np.zeros((pool, dim), np.float32)
        self.filled = 0  # number of centres ever made; the ring holds the last `pool`

    def _new_centres(self, n: int) -> F32:
        topic = self.topics[self.rng.integers(len(self.topics), size=n)]
        return _normalise(topic + 0.9 * self.rng.standard_normal((n, self.dim)) / np.sqrt(self.dim))

    def _push(self, centres: F32) -> None:
        size = len(self.pool)
        idx = (self.filled + np.arange(len(centres))) % size
        self.pool[idx] = centres
        self.filled += len(centres)

    def founders(self, n: int) -> F32:
        """``n`` vectors that each start a narrative (to pre-populate a clusterer)."""
        centres = self._new_centres(n)
        self._push(centres)
        return centres

    def next(self, n: int) -> F32:
        """The next ``n`` mention vectors."""
        # Pieces small enough that pushing a piece's new centres never overwrites one it refers to.
        piece = max(1, len(self.pool) // 4)
        return np.concatenate([self._next(min(piece, n - s)) for s in range(0, n, piece)])

    def _next(self, n: int) -> F32:
        joins = self.rng.random(n) < self.join_share
        out = np.empty((n, self.dim), np.float32)
        new_rows = np.flatnonzero(~joins)
        new = self._new_centres(len(new_rows))
        out[new_rows] = new
        # A joining mention picks one of the narratives that exist before it (its own batch included).
        made_before = self.filled + np.cumsum(~joins) - (~joins)
        size = len(self.pool)
        join_rows = np.flatnonzero(joins)
        span = np.minimum(made_before[join_rows], size - n)
        back = (self.rng.random(len(join_rows)) * span).astype(np.int64) + 1
        self._push(new)
        centre = self.pool[(made_before[join_rows] - back) % size]
        sigma = self.rng.uniform(0.3, 0.7, size=(len(join_rows), 1))
        noise = sigma * self.rng.standard_normal((len(join_rows), self.dim)) / np.sqrt(self.dim)
        out[join_rows] = _normalise(centre + noise)
        return out


@contextmanager
def one_blas_thread() -> Iterator[None]:
    with threadpool_limits(limits=1):
        yield


def rss_mib() -> float:
    """Resident set size now (VmRSS), MiB; falls back to the peak from getrusage."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_clusterer(max_live: int, *, exact: bool = False, **params: Any) -> OnlineClusterer:
    if exact:
        params["ivf_min_live"] = 10**9
    return OnlineClusterer(
        DIM,
        threshold=THRESHOLD,
        idle_expiry_s=1e12,
        max_live=max_live,
        **params,
    )


def prefill(clusterer: OnlineClusterer, stream: SyntheticStream, n_live: int) -> float:
    """Found ``n_live`` narratives; returns the event time reached."""
    vecs = stream.founders(n_live)
    times = np.arange(n_live, dtype=np.float64).tolist()
    clusterer.learn_many(vecs, times, [f"p{i}" for i in range(n_live)])
    return float(n_live)


@dataclass(frozen=True)
class Throughput:
    mentions: int
    seconds: float
    live_after: int
    created_share: float
    cpu_seconds: float  # process CPU time: the per-core figure when other work shares the machine

    @property
    def per_second(self) -> float:
        return self.mentions / self.seconds

    @property
    def us_per_mention(self) -> float:
        return 1e6 * self.seconds / self.mentions


def run_clustering_throughput(
    n_live: int = 10_000, n_stream: int = 100_000, *, seed: int = 0, **params: Any
) -> Throughput:
    """Clustering only, precomputed vectors, ``n_live`` narratives kept live (bounded)."""
    stream = SyntheticStream(seed=seed)
    clusterer = make_clusterer(n_live, **params)
    t0 = prefill(clusterer, stream, n_live)
    vecs = stream.next(n_stream)
    times = (t0 + np.arange(n_stream, dtype=np.float64)).tolist()
    ids = [f"m{i}" for i in range(n_stream)]
    start, cpu = time.perf_counter(), time.process_time()
    out = clusterer.learn_many(vecs, times, ids)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu
    created = sum(a.created for a in out) / n_stream
    return Throughput(n_stream, seconds, len(clusterer), created, cpu_seconds)


def _founder_labels(ids: list[str], created: list[bool]) -> npt.NDArray[np.int64]:
    """Label each item by the index of the item that founded its narrative (-1: pre-existing)."""
    founder: dict[str, int] = {}
    out = np.empty(len(ids), np.int64)
    for i, (nid, new) in enumerate(zip(ids, created, strict=True)):
        if new:
            founder[nid] = i
        out[i] = founder.get(nid, -1 - hash(nid) % 1_000_000_007)
    return out


def run_recall(n_live: int = 10_000, n_stream: int = 20_000, *, seed: int = 1, **params: Any) -> float:
    """Share of assignments identical between the IVF index and exact brute force."""
    labels = []
    for exact in (False, True):
        stream = SyntheticStream(seed=seed)
        clusterer = make_clusterer(n_live, exact=exact, **params)
        t0 = prefill(clusterer, stream, n_live)
        vecs = stream.next(n_stream)
        times = (t0 + np.arange(n_stream, dtype=np.float64)).tolist()
        out = clusterer.learn_many(vecs, times, [f"m{i}" for i in range(n_stream)])
        labels.append(_founder_labels([a.narrative_id for a in out], [a.created for a in out]))
    return float(np.mean(labels[0] == labels[1]))


def run_memory(
    n_mentions: int = 1_000_000, max_live: int = 10_000, sample_every: int = 100_000, *, seed: int = 2
) -> list[tuple[int, float]]:
    """RSS after every ``sample_every`` mentions of an endless stream with bounded live narratives."""
    stream = SyntheticStream(seed=seed)
    clusterer = make_clusterer(max_live)
    samples: list[tuple[int, float]] = []
    done = 0
    chunk = min(sample_every, 50_000)
    while done < n_mentions:
        vecs = stream.next(chunk)
        times = (done + np.arange(chunk, dtype=np.float64)).tolist()
        clusterer.learn_many(vecs, times, [f"m{done + i}" for i in range(chunk)])
        done += chunk
        if done % sample_every == 0:
            samples.append((done, rss_mib()))
    return samples


def run_routing(n_pairs: int = 20_000, *, seed: int = 3) -> dict[tuple[float, int], float]:
    """Share of pairs at a given cosine that route to the same bucket, per bucket count."""
    rng = np.random.default_rng(seed)
    base = _normalise(rng.standard_normal((n_pairs, DIM)))
    out: dict[tuple[float, int], float] = {}
    for cos in (0.9, 0.8, 0.7):
        raw = rng.standard_normal((n_pairs, DIM))
        raw -= np.sum(raw * base, axis=1, keepdims=True) * base
        other = (cos * base + np.sqrt(1 - cos**2) * _normalise(raw)).astype(np.float32)
        for n in (4, 8, 16, 64):
            out[(cos, n)] = float(np.mean(route_buckets(base, n) == route_buckets(other, n)))
    return out


def simulated_stream(
    seed: int = 0, mentions: int = 20_000, hours: float = 6.0
) -> tuple[list[Mention], F32, frozenset[str]]:
    """A ``choruswatch simulate`` scenario as Mentions with HashingEmbedder vectors and its allowlist."""
    from choruswatch.simulate import generate
    from detectors.embedding import HashingEmbedder
    from schemas.models import Mention

    scenario = generate(seed, mentions=mentions, hours=hours)
    parsed = [Mention.from_dict(row) for row in scenario.mentions]
    vectors: F32 = HashingEmbedder(DIM).encode([m.text for m in parsed])
    return parsed, vectors, frozenset(scenario.allowlist)


def detector_transcript(
    seed: int = 0, mentions: int = 20_000, hours: float = 6.0, *, batch: int = 256
) -> Iterator[str]:
    """Everything the Detector says about a simulated scenario, one canonical JSON line per item.

    Every assignment (similarity as ``repr``, i.e. every bit of the float), every alert revision's
    ``to_dict()``, the facts of every step and the final snapshot. Two versions of the core detect
    the same things exactly when their transcripts are byte-identical; ``--record`` / ``--check``
    compare them across an optimisation.
    """
    from detectors.config import DetectorConfig
    from detectors.detector import Detector, StepResult

    parsed, vectors, allowlist = simulated_stream(seed, mentions, hours)
    detector = Detector(DetectorConfig(), model_name="hashing", allowlist=allowlist)

    def lines(step: int, result: StepResult) -> Iterator[str]:
        for a in result.assignments:
            yield json.dumps(["a", step, a.mention_id, a.narrative_id, repr(a.similarity), a.new_narrative])
        for alert in result.alerts:
            yield json.dumps(["alert", step, alert.to_dict()], sort_keys=True, default=str)
        yield json.dumps(["facts", step, dataclasses.asdict(result.facts)], sort_keys=True)

    step = 0
    with one_blas_thread():
        for s in range(0, len(parsed), batch):
            yield from lines(step, detector.process(parsed[s : s + batch], vectors[s : s + batch]))
            step += 1
        yield from lines(step, detector.advance(parsed[-1].timestamp + 3600.0))
        snapshot = json.dumps(detector.snapshot(), sort_keys=True)
        yield from lines(step + 1, detector.flush())
    yield json.dumps(["snapshot", snapshot])


def check_transcript(path: Path, lines: Iterator[str]) -> str | None:
    """None when ``lines`` equal the file's lines, else a description of the first difference."""
    with path.open(encoding="utf-8") as fh:
        for n, (want, got) in enumerate(itertools.zip_longest(fh, lines), 1):
            want = None if want is None else want.rstrip("\n")
            if want != got:
                return f"line {n} differs:\n  recorded: {str(want)[:400]}\n  now:      {str(got)[:400]}"
    return None


def run_detector_throughput(
    n_live: int = 10_000, n_stream: int = 20_000, *, batch: int = 256, seed: int = 0
) -> Throughput:
    """Full ``Detector.process`` on a simulated scenario with precomputed vectors, per core.

    The scenario (``choruswatch simulate``: six languages, links, hashtags, reposts, campaigns; 6 hours
    squeezed into 1.5 of event time) comes after the detector gets ``n_live`` narratives founded
    from distinct synthetic texts with random vectors, and ``max_live_narratives`` is ``n_live``, so the
    timed mentions always search an index of ``n_live`` live narratives (each new one evicts the least
    recent; none expires within the 1.5 hours). Only the scenario is timed.
    """
    from detectors.config import DetectorConfig

    # Capped at n_live, the live count stays there: each new narrative evicts the least recent one.
    detector, parsed, vectors = prefilled_detector(
        DetectorConfig(max_live_narratives=n_live), n_live, n_stream, batch, seed
    )
    start, cpu = time.perf_counter(), time.process_time()
    for s in range(0, len(parsed), batch):
        detector.process(parsed[s : s + batch], vectors[s : s + batch])
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu
    return Throughput(len(parsed), seconds, detector.live_narratives, float("nan"), cpu_seconds)


def prefilled_detector(
    config: DetectorConfig, n_live: int, n_stream: int, batch: int, seed: int
) -> tuple[Detector, list[Mention], F32]:
    """A Detector with ``n_live`` narratives founded, and the simulated scenario to time after them."""
    from datetime import timedelta

    from detectors.detector import Detector
    from schemas.models import Author, Mention

    parsed, vectors, allowlist = simulated_stream(seed, n_stream, hours=6.0)
    # Event time compressed 4x (6 h -> 1.5 h, within idle_expiry_s) so no prefilled narrative expires.
    first = parsed[0].created_at
    parsed = [dataclasses.replace(m, created_at=first + (m.created_at - first) / 4) for m in parsed]
    start_at = first - timedelta(seconds=60)
    founders = [
        Mention(
            id=f"prefill-{i}",
            platform="x",
            created_at=start_at + timedelta(milliseconds=5 * i // n_live),
            text=f"prefilled narrative number {i} about topic {i % 97}",
            author=Author(id=f"prefill-a{i}"),
        )
        for i in range(n_live)
    ]
    founder_vecs = SyntheticStream(seed=seed).founders(n_live)
    detector = Detector(config, model_name="hashing", allowlist=allowlist)
    for s in range(0, n_live, batch):
        detector.process(founders[s : s + batch], founder_vecs[s : s + batch])
    return detector, parsed, vectors


def _timed(label: str, fn: Callable[[], None]) -> None:
    start = time.perf_counter()
    fn()
    print(f"  ({label}: {time.perf_counter() - start:.1f} s)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a ~30 s version")
    parser.add_argument("--only", choices=BENCHES, action="append", help="run only these (repeatable)")
    parser.add_argument(
        "--record",
        type=Path,
        metavar="PATH",
        help="write the detector transcript of a simulated scenario and stop",
    )
    parser.add_argument(
        "--check",
        type=Path,
        metavar="PATH",
        help="compare the detector transcript with a recorded one and stop",
    )
    parser.add_argument("--seed", type=int, default=0, help="scenario seed of --record/--check")
    parser.add_argument("--mentions", type=int, default=20_000, help="scenario size of --record/--check")
    parser.add_argument("--hours", type=float, default=6.0, help="scenario span of --record/--check")
    args = parser.parse_args(argv)
    transcript = functools.partial(detector_transcript, args.seed, args.mentions, args.hours)
    if args.record is not None:
        with args.record.open("w", encoding="utf-8") as fh:
            for line in transcript():
                fh.write(line + "\n")
        print(f"transcript written to {args.record}")
        return
    if args.check is not None:
        diff = check_transcript(args.check, transcript())
        print("transcript identical" if diff is None else diff)
        raise SystemExit(0 if diff is None else 1)
    quick = args.quick
    n_stream = 30_000 if quick else 100_000
    n_recall = 5_000 if quick else 20_000
    n_memory = 200_000 if quick else 1_000_000
    mem_every = 20_000 if quick else 100_000

    with one_blas_thread():

        def throughput() -> None:
            r = run_clustering_throughput(10_000, n_stream)
            print(
                f"clustering throughput (10k live, {r.mentions} mentions, 1 BLAS thread): "
                f"{r.per_second:,.0f} mentions/s wall, {r.mentions / r.cpu_seconds:,.0f} per CPU-second, "
                f"{r.us_per_mention:.1f} us/mention wall, "
                f"{r.created_share:.0%} founded new narratives"
            )

        def recall() -> None:
            print(f"IVF recall vs brute force at 10k live: {run_recall(10_000, n_recall):.4f} identical")

        def memory() -> None:
            samples = run_memory(n_memory, 10_000, mem_every)
            tail = [rss for _, rss in samples[len(samples) // 5 :]]
            print(
                f"memory over {n_memory:,} mentions (max_live 10k): RSS MiB "
                + ", ".join(f"{rss:.0f}" for _, rss in samples)
                + f"; max/min of last 80%: {max(tail) / min(tail):.3f}"
            )

        def routing() -> None:
            figures = run_routing(5_000 if quick else 20_000)
            print("routing: share of pairs in the same bucket (perturbed random unit vectors, dim 384)")
            for cos in (0.9, 0.8, 0.7):
                cells = "  ".join(f"n={n}: {figures[(cos, n)]:.3f}" for n in (4, 8, 16, 64))
                print(f"  cosine {cos}: {cells}")

        def detector() -> None:
            r = run_detector_throughput(10_000, 5_000 if quick else 20_000)
            print(
                f"full Detector.process (simulated mentions, precomputed vectors, batches of 256, "
                f"10k live narratives before, 1 BLAS thread): {r.per_second:,.0f} mentions/s wall, "
                f"{r.us_per_mention:.1f} us/mention wall, {r.mentions / r.cpu_seconds:,.0f} per CPU-second, "
                f"{r.live_after} live after"
            )

        benches = {
            "throughput": throughput,
            "detector": detector,
            "recall": recall,
            "memory": memory,
            "routing": routing,
        }
        for label in args.only or BENCHES:
            _timed(label, benches[label])


if __name__ == "__main__":
    main()
