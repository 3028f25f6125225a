"""`choruswatch es setup`: create the alerts index template, first index and write alias (idempotent).

Safe to run on every deploy: the template is rewritten (new mappings apply to the next index), an
existing index and alias are left as they are.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from streams.settings import Settings


async def setup_alert_index(settings: Settings) -> bool:
    """Run ensure_alert_index against the configured cluster; True when the index was created now."""
    from streams.es import ensure_alert_index

    client: Any = settings.es_client(asynchronous=True)
    try:
        return await ensure_alert_index(client, settings.es_alias)
    finally:
        await client.close()


def _cmd_setup(args: argparse.Namespace) -> int:
    from elasticsearch import ApiError, TransportError

    from streams.es import first_index_name

    settings = Settings.from_env()
    try:
        created = asyncio.run(setup_alert_index(settings))
    except (ApiError, TransportError) as err:
        print(f"es setup failed against {settings.es_url}: {err}", file=sys.stderr)
        return 1
    state = f"created {first_index_name(settings.es_alias)}" if created else "already set up"
    print(f"alias {settings.es_alias} on {settings.es_url}: {state}")
    return 0


def register(subparsers: Any) -> None:
    """Add `es setup` to the choruswatch CLI."""
    parser = subparsers.add_parser("es", help="set up the Elasticsearch alerts index")
    sub = parser.add_subparsers(dest="es_command", metavar="ACTION", required=True)
    setup = sub.add_parser("setup", help="index template, first index and write alias (idempotent)")
    setup.set_defaults(func=_cmd_setup)
