"""Tests of `choruswatch detect`: input handling, rejected lines, outputs and a small end-to-end run."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from choruswatch.cli import main
from choruswatch.detect_cmd import DetectOptions, detect_records, records_from_mentions
from choruswatch.evaluate import evaluate, load_alerts, load_assignments, load_labels
from detectors.config import DetectorConfig
from detectors.detector import Detector
from detectors.embedding import HashingEmbedder
from schemas.alert_v2 import validate_alert_v2_dict
from schemas.models import Mention, validate_alert_dict


def _mention(i: int, second: int, text: str = "") -> dict[str, Any]:
    return {
        "id": f"m{i}",
        "platform": "x",
        "created_at": f"2026-03-01T10:{second // 60:02d}:{second % 60:02d}Z",
        "text": text or f"post number {i} about the new bus timetable in the city centre today",
        "author": {"id": f"u{i}"},
    }


def _jsonl(rows: list[Any]) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)


def _detect(source: str, tmp_path: Path, *extra: str) -> tuple[int, Path]:
    """Run `choruswatch detect SOURCE` with the hashing embedder; return its exit code and the
    assignments file it wrote."""
    assign = tmp_path / "assign.jsonl"
    argv = ["detect", source, "--embedder", "hashing", "--out", str(tmp_path / "a.jsonl")]
    code = main([*argv, "--assignments", str(assign), *extra])
    return code, assign


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_bad_lines_are_reported_with_line_numbers_and_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    no_author = _mention(3, 20)
    del no_author["author"]
    src = tmp_path / "in.jsonl"
    src.write_text(
        _jsonl([_mention(1, 0), "this is {not json", no_author, "", _mention(5, 40)]), encoding="utf-8"
    )
    code, assign = _detect(str(src), tmp_path)
    assert code == 0
    err = capsys.readouterr().err
    assert f"{src}:2: rejected: $: not valid JSON" in err
    assert f"{src}:3: rejected: author: required field is missing" in err
    assert "rejected lines" in err
    assert [row["mention_id"] for row in _lines(assign)] == ["m1", "m5"]


def test_csv_input_is_read_and_bad_rows_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.csv"
    src.write_text(
        "id,platform,created_at,text,author_id,hashtags\n"
        'c1,x,2026-03-01T10:00:00Z,"a long enough text, with a comma, about the harbour",u1,port news\n'
        "c2,x,yesterday,broken timestamp row with words,u2,\n"
        "c3,telegram,2026-03-01T10:00:05+01:00,another text about the harbour and the port,u3,\n",
        encoding="utf-8",
    )
    code, assign = _detect(str(src), tmp_path)
    assert code == 0
    assert f"{src}:3: rejected: created_at" in capsys.readouterr().err
    assert {row["mention_id"] for row in _lines(assign)} == {"c1", "c3"}


def test_stdin_is_read_when_input_is_dash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _jsonl([_mention(i, i) for i in range(4)]).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code, assign = _detect("-", tmp_path)
    assert code == 0
    assert [row["mention_id"] for row in _lines(assign)] == ["m0", "m1", "m2", "m3"]


def test_unreadable_input_and_bad_config_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["detect", str(tmp_path / "missing.jsonl"), "--embedder", "hashing"]) == 2
    assert "cannot read" in capsys.readouterr().err
    src = tmp_path / "in.jsonl"
    src.write_text(_jsonl([_mention(1, 0)]), encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text("no_such_threshold = 3\n", encoding="utf-8")
    assert main(["detect", str(src), "--embedder", "hashing", "--config", str(bad)]) == 2
    assert "no_such_threshold" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert main(["detect", str(src), "--embedder", "hashing", "--config", str(broken)]) == 2
    assert main(["detect", str(src), "--embedder", "hashing", "--allowlist", str(tmp_path / "none.txt")]) == 2


def test_mentions_within_the_lateness_are_put_in_place_and_later_ones_counted_late() -> None:
    # m1 opens the input; m2 is 4 s older (within the 60 s lateness); m3 moves the watermark past
    # m1's slot; m4 is 10 minutes older than everything: its slot went long ago.
    mentions = [Mention.from_dict(_mention(i, s)) for i, s in ((1, 3000), (2, 2996), (3, 3200), (4, 2400))]
    assigned: list[str] = []
    summary = detect_records(
        records_from_mentions(mentions),
        lambda: Detector(DetectorConfig(), model_name="hashing"),
        HashingEmbedder(),
        options=DetectOptions(batch_size=1, lateness_s=60.0),
        on_alert=lambda alert: None,
        on_assignment=lambda line: assigned.append(line["mention_id"]),
    )
    assert summary.late == 1 and summary.mentions == 4
    assert assigned == ["m2", "m1", "m4", "m3"]  # event-time order, the late one processed apart


def test_end_to_end_on_small_simulated_scenario(tmp_path: Path) -> None:
    mentions, labels = tmp_path / "m.jsonl", tmp_path / "l.jsonl"
    assert (
        main(
            ["simulate", "--seed", "4", "--mentions", "2000", "--out", str(mentions), "--labels", str(labels)]
        )
        == 0
    )
    alerts, assign = tmp_path / "alerts.jsonl", tmp_path / "assign.jsonl"
    code = main([
        "detect", str(mentions), "--embedder", "hashing", "--out", str(alerts), "--assignments", str(assign),
        "--allowlist", f"{labels}.allowlist.txt",
    ])  # fmt: skip
    assert code == 0
    assignments = load_assignments(assign)
    assert len(assignments) == 2000
    lines = [json.loads(line) for line in assign.read_text(encoding="utf-8").splitlines()]
    assert all(set(line) == {"mention_id", "narrative_id", "theme_id", "campaign_id"} for line in lines)
    assert any(line["campaign_id"] for line in lines)
    levels = {"v1": 0, "v2": 0}
    for alert in _lines(alerts):
        if "campaign" in alert:
            validate_alert_v2_dict(alert)
            levels["v2"] += 1
        else:
            validate_alert_dict(alert)
            levels["v1"] += 1
    assert levels["v1"] and levels["v2"], levels  # both levels, as the alerts topic carries them
    report = evaluate(load_alerts(alerts), assignments, load_labels(labels))
    assert report.official_flagged == []
    # Identical-text bursts are within reach of the model-free embedder; paraphrases are not.
    assert any(c.startswith("camp-copypaste") for c in report.detected_campaigns)
    assert report.bcubed.items == 2000


def test_unusable_inputs_fail_at_once_naming_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # --embedder model: a model load would take seconds; each of these must fail before it.
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"\n\n")
    noise = tmp_path / "noise.bin"
    noise.write_bytes(bytes(range(256)) * 400)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("user,message,when\nu1,hello there,yesterday\n", encoding="utf-8")
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text('{"id": 1}\n{"text": "x"}\nnot json\n', encoding="utf-8")
    for path, reason in (
        (empty, "is empty"),
        (noise, "binary data"),
        (wrong, "lacks the required column(s) id, platform, created_at, text, author_id"),
        (garbage, "none of the first 3 records is a valid mention"),
    ):
        assert main(["detect", str(path), "--embedder", "model", "--model", "/no/such/model"]) == 2
        err = capsys.readouterr().err
        assert reason in err and "cannot load model" not in err, err
    assert "found user, message, when" in (main(["detect", str(wrong)]) == 2 and capsys.readouterr().err)


def test_help_shows_every_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["detect", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for default in (
        "(default: 256)",
        "(default: 4)",
        "(default: 60.0)",
        "(default: 50000)",
        "(default: model)",
    ):
        assert default in out


def test_non_utf8_line_is_rejected_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.data"  # unknown extension: the format is sniffed from the first line
    src.write_bytes(
        _jsonl([_mention(1, 0)]).encode() + b'{"id": "\xff"}\n' + _jsonl([_mention(3, 5)]).encode()
    )
    code, assign = _detect(str(src), tmp_path)
    assert code == 0
    assert f"{src}:2: rejected: $: not valid UTF-8" in capsys.readouterr().err
    assert [row["mention_id"] for row in _lines(assign)] == ["m1", "m3"]


GOLDEN = Path(__file__).resolve().parents[1] / "golden"


@pytest.mark.parametrize(
    ("flag", "content", "reason"),
    [
        (
            "--watchlist",
            '{"id": "a", "text": "one claim"}\n{"id": "a", "text": "again"}\n',
            ":2: duplicate claim id",
        ),
        (
            "--verdicts",
            '{"alert_id": "cw-1", "verdict": "nope", "analyst": "a", "at": "2026-01-01T00:00:00Z"}\n',
            ":1: verdict: unknown",
        ),
        ("--sensors", "2001 @ok\n2002 not@handle @bad!\n", ":2: "),
    ],
)
def test_bad_analyst_files_are_refused_whole_before_the_model_loads(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    flag: str,
    content: str,
    reason: str,
) -> None:
    def no_model(*_: Any) -> Any:
        raise AssertionError("the model was loaded before the analyst file was checked")

    monkeypatch.setattr("choruswatch.detect_cmd.build_embedder", no_model)
    bad = tmp_path / "analyst.txt"
    bad.write_text(content, encoding="utf-8")
    assert main(["detect", str(GOLDEN / "reply_storm.jsonl"), flag, str(bad)]) == 2
    assert str(bad) + reason in capsys.readouterr().err


def test_detect_with_sensors_and_verdicts_raises_the_storm_and_holds_it_back(tmp_path: Path) -> None:
    out = tmp_path / "alerts.jsonl"
    args = ["detect", str(GOLDEN / "reply_storm.jsonl"), "--embedder", "hashing", "--out", str(out)]
    assert main([*args, "--sensors", str(GOLDEN / "sensors.txt")]) == 0
    alerts = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    storms = [a for a in alerts if a.get("rule", {}).get("name") == "reply storm"]
    assert storms and storms[0]["target"]["account_id"] == "2001"
    for alert in storms:
        validate_alert_v2_dict(alert)
    verdicts = tmp_path / "verdicts.jsonl"
    verdicts.write_text(
        json.dumps(
            {
                "alert_id": storms[0]["alert_id"],
                "verdict": "false_positive",
                "analyst": "a",
                "at": "2026-04-07T12:00:00Z",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    assert main([*args, "--sensors", str(GOLDEN / "sensors.txt"), "--verdicts", str(verdicts)]) == 0
    judged = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    held = [a for a in judged if a["alert_id"] == storms[0]["alert_id"]]
    assert len(held) < len(storms)
