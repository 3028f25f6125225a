"""Tests of the evaluation metrics on tiny hand-built inputs whose answers are worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from choruswatch.cli import main
from choruswatch.evaluate import (
    AlertRevision,
    GoldLabel,
    bcubed,
    evaluate,
    load_alerts,
    load_assignments,
    load_labels,
    plurality_match,
    target_results,
)


def test_bcubed_six_item_example() -> None:
    # Gold {a,b,c} {d,e,f}; clusters {a,b} {c,d,e,f}.
    # Precision per item: a 1, b 1, c 1/4, d e f 3/4 -> 4.5/6 = 0.75.
    # Recall per item: a 2/3, b 2/3, c 1/3, d e f 1 -> (14/3)/6 = 7/9.
    gold = {"a": "G1", "b": "G1", "c": "G1", "d": "G2", "e": "G2", "f": "G2"}
    clusters = {"a": "C1", "b": "C1", "c": "C2", "d": "C2", "e": "C2", "f": "C2"}
    score = bcubed(clusters, gold)
    assert score.precision == pytest.approx(0.75)
    assert score.recall == pytest.approx(7 / 9)
    assert score.f1 == pytest.approx(2 * 0.75 * (7 / 9) / (0.75 + 7 / 9))
    assert score.items == 6


def test_bcubed_extremes() -> None:
    gold = {"a": "G1", "b": "G1", "c": "G2", "d": "G3"}
    assert bcubed(dict(gold), gold).f1 == pytest.approx(1.0)
    one_cluster = bcubed(dict.fromkeys(gold, "C"), gold)
    assert one_cluster.recall == pytest.approx(1.0)
    assert one_cluster.precision == pytest.approx((4 + 1 + 1) / 16)  # Σ|g|² / N²
    singletons = bcubed({k: k for k in gold}, gold)
    assert singletons.precision == pytest.approx(1.0)
    assert singletons.recall == pytest.approx((0.5 + 0.5 + 1 + 1) / 4)
    # Items missing from either side are ignored.
    assert bcubed({"zz": "C"}, gold).items == 0


def test_plurality_match_rule() -> None:
    from collections import Counter

    assert plurality_match(Counter({"camp-a": 3, "organic": 1}), 0.5) == ("camp-a", 0.75, 4)
    assert plurality_match(Counter({"organic": 2, "camp-a": 1}), 0.5)[0] is None
    # A tie goes to the smaller label name; 0.5 is enough at the default share but not at 0.6.
    assert plurality_match(Counter({"organic": 1, "camp-b": 1}), 0.5)[0] == "camp-b"
    assert plurality_match(Counter({"organic": 1, "camp-b": 1}), 0.6)[0] is None
    assert plurality_match(Counter({"camp-a": 2, "camp-b": 2, "organic": 1}), 0.5) == (None, 0.4, 5)
    assert plurality_match(None, 0.5) == (None, 0.0, 0)


def _labels() -> dict[str, GoldLabel]:
    rows = {
        "m1": ("camp-a", "camp-a", 0.0),
        "m2": ("camp-a", "camp-a", 10.0),
        "m3": ("camp-a", "camp-a", 20.0),
        "m4": ("camp-a", "camp-a", 30.0),
        "m5": ("camp-b", "camp-b", 100.0),
        "m6": ("camp-b", "camp-b", 110.0),
        "o1": ("official:x", "official:x", 200.0),
        "o2": ("official:x", "official:x", 210.0),
    }
    out = {k: GoldLabel(lab, topic, "campaign", t) for k, (lab, topic, t) in rows.items()}
    for i, topic in enumerate(("t1", "t1", "t1", "t2", "t2", "t2"), 1):
        out[f"g{i}"] = GoldLabel("organic", f"organic:{topic}", "organic", 50.0)
    return out


ASSIGNMENTS = {
    "m1": "n1", "m2": "n1", "m3": "n1", "g1": "n1",  # camp-a 3/4
    "m5": "n2", "g2": "n2", "g3": "n2",  # organic plurality
    "o1": "n3", "o2": "n3",  # official
    "m6": "n4", "g4": "n4",  # tie camp-b / organic at 0.5
    "g5": "n5", "g6": "n5", "m4": "n5",  # organic
}  # fmt: skip


def _rev(alert_id: str, revision: int, as_of: float, authentic: bool, narrative: str) -> AlertRevision:
    return AlertRevision(alert_id, revision, as_of, authentic, narrative, "high")


def test_report_on_hand_built_run() -> None:
    revisions = [
        _rev("A1", 1, 60.0, False, "n1"),
        _rev("A1", 2, 120.0, False, "n1"),
        _rev("A2", 1, 130.0, False, "n2"),
        _rev("A3", 1, 220.0, True, "n3"),
        _rev("A4", 1, 400.0, False, "n4"),
    ]
    report = evaluate(revisions, ASSIGNMENTS, _labels())
    assert report.campaigns == ["camp-a", "camp-b"]
    assert report.campaign_recall == pytest.approx(1.0)
    assert report.inauthentic_alerts == 3
    assert report.true_alerts == 2
    assert report.alert_precision == pytest.approx(2 / 3)
    assert report.false_alert_ids == ["A2"]
    assert report.organic_mentions == 6
    assert report.false_alerts_per_100k_organic == pytest.approx(100_000 / 6)
    assert report.official_flagged == []
    assert report.delays_s == {"camp-a": pytest.approx(60.0), "camp-b": pytest.approx(300.0)}
    assert report.median_delay_minutes == pytest.approx(3.0)
    assert report.alerts_total == 4
    assert report.revisions_total == 5


def test_official_flagged_and_stricter_share() -> None:
    revisions = [
        _rev("A3", 1, 220.0, True, "n3"),
        _rev("A3", 2, 300.0, False, "n3"),  # later judged inauthentic: the official campaign is flagged
        _rev("A4", 1, 400.0, False, "n4"),
    ]
    report = evaluate(revisions, ASSIGNMENTS, _labels(), min_share=0.6)
    assert report.official_flagged == ["official:x"]
    assert report.official_flagged_count == 1
    assert report.true_alerts == 0
    assert report.campaign_recall == pytest.approx(0.0)
    assert report.missed_campaigns == ["camp-a", "camp-b"]
    assert report.alert_precision == pytest.approx(0.0)
    assert report.median_delay_s is None
    met = {name: ok for name, _, _, ok in target_results(report)}
    assert met == dict.fromkeys(met, False)


def test_detection_time_is_first_inauthentic_revision() -> None:
    revisions = [_rev("A1", 1, 50.0, True, "n1"), _rev("A1", 2, 90.0, False, "n1")]
    report = evaluate(revisions, ASSIGNMENTS, _labels())
    assert report.delays_s == {"camp-a": pytest.approx(90.0)}


def test_no_alerts_gives_undefined_precision() -> None:
    report = evaluate([], ASSIGNMENTS, _labels())
    assert report.alert_precision is None
    assert report.campaign_recall == pytest.approx(0.0)
    assert report.false_alerts_per_100k_organic == pytest.approx(0.0)


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _files(tmp_path: Path) -> tuple[Path, Path, Path]:
    labels = _write(
        tmp_path / "labels.jsonl",
        [
            {
                "mention_id": "m1",
                "label": "camp-a",
                "topic": "camp-a",
                "kind": "copypaste",
                "created_at": "2026-03-01T00:00:00Z",
            },
            {
                "mention_id": "m2",
                "label": "camp-a",
                "topic": "camp-a",
                "kind": "copypaste",
                "created_at": "2026-03-01T00:00:30Z",
            },
            {
                "mention_id": "g1",
                "label": "organic",
                "topic": "organic:x",
                "kind": "organic",
                "created_at": "2026-03-01T00:01:00Z",
            },
        ],
    )
    assignments = _write(
        tmp_path / "assign.jsonl",
        [
            {"mention_id": "m1", "narrative_id": "n1"},
            {"mention_id": "m2", "narrative_id": "n1"},
            {"mention_id": "g1", "narrative_id": "n2"},
        ],
    )
    alerts = _write(
        tmp_path / "alerts.jsonl",
        [
            {
                "alert_id": "A",
                "revision": 1,
                "as_of": "2026-03-01T00:02:00+00:00",
                "authentic": False,
                "narrative": {"id": "n1"},
            }
        ],
    )
    return labels, assignments, alerts


def test_loaders_and_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labels, assignments, alerts = _files(tmp_path)
    assert load_labels(labels)["m2"].created_at == pytest.approx(1772323230.0)
    assert load_assignments(assignments) == {"m1": "n1", "m2": "n1", "g1": "n2"}
    assert load_alerts(alerts)[0].narrative_id == "n1"
    code = main(
        [
            "evaluate",
            "--alerts",
            str(alerts),
            "--assignments",
            str(assignments),
            "--labels",
            str(labels),
            "--json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["campaign_recall"] == 1.0
    assert out["median_delay_s"] == 120.0
    assert out["bcubed"]["f1"] == 1.0


def test_cli_table_and_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labels, assignments, alerts = _files(tmp_path)
    assert (
        main(
            ["evaluate", "--alerts", str(alerts), "--assignments", str(assignments), "--labels", str(labels)]
        )
        == 0
    )
    assert "campaign recall" in capsys.readouterr().out
    bad = _write(tmp_path / "bad.jsonl", [{"alert_id": "A"}])
    assert (
        main(["evaluate", "--alerts", str(bad), "--assignments", str(assignments), "--labels", str(labels)])
        == 2
    )
    assert "bad.jsonl:1" in capsys.readouterr().err


def test_a_campaign_alert_covers_every_narrative_any_revision_listed() -> None:
    """v2: coverage is the union of campaign.narrative_ids over revisions; n5 alone is organic, but
    camp-a's n1 and n5 together are camp-a 4 of 7 (the plurality)."""
    revisions = [
        AlertRevision("C1", 1, 70.0, False, "n1", "low", ("n1",)),
        AlertRevision("C1", 2, 130.0, False, "n1", "high", ("n1", "n5")),
        AlertRevision("C2", 1, 500.0, False, "n5", "low", ("n5",)),
    ]
    report = evaluate(revisions, ASSIGNMENTS, _labels())
    assert report.true_alerts == 1 and report.false_alerts == 1
    assert report.detected_campaigns == ["camp-a"]
    assert report.alerts_by_campaign == {"camp-a": 1}
    assert report.alerts_per_detected_campaign == pytest.approx(1.0)
    assert report.delays_s == {"camp-a": pytest.approx(70.0)}


def test_theme_bcubed_and_drip_delay() -> None:
    labels = _labels()
    labels["m5"] = GoldLabel("camp-b", "camp-b", "drip", 100.0)
    labels["m6"] = GoldLabel("camp-b", "camp-b", "drip", 110.0)
    revisions = [
        AlertRevision("C1", 1, 60.0, False, "n1", "low", ("n1",)),
        AlertRevision("C2", 1, 100.0 + 3600.0, False, "n4", "low", ("n4",)),
    ]
    themes = {mid: "th-camp" if mid.startswith("m") else f"unthemed:{mid}" for mid in labels}
    report = evaluate(revisions, ASSIGNMENTS, labels, themes=themes)
    assert report.drip_delay_minutes == pytest.approx(60.0)
    # Theme clusters: camp-a (m1-m4) and camp-b (m5, m6) share one theme; everything else is alone.
    assert report.theme_bcubed is not None
    assert report.theme_bcubed.recall == pytest.approx(
        (4 * (4 / 4) + 2 * (2 / 2) + 2 * (1 / 2) + 6 * (1 / 3)) / 14
    )
    assert report.theme_bcubed.precision == pytest.approx((4 * (4 / 6) + 2 * (2 / 6) + 8) / 14)
    assert report.to_dict()["theme_bcubed_f1"] == pytest.approx(report.theme_bcubed.f1)


def test_v2_alert_lines_and_theme_assignments_load(tmp_path: Path) -> None:
    from choruswatch.evaluate import load_assignment_levels
    from tests.factories import make_alert_v2

    alerts = _write(tmp_path / "v2.jsonl", [make_alert_v2().to_dict()])
    revision = load_alerts(alerts)[0]
    assert revision.narrative_ids == ("nar-a", "nar-b") and revision.narrative_id == "nar-a"
    lines = _write(
        tmp_path / "a.jsonl",
        [
            {"mention_id": "m1", "narrative_id": "nar-a", "theme_id": "thm-1", "campaign_id": "cmp-1"},
            {"mention_id": "m2", "narrative_id": None, "theme_id": None, "campaign_id": None},
        ],
    )
    narratives, themes = load_assignment_levels(lines)
    assert narratives == {"m1": "nar-a", "m2": "unclustered:m2"}
    assert themes == {"m1": "thm-1", "m2": "unclustered:m2"}
    old = _write(tmp_path / "old.jsonl", [{"mention_id": "m1", "narrative_id": "n"}])
    assert load_assignment_levels(old)[1] is None
