"""``python -m bench.worlds``: write one generated world as mentions, labels and an allowlist."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.worlds.profiles import PROFILES
from bench.worlds.world import generate


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.worlds",
        description="Generate a labelled world of social-media mentions (Mention v1 JSON lines) for held-out "
        "evaluation: organic conversation in eight languages, organic hard negatives and coordinated campaigns.",
    )
    parser.add_argument("--seed", type=int, required=True, help="world seed (same seed, same files)")
    parser.add_argument("--out", required=True, help="mentions file to write (JSON lines, created_at order)")
    parser.add_argument("--labels", required=True, help="labels file for `choruswatch evaluate`")
    parser.add_argument("--allowlist", default=None, help="write the official account ids here")
    parser.add_argument(
        "--manifest", default=None, help="write a JSON summary of every campaign instance here"
    )
    parser.add_argument("--profile", default="default", choices=sorted(PROFILES), help="scenario profile")
    parser.add_argument("--mentions", type=int, default=None, help="mentions in the world (profile default)")
    parser.add_argument(
        "--hours", type=float, default=None, help="length of the window in hours (profile default)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    try:
        world = generate(args.seed, args.profile, args.mentions, args.hours)
        world.write(
            Path(args.out),
            Path(args.labels),
            Path(args.allowlist) if args.allowlist else None,
            Path(args.manifest) if args.manifest else None,
        )
    except ValueError as exc:
        print(f"bench.worlds: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"bench.worlds: cannot write: {exc}", file=sys.stderr)
        return 2
    labels = Counter(p.label for p in world.posts)
    campaigns = sum(1 for c in world.campaigns if not c.label.startswith("official:"))
    print(
        f"bench.worlds: {len(world.posts):,} mentions ({labels.get('organic', 0):,} organic), {campaigns} campaigns, "
        f"{len(world.campaigns) - campaigns} official days, {len(world.allowlist)} allowlisted accounts "
        f"in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
