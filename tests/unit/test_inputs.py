"""The detection input loaders shared by `choruswatch detect` and the worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors.config import DetectorConfig
from streams.inputs import InputFileError, load_allowlist, load_detector_config


def test_allowlist_ignores_comments_and_blanks_whole_line_or_trailing(tmp_path: Path) -> None:
    path = tmp_path / "allow.txt"
    path.write_text("# ministry\nu1\n\n  u2  # embassy in Madrid\n#u3\nu4#no space\n", encoding="utf-8")
    assert load_allowlist(path) == frozenset({"u1", "u2", "u4"})


def test_config_files_json_and_toml_by_extension_or_content(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text('{"min_accounts": 7}', encoding="utf-8")
    (tmp_path / "c.toml").write_text("min_accounts = 7\n[severity]\nlow = 0.55\n", encoding="utf-8")
    (tmp_path / "c.conf").write_text("min_accounts = 7\n", encoding="utf-8")
    assert load_detector_config(tmp_path / "c.json").min_accounts == 7
    toml = load_detector_config(tmp_path / "c.toml")
    assert toml.min_accounts == 7 and toml.severity["low"] == 0.55
    assert load_detector_config(tmp_path / "c.conf").min_accounts == 7
    assert load_detector_config(None) == DetectorConfig()


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("bad.json", "{", "neither valid JSON nor TOML"),
        ("bad.toml", "no_such_threshold = 3\n", "no_such_threshold: unknown configuration key"),
        ("range.toml", "min_accounts = 1\n", "min_accounts: must be between"),
    ],
)
def test_bad_config_names_the_file_and_the_key(tmp_path: Path, name: str, text: str, reason: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match=reason) as info:
        load_detector_config(path)
    assert str(path) in str(info.value)


def test_missing_or_undecodable_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="cannot read allowlist"):
        load_allowlist(tmp_path / "none.txt")
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("café\n".encode("latin-1"))
    with pytest.raises(InputFileError, match="cannot read allowlist"):
        load_allowlist(latin)
