"""Detection-quality benchmark: simulate → both detection levels → evaluate, beside CooRTweet's rules.

    .venv/bin/python -m bench.quality [--seed 7 --seed 1 --seed 2] [--mentions 50000] [--embedder model|hashing]

For each seed: the `choruswatch simulate` scenario, embedded once (the default model, or ``--model
english``; vectors cached on disk by :mod:`bench.vectors`), run through per-bucket Detectors and the campaign
tracker in event-time slots (:mod:`choruswatch.campaign_driver`: the event-time engine that `detect`
runs), then scored with `choruswatch evaluate`'s functions. Printed side by side:

* ChorusWatch campaign alerts (Alert v2, one per campaign) — the figures the targets apply to;
* ChorusWatch narrative alerts (Alert v1, the old per-narrative path, still produced);
* CooRTweet's network with its defaults and the co-share burst rule on the same data (:mod:`bench.coortweet`).

Then the campaigns one by one (kind, detected, delay, alerts), the targets met, the time spent per
mention in the Detectors and in the campaign tracker, and how many narratives were live per bucket
when a mention arrived (the K of the open-set calibration, docs/models.md#calibration). It never
fails on a missed target. ``--save DIR`` also writes the run's files (mentions, labels, alerts,
assignments with theme and campaign ids) and the evidence exports of every campaign alert, a folder
per seed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.coortweet import Baseline, burst_baseline, network_baseline
from bench.vectors import scenario_vectors
from choruswatch.campaign_driver import DEFAULT_BUCKETS, DEFAULT_SLOT_S, CampaignRun, run_campaigns
from choruswatch.evaluate import (
    Report,
    evaluate,
    label_from_dict,
    revision_from_dict,
    target_results,
)
from choruswatch.io import jsonl_line
from choruswatch.simulate import DEFAULT_MENTIONS, generate
from schemas.models import Mention
from streams.inputs import load_detector_config
from streams.models import model_choice, resolve_profile

COLUMNS = (
    "ChorusWatch campaigns (v2)",
    "ChorusWatch narratives (v1)",
    "CooRTweet network",
    "co-share bursts",
)
FIGURES = (
    ("campaign recall", "campaign_recall", 3),
    ("alert precision", "alert_precision", 3),
    ("false alerts / 100k organic", "false_alerts_per_100k_organic", 2),
    ("alerts per detected campaign", "alerts_per_detected_campaign", 2),
    ("official campaigns flagged", "official_flagged_count", 0),
    ("median detection delay (min)", "median_delay_minutes", 2),
    ("slowest drip detection (min)", "drip_delay_minutes", 1),
    ("alerts", "alerts_total", 0),
)


@dataclass(frozen=True, slots=True)
class SeedResult:
    seed: int
    mentions: int
    reports: dict[str, Report]
    kinds: dict[str, str]
    run: CampaignRun
    live_per_bucket: tuple[float, float]  # (mean, 90th percentile) when a mention arrives


def live_narratives_per_bucket(
    times: dict[str, float], narrative_of: dict[str, str | None], idle_expiry_s: float, buckets: int
) -> tuple[float, float]:
    """(mean, 90th percentile) of the narratives live per bucket when a mention arrives: the K of
    the open-set calibration (docs/models.md#calibration). A narrative is live from its first mention
    until ``idle_expiry_s`` after its last; buckets share narratives evenly (routing hashes)."""
    import numpy as np

    if not times:
        return 0.0, 0.0
    span: dict[str, tuple[float, float]] = {}
    for mention_id, nid in narrative_of.items():
        if nid is not None:
            t = times[mention_id]
            first, last = span.get(nid, (t, t))
            span[nid] = (min(first, t), max(last, t))
    starts = np.sort([first for first, _ in span.values()])
    ends = np.sort([last + idle_expiry_s for _, last in span.values()])
    arrivals = np.asarray(sorted(times.values()))
    live = (
        np.searchsorted(starts, arrivals, side="right") - np.searchsorted(ends, arrivals, side="left")
    ) / buckets
    return float(live.mean()), float(np.percentile(live, 90))


def _fmt(value: Any, digits: int) -> str:
    if value is None:
        return "n/a"
    return f"{value:.{digits}f}" if digits else f"{value:g}"


def run_seed(
    seed: int,
    n_mentions: int,
    embedder_kind: str,
    model: str | None,
    config_path: str | None,
    buckets: int,
    slot_s: float,
) -> SeedResult:
    scenario = generate(seed, n_mentions)
    mentions = [Mention.from_dict(m) for m in scenario.mentions]
    labels = dict(label_from_dict(row) for row in scenario.labels)
    vectors, model_name, _ = scenario_vectors([m.text for m in mentions], embedder_kind, model)
    config = load_detector_config(config_path, resolve_profile(model_choice(embedder_kind, model)))
    run = run_campaigns(
        mentions,
        vectors,
        config=config,
        model_name=model_name,
        allowlist=frozenset(scenario.allowlist),
        n_buckets=buckets,
        slot_s=slot_s,
    )
    narratives = {mid: nid or f"unclustered:{mid}" for mid, (nid, _, _) in run.assignments.items()}
    themes = {mid: tid or f"unthemed:{mid}" for mid, (_, tid, _) in run.assignments.items()}
    reports = {
        COLUMNS[0]: evaluate(
            [revision_from_dict(a.to_dict()) for a in run.campaign_alerts], narratives, labels, themes=themes
        ),
        COLUMNS[1]: evaluate(
            [revision_from_dict(a.to_dict()) for a in run.narrative_alerts], narratives, labels
        ),
    }
    for baseline in (network_baseline(mentions), burst_baseline(mentions)):
        reports[_column(baseline)] = evaluate(baseline.revisions, baseline.assignments, labels)
    live = live_narratives_per_bucket(
        {m.id: m.timestamp for m in mentions},
        {mid: nid for mid, (nid, _, _) in run.assignments.items()},
        config.idle_expiry_s,
        buckets,
    )
    return SeedResult(seed, len(mentions), reports, {g.label: g.kind for g in labels.values()}, run, live)


def _column(baseline: Baseline) -> str:
    return COLUMNS[2] if baseline.name == "coortweet" else COLUMNS[3]


def comparison_table(result: SeedResult) -> Any:
    from rich.table import Table

    table = Table(title=f"seed {result.seed}: {result.mentions:,} mentions")
    table.add_column("figure")
    for column in COLUMNS:
        table.add_column(column, justify="right")
    targets = {name: text for name, _, text, _ in target_results(result.reports[COLUMNS[0]])}
    table.add_column("target (campaigns)", justify="right")
    for label, name, digits in FIGURES:
        values = [_fmt(result.reports[c].to_dict().get(name), digits) for c in COLUMNS]
        table.add_row(label, *values, targets.get(name, ""))
    theme = result.reports[COLUMNS[0]].theme_bcubed
    narrative = result.reports[COLUMNS[0]].bcubed
    table.add_row("BCubed F1: narratives", _fmt(narrative.f1, 3), "", "", "", "")
    table.add_row(
        "BCubed F1: themes",
        _fmt(None if theme is None else theme.f1, 3),
        "",
        "",
        "",
        targets.get("theme_bcubed_f1", ""),
    )
    return table


def campaign_table(result: SeedResult) -> Any:
    from rich.table import Table

    report = result.reports[COLUMNS[0]]
    v1 = result.reports[COLUMNS[1]]
    table = Table(title=f"campaigns, seed {result.seed}")
    for column in (
        "campaign",
        "kind",
        "detected (v2)",
        "alerts (v2)",
        "delay v2 (min)",
        "detected (v1)",
        "alerts (v1)",
        "delay v1 (min)",
        "CooRTweet",
    ):
        table.add_column(column)
    coortweet = result.reports[COLUMNS[2]]
    for campaign in report.campaigns + report.official_campaigns:
        official = campaign in report.official_campaigns
        table.add_row(
            campaign,
            result.kinds.get(campaign, ""),
            _verdict(report, campaign, official),
            str(report.alerts_by_campaign.get(campaign, "")),
            _delay(report, campaign),
            _verdict(v1, campaign, official),
            str(v1.alerts_by_campaign.get(campaign, "")),
            _delay(v1, campaign),
            _verdict(coortweet, campaign, official),
        )
    return table


def _verdict(report: Report, campaign: str, official: bool) -> str:
    if official:
        return "[red]FLAGGED[/red]" if campaign in report.official_flagged else "not flagged (good)"
    return "[green]yes[/green]" if campaign in report.detected_campaigns else "[red]no[/red]"


def _delay(report: Report, campaign: str) -> str:
    delay = report.delays_s.get(campaign)
    return "" if delay is None else f"{delay / 60:.2f}"


def _save(directory: Path, seed: int, n_mentions: int, run: CampaignRun) -> None:
    from choruswatch.exports import write_exports

    scenario = generate(seed, n_mentions)
    directory.mkdir(parents=True, exist_ok=True)
    rows = {
        "mentions.jsonl": scenario.mentions,
        "labels.jsonl": scenario.labels,
        "alerts.jsonl": [a.to_dict() for a in run.campaign_alerts],
        "narrative-alerts.jsonl": [a.to_dict() for a in run.narrative_alerts],
        "assignments.jsonl": [
            {"mention_id": mid, "narrative_id": n, "theme_id": t, "campaign_id": c}
            for mid, (n, t, c) in run.assignments.items()
        ],
    }
    for name, items in rows.items():
        with (directory / name).open("w", encoding="utf-8") as fh:
            fh.writelines(jsonl_line(row) for row in items)
    latest = {a.alert_id: a for a in run.campaign_alerts}
    for alert in latest.values():
        write_exports(alert, directory / "exports")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, action="append", help="repeat for several (default: 7)")
    parser.add_argument("--mentions", type=int, default=DEFAULT_MENTIONS)
    parser.add_argument("--embedder", choices=("model", "hashing"), default="model")
    parser.add_argument(
        "--model", default=None, help="sentence-transformers model name or path (default: bundled)"
    )
    parser.add_argument("--config", default=None, help="detector thresholds (JSON or TOML)")
    parser.add_argument("--buckets", type=int, default=DEFAULT_BUCKETS, help="routing buckets (default 4)")
    parser.add_argument(
        "--slot",
        type=float,
        default=DEFAULT_SLOT_S,
        help="event-time slot in seconds (the engine default, 0.25)",
    )
    parser.add_argument("--save", type=Path, default=None, help="write each run's files under DIR/seed-N")
    args = parser.parse_args(argv)

    from rich.console import Console

    console = Console(width=None if sys.stdout.isatty() else 140)
    for seed in args.seed or [7]:
        started = time.perf_counter()
        result = run_seed(
            seed, args.mentions, args.embedder, args.model, args.config, args.buckets, args.slot
        )
        console.print(comparison_table(result))
        console.print(campaign_table(result))
        results = target_results(result.reports[COLUMNS[0]])
        console.print(f"targets met (campaign alerts): {sum(ok for *_, ok in results)}/{len(results)}")
        for name, value, target, ok in results:
            shown = "n/a" if value is None else f"{value:.3f}"
            console.print(f"  {'MET ' if ok else 'MISS'} {name} = {shown} (target {target})")
        run = result.run
        mean_live, p90_live = result.live_per_bucket
        console.print(
            f"live narratives per bucket when a mention arrives (K of the open-set calibration): "
            f"mean {mean_live:.0f}, 90th percentile {p90_live:.0f}"
        )
        console.print(
            f"time per mention, both levels: {1e6 * run.seconds / result.mentions:.0f} µs ({run.facts:,} facts, "
            f"{run.late} late); "
            f"{args.buckets} buckets, {args.slot:g} s slots; whole seed {time.perf_counter() - started:.0f} s"
        )
        if args.save is not None:
            _save(args.save / f"seed-{seed}", seed, args.mentions, run)
            console.print(f"files written to {args.save / f'seed-{seed}'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
