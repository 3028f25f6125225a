"""`choruswatch verdict ALERT_ID VERDICT [--note TEXT] [--analyst NAME]`: record an analyst's verdict.

VERDICT is `confirmed`, `false_positive`, `authentic`, or `cleared` to undo the alert's verdict. The
command reads the alert document from the alias (`CHORUSWATCH_ES_ALIAS`), writes the verdict and an
audit entry onto it (`analyst.verdict`, `verdict_by`, `verdict_at`, `verdict_revision`,
`verdict_note`, `verdict_history`, `updated_at`; see `streams.verdicts_io`), then publishes it to the
compacted verdicts topic (`CHORUSWATCH_TOPIC_VERDICTS`) with the alert's accounts, so every worker
applies it.

Exit status: 0 done; 2 an unknown verdict value, an unknown alert id or bad settings; 1 the index or
Kafka failed (when the index was written but Kafka was not, the workers' periodic pickup from the
index still delivers the verdict, and the message says so).
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from typing import Any

from detectors.verdicts import CLEARED, VERDICTS, VerdictRecord, parse_verdict_value

EXIT_FAILED = 1
EXIT_USAGE = 2


def _fail(message: str, code: int) -> int:
    print(f"choruswatch verdict: {message}", file=sys.stderr)
    return code


def _cmd(args: argparse.Namespace) -> int:
    from streams.clients import es_client
    from streams.settings import Settings
    from streams.verdicts_io import (
        UnknownAlert,
        alert_accounts,
        fetch_alert,
        publish_verdict,
        record_verdict_in_index,
    )

    settings = Settings.from_env()  # a bad setting: exit 2 via choruswatch.cli
    client: Any = es_client(settings)
    try:
        try:
            stored = fetch_alert(client, settings.es_alias, args.alert_id)
        except UnknownAlert:
            return _fail(
                f"unknown alert id {args.alert_id!r} (no such alert in {settings.es_alias!r})", EXIT_USAGE
            )
        source = stored.get("_source", {})
        revision = (source.get("choruswatch") or {}).get("revision")
        record = VerdictRecord(
            args.alert_id,
            parse_verdict_value(args.verdict),
            args.analyst or getpass.getuser(),
            round(time.time(), 3),  # milliseconds: the index and the topic carry the same instant
            int(revision) if isinstance(revision, int) else None,
            args.note,
            alert_accounts(source),
            "cli",
        )
        record_verdict_in_index(client, settings.es_alias, record)
    except Exception as exc:  # transport errors of every kind: report, exit 1
        return _fail(f"could not write the verdict to {settings.es_alias!r}: {exc}", EXIT_FAILED)
    finally:
        client.close()
    try:
        publish_verdict(settings, record)
    except Exception as exc:
        return _fail(
            f"written to {settings.es_alias!r} but not published to {settings.topic_verdicts!r} ({exc}); "
            "the workers' periodic pickup from the index will apply it",
            EXIT_FAILED,
        )
    print(
        f"{record.alert_id}: {record.value} by {record.analyst} (revision {record.revision}); "
        f"written to {settings.es_alias} and published to {settings.topic_verdicts}"
    )
    return 0


def register(subparsers: Any) -> None:
    """Add `choruswatch verdict` to the CLI."""
    parser = subparsers.add_parser(
        "verdict",
        help="record an analyst's verdict on an alert (index + verdicts topic)",
        description="Record a verdict on an alert: confirmed (its accounts become known actors), "
        "false_positive (no new revision unless it grows a lot), authentic (its accounts join the "
        "learned allowlist), or cleared (undo).",
    )
    parser.add_argument("alert_id", help="the alert's id, e.g. cw-1a2b3c4d5e6f7a8b")
    parser.add_argument("verdict", choices=(*VERDICTS, CLEARED), help="the verdict, or cleared to undo")
    parser.add_argument("--note", default=None, help="why (kept in the audit trail on the alert)")
    parser.add_argument("--analyst", default=None, help="who decides (default: the login name)")
    parser.set_defaults(func=_cmd)
