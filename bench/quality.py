"""Detection-quality benchmark: simulate → detect → evaluate in one process, printed against targets.

    .venv/bin/python -m bench.quality [--mentions 50000] [--seed 7] [--embedder model|hashing]

Runs the same code as `choruswatch simulate`, `choruswatch detect` and `choruswatch evaluate` (no
files in between unless `--save DIR`), with the default multilingual model and its profile (``--model english`` for all-MiniLM-L6-v2),
and prints the evaluation figures next to the targets of issue 2 (campaign recall >= 0.9, alert
precision >= 0.9, <= 5 false alerts per 100k organic mentions, no official campaign flagged,
median detection delay <= 10 minutes), plus BCubed, per-campaign detection, embedding throughput
and cache hit ratio. It never fails on a missed target: it reports which ones are met.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from choruswatch.detect_cmd import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_BUCKETS,
    DEFAULT_CACHE_SIZE,
    DetectOptions,
    build_embedder,
    detect_records,
    records_from_mentions,
    summary_table,
)
from choruswatch.evaluate import (
    Report,
    evaluate,
    label_from_dict,
    report_table,
    revision_from_dict,
    target_results,
)
from choruswatch.io import jsonl_line
from choruswatch.simulate import DEFAULT_MENTIONS, generate
from schemas.models import Mention
from streams.inputs import load_detector_config


def _campaign_table(report: Report, kinds: dict[str, str]) -> Any:
    from rich.table import Table

    table = Table(title="campaigns")
    for column in ("campaign", "kind", "detected", "delay (min)"):
        table.add_column(column)
    for campaign in report.campaigns + report.official_campaigns:
        delay = report.delays_s.get(campaign)
        if campaign in report.official_campaigns:
            detected = "[red]FLAGGED[/red]" if campaign in report.official_flagged else "not flagged (good)"
        else:
            detected = "[green]yes[/green]" if campaign in report.detected_campaigns else "[red]no[/red]"
        table.add_row(
            campaign, kinds.get(campaign, ""), detected, "" if delay is None else f"{delay / 60:.2f}"
        )
    return table


def _save(
    directory: Path,
    scenario_mentions: Sequence[dict[str, Any]],
    labels: Sequence[dict[str, Any]],
    alerts: Sequence[dict[str, Any]],
    assignments: dict[str, str | None],
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in (
        ("mentions.jsonl", scenario_mentions),
        ("labels.jsonl", labels),
        ("alerts.jsonl", alerts),
        ("assignments.jsonl", [{"mention_id": k, "narrative_id": v} for k, v in assignments.items()]),
    ):
        with (directory / name).open("w", encoding="utf-8") as fh:
            fh.writelines(jsonl_line(row) for row in rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentions", type=int, default=DEFAULT_MENTIONS)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--embedder", choices=("model", "hashing"), default="model")
    parser.add_argument(
        "--model", default=None, help="multilingual (default), english, or a sentence-transformers folder"
    )
    parser.add_argument("--config", default=None, help="detector thresholds (JSON or TOML)")
    parser.add_argument("--backend", choices=("int8", "onnx", "torch"), default=None, help="default: int8")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument(
        "--buckets", type=int, default=DEFAULT_BUCKETS, help="routing buckets (the stream's partition count)"
    )
    parser.add_argument(
        "--save", type=Path, default=None, help="also write mentions, labels, alerts, assignments here"
    )
    args = parser.parse_args(argv)

    from rich.console import Console

    from detectors.detector import Detector
    from streams.models import model_choice, resolve_profile

    console = Console(width=None if sys.stdout.isatty() else 120)
    t0 = time.perf_counter()
    scenario = generate(args.seed, args.mentions)
    simulate_s = time.perf_counter() - t0
    mentions = [Mention.from_dict(m) for m in scenario.mentions]
    labels = dict(label_from_dict(row) for row in scenario.labels)
    kinds = {g.label: g.kind for g in labels.values()}

    t0 = time.perf_counter()
    profile = resolve_profile(model_choice(args.embedder, args.model))
    config = load_detector_config(args.config, profile)
    embedder = build_embedder(args.embedder, args.model, DEFAULT_CACHE_SIZE, args.backend)
    load_s = time.perf_counter() - t0
    alerts: list[dict[str, Any]] = []
    assignments: dict[str, str | None] = {}
    summary = detect_records(
        records_from_mentions(mentions),
        lambda: Detector(config, model_name=embedder.name, allowlist=frozenset(scenario.allowlist)),
        embedder,
        options=DetectOptions(batch_size=args.batch_size, buckets=args.buckets),
        on_alert=alerts.append,
        on_assignment=assignments.__setitem__,
    )
    clusters = {mid: nid if nid is not None else f"unclustered:{mid}" for mid, nid in assignments.items()}
    report = evaluate([revision_from_dict(a) for a in alerts], clusters, labels)

    console.print(
        f"scenario: seed={args.seed}, {len(mentions):,} mentions, generated in {simulate_s:.1f} s; "
        f"embedder {embedder.name} ({args.embedder}) ready in {load_s:.1f} s"
    )
    console.print(summary_table(summary, embedder))
    misses = getattr(embedder, "misses", None)
    if isinstance(misses, int) and summary.embed_seconds:
        console.print(
            f"embedding: {summary.embedded_texts:,} texts in {summary.embed_seconds:.1f} s "
            f"({summary.embedded_texts / summary.embed_seconds:,.0f} texts/s through the cache, "
            f"{misses / summary.embed_seconds:,.0f} model-encoded texts/s, {misses:,} encoded)"
        )
    console.print(report_table(report, title=f"quality on seed {args.seed}"))
    console.print(_campaign_table(report, kinds))
    results = target_results(report)
    met = sum(ok for *_, ok in results)
    console.print(f"targets met: {met}/{len(results)}")
    for name, value, target, ok in results:
        shown = "n/a" if value is None else f"{value:.3f}"
        console.print(f"  {'MET ' if ok else 'MISS'} {name} = {shown} (target {target})")
    if args.save is not None:
        _save(args.save, scenario.mentions, scenario.labels, alerts, assignments)
        console.print(f"files written to {args.save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
