"""The `choruswatch` console script: one composition root for every sub-command.

Each sub-command lives in its own module that exposes `register(subparsers)`; that function adds an
argparse parser and sets `func` (called with the parsed namespace, returning an exit code). Modules keep
heavy imports (torch, faust, elasticsearch) inside their functions so `choruswatch --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# (module, what it provides) — order is the order shown in --help.
COMMAND_MODULES: tuple[str, ...] = (
    "choruswatch.detect_cmd",  # detect
    "choruswatch.simulate",  # simulate
    "choruswatch.evaluate",  # evaluate
    "choruswatch.calibrate_cmd",  # calibrate
    "choruswatch.model_cmd",  # model build
    "streams.topics",  # topics create / check
    "streams.es_setup",  # es setup
    "streams.kibana",  # kibana import
    "streams.worker",  # worker
    "streams.demo",  # demo
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="choruswatch",
        description="Detect coordinated disinformation narratives in social-media streams.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # A sub-command whose module is not part of this installation is simply not offered.
            if exc.name == name:
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
