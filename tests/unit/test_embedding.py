"""Embedding layer without the real model: the LRU cache and the hashing embedder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.embedding import (
    CachedEmbedder,
    Embedder,
    EmbeddingError,
    HashingEmbedder,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
)
from detectors.text import normalize


class RecordingEmbedder:
    """Deterministic fake that records every batch it is asked to encode."""

    name = "recording"
    dim = 4

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.calls.append(list(texts))
        out = np.array([[len(t), t.count("a"), t.count("e"), 1.0] for t in texts], dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_cache_batches_only_distinct_misses_and_preserves_order() -> None:
    inner = RecordingEmbedder()
    cached = CachedEmbedder(inner, maxsize=10)
    texts = ["Hello world", "RT @x: hello WORLD!", "another one", "hello world"]
    out = cached.encode(texts)
    # The three spellings of "hello world" share one key: one model call for them, in one batch.
    assert inner.calls == [["hello world", "another one"]]  # the model sees the normalised text
    assert (cached.hits, cached.misses) == (2, 2)
    expected = inner.encode(["Hello world", "Hello world", "another one", "Hello world"])
    np.testing.assert_allclose(out, expected)
    assert out.dtype == np.float32 and out.shape == (4, 4)

    again = cached.encode(["another one", "a new text", "hello world"])
    assert inner.calls[-1] == ["a new text"]
    assert (cached.hits, cached.misses) == (4, 3)
    np.testing.assert_allclose(again[0], out[2])
    np.testing.assert_allclose(again[2], out[0])
    assert cached.hit_ratio == pytest.approx(4 / 7)


def test_cache_is_bounded_lru() -> None:
    inner = RecordingEmbedder()
    cached = CachedEmbedder(inner, maxsize=3)
    cached.encode(["a", "b", "c"])
    cached.encode(["a"])  # refresh "a": "b" is now the least recently used
    cached.encode(["d"])
    assert len(cached) == 3
    inner.calls.clear()
    cached.encode(["a", "c", "d"])
    assert inner.calls == []
    cached.encode(["b"])
    assert inner.calls == [["b"]]
    for i in range(100):
        cached.encode([f"text {i}"])
    assert len(cached) == 3


def test_cached_vectors_are_isolated_from_callers() -> None:
    cached = CachedEmbedder(RecordingEmbedder(), maxsize=5)
    first = cached.encode(["alpha"])
    first[0, :] = 0.0
    np.testing.assert_allclose(np.linalg.norm(cached.encode(["alpha"]), axis=1), 1.0, rtol=1e-6)


def test_cache_edge_cases() -> None:
    cached = CachedEmbedder(RecordingEmbedder())
    assert cached.encode([]).shape == (0, 4)
    assert (cached.name, cached.dim, cached.hit_ratio) == ("recording", 4, 0.0)
    with pytest.raises(ValueError, match="keys"):
        cached.encode_keyed(["a"], [])
    with pytest.raises(ValueError, match="maxsize"):
        CachedEmbedder(RecordingEmbedder(), maxsize=0)


def test_implementations_satisfy_the_protocol() -> None:
    assert isinstance(HashingEmbedder(), Embedder)
    assert isinstance(CachedEmbedder(HashingEmbedder()), Embedder)
    assert isinstance(RecordingEmbedder(), Embedder)


def test_hashing_embedder_shape_norm_and_determinism() -> None:
    emb = HashingEmbedder()
    assert (emb.name, emb.dim) == ("hashing-ngram-384", 384)
    texts = ["The election was stolen!", "", "!!!", "a", "انتخابات مزورة", "東京"]
    vectors = emb.encode(texts)
    assert vectors.shape == (6, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(vectors, HashingEmbedder().encode(texts))
    assert not np.array_equal(vectors, HashingEmbedder(seed=1).encode(texts))
    assert HashingEmbedder(dim=64).encode(["x"]).shape == (1, 64)
    assert emb.encode([]).shape == (0, 384)
    with pytest.raises(ValueError, match="dim"):
        HashingEmbedder(dim=4)


def test_hashing_embedder_similar_texts_are_close() -> None:
    emb = HashingEmbedder()
    v = emb.encode(
        [
            "The election was stolen by massive fraud, share before they delete it",
            "RT @bot: the ELECTION was stolen by massive fraud!! share before they delete it https://t.co/x",
            "The election was stolen by fraud, share it before they delete it",
            "Heavy rain expected on the coast this weekend, farmers prepare for the harvest",
        ]
    )
    sims = v @ v.T
    assert sims[0, 1] > 0.95
    assert sims[0, 2] > 0.7
    assert abs(sims[0, 3]) < 0.3


@settings(max_examples=50)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=8))
def test_hashing_embedder_is_unit_norm_for_any_text(texts: list[str]) -> None:
    vectors = HashingEmbedder(dim=128).encode(texts)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert np.isfinite(vectors).all()


def test_unknown_model_names_fail_clearly_offline() -> None:
    with pytest.raises(EmbeddingError, match="offline"):
        SentenceTransformerEmbedder("no-such-org/no-such-model-xyz")
    with pytest.raises(EmbeddingError, match="does not exist"):
        SentenceTransformerEmbedder("./missing/model/dir")
    with pytest.raises(EmbeddingError, match="batch_size"):
        SentenceTransformerEmbedder("all-MiniLM-L6-v2", batch_size=0)


def test_onnx_embedder_says_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingError, match=r"missing"):
        OnnxEmbedder(tmp_path / "model.onnx", name="x")
    with pytest.raises(EmbeddingError, match="batch_size"):
        OnnxEmbedder(tmp_path / "model.onnx", name="x", batch_size=0)


# --- near-copy reuse ----------------------------------------------------------------------------

CLAIM = "Veridia is secretly poisoning the water supply of Kordan and the ministry hides it from everyone"


def test_near_copy_reuses_the_vector_of_a_recent_text_without_a_model_call() -> None:
    inner = RecordingEmbedder()
    cached = CachedEmbedder(inner, maxsize=10, near_copy_bits=8)
    first = cached.encode([CLAIM])
    edited = CLAIM.replace("secretly", "secretely")  # a typo: a new exact key, 8 bits away
    again = cached.encode(
        [edited, "Completely different words about football and cooking pasta at home tonight"]
    )
    assert inner.calls == [
        [normalize(CLAIM)],
        ["completely different words about football and cooking pasta at home tonight"],
    ]
    np.testing.assert_array_equal(again[0], first[0])
    assert (cached.hits, cached.near_hits, cached.misses) == (0, 1, 2)
    cached.encode([edited])  # now an exact hit: the near copy was stored under its own key
    assert (cached.hits, cached.near_hits) == (1, 1)


def test_near_copies_inside_one_call_follow_the_first_and_cost_one_call() -> None:
    inner = RecordingEmbedder()
    cached = CachedEmbedder(inner, maxsize=10, near_copy_bits=8)
    out = cached.encode([CLAIM, CLAIM.replace("poisoning", "posioning"), CLAIM + " #share"])
    assert inner.calls == [[normalize(CLAIM)]]
    np.testing.assert_array_equal(out[1], out[0])
    np.testing.assert_array_equal(out[2], out[0])
    assert (cached.near_hits, cached.misses) == (2, 1)


def test_near_copy_reuse_leaves_short_texts_and_distant_texts_alone() -> None:
    inner = RecordingEmbedder()
    cached = CachedEmbedder(inner, maxsize=10, near_copy_bits=8)
    cached.encode(["vote yes today", CLAIM])
    cached.encode(["vote no today", "Kordan's water utility will double household bills starting next month"])
    assert cached.near_hits == 0 and cached.misses == 4


def test_near_copy_window_keeps_only_recent_texts() -> None:
    inner = RecordingEmbedder()
    cached = CachedEmbedder(inner, maxsize=10, near_copy_bits=8, near_copy_window=1)
    other = "Kordan's water utility will double household bills starting from next month for everyone"
    cached.encode([CLAIM])
    cached.encode([other])  # pushes CLAIM out of the one-entry window
    cached.encode([CLAIM.replace("secretly", "secretely")])
    assert cached.near_hits == 0 and cached.misses == 3
    with pytest.raises(ValueError, match="near_copy_bits"):
        CachedEmbedder(RecordingEmbedder(), near_copy_bits=17)
