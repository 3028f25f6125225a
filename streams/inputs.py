"""The detection inputs read from files, one loader each, shared by `choruswatch detect` and the worker.

- Allowlist (`--allowlist`, `CHORUSWATCH_ALLOWLIST_FILE`): one account id per line; blank lines are
  skipped and `#` starts a comment, whole-line or trailing (`12345  # ministry`); ids are the Mention
  v1 `author.id` values, compared exactly.
- Detector configuration (`--config`, `CHORUSWATCH_DETECTOR_CONFIG`): the model profile's thresholds
  (`detectors.profiles`) with, on top, a JSON object or a TOML document of `DetectorConfig` fields (by extension `.json` / `.toml`; otherwise JSON is tried,
  then TOML). Unknown keys and out-of-range values are refused with the key named.

Both raise `InputFileError` with the file and the reason; callers turn it into exit status 2.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from detectors.config import ConfigError, DetectorConfig
from detectors.profiles import ModelProfile, detector_config


class InputFileError(ValueError):
    """A detection input file cannot be read or is invalid; the message names the file."""


def _read(path: str | Path, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputFileError(f"cannot read {what} {path}: {reason}") from None


def parse_allowlist(text: str) -> frozenset[str]:
    ids = set()
    for line in text.splitlines():
        value = line.split("#", 1)[0].strip()
        if value:
            ids.add(value)
    return frozenset(ids)


def load_allowlist(path: str | Path) -> frozenset[str]:
    """Account ids of the allowlist file (see the module docstring for the format)."""
    return parse_allowlist(_read(path, "allowlist"))


def load_detector_config(path: str | Path | None, profile: ModelProfile | None = None) -> DetectorConfig:
    """DetectorConfig: the model profile's thresholds (or the defaults) with a JSON or TOML file on top."""
    if path is None:
        return detector_config(profile) if profile is not None else DetectorConfig()
    text = _read(path, "config")
    name = str(path)
    data: Any
    try:
        if name.endswith(".toml"):
            data = tomllib.loads(text)
        elif name.endswith(".json"):
            data = json.loads(text)
        else:
            try:
                data = json.loads(text)
            except json.JSONDecodeError:
                data = tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputFileError(f"config {path} is neither valid JSON nor TOML: {exc}") from None
    try:
        return detector_config(profile, data) if profile is not None else DetectorConfig.from_mapping(data)
    except ConfigError as exc:
        raise InputFileError(f"config {path}: {exc}") from None
