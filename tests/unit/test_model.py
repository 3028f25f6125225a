"""The real bundled all-MiniLM-L6-v2 model on a few sentences: paraphrases close, unrelated far."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from detectors.embedding import (
    DEFAULT_MODEL,
    CachedEmbedder,
    EmbeddingError,
    SentenceTransformerEmbedder,
    bundled_model_path,
)

ONNX_INSTALLED = all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "optimum"))

PARAPHRASES = [
    ("The government has raised taxes on fuel.", "Fuel taxes were increased by the government."),
    (
        "The vaccine causes serious side effects in children.",
        "Children suffer severe side effects from the vaccine.",
    ),
    ("The election results were rigged.", "The election outcome was rigged."),
]
UNRELATED = [
    ("The government has raised taxes on fuel.", "My cat likes to sleep on the sofa."),
    ("The vaccine causes serious side effects in children.", "The football match ended in a draw."),
    ("The election results were rigged.", "Add two cups of flour and stir gently."),
]


def test_bundled_model_is_present() -> None:
    path = bundled_model_path()
    assert (path / "modules.json").is_file()


def test_real_model_shape_norm_and_name(real_model: SentenceTransformerEmbedder) -> None:
    assert real_model.name == DEFAULT_MODEL
    assert real_model.dim == 384
    vectors = real_model.encode(["hello", "مرحبا", "", "Привет"])
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert real_model.encode([]).shape == (0, 384)


def test_real_model_paraphrases_close_unrelated_far(real_model: SentenceTransformerEmbedder) -> None:
    for a, b in PARAPHRASES:
        va, vb = real_model.encode([a, b])
        assert float(va @ vb) > 0.6, (a, b)
    for a, b in UNRELATED:
        va, vb = real_model.encode([a, b])
        assert float(va @ vb) < 0.3, (a, b)


def test_real_model_is_deterministic_across_batches(real_model: SentenceTransformerEmbedder) -> None:
    texts = [a for a, _ in PARAPHRASES]
    one_by_one = np.vstack([real_model.encode([t]) for t in texts])
    np.testing.assert_allclose(real_model.encode(texts), one_by_one, atol=1e-5)


def test_cache_over_real_model_matches_direct_encoding(real_model: SentenceTransformerEmbedder) -> None:
    cached = CachedEmbedder(real_model, maxsize=100)
    texts = ["The election results were rigged.", "RT @x: the election results were rigged"]
    out = cached.encode(texts)
    np.testing.assert_allclose(out[1], out[0])
    np.testing.assert_allclose(out[0], real_model.encode(texts[:1])[0], atol=1e-5)
    assert (cached.hits, cached.misses) == (1, 1)


def test_model_by_local_path_loads(real_model: SentenceTransformerEmbedder) -> None:
    by_path = SentenceTransformerEmbedder(bundled_model_path(), batch_size=8)
    assert by_path.name == bundled_model_path().name and by_path.dim == 384
    np.testing.assert_allclose(by_path.encode(["hi there"]), real_model.encode(["hi there"]), atol=1e-5)


@pytest.mark.skipif(ONNX_INSTALLED, reason="the ONNX extra is installed: the positive test runs instead")
def test_onnx_backend_without_extra_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingError, match=r"pip install 'choruswatch\[onnx\]'"):
        SentenceTransformerEmbedder(backend="onnx", cache_dir=tmp_path)


@pytest.mark.model
@pytest.mark.skipif(not ONNX_INSTALLED, reason="needs the onnx extra: pip install 'choruswatch[onnx]'")
def test_onnx_backend_exports_once_and_matches_torch(
    real_model: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    onnx = SentenceTransformerEmbedder(backend="onnx", cache_dir=tmp_path)
    export_dirs = list(tmp_path.iterdir())
    assert len(export_dirs) == 1 and (export_dirs[0] / "onnx").is_dir()
    texts = [a for a, _ in PARAPHRASES]
    np.testing.assert_allclose(onnx.encode(texts), real_model.encode(texts), atol=1e-3)
    again = SentenceTransformerEmbedder(backend="onnx", cache_dir=tmp_path)  # reuses the export
    np.testing.assert_allclose(again.encode(texts), onnx.encode(texts), atol=1e-5)
