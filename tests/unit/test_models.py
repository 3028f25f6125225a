"""Model resolution outside the core (streams/models.py): choices, cache folder, profiles, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors.embedding import EmbeddingError, HashingEmbedder
from detectors.profiles import ProfileError
from streams.models import (
    DEFAULT_MODEL_CHOICE,
    build_embedder,
    default_cache_dir,
    model_choice,
    resolve_profile,
)


def test_cache_dir_follows_the_documented_order(tmp_path: Path) -> None:
    assert default_cache_dir({"CHORUSWATCH_MODEL_CACHE": str(tmp_path)}) == tmp_path
    assert default_cache_dir({"XDG_CACHE_HOME": "/xdg"}) == Path("/xdg/choruswatch/models")
    assert default_cache_dir({}) == Path.home() / ".cache" / "choruswatch" / "models"


def test_model_choice_defaults_to_multilingual_and_hashing_wins() -> None:
    assert model_choice("model", None) == DEFAULT_MODEL_CHOICE == "multilingual"
    assert model_choice("model", "english") == "english"
    assert model_choice("hashing", "english") == "hashing"


def test_each_choice_resolves_to_its_shipped_profile(tmp_path: Path) -> None:
    assert resolve_profile("multilingual").model == "multilingual-e5-small"
    assert resolve_profile("english").model == "all-MiniLM-L6-v2"
    assert resolve_profile("hashing").model == HashingEmbedder().name
    folder = tmp_path / "multilingual-e5-small"  # the Docker image's folder: found by its name
    assert resolve_profile(str(folder)).prompt == "query: "
    with pytest.raises(ProfileError, match="choruswatch calibrate"):
        resolve_profile(str(tmp_path / "my-model"))


def test_hashing_embedder_needs_no_files_and_gets_near_copy_reuse(tmp_path: Path) -> None:
    embedder = build_embedder("hashing", cache_dir=tmp_path, cache_size=10)
    assert embedder.name == HashingEmbedder().name and embedder.near_copy_window > 0
    assert embedder.encode(["a text with enough words to be embedded here"]).shape == (1, 384)
    assert list(tmp_path.iterdir()) == []


def test_bad_backend_and_missing_folder_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingError, match="unknown backend"):
        build_embedder("hashing", backend="gpu", cache_dir=tmp_path)  # type: ignore[arg-type]
    with pytest.raises((EmbeddingError, ProfileError)):
        build_embedder(str(tmp_path / "missing-model"), cache_dir=tmp_path)
