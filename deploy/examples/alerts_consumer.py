"""Example downstream consumer of ChorusWatch alerts: prints each new critical alert.

It shows what docs/alerts-topic.md asks of a consumer, in one file that needs only kafka-python and
jsonschema (no ChorusWatch code): read `narrative-alerts`, validate every message against the published
JSON Schemas (CloudEvents envelope + Alert v1), drop duplicate and out-of-date revisions, and act on the
first revision at which an alert is critical.

    python deploy/examples/alerts_consumer.py --bootstrap localhost:9094
    python deploy/examples/alerts_consumer.py --bootstrap localhost:9094 --from-beginning --idle-timeout 10

Output, one line per new critical alert on stdout; invalid messages are reported on stderr and skipped:

    CRITICAL alert=<alert_id> revision=3 score=0.91 accounts=37 languages=ar,en inauthentic label="..."
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import jsonschema
import referencing
from kafka import KafkaConsumer

DEFAULT_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def load_validator(schema_dir: Path) -> jsonschema.protocols.Validator:
    """A validator for the CloudEvents envelope whose `data` $ref resolves to the Alert v1 schema."""
    event_schema = json.loads((schema_dir / "alert-event.v1.schema.json").read_text(encoding="utf-8"))
    alert_schema = json.loads((schema_dir / "alert.v1.schema.json").read_text(encoding="utf-8"))
    registry: referencing.Registry[Any] = referencing.Registry().with_resources(
        (schema["$id"], referencing.Resource.from_contents(schema)) for schema in (event_schema, alert_schema)
    )
    validator_class = jsonschema.validators.validator_for(event_schema)
    return validator_class(event_schema, registry=registry)


@dataclass
class CriticalAlertFilter:
    """Keeps the highest revision seen per alert and says when an alert has just become critical.

    Revisions of one alert arrive in order on one partition (key = alert_id), but an at-least-once
    replay can deliver one twice, so the filter ignores any revision not newer than the last one seen.
    """

    revisions: dict[str, int] = field(default_factory=dict)
    critical: set[str] = field(default_factory=set)

    def is_new_critical(self, alert: Mapping[str, Any]) -> bool:
        alert_id, revision = alert["alert_id"], alert["revision"]
        if revision <= self.revisions.get(alert_id, 0):
            return False
        self.revisions[alert_id] = revision
        if alert["severity"] != "critical" or alert["status"] == "closed" or alert_id in self.critical:
            return False
        self.critical.add(alert_id)
        return True


def describe(alert: Mapping[str, Any]) -> str:
    narrative = alert["narrative"]
    authenticity = "authentic" if alert["authentic"] else "inauthentic"
    return (
        f"CRITICAL alert={alert['alert_id']} revision={alert['revision']} score={alert['score']:.2f} "
        f"accounts={narrative['accounts']} languages={','.join(narrative['languages']) or '-'} "
        f"{authenticity} label={json.dumps(narrative['label'], ensure_ascii=False)}"
    )


def handle(
    values: Iterable[bytes], validator: jsonschema.protocols.Validator, out: TextIO, err: TextIO
) -> tuple[int, int]:
    """Validate and filter raw message values; returns (valid, invalid) counts."""
    alerts = CriticalAlertFilter()
    valid = invalid = 0
    for value in values:
        try:
            event = json.loads(value)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            invalid += 1
            print(f"invalid message (not JSON): {exc}", file=err)
            continue
        errors = sorted(validator.iter_errors(event), key=lambda e: list(e.absolute_path))
        if errors:
            invalid += 1
            where = "/".join(map(str, errors[0].absolute_path)) or "(root)"
            print(f"invalid message at {where}: {errors[0].message}", file=err)
            continue
        valid += 1
        if alerts.is_new_critical(event["data"]):
            print(describe(event["data"]), file=out, flush=True)
    return valid, invalid


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", default="localhost:9092", help="Kafka bootstrap servers")
    parser.add_argument("--topic", default="narrative-alerts")
    parser.add_argument("--group", default="choruswatch-example-consumer", help="consumer group id")
    parser.add_argument("--from-beginning", action="store_true", help="start at the oldest retained alert")
    parser.add_argument("--schemas", type=Path, default=DEFAULT_SCHEMAS, help="folder with the JSON Schemas")
    parser.add_argument(
        "--idle-timeout", type=float, default=None, help="exit after this many seconds without a message"
    )
    parser.add_argument(
        "--max-messages", type=int, default=None, help="exit after reading this many messages"
    )
    args = parser.parse_args(argv)

    validator = load_validator(args.schemas)
    consumer = KafkaConsumer(
        args.topic,
        bootstrap_servers=args.bootstrap.split(","),
        group_id=args.group,
        auto_offset_reset="earliest" if args.from_beginning else "latest",
        consumer_timeout_ms=int(args.idle_timeout * 1000) if args.idle_timeout else float("inf"),
    )
    try:
        values = itertools.islice((record.value for record in consumer), args.max_messages)
        valid, invalid = handle(values, validator, sys.stdout, sys.stderr)
    except KeyboardInterrupt:
        return 130
    finally:
        consumer.close()
    print(f"{valid} valid, {invalid} invalid messages", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
