"""The analyst's file loaders: good files load, every bad input refuses the whole file as file:line: reason."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from detectors.config import DetectorConfig
from detectors.embedding import HashingEmbedder
from detectors.replystorm import Sensor
from streams.analyst_files import (
    AnalystFileError,
    WatchedFile,
    build_watchlist,
    load_sensors,
    load_verdicts,
    load_watchlist,
    sensor_allowlist,
)

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def refused(load, path: Path, line: int | None, reason: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AnalystFileError) as err:
        load(path)
    assert err.value.line == line, str(err.value)
    assert reason in err.value.reason, str(err.value)
    assert str(err.value).startswith(f"{path}:{line}: " if line else f"{path}: ")


# -- watchlist ---------------------------------------------------------------------------------------


def test_the_golden_watchlist_loads() -> None:
    claims = load_watchlist(GOLDEN / "watchlist.jsonl")
    assert [c.id for c in claims] == ["embassy-funds-protests", "vaccine-chip", "river-poison"]
    assert claims[0].severity_floor == "medium" and claims[0].extra == {"source": "fact-check desk"}
    assert len(claims[2].texts) == 2


def test_blank_lines_and_a_byte_order_mark_are_fine(tmp_path: Path) -> None:
    path = write(
        tmp_path, "w.jsonl", b'\xef\xbb\xbf{"id": "a", "text": "x y z"}\n\n  \n{"id": "b", "text": "u v w"}\n'
    )
    assert [c.id for c in load_watchlist(path)] == ["a", "b"]
    assert load_watchlist(write(tmp_path, "empty.jsonl", "")) == ()


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        ('{"id": "a", "text": "ok"}\n{"id": "b", "text": "ok"', 2, "not JSON"),
        ('{"id": "a", "text": "ok"}\n["a"]\n', 2, "expected a JSON object, got list"),
        ('{"id": "a"}\n', 1, "text: required"),
        ('{"id": "a", "texts": []}\n', 1, "texts: expected a non-empty list"),
        ('{"id": "a", "text": "x", "severity_floor": "urgent"}\n', 1, "severity_floor: expected one of"),
        (
            '{"id": "a", "text": "x"}\n\n{"id": "a", "text": "y"}\n',
            3,
            "duplicate claim id 'a' (first on line 1)",
        ),
        (b'{"id": "a", "text": "caf\xe9"}\n', 1, "not UTF-8"),
    ],
)
def test_bad_watchlists_are_refused_whole(
    tmp_path: Path, content: str | bytes, line: int, reason: str
) -> None:
    refused(load_watchlist, write(tmp_path, "w.jsonl", content), line, reason)


def test_a_missing_file_names_the_file(tmp_path: Path) -> None:
    refused(load_watchlist, tmp_path / "nope.jsonl", None, "cannot read")


def test_build_watchlist_embeds_every_wording_once() -> None:
    claims = load_watchlist(GOLDEN / "watchlist.jsonl")
    embedder = HashingEmbedder(dim=64)
    watchlist = build_watchlist(claims, embedder, DetectorConfig())
    assert len(watchlist) == 3 and len(watchlist.texts()) == 4
    (matches,) = watchlist.match([claims[0].texts[0]], embedder.encode([claims[0].texts[0]]))
    assert matches[0].claim_id == "embassy-funds-protests" and matches[0].similarity == pytest.approx(
        1.0, abs=1e-3
    )
    assert len(build_watchlist((), embedder, DetectorConfig())) == 0


# -- verdicts ----------------------------------------------------------------------------------------

GOOD_VERDICT = {
    "alert_id": "cw-1",
    "verdict": "false_positive",
    "analyst": "alice",
    "at": "2026-04-07T09:00:00Z",
}


def test_verdicts_load_in_file_order_with_the_file_as_source(tmp_path: Path) -> None:
    lines = [
        GOOD_VERDICT,
        GOOD_VERDICT | {"verdict": "cleared", "at": "2026-04-07T10:00:00Z", "note": "oops"},
    ]
    path = write(tmp_path, "v.jsonl", "".join(json.dumps(x) + "\n" for x in lines))
    first, second = load_verdicts(path)
    assert (first.verdict, second.verdict, second.note, first.source) == (
        "false_positive",
        None,
        "oops",
        "file",
    )


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"verdict": "nope"}, "verdict: unknown verdict 'nope'"),
        ({"alert_id": 7}, "alert_id: required"),
        ({"at": "2026-04-07"}, "at: not an RFC 3339 timestamp"),
        ({"revision": -1}, "revision: expected a positive integer"),
    ],
)
def test_bad_verdict_files_are_refused_whole(tmp_path: Path, bad: dict[str, object], reason: str) -> None:
    path = write(tmp_path, "v.jsonl", json.dumps(GOOD_VERDICT) + "\n" + json.dumps(GOOD_VERDICT | bad) + "\n")
    refused(load_verdicts, path, 2, reason)


# -- sensors -----------------------------------------------------------------------------------------


def test_the_golden_sensors_load_with_comments() -> None:
    sensors = load_sensors(GOLDEN / "sensors.txt")
    assert sensors == (Sensor("2001", ("@VeridiaEmbKordan",)), Sensor("2002", ("@MFA_Veridia",)))
    assert sensor_allowlist(sensors) == {"2001", "2002"}


def test_sensors_by_handle_only_or_with_several_handles(tmp_path: Path) -> None:
    path = write(tmp_path, "s.txt", "@embassy_lima\n\n# comment\n99 @a @b.c  # trailing\n")
    assert load_sensors(path) == (Sensor(None, ("@embassy_lima",)), Sensor("99", ("@a", "@b.c")))
    assert sensor_allowlist(load_sensors(path)) == {"99"}


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        ("1 2\n", 1, "two account ids on one line"),
        ("1 @\n", 1, "not a handle: '@'"),
        ("1 @bad-handle\n", 1, "not a handle"),
        ("1 @a\n2 @A\n", 2, "handle @a already listed on line 1"),
        ("1\n# x\n1 @b\n", 3, "id 1 already listed on line 1"),
    ],
)
def test_bad_sensor_files_are_refused_whole(tmp_path: Path, content: str, line: int, reason: str) -> None:
    refused(load_sensors, write(tmp_path, "s.txt", content), line, reason)


# -- reloading ---------------------------------------------------------------------------------------


def test_watched_file_reloads_on_change_and_keeps_the_last_good_version(tmp_path: Path) -> None:
    path = write(tmp_path, "w.jsonl", '{"id": "a", "text": "one two three"}\n')
    watched = WatchedFile(path, load_watchlist)
    assert [c.id for c in watched.value] == ["a"] and not watched.poll()
    path.write_text('{"id": "a", "text": "one two three"}\n{"id": "b", "text": "four five six"}\n')
    os.utime(path, ns=(1, 1))
    assert watched.poll() and [c.id for c in watched.value] == ["a", "b"]
    path.write_text('{"id": "a"}\n')
    os.utime(path, ns=(2, 2))
    assert not watched.poll() and [c.id for c in watched.value] == ["a", "b"]
    assert watched.last_error is not None and watched.last_error.line == 1


def test_watched_file_refuses_a_bad_file_at_start(tmp_path: Path) -> None:
    with pytest.raises(AnalystFileError):
        WatchedFile(write(tmp_path, "s.txt", "1 2\n"), load_sensors)
