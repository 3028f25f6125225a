"""Model profiles: the bundled ones load by name, apply under a config file, and reject bad values."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest

from detectors.config import ALL_SCRIPTS, DetectorConfig
from detectors.profiles import (
    ModelProfile,
    ProfileError,
    bundled_profiles,
    detector_config,
    load_profile,
    profile_from_file,
)

BUNDLED = {"multilingual-e5-small", "all-MiniLM-L6-v2", "hashing-ngram-384"}


def test_every_bundled_model_has_a_valid_calibrated_profile() -> None:
    assert set(bundled_profiles()) >= BUNDLED
    for name in BUNDLED:
        profile = load_profile(name)
        assert profile.model == name
        assert profile.theme_threshold <= profile.similarity_threshold < profile.tightness_high
        assert profile.calibration["method"] == "docs/models.md#calibration"
        assert set(profile.calibration["intervals_95"]) >= {"similarity_threshold", "theme_threshold"}
        lo, hi = profile.calibration["intervals_95"]["similarity_threshold"]
        assert lo <= profile.similarity_threshold <= hi


def test_the_multilingual_default_covers_every_script_and_uses_the_query_prefix() -> None:
    profile = load_profile("multilingual-e5-small")
    assert profile.covers_every_script and profile.prompt == "query: "
    english = load_profile("all-MiniLM-L6-v2")
    assert not english.covers_every_script and "arabic" not in english.model_scripts
    # The cosine ranges differ: e5 compresses everything into the upper part of [0, 1].
    assert profile.similarity_threshold > english.similarity_threshold + 0.05


def test_profile_values_become_detector_config_and_a_config_file_overrides_them() -> None:
    profile = load_profile("multilingual-e5-small")
    config = detector_config(profile)
    assert config.similarity_threshold == profile.similarity_threshold
    assert config.model_scripts == (ALL_SCRIPTS,)
    assert (config.tightness_low, config.tightness_high) == (profile.tightness_low, profile.tightness_high)
    overridden = detector_config(profile, {"similarity_threshold": 0.9, "min_accounts": 7})
    assert overridden.similarity_threshold == 0.9 and overridden.min_accounts == 7
    assert overridden.tightness_high == profile.tightness_high


def test_theme_threshold_reaches_the_config_only_when_the_config_has_the_field() -> None:
    values = load_profile("multilingual-e5-small").config_values()
    has_theme = "theme_threshold" in {f.name for f in fields(DetectorConfig)}
    assert ("theme_threshold" in values) == has_theme


def test_unknown_model_and_bad_files_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="no bundled profile for model 'nope'"):
        load_profile("nope")
    data = load_profile("multilingual-e5-small").to_dict()
    path = tmp_path / "p.json"
    path.write_text(json.dumps({**data, "similarity_threshold": 1.5}))
    with pytest.raises(ProfileError, match="similarity_threshold"):
        profile_from_file(path)
    path.write_text(json.dumps({**data, "extra": 1}))
    with pytest.raises(ProfileError, match="extra: unknown profile key"):
        profile_from_file(path)
    path.write_text(json.dumps({**data, "theme_threshold": 0.99}))
    with pytest.raises(ProfileError, match="theme_threshold"):
        profile_from_file(path)
    path.write_text("{")
    with pytest.raises(ProfileError, match="cannot read"):
        profile_from_file(path)


def test_a_profile_round_trips_through_its_file(tmp_path: Path) -> None:
    profile = load_profile("all-MiniLM-L6-v2")
    path = tmp_path / "p.json"
    path.write_text(json.dumps(profile.to_dict()))
    assert profile_from_file(path) == profile
    assert isinstance(profile, ModelProfile)
