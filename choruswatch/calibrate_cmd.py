"""``choruswatch calibrate``: derive a model profile from labelled multilingual pairs.

    choruswatch calibrate [--model multilingual|english|hashing|DIR] [--backend int8|onnx|torch]
                          [--claims FILE] [--out PROFILE.json] [--bootstrap N] [--seed N]
                          [--live-narratives K] [--max-false-join A] [--claim-recall R]

Embeds every text of the claims file once (no cache reuse, so edited copies are really embedded),
applies the method of ``detectors/calibration.py`` (documented in docs/models.md) on the
``calibration`` split, prints the thresholds with their bootstrap intervals and the join rates on the
``heldout`` split, and writes the profile JSON when ``--out`` is given (``--profile`` of ``detect``,
or a file in ``detectors/model_profiles/`` for a bundled model). Exit 2 on bad input.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from detectors.calibration import (
    CalibrationError,
    CalibrationMethod,
    CalibrationResult,
    all_texts,
    calibrate,
    chatter_from_records,
    claims_from_records,
    vector_similarity,
)
from detectors.embedding import EmbeddingError
from detectors.profiles import ModelProfile, ProfileError
from streams.models import BACKENDS, DEFAULT_BACKEND, DEFAULT_MODEL_CHOICE, build_embedder

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
DEFAULT_CLAIMS = DATA / "multilingual_claims.jsonl"
DEFAULT_CHATTER = DATA / "multilingual_chatter.jsonl"
_NUMERIC = ("similarity_threshold", "theme_threshold", "uncovered_script_threshold", "tightness_low",
            "tightness_high", "copy_threshold", "translation_link_threshold")  # fmt: skip


def read_jsonl(path: Path) -> list[Any]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except (OSError, json.JSONDecodeError) as exc:
        raise CalibrationError(f"cannot read {path}: {exc}") from exc


def run_calibration(
    model: str, backend: str, claims_file: Path, chatter_file: Path, method: CalibrationMethod
) -> tuple[str, str, CalibrationResult]:
    """(model name, text prefix, result) for a model choice, on the labelled files."""
    claims = claims_from_records(read_jsonl(claims_file))
    chatter = chatter_from_records(read_jsonl(chatter_file))
    cached = build_embedder(model, backend=backend, near_copy_bits=0)  # type: ignore[arg-type]
    texts = all_texts(claims, chatter, seed=method.seed)
    vectors = cached.inner.encode(texts)
    prompt = str(getattr(cached.inner, "prompt", "") or "")
    return cached.name, prompt, calibrate(claims, chatter, vector_similarity(texts, vectors), method)


def profile_of(name: str, prompt: str, result: CalibrationResult, data_files: list[Path]) -> ModelProfile:
    digests = [f"{f.name} sha256:{hashlib.sha256(f.read_bytes()).hexdigest()[:16]}" for f in data_files]
    calibration = {
        "method": "docs/models.md#calibration",
        "data": digests,
        "max_unrelated": result.method.max_unrelated,
        "max_other_topic": result.method.max_other_topic,
        "max_same_topic": result.method.max_same_topic,
        "copies_only": result.method.copies_only,
        "live_narratives": result.method.live_narratives,
        "max_false_join": result.method.max_false_join,
        "claim_recall": result.method.claim_recall,
        "emerging_themes": result.method.emerging_themes,
        "bootstrap": result.method.bootstrap,
        "seed": result.method.seed,
        "intervals_95": {k: [round(lo, 3), round(hi, 3)] for k, (lo, hi) in result.intervals.items()},
        "calibration_pairs": dict(result.pair_counts),
        "heldout_pairs": dict(result.heldout_counts),
        "heldout_rates": {k: round(v, 4) for k, v in result.heldout_rates.items()},
    }
    t = result.thresholds
    return ModelProfile(
        model=name,
        similarity_threshold=t["similarity_threshold"],
        theme_threshold=t["theme_threshold"],
        uncovered_script_threshold=t["uncovered_script_threshold"],
        model_scripts=tuple(t["model_scripts"]),
        tightness_low=t["tightness_low"],
        tightness_high=t["tightness_high"],
        copy_threshold=t["copy_threshold"],
        translation_link_threshold=t["translation_link_threshold"],
        prompt=prompt,
        calibration=calibration,
    )


def report(profile: ModelProfile, result: CalibrationResult) -> str:
    lines = [
        f"model {profile.model}  (prefix {profile.prompt!r})",
        "threshold                     value   95% bootstrap",
    ]
    for key in _NUMERIC:
        lo, hi = result.intervals.get(key, (float("nan"), float("nan")))
        lines.append(f"  {key:<27} {getattr(profile, key):.3f}   [{lo:.3f}, {hi:.3f}]")
    lines.append(f"  {'model_scripts':<27} {', '.join(profile.model_scripts)}")
    lines.append("held-out join rates at the join threshold (theme rates at the theme threshold):")
    k = result.method.live_narratives
    for key, value in result.heldout_rates.items():
        kind = key.removeprefix("theme_").removesuffix("_typed_copy")
        n = result.heldout_counts.get(kind, 0)
        note = f"(K={k} live narratives)" if kind == "open_set_false_join" else f"(n={n})" if n else ""
        if kind == "translation_link_false_join":
            note = f"(K={result.method.emerging_themes} emerging themes)"
        lines.append(f"  {key:<27} {value:.3f}   {note}")
    return "\n".join(lines)


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model", default=DEFAULT_MODEL_CHOICE, help="multilingual, english, hashing or a folder"
    )
    parser.add_argument("--backend", choices=BACKENDS, default=DEFAULT_BACKEND)
    parser.add_argument("--claims", type=Path, default=DEFAULT_CLAIMS, help="labelled claims (JSON lines)")
    parser.add_argument("--chatter", type=Path, default=DEFAULT_CHATTER, help="unrelated posts (JSON lines)")
    parser.add_argument("--out", type=Path, help="write the profile JSON here")
    parser.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples (0: none)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--copies-only", action="store_true", help="join copies only (spelling models; on for hashing)"
    )
    parser.add_argument(
        "--live-narratives",
        type=_at_least_one,
        default=CalibrationMethod.live_narratives,
        help="K: live narratives a new post is compared with (one routing bucket; docs/models.md)",
    )
    parser.add_argument(
        "--emerging-themes",
        type=_at_least_one,
        default=CalibrationMethod.emerging_themes,
        help="emerging themes in other languages a new theme is compared with (translation links)",
    )
    parser.add_argument(
        "--max-false-join",
        type=float,
        default=CalibrationMethod.max_false_join,
        help="highest share of a new claim's posts that may join one of the K narratives of other subjects",
    )
    parser.add_argument(
        "--claim-recall",
        type=float,
        default=CalibrationMethod.claim_recall,
        help="theme: lowest share of a claim's posts that must reach the claim's other posts' centroid",
    )


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "calibrate", help="derive a model profile (thresholds) from labelled multilingual pairs"
    )
    _add_arguments(parser)
    parser.set_defaults(func=_run)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="choruswatch calibrate", description=__doc__.split("\n\n")[0])
    _add_arguments(parser)
    return _run(parser.parse_args(argv))


def _run(args: argparse.Namespace) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    copies_only = args.copies_only or args.model == "hashing"
    try:
        method = CalibrationMethod(
            bootstrap=max(0, args.bootstrap),
            seed=args.seed,
            copies_only=copies_only,
            live_narratives=args.live_narratives,
            emerging_themes=args.emerging_themes,
            max_false_join=args.max_false_join,
            claim_recall=args.claim_recall,
        )
        name, prompt, result = run_calibration(args.model, args.backend, args.claims, args.chatter, method)
        profile = profile_of(name, prompt, result, [args.claims, args.chatter])
    except (CalibrationError, EmbeddingError, ProfileError) as exc:
        print(f"choruswatch calibrate: {exc}", file=sys.stderr)
        return 2
    print(report(profile, result))
    if args.out:
        args.out.write_text(
            json.dumps(profile.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"profile written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
