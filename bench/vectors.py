"""Embeddings of a scenario, computed once and kept on disk for the quality benchmarks.

Encoding a 50k-mention scenario with all-MiniLM-L6-v2 takes minutes on a CPU, and every quality run
on the same scenario needs the same vectors. :func:`scenario_vectors` stores them as float16 under
``.cache/vectors/`` (ignored by git), named by the embedding model and a digest of the texts, so a
changed scenario or model never reads stale vectors.

    .venv/bin/python -m bench.vectors --seed 7 [--mentions 50000] [--embedder model|hashing]

prepares the cache ahead of a benchmark run (e.g. in the background on a shared machine).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

CACHE_DIR = Path(".cache") / "vectors"


def texts_digest(texts: Sequence[str]) -> str:
    h = hashlib.blake2b(digest_size=10)
    for text in texts:
        h.update(text.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def scenario_vectors(
    texts: Sequence[str], embedder_kind: str, model: str | None = None, *, cache_dir: Path = CACHE_DIR
) -> tuple[npt.NDArray[np.float32], str, float]:
    """(vectors, embedder name, seconds spent encoding: 0 when read from the cache)."""
    from choruswatch.detect_cmd import DEFAULT_CACHE_SIZE, build_embedder

    embedder = build_embedder(embedder_kind, model, DEFAULT_CACHE_SIZE)
    safe_name = "".join(c if c.isalnum() or c in "-_." else "_" for c in embedder.name)
    path = cache_dir / f"{safe_name}-{len(texts)}-{texts_digest(texts)}.npy"
    if path.exists():
        stored = np.load(path)
        return stored.astype(np.float32), embedder.name, 0.0
    started = time.perf_counter()
    parts = [embedder.encode(list(texts[i : i + 256])) for i in range(0, len(texts), 256)]
    vectors = np.concatenate(parts) if parts else np.zeros((0, 384), np.float32)
    seconds = time.perf_counter() - started
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vectors.astype(np.float16))
    tmp.replace(path)
    # float16 storage: read back what later runs will read, so the first run matches them exactly.
    return vectors.astype(np.float16).astype(np.float32), embedder.name, seconds


def main(argv: Sequence[str] | None = None) -> int:
    from choruswatch.simulate import DEFAULT_MENTIONS, generate

    parser = argparse.ArgumentParser(prog="python -m bench.vectors", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, action="append", required=True, help="repeat for several")
    parser.add_argument("--mentions", type=int, default=DEFAULT_MENTIONS)
    parser.add_argument("--embedder", choices=("model", "hashing"), default="model")
    args = parser.parse_args(argv)
    for seed in args.seed:
        texts = [m["text"] for m in generate(seed, args.mentions).mentions]
        _, name, seconds = scenario_vectors(texts, args.embedder)
        print(f"seed {seed}: {len(texts):,} texts, {name}, encoded in {seconds:.0f} s (0: cached)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
