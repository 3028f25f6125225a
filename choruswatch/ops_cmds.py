"""Operations commands: `topics create|check`, `es setup|resync`, `kibana import`, `worker`.

Each reads the `CHORUSWATCH_*` settings once (a bad value ends the command with exit 2, see
`choruswatch.cli`) and calls the adapters in `streams/`; nothing here holds logic of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from streams.settings import Settings


# ------------------------------------------------------------------------------------------- topics
def _topics_create(args: argparse.Namespace) -> int:
    from streams.topics import check_topics, create_topics, topic_specs

    settings = Settings.from_env()
    created = create_topics(settings)
    for spec in topic_specs(settings):
        state = "created" if spec.name in created else "exists"
        print(f"{spec.name:<40} {spec.partitions:>3} partitions  {state}")
    problems = check_topics(settings)
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


def _topics_check(args: argparse.Namespace) -> int:
    from streams.topics import TopicsNotReady, check_topics, topic_specs

    settings = Settings.from_env()
    problems = check_topics(settings)
    if problems:
        print(str(TopicsNotReady(problems, settings.kafka_bootstrap)), file=sys.stderr)
        return 1
    print(f"all {len(topic_specs(settings))} topics ready on {settings.kafka_bootstrap}")
    return 0


# ----------------------------------------------------------------------------------- elasticsearch
def _es_setup(args: argparse.Namespace) -> int:
    from elasticsearch import ApiError, TransportError

    from streams.es import first_index_name, setup_alert_index

    settings = Settings.from_env()
    try:
        created = asyncio.run(setup_alert_index(settings))
    except (ApiError, TransportError) as err:
        print(f"choruswatch es setup: failed against {settings.es_url}: {err}", file=sys.stderr)
        return 1
    state = f"created {first_index_name(settings.es_alias)}" if created else "already set up"
    print(f"alias {settings.es_alias} on {settings.es_url}: {state}")
    return 0


def _es_resync(args: argparse.Namespace) -> int:
    from streams.resync import resync_index

    settings = Settings.from_env()
    report = asyncio.run(resync_index(settings))
    print(
        f"re-read {report.records:,} records of {settings.topic_alerts}: {report.alerts:,} alerts; "
        f"{report.created:,} documents created, {report.updated:,} updated, {report.stale:,} already current, "
        f"{report.rejected:,} refused (see {settings.topic_alerts_dlq})"
    )
    return 1 if report.rejected else 0


# ------------------------------------------------------------------------------------------- kibana
def _kibana_import(args: argparse.Namespace) -> int:
    from streams.clients import kibana_auth_headers
    from streams.kibana import import_dir

    settings = Settings.from_env()
    url = args.url or settings.kibana_url
    directory = Path(args.dir)
    if not directory.is_dir():
        print(f"choruswatch kibana import: no such directory: {directory}", file=sys.stderr)
        return 2
    reports = import_dir(url, directory, kibana_auth_headers(settings))
    if not reports:
        print(f"choruswatch kibana import: no *.ndjson files under {directory}", file=sys.stderr)
        return 2
    for report in reports:
        state = "ok" if report.success else "FAILED"
        print(f"{report.file}: {state}, {report.success_count} objects imported")
        for error in report.errors:
            print(f"  error: {error}", file=sys.stderr)
    return 0 if all(r.success for r in reports) else 1


# ------------------------------------------------------------------------------------------- worker
def _worker(args: argparse.Namespace) -> int:
    from streams.app import ALL_STAGES
    from streams.worker import run_worker

    stages = tuple(s.strip() for s in args.stages.split(",") if s.strip())
    unknown = [s for s in stages if s not in ALL_STAGES]
    if unknown or not stages:
        print(
            f"choruswatch worker: --stages: unknown {unknown}; choose from {','.join(ALL_STAGES)}",
            file=sys.stderr,
        )
        return 2
    return run_worker(Settings.from_env(), stages, args.embedder)


def register(subparsers: Any) -> None:
    from streams.kibana import DEFAULT_DIR

    topics = subparsers.add_parser("topics", help="create or check the Kafka topics").add_subparsers(
        dest="topics_command", metavar="ACTION", required=True
    )
    topics.add_parser("create", help="create missing topics (idempotent)").set_defaults(func=_topics_create)
    topics.add_parser("check", help="exit 1 listing missing or mis-sized topics").set_defaults(
        func=_topics_check
    )

    es = subparsers.add_parser("es", help="set up or rebuild the Elasticsearch alerts index").add_subparsers(
        dest="es_command", metavar="ACTION", required=True
    )
    es.add_parser("setup", help="index template, first index and write alias (idempotent)").set_defaults(
        func=_es_setup
    )
    es.add_parser(
        "resync", help="re-index every alert from the (compacted) alerts topic; analyst fields are kept"
    ).set_defaults(func=_es_resync)

    kibana = subparsers.add_parser("kibana", help="import Kibana saved objects").add_subparsers(
        dest="kibana_command", metavar="ACTION", required=True
    )
    imp = kibana.add_parser("import", help="POST deploy/kibana/*.ndjson to Kibana's saved-objects import API")
    imp.add_argument("--url", default=None, help="Kibana base URL (default: CHORUSWATCH_KIBANA_URL)")
    imp.add_argument(
        "--dir", default=str(DEFAULT_DIR), help="directory of *.ndjson files (default: %(default)s)"
    )
    imp.set_defaults(func=_kibana_import)

    worker = subparsers.add_parser("worker", help="run the stream worker (validate+embed, detect, sink)")
    worker.add_argument(
        "--stages",
        default="embed,detect,campaign,sink",
        help="comma-separated subset of embed,detect,campaign,sink",
    )
    worker.add_argument(
        "--embedder", choices=("model", "hashing"), default=None, help="override CHORUSWATCH_EMBEDDER"
    )
    worker.set_defaults(func=_worker)
