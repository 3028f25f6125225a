"""The held-out runner's own arithmetic and error handling, on hand-made reports (no detection run)."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.heldout import (
    HeldoutError,
    Run,
    build_parser,
    choruswatch,
    false_alert_kinds,
    figures,
    kind_recall,
    main,
    mean_figures,
    profile_table,
    run_one,
)


def report(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "campaigns": ["copy_paste-1", "copy_paste-2", "translated_8-1"],
        "detected_campaigns": ["copy_paste-1", "copy_paste-2"],
        "campaign_recall": 2 / 3,
        "true_alerts": 5,
        "alert_precision": 5 / 6,
        "false_alerts_per_100k_organic": 3.5,
        "official_campaigns": ["official:lorvane-day-1"],
        "official_flagged_count": 0,
        "median_delay_minutes": 4.0,
        "alerts_total": 7,
        "false_alert_ids": ["cw-b"],
    }
    base.update(overrides)
    return base


KINDS = {"copy_paste-1": "copy_paste", "copy_paste-2": "copy_paste", "translated_8-1": "translated_8"}


def test_figures_of_one_run() -> None:
    f = figures(Run("default", 1, report(), KINDS))
    assert f["campaign_recall"] == pytest.approx(2 / 3)
    assert f["alerts_per_detected_campaign"] == pytest.approx(2.5)  # 5 true alerts over 2 campaigns
    assert f["official_flagged"] == 0.0


def test_figures_prefer_the_evaluators_own_alerts_per_campaign_and_skip_what_does_not_apply() -> None:
    assert (
        figures(Run("x", 1, report(alerts_per_detected_campaign=1.25), KINDS))["alerts_per_detected_campaign"]
        == 1.25
    )
    empty = figures(
        Run("hard-negatives", 1, report(campaigns=[], detected_campaigns=[], official_campaigns=[]), {})
    )
    assert empty["alerts_per_detected_campaign"] is None and empty["official_flagged"] is None


def test_mean_ignores_missing_values_and_kind_recall_pools_seeds() -> None:
    runs = [
        Run("default", 1, report(), KINDS),
        Run("default", 2, report(detected_campaigns=["translated_8-1"], median_delay_minutes=None), KINDS),
    ]
    assert mean_figures(runs)["median_delay_minutes"] == 4.0
    assert kind_recall(runs) == {"copy_paste": (2, 4), "translated_8": (1, 2)}


def test_profile_table_has_a_row_per_seed_the_mean_and_the_kind_tables() -> None:
    run = Run(
        "default", 11, report(), KINDS, Counter({"sports_burst": 2}), mentions=30_000, detect_seconds=12.0
    )
    table = profile_table("default", [run])
    assert "| 11 | 0.667 | 0.833 | 3.5 | 0.00 | 2.50 | 4.00 | 2/3 | 7 | 30,000 | 12 |" in table
    assert "| **mean** | 0.667 |" in table
    assert "| copy_paste | 2/2 |" in table and "| translated_8 | 0/1 |" in table
    assert "| sports_burst | 2 |" in table


@dataclass
class FakePost:
    id: str
    kind: str


def test_false_alerts_are_attributed_to_the_kind_most_of_their_mentions_have(tmp_path: Path) -> None:
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_text(
        "\n".join(
            json.dumps({"alert_id": a, "narrative": {"id": n}})
            for a, n in (("cw-a", "n1"), ("cw-b", "n2"), ("cw-b", "n2"))
        )
    )
    assignments = tmp_path / "assignments.jsonl"
    rows = [("m1", "n1"), ("m2", "n2"), ("m3", "n2"), ("m4", "n2"), ("m5", None)]
    assignments.write_text("\n".join(json.dumps({"mention_id": m, "narrative_id": n}) for m, n in rows))
    posts = [FakePost("m1", "copy_paste"), FakePost("m2", "sports_burst"), FakePost("m3", "sports_burst")]
    posts += [FakePost("m4", "chatter"), FakePost("m5", "chatter")]
    assert false_alert_kinds(report(), alerts, assignments, posts) == Counter({"sports_burst": 1})


def test_a_false_campaign_alert_is_attributed_over_every_narrative_it_covers(tmp_path: Path) -> None:
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_text(json.dumps({"alert_id": "cw-b", "campaign": {"narrative_ids": ["n1", "n2"]}}))
    assignments = tmp_path / "assignments.jsonl"
    rows = [("m1", "n1"), ("m2", "n1"), ("m3", "n1"), ("m4", "n2"), ("m5", "n2")]
    assignments.write_text("\n".join(json.dumps({"mention_id": m, "narrative_id": n}) for m, n in rows))
    # n2 alone is sports; over both narratives news_cascade holds 3 of 5 mentions.
    posts = [FakePost(m, "news_cascade") for m in ("m1", "m2", "m3")]
    posts += [FakePost("m4", "sports_burst"), FakePost("m5", "sports_burst")]
    assert false_alert_kinds(report(), alerts, assignments, posts) == Counter({"news_cascade": 1})


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--seeds", "1,x"], "comma-separated integers"),
        (["--seeds", ","], "at least one seed"),
        (["--profile", "nope"], "unknown profile(s) ['nope']"),
    ],
)
def test_bad_arguments_are_refused(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_profile_all_means_every_profile() -> None:
    args = build_parser().parse_args(["--profile", "all"])
    assert args.profile == ["default", "multilingual", "trollfarm", "hard-negatives"]


def test_a_failing_command_reports_its_own_message(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.jsonl")
    with pytest.raises(HeldoutError, match="evaluate` exited with 2") as exc:
        choruswatch("evaluate", "--alerts", missing, "--assignments", missing, "--labels", missing)
    assert "missing.jsonl" in str(exc.value)


class FakeCli:
    """Stands in for the `choruswatch` command: detect writes empty results, evaluate returns a report."""

    def __init__(self) -> None:
        self.commands: list[str] = []

    def __call__(self, command: str, *args: str) -> subprocess.CompletedProcess[str]:
        self.commands.append(command)
        if command == "detect":
            Path(args[args.index("--out") + 1]).write_text("")
            Path(args[args.index("--assignments") + 1]).write_text("")
            return subprocess.CompletedProcess([command], 0, "", "")
        return subprocess.CompletedProcess([command], 0, json.dumps(report(false_alert_ids=[])), "")


def test_reuse_skips_detection_only_for_the_same_world(tmp_path: Path) -> None:
    cli = FakeCli()
    argv = ["--mentions", "8000", "--keep", str(tmp_path)]
    first = run_one("hard-negatives", 3, build_parser().parse_args(argv), tmp_path, cli)
    assert cli.commands == ["detect", "evaluate"] and first.mentions == 8000
    run_one("hard-negatives", 3, build_parser().parse_args([*argv, "--reuse"]), tmp_path, cli)
    assert cli.commands[2:] == ["evaluate"]  # same world, same embedder: detection reused
    run_one("hard-negatives", 4, build_parser().parse_args([*argv, "--reuse"]), tmp_path, cli)
    assert cli.commands[3:] == ["detect", "evaluate"]  # another world in the directory: detect again
    run_one(
        "hard-negatives",
        4,
        build_parser().parse_args([*argv, "--reuse", "--embedder", "hashing"]),
        tmp_path,
        cli,
    )
    assert cli.commands[5:] == ["detect", "evaluate"]  # another embedder: detect again


def test_reuse_without_keep_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--reuse"])
    assert "--reuse needs --keep" in capsys.readouterr().err
