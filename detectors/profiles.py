"""Model profiles: the thresholds that depend on an embedding model's cosine range.

Every model spreads cosine differently (all-MiniLM-L6-v2 puts unrelated English sentences near 0.1,
multilingual-e5-small near 0.75), so the thresholds that compare cosines belong to the model, not to
the detector: the narrative join, the theme level, the strict threshold for scripts a model does not
cover, the tightness scale, and the semantic side of relation typing. A :class:`ModelProfile` holds
them with the calibration they came from (``choruswatch calibrate``, ``detectors/calibration.py``).

Profiles of the bundled models ship as JSON in ``detectors/model_profiles/`` and load by model name
(:func:`load_profile`); :func:`detector_config` lays a profile under a configuration file's values,
so a ``DetectorConfig`` file still overrides any of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any, Final

from detectors.config import ALL_SCRIPTS, DetectorConfig
from detectors.relations import RelationThresholds

__all__ = [
    "PROFILE_VERSION",
    "ModelProfile",
    "ProfileError",
    "bundled_profiles",
    "detector_config",
    "load_profile",
    "profile_from_file",
]

PROFILE_VERSION: Final = 1
_PACKAGE: Final = "detectors.model_profiles"
#: Profile keys that are ``DetectorConfig`` fields of the same name (applied when the field exists:
#: ``theme_threshold`` belongs to the theme level, which reads it from here).
_CONFIG_KEYS: Final = (
    "similarity_threshold",
    "theme_threshold",
    "uncovered_script_threshold",
    "model_scripts",
    "tightness_low",
    "tightness_high",
    "translation_link_threshold",
)


class ProfileError(ValueError):
    """A profile is missing, unreadable or has an invalid value."""


@dataclass(frozen=True)
class ModelProfile:
    """Calibrated thresholds of one embedding model (all cosines, in [0, 1])."""

    model: str
    similarity_threshold: float
    theme_threshold: float
    uncovered_script_threshold: float
    model_scripts: tuple[str, ...]
    tightness_low: float
    tightness_high: float
    copy_threshold: float
    translation_link_threshold: float = 1.0  # 1.0: no translation links (see DetectorConfig)
    prompt: str = ""
    calibration: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.model:
            raise ProfileError("model: must name the model")
        for name in ("similarity_threshold", "theme_threshold", "uncovered_script_threshold",
                     "tightness_low", "tightness_high", "copy_threshold",
                     "translation_link_threshold"):  # fmt: skip
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
                raise ProfileError(f"{name}: must be a number between 0 and 1, got {value!r}")
        if self.theme_threshold > self.similarity_threshold:
            raise ProfileError("theme_threshold: the theme level must be coarser (lower) than the join")
        if self.tightness_low >= self.tightness_high:
            raise ProfileError("tightness_low: must be below tightness_high")
        if not self.model_scripts or not all(isinstance(s, str) and s for s in self.model_scripts):
            raise ProfileError("model_scripts: must be a non-empty list of script names")

    @property
    def covers_every_script(self) -> bool:
        return ALL_SCRIPTS in self.model_scripts

    @property
    def relation_thresholds(self) -> RelationThresholds:
        """Copy on grapheme similarity; rewording and translation from the join threshold up."""
        return RelationThresholds(self.copy_threshold, self.similarity_threshold)

    def config_values(self) -> dict[str, Any]:
        """The profile's values that ``DetectorConfig`` has fields for, as ``from_mapping`` takes them."""
        known = {f.name for f in fields(DetectorConfig)}
        out: dict[str, Any] = {}
        for key in _CONFIG_KEYS:
            if key in known:
                value = getattr(self, key)
                out[key] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ModelProfile:
        if not isinstance(data, Mapping):
            raise ProfileError(f"a profile is a JSON object, got {type(data).__name__}")
        if data.get("version") != PROFILE_VERSION:
            raise ProfileError(f"version: expected {PROFILE_VERSION}, got {data.get('version')!r}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known - {"version"})
        if unknown:
            raise ProfileError(f"{unknown[0]}: unknown profile key")
        missing = sorted(
            k for k in known - set(data) if k not in ("prompt", "calibration", "translation_link_threshold")
        )
        if missing:
            raise ProfileError(f"{missing[0]}: missing")
        values = {k: v for k, v in data.items() if k != "version"}
        scripts = values["model_scripts"]
        if isinstance(scripts, str) or not isinstance(scripts, list | tuple):
            raise ProfileError("model_scripts: expected a list of script names")
        values["model_scripts"] = tuple(scripts)
        try:
            return cls(**values)
        except TypeError as exc:
            raise ProfileError(str(exc)) from None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"version": PROFILE_VERSION}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else (
                dict(value) if isinstance(value, Mapping) else value
            )  # fmt: skip
        return out


def _file_name(model: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", model) + ".json"


def bundled_profiles() -> list[str]:
    """Model names of the profiles shipped in ``detectors/model_profiles/``."""
    names = []
    for entry in resources.files(_PACKAGE).iterdir():
        if entry.name.endswith(".json"):
            names.append(json.loads(entry.read_text(encoding="utf-8"))["model"])
    return sorted(names)


def load_profile(model: str) -> ModelProfile:
    """The shipped profile of ``model`` (e.g. ``multilingual-e5-small``); :class:`ProfileError` if none."""
    entry = resources.files(_PACKAGE) / _file_name(model)
    if not entry.is_file():
        raise ProfileError(
            f"no bundled profile for model {model!r} (bundled: {', '.join(bundled_profiles())})"
        )
    return ModelProfile.from_mapping(json.loads(entry.read_text(encoding="utf-8")))


def profile_from_file(path: Path) -> ModelProfile:
    """A profile written by ``choruswatch calibrate --out`` (or by hand)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ProfileError(f"cannot read profile {path}: {exc}") from exc
    return ModelProfile.from_mapping(data)


def detector_config(profile: ModelProfile, overrides: Mapping[str, Any] | None = None) -> DetectorConfig:
    """``DetectorConfig`` from the profile's thresholds, with ``overrides`` (a config file) on top."""
    return DetectorConfig.from_mapping({**profile.config_values(), **(overrides or {})})
