"""The `choruswatch` console script: the one composition root of every sub-command.

Each sub-command module exposes `register(subparsers)`, which adds its argparse parser and sets `func`
(called with the parsed namespace, returning an exit code). The modules are imported here statically
and keep their heavy imports (torch, faust, elasticsearch) inside their functions, so
`choruswatch --help` stays fast.

Configuration and input errors are handled once, here: a bad setting, input file, allowlist, detector
configuration or model ends the command with one line on stderr naming the command and the problem,
and exit status 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from choruswatch import (
    calibrate_cmd,
    demo,
    detect_cmd,
    evaluate,
    export_cmd,
    model_cmd,
    ops_cmds,
    replay_cmd,
    simulate,
    verdict_cmd,
)

COMMANDS = (
    detect_cmd,
    export_cmd,
    replay_cmd,
    simulate,
    evaluate,
    calibrate_cmd,
    model_cmd,
    verdict_cmd,
    ops_cmds,
    demo,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="choruswatch",
        description="Detect coordinated disinformation narratives in social-media streams.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(subparsers)
    return parser


def usage_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean "this cannot start as configured" (exit 2), from every layer."""
    from choruswatch.detect_cmd import UsageError
    from choruswatch.io import InputError
    from detectors.config import ConfigError
    from detectors.embedding import EmbeddingError
    from detectors.profiles import ProfileError
    from streams.inputs import InputFileError
    from streams.settings import SettingsError
    from streams.topics import TopicsNotReady
    from streams.worker import WorkerNotReady

    return (
        UsageError,
        InputError,
        ConfigError,
        EmbeddingError,
        ProfileError,
        InputFileError,
        SettingsError,
        TopicsNotReady,
        WorkerNotReady,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except usage_errors() as exc:
        print(f"choruswatch {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
