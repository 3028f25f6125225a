"""``choruswatch calibrate``: the method's open-set parameters reach the profile and are checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from choruswatch.calibrate_cmd import main, profile_of, report
from detectors.calibration import CalibrationMethod, calibrate
from tests.unit.test_calibration import _chatter, _claims, _similarity


def test_the_profile_records_the_open_set_parameters_and_the_report_prints_the_rates(tmp_path: Path) -> None:
    method = CalibrationMethod(bootstrap=5, live_narratives=50, max_false_join=0.1, claim_recall=0.9)
    result = calibrate(_claims(), _chatter(), _similarity(), method)
    data = tmp_path / "claims.jsonl"
    data.write_text("{}\n")
    profile = profile_of("fake-model", "", result, [data])
    assert profile.calibration["live_narratives"] == 50
    assert profile.calibration["max_false_join"] == 0.1 and profile.calibration["claim_recall"] == 0.9
    assert profile.calibration["heldout_rates"]["open_set_false_join"] == 0.0
    printed = report(profile, result)
    assert "open_set_false_join" in printed and "(K=50 live narratives)" in printed
    assert "claim_recall" in printed


@pytest.mark.parametrize("argv", [["--live-narratives", "0"], ["--live-narratives", "many"]])
def test_a_bad_gallery_size_is_refused_before_any_model_loads(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2


def test_a_bad_false_join_rate_exits_2_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--max-false-join", "1.5", "--model", "hashing"]) == 2
    assert "max_false_join" in capsys.readouterr().err
