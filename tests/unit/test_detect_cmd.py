"""Tests of `choruswatch detect`: input handling, rejected lines, outputs and a small end-to-end run."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from choruswatch.cli import main
from choruswatch.detect_cmd import detect_records, load_config, records_from_mentions
from choruswatch.evaluate import evaluate, load_alerts, load_assignments, load_labels
from detectors.config import DetectorConfig
from detectors.detector import Detector
from detectors.embedding import HashingEmbedder
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


def test_config_files_json_and_toml(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text("{}", encoding="utf-8")
    (tmp_path / "c.toml").write_text("", encoding="utf-8")
    assert load_config(str(tmp_path / "c.json")) == DetectorConfig()
    assert load_config(str(tmp_path / "c.toml")) == DetectorConfig()
    assert load_config(None) == DetectorConfig()


def test_out_of_order_is_counted_and_still_processed() -> None:
    mentions = [
        Mention.from_dict(_mention(1, 3000)),
        Mention.from_dict(_mention(2, 10)),
        Mention.from_dict(_mention(3, 3001)),
    ]
    assigned: list[str] = []
    summary = detect_records(
        records_from_mentions(mentions),
        Detector(DetectorConfig(), model_name="hashing"),
        HashingEmbedder(),
        order_tolerance_s=60.0,
        on_alert=lambda alert: None,
        on_assignment=lambda mid, nid: assigned.append(mid),
    )
    assert summary.out_of_order == 1
    assert summary.mentions == 3
    assert assigned == ["m1", "m2", "m3"]


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
    for alert in _lines(alerts):
        validate_alert_dict(alert)
    report = evaluate(load_alerts(alerts), assignments, load_labels(labels))
    assert report.official_flagged == []
    # Identical-text bursts are within reach of the model-free embedder; paraphrases are not.
    assert any(c.startswith("camp-copypaste") for c in report.detected_campaigns)
    assert report.bcubed.items == 2000


def test_allowlist_file_ignores_comments_and_blanks(tmp_path: Path) -> None:
    from choruswatch.io import read_allowlist

    path = tmp_path / "allow.txt"
    path.write_text("# ministry\nu1\n\n  u2  # embassy in Madrid\n#u3\n", encoding="utf-8")
    assert read_allowlist(path) == frozenset({"u1", "u2"})


def test_non_utf8_line_is_rejected_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.data"  # unknown extension: the format is sniffed from the first line
    src.write_bytes(
        _jsonl([_mention(1, 0)]).encode() + b'{"id": "\xff"}\n' + _jsonl([_mention(3, 5)]).encode()
    )
    code, assign = _detect(str(src), tmp_path)
    assert code == 0
    assert f"{src}:2: rejected: $: not valid UTF-8" in capsys.readouterr().err
    assert [row["mention_id"] for row in _lines(assign)] == ["m1", "m3"]
