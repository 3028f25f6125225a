"""`choruswatch export`: the evidence files (GraphML, CSV) of stored campaign alerts.

    choruswatch export ALERTS [--alert-id ID] [--out DIR]

``ALERTS`` is a file of alert revisions as `choruswatch detect` writes them (JSON lines), a file of
CloudEvents from the alerts topic, or one alert as a JSON document; ``-`` reads stdin. Alert v1 lines
(one narrative, no network) are skipped. For each campaign alert (or only ``--alert-id``) the latest
revision is exported into ``--out`` (default: the current folder) as ``<alert_id>.graphml``,
``<alert_id>-accounts.csv``, ``<alert_id>-edges.csv`` and ``<alert_id>-evidence.csv``
(:mod:`choruswatch.exports`). Exit status: 0 when something was exported, 2 on unreadable input,
an invalid alert, or an ``--alert-id`` that is not in the file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from choruswatch.exports import write_exports
from schemas.alert_v2 import AlertV2
from schemas.models import SchemaError


class ExportError(Exception):
    """The input cannot be read or holds no matching campaign alert (exit status 2)."""


def _documents(text: str, source: str) -> list[tuple[str, Any]]:
    """One JSON document (pretty-printed or not), else JSON lines; each with where it came from."""
    try:
        return [(source, json.loads(text))]
    except json.JSONDecodeError:
        pass
    return [
        (f"{source}:{n}", json.loads(line)) for n, line in enumerate(text.splitlines(), 1) if line.strip()
    ]


def latest_campaign_alerts(text: str, source: str = "input") -> dict[str, AlertV2]:
    """alert id -> its highest revision, over every Alert v2 (or v2 CloudEvent) in ``text``."""
    latest: dict[str, AlertV2] = {}
    try:
        docs = _documents(text, source)
    except json.JSONDecodeError as exc:
        raise ExportError(f"{source}: not JSON or JSON lines ({exc})") from None
    for where, doc in docs:
        if not isinstance(doc, Mapping):
            raise ExportError(f"{where}: expected a JSON object")
        data = doc.get("data") if "specversion" in doc else doc
        if not isinstance(data, Mapping) or data.get("schema_version") != "2":
            continue
        try:
            alert = AlertV2.from_dict(data)
        except SchemaError as exc:
            raise ExportError(f"{where}: not a valid Alert v2 ({exc})") from None
        known = latest.get(alert.alert_id)
        if known is None or alert.revision > known.revision:
            latest[alert.alert_id] = alert
    return latest


def export(text: str, out: Path, *, alert_id: str | None = None, source: str = "input") -> list[Path]:
    """Export the latest revision of each campaign alert (or of ``alert_id``); returns the files."""
    alerts = latest_campaign_alerts(text, source)
    if alert_id is not None:
        if alert_id not in alerts:
            raise ExportError(
                f"{source}: no campaign alert {alert_id!r} (found {len(alerts)} campaign alerts)"
            )
        alerts = {alert_id: alerts[alert_id]}
    if not alerts:
        raise ExportError(f"{source}: no campaign alert (Alert v2) to export")
    return [path for aid in sorted(alerts) for path in write_exports(alerts[aid], out)]


def _run(args: argparse.Namespace) -> int:
    try:
        text = sys.stdin.read() if args.alerts == "-" else Path(args.alerts).read_text(encoding="utf-8")
        paths = export(text, Path(args.out), alert_id=args.alert_id, source=args.alerts)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"choruswatch export: cannot read {args.alerts}: {exc}", file=sys.stderr)
        return 2
    except ExportError as exc:
        print(f"choruswatch export: {exc}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write the account network of campaign alerts as GraphML (Gephi) and CSV",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("alerts", help="alert revisions (JSON lines or one JSON document; '-' for stdin)")
    parser.add_argument("--alert-id", default=None, help="export only this campaign alert")
    parser.add_argument("--out", default=".", help="folder for the files (default: the current folder)")
    parser.set_defaults(func=_run)
