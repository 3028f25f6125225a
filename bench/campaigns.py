"""Benchmark of the campaign level: throughput with the co-action graph on, and memory over 1M mentions.

    .venv/bin/python -m bench.campaigns [--quick] [--only throughput|memory]

* **throughput**: the setting of ``bench.core``'s detector figure (a simulated scenario with
  precomputed HashingEmbedder vectors, batches of 256, 10k live narratives, one BLAS thread), with
  every batch's facts then given to a :class:`~detectors.campaigns.CampaignTracker` as one slot.
  Prints mentions/s of the Detector alone, of the tracker alone and of both, and the tracker's cost
  per mention (the price of the graph).
* **memory**: an endless stream — consecutive ``choruswatch simulate`` days (a new seed each, shifted
  by 24 h) through one Detector and the tracker; RSS sampled every 100k mentions. Every structure of
  the campaign level is capped, so RSS must stay flat once the caps fill.

It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Iterator
from datetime import timedelta

from bench.core import one_blas_thread, prefilled_detector, rss_mib, simulated_stream
from detectors.campaigns import CampaignTracker
from detectors.config import DetectorConfig
from detectors.detector import Detector
from schemas.models import Mention

BENCHES = ("throughput", "memory")


@dataclasses.dataclass(frozen=True)
class Split:
    mentions: int
    detector_s: float
    tracker_s: float

    def line(self) -> str:
        both = self.detector_s + self.tracker_s
        return (
            f"{self.mentions:,} mentions: Detector {self.mentions / self.detector_s:,.0f}/s, campaign tracker "
            f"{self.mentions / self.tracker_s:,.0f}/s ({1e6 * self.tracker_s / self.mentions:.1f} µs/mention), "
            f"both {self.mentions / both:,.0f}/s ({1e6 * both / self.mentions:.1f} µs/mention)"
        )


def run_throughput(n_live: int = 10_000, n_stream: int = 20_000, *, batch: int = 256, seed: int = 0) -> Split:
    """CPU seconds of ``Detector.process`` and of ``CampaignTracker.process``/``advance`` per batch."""
    config = DetectorConfig(max_live_narratives=n_live)
    detector, parsed, vectors = prefilled_detector(config, n_live, n_stream, batch, seed)
    tracker = CampaignTracker(config, model_name="hashing")
    det_s = trk_s = 0.0
    for s in range(0, len(parsed), batch):
        t0 = time.process_time()
        step = detector.process(parsed[s : s + batch], vectors[s : s + batch])
        t1 = time.process_time()
        tracker.process([*step.actions, *step.reports])
        tracker.advance(parsed[min(s + batch, len(parsed)) - 1].timestamp)
        t2 = time.process_time()
        det_s += t1 - t0
        trk_s += t2 - t1
    return Split(len(parsed), det_s, trk_s)


def endless_days(per_day: int) -> Iterator[list[Mention]]:
    """Consecutive simulated days, each a new seed, shifted so that event time keeps moving forward."""
    day = 0
    while True:
        parsed, _, _ = simulated_stream(1000 + day, per_day, hours=24.0)
        shift = timedelta(days=day)
        yield [dataclasses.replace(m, id=f"{m.id}-{day}", created_at=m.created_at + shift) for m in parsed]
        day += 1


def run_memory(
    n_mentions: int = 1_000_000, every: int = 100_000, per_day: int = 50_000
) -> list[tuple[int, float]]:
    """RSS (MiB) after every ``every`` mentions of Detector + tracker on an endless stream."""
    from detectors.embedding import HashingEmbedder

    config = DetectorConfig()
    detector = Detector(config, model_name="hashing")
    tracker = CampaignTracker(config, model_name="hashing")
    embedder = HashingEmbedder(384)
    samples: list[tuple[int, float]] = []
    done = 0
    for day in endless_days(per_day):
        vectors = embedder.encode([m.text for m in day])
        for s in range(0, len(day), 256):
            step = detector.process(day[s : s + 256], vectors[s : s + 256])
            tracker.process([*step.actions, *step.reports])
            tracker.advance(day[min(s + 256, len(day)) - 1].timestamp)
            done += len(day[s : s + 256])
            if done % every < 256 and (not samples or done - samples[-1][0] >= every // 2):
                samples.append((done, rss_mib()))
            if done >= n_mentions:
                return samples
    return samples


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (~1 min)")
    parser.add_argument("--only", choices=BENCHES, action="append")
    args = parser.parse_args(argv)
    with one_blas_thread():
        for label in args.only or BENCHES:
            started = time.perf_counter()
            if label == "throughput":
                split = run_throughput(10_000, 5_000 if args.quick else 20_000)
                print(
                    "campaign level, precomputed vectors, batches of 256, 10k live narratives, 1 BLAS thread:"
                )
                print("  " + split.line())
            else:
                n = 200_000 if args.quick else 1_000_000
                samples = run_memory(n, 20_000 if args.quick else 100_000)
                tail = [rss for _, rss in samples[len(samples) // 5 :]]
                print(
                    f"memory over {n:,} mentions, Detector + campaign tracker: RSS MiB "
                    + ", ".join(f"{rss:.0f}" for _, rss in samples)
                    + f"; max/min of the last 80%: {max(tail) / min(tail):.3f}"
                )
            print(f"  ({label}: {time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
