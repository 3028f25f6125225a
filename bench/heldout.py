"""Held-out evaluation: ChorusWatch's real command line on independent scenarios from :mod:`bench.worlds`.

``python -m bench.heldout [--seeds 11,12,13] [--profile default,multilingual,trollfarm,hard-negatives]
[--mentions N] [--hours H] [--embedder model|hashing] [--model M] [--level campaign|narrative]
[--config F] [--keep DIR [--reuse]] [--json F]``

For every profile and seed it writes a world into a fresh directory, then runs, as a user would and
through ``sys.executable -m choruswatch.cli`` so that the checkout's code is what runs::

    choruswatch detect mentions.jsonl --out alerts.jsonl --assignments assignments.jsonl --allowlist allowlist.txt
    choruswatch evaluate --alerts alerts.jsonl --assignments assignments.jsonl --labels labels.jsonl --json

and prints one table per profile (every seed and the mean over seeds): campaign recall, alert
precision, false alerts per 100k organic mentions, official campaigns flagged, alerts per detected
campaign, median detection delay; then recall per campaign kind, and the false alerts by the kind of
organic mention they were made of. Per-kind figures come from the evaluator's JSON (detected and
missed campaigns, false alert ids) joined with the labels; alerts per detected campaign is the
evaluator's true alerts over detected campaigns unless the evaluator reports it itself. It prints and
never asserts: the figures are the baseline a detector change is judged against.

``--keep DIR --reuse`` skips detection for a world whose kept run finished on byte-identical mentions
with the same embedder and config file (``detected.json`` records their digests), so an evaluator
change or more seeds cost only what is new. A change to the detector's code is not seen by the
digests: do not reuse across detector changes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.worlds import PROFILES, generate

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS = (11, 12, 13)
ORGANIC = "organic"
OFFICIAL_PREFIX = "official:"


class HeldoutError(Exception):
    """A step of the run failed (the command's own message is included)."""


@dataclass(slots=True)
class Run:
    """One (profile, seed): the evaluator's report and what the labels say about each campaign."""

    profile: str
    seed: int
    report: dict[str, Any]
    campaign_kinds: dict[str, str]  # campaign label -> generator kind
    false_by_kind: Counter[str] = field(default_factory=Counter)
    mentions: int = 0
    detect_seconds: float = 0.0


# -- running the command line --------------------------------------------------------------------------

Cli = Callable[..., "subprocess.CompletedProcess[str]"]


def choruswatch(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``choruswatch ARGS`` from this checkout; a failure raises :class:`HeldoutError` with its stderr."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("HF_HUB_OFFLINE", "1")
    proc = subprocess.run(
        [sys.executable, "-m", "choruswatch.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise HeldoutError(f"`choruswatch {args[0]}` exited with {proc.returncode}:\n{tail}")
    return proc


def run_one(profile: str, seed: int, args: argparse.Namespace, workdir: Path, cli: Cli = choruswatch) -> Run:
    """Generate one world into ``workdir``, detect (or reuse a kept detection of the same world), evaluate.

    ``cli`` runs one ``choruswatch`` command (the real one by default; tests pass a fake).
    """
    world = generate(seed, profile, args.mentions, args.hours)
    files = {
        name: workdir / name for name in ("mentions.jsonl", "labels.jsonl", "allowlist.txt", "alerts.jsonl")
    }
    files["assignments.jsonl"] = workdir / "assignments.jsonl"
    before = _digest(files["mentions.jsonl"])
    world.write(
        files["mentions.jsonl"], files["labels.jsonl"], files["allowlist.txt"], workdir / "manifest.json"
    )
    done = workdir / "detected.json"  # written once a detection completes: what it ran on, how long it took
    inputs = {
        "mentions_sha256": _digest(files["mentions.jsonl"]),
        "embedder": args.embedder,
        "config_sha256": _digest(Path(args.config)) if args.config else None,
        "model": args.model,
        "level": args.level,
    }
    kept = json.loads(done.read_text()) if args.reuse and done.exists() else {}
    if before == inputs["mentions_sha256"] and all(kept.get(k) == v for k, v in inputs.items()):
        seconds = float(kept["seconds"])
    else:
        seconds = _detect(files, args, cli)
        done.write_text(json.dumps({**inputs, "seconds": seconds}) + "\n")
    evaluation = cli(
        "evaluate", "--alerts", str(files["alerts.jsonl"]), "--assignments", str(files["assignments.jsonl"]),
        "--labels", str(files["labels.jsonl"]), "--json",
    )  # fmt: skip
    report = json.loads(evaluation.stdout)
    kinds = {
        p.label: p.kind for p in world.posts if p.label != ORGANIC and not p.label.startswith(OFFICIAL_PREFIX)
    }
    false_kinds = false_alert_kinds(report, files["alerts.jsonl"], files["assignments.jsonl"], world.posts)
    return Run(profile, seed, report, kinds, false_kinds, len(world.posts), seconds)


def _detect(files: dict[str, Path], args: argparse.Namespace, cli: Cli) -> float:
    """``choruswatch detect`` on the world's files; returns the seconds it took."""
    started = time.perf_counter()
    detect = [str(files["mentions.jsonl"]), "--out", str(files["alerts.jsonl"])]
    detect += ["--assignments", str(files["assignments.jsonl"]), "--allowlist", str(files["allowlist.txt"])]
    detect += ["--embedder", args.embedder] + (["--config", args.config] if args.config else [])
    detect += (["--model", args.model] if args.model else []) + ["--level", args.level]
    cli("detect", *detect)
    return time.perf_counter() - started


def _digest(path: Path) -> str | None:
    if not path.exists():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def false_alert_kinds(
    report: dict[str, Any], alerts: Path, assignments: Path, posts: Sequence[Any]
) -> Counter[str]:
    """For each false alert, the generator kind held by most of the mentions of the narratives it
    covers (an Alert v1's narrative; an Alert v2's ``campaign.narrative_ids``)."""
    false_ids = set(report.get("false_alert_ids", ()))
    narratives_of: dict[str, tuple[str, ...]] = {}
    for line in alerts.read_text(encoding="utf-8").splitlines():
        alert = json.loads(line)
        if alert["alert_id"] in false_ids:
            campaign = alert.get("campaign")
            covered = campaign["narrative_ids"] if campaign else [alert["narrative"]["id"]]
            narratives_of[alert["alert_id"]] = tuple(covered)
    wanted = {n for covered in narratives_of.values() for n in covered}
    kind_of = {p.id: p.kind for p in posts}
    members: dict[str, Counter[str]] = {n: Counter() for n in wanted}
    for line in assignments.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["narrative_id"] in wanted:
            members[row["narrative_id"]][kind_of.get(row["mention_id"], "?")] += 1
    kinds: Counter[str] = Counter()
    for covered in narratives_of.values():
        together = sum((members[n] for n in covered), Counter())
        kinds[together.most_common(1)[0][0] if together else "?"] += 1
    return kinds


# -- figures -----------------------------------------------------------------------------------------------


def figures(run: Run) -> dict[str, float | None]:
    """The headline figures of one run (None where the figure does not apply)."""
    r = run.report
    detected = len(r.get("detected_campaigns", ()))
    per_campaign = r.get("alerts_per_detected_campaign")
    if per_campaign is None and detected:
        per_campaign = r["true_alerts"] / detected
    officials = len(r.get("official_campaigns", ()))
    return {
        "campaign_recall": r.get("campaign_recall"),
        "alert_precision": r.get("alert_precision"),
        "false_alerts_per_100k_organic": r.get("false_alerts_per_100k_organic"),
        "official_flagged": (r["official_flagged_count"] / officials) if officials else None,
        "alerts_per_detected_campaign": per_campaign,
        "median_delay_minutes": r.get("median_delay_minutes"),
    }


def mean_figures(runs: Sequence[Run]) -> dict[str, float | None]:
    per_run = [figures(r) for r in runs]
    out: dict[str, float | None] = {}
    for name in per_run[0]:
        values = [value for f in per_run if (value := f[name]) is not None]
        out[name] = statistics.fmean(values) if values else None
    return out


def kind_recall(runs: Sequence[Run]) -> dict[str, tuple[int, int]]:
    """kind -> (campaigns detected, campaigns) pooled over the runs."""
    out: dict[str, list[int]] = {}
    for run in runs:
        detected = set(run.report.get("detected_campaigns", ()))
        for label, kind in run.campaign_kinds.items():
            counts = out.setdefault(kind, [0, 0])
            counts[0] += label in detected
            counts[1] += 1
    return {kind: (d, n) for kind, (d, n) in sorted(out.items())}


# -- presentation ------------------------------------------------------------------------------------------

COLUMNS = (
    ("campaign_recall", "campaign recall", "{:.3f}"),
    ("alert_precision", "alert precision", "{:.3f}"),
    ("false_alerts_per_100k_organic", "false alerts / 100k organic", "{:.1f}"),
    ("official_flagged", "official flagged", "{:.2f}"),
    ("alerts_per_detected_campaign", "alerts / detected campaign", "{:.2f}"),
    ("median_delay_minutes", "median delay (min)", "{:.2f}"),
)


def _cell(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else fmt.format(value)


def profile_table(profile: str, runs: Sequence[Run]) -> str:
    """Markdown: one row per seed and the mean; then per-kind recall and false alerts by kind."""
    head = ["seed", *[title for _, title, _ in COLUMNS], "campaigns", "alerts", "mentions", "detect s"]
    lines = [f"### {profile}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for run in runs:
        f, r = figures(run), run.report
        cells = [_cell(f[key], fmt) for key, _, fmt in COLUMNS]
        detected = f"{len(r.get('detected_campaigns', ()))}/{len(r.get('campaigns', ()))}"
        extra = [detected, str(r.get("alerts_total", "")), f"{run.mentions:,}", f"{run.detect_seconds:.0f}"]
        lines.append(f"| {run.seed} | " + " | ".join(cells + extra) + " |")
    mean = mean_figures(runs)
    lines.append(
        "| **mean** | " + " | ".join(_cell(mean[key], fmt) for key, _, fmt in COLUMNS) + " | | | | |"
    )
    recall = kind_recall(runs)
    if recall:
        lines += ["", "| campaign kind | detected / campaigns |", "|---|---|"]
        lines += [f"| {kind} | {d}/{n} |" for kind, (d, n) in recall.items()]
    false_kinds = sum((run.false_by_kind for run in runs), Counter())
    if false_kinds:
        lines += ["", "| false alerts made of | alerts |", "|---|---|"]
        lines += [f"| {kind} | {n} |" for kind, n in false_kinds.most_common()]
    return "\n".join(lines) + "\n"


# -- command line --------------------------------------------------------------------------------------------


def _seeds(text: str) -> list[int]:
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds must be comma-separated integers, got {text!r}") from None
    if not seeds:
        raise argparse.ArgumentTypeError("at least one seed is needed")
    return seeds


def _profiles(text: str) -> list[str]:
    names = list(PROFILES) if text == "all" else [p.strip() for p in text.split(",") if p.strip()]
    unknown = [p for p in names if p not in PROFILES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown profile(s) {unknown}; choose from {', '.join(PROFILES)} or all"
        )
    return names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.heldout", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seeds", type=_seeds, default=list(DEFAULT_SEEDS), help="comma-separated (11,12,13)"
    )
    parser.add_argument("--profile", type=_profiles, default=list(PROFILES), help="comma-separated, or all")
    parser.add_argument("--mentions", type=int, default=None, help="mentions per world (profile default)")
    parser.add_argument("--hours", type=float, default=None, help="window length in hours (profile default)")
    parser.add_argument(
        "--embedder", choices=("model", "hashing"), default="model", help="hashing: fast plumbing run"
    )
    parser.add_argument("--config", default=None, help="detector config file passed to `choruswatch detect`")
    parser.add_argument("--model", default=None, help="`detect --model`: multilingual (default) or english")
    parser.add_argument(
        "--level",
        choices=("campaign", "narrative"),
        default="campaign",
        help="`detect --level`: campaign (v1 and v2 alerts) or narrative (v1 only)",
    )
    parser.add_argument("--keep", default=None, help="keep every world and result under this directory")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --keep: skip detection where DIR holds a finished run of the byte-identical world (and the same "
        "embedder); evaluation always runs again",
    )
    parser.add_argument("--json", default=None, help="also write every report and figure as JSON here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.reuse and not args.keep:
        parser.error("--reuse needs --keep DIR (the directory of the earlier run)")
    results: dict[str, list[Run]] = {}
    with tempfile.TemporaryDirectory(prefix="heldout-") as scratch:
        base = Path(args.keep) if args.keep else Path(scratch)
        try:
            for profile in args.profile:
                for seed in args.seeds:
                    workdir = base / f"{profile}-{seed}"
                    workdir.mkdir(parents=True, exist_ok=True)
                    run = run_one(profile, seed, args, workdir)
                    results.setdefault(profile, []).append(run)
                    print(f"# {profile} seed {seed}: {figures(run)}", file=sys.stderr, flush=True)
        except (HeldoutError, ValueError, OSError) as exc:
            print(f"bench.heldout: {profile} seed {seed}: {exc}", file=sys.stderr)
            return 1
    print(f"## Held-out scenarios (embedder {args.embedder}, seeds {','.join(map(str, args.seeds))})\n")
    for profile, runs in results.items():
        print(profile_table(profile, runs))
    if args.json:
        dump = {
            p: [{"seed": r.seed, "figures": figures(r), "report": r.report} for r in runs]
            for p, runs in results.items()
        }
        Path(args.json).write_text(json.dumps(dump, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
