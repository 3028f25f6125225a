"""Kafka topics of the pipeline: their specs, idempotent creation and a readiness check.

Every topic is created explicitly with the partition count from the settings, because a broker that
auto-creates topics (Tansu, many dev clusters) would pick its own count and the routing and faust
tables rely on co-partitioning. Workers call `ensure_topics_ready()` at start-up and refuse to run
(`TopicsNotReady`) when a topic is missing or has the wrong partition count.

The dead-letter topics (`mentions.dlq`, `mentions.routed.dlq`, `narrative-alerts.dlq`) get
`CHORUSWATCH_DLQ_PARTITIONS` (default 1): dead letters are rare, read by people
and tools, and need no parallelism or key order. The others get `CHORUSWATCH_PARTITIONS`.

The facts topic (`campaign-facts`, stage 2 -> campaign stage) and the campaign stage's state changelog
(`<app_id>-campaign-state-changelog`) have one partition: the campaign level is one global tracker.

The specs include faust's changelog topic of the detector state table (`<app_id>-bucket-state-changelog`,
compacted): faust is run with topic declaration off, and a table's changelog must have exactly as many
partitions as its source topic (`mentions.routed`), so it is created and checked here like the others.

The commands `choruswatch topics create` and `topics check` (`choruswatch.ops_cmds`) call these.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from streams.clients import kafka_client_kwargs
from streams.settings import Settings

log = logging.getLogger(__name__)

STATE_TABLE: Final = "bucket-state"  # the faust table of per-bucket detector state (streams/app.py)
CAMPAIGN_TABLE: Final = "campaign-state"  # the faust table of the campaign stage's state (one partition)


class TopicsNotReady(RuntimeError):
    """Raised when topics the worker needs are missing or mis-sized; lists every problem."""

    def __init__(self, problems: Sequence[str], bootstrap: str = "") -> None:
        self.problems = list(problems)
        where = f" on {bootstrap}" if bootstrap else ""
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"Kafka topics are not ready{where}:\n{lines}\nRun `choruswatch topics create` (same settings) first."
        )


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """What a topic must look like: name, partition count, replication factor, topic configs."""

    name: str
    partitions: int
    replication_factor: int
    role: str
    configs: tuple[tuple[str, str], ...] = ()


def changelog_topic(settings: Settings, table: str = STATE_TABLE) -> str:
    """faust's name for a state table's changelog topic."""
    return f"{settings.app_id}-{table}-changelog"


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """The pipeline topics: mentions, dead letters, routed mentions, alerts, verdicts, the state changelog."""
    rf = settings.replication_factor
    n = settings.partitions
    return [
        TopicSpec(settings.topic_mentions, n, rf, "input: Mention v1 JSON"),
        TopicSpec(settings.topic_dlq, settings.dlq_partitions, rf, "dead letters: original bytes + headers"),
        TopicSpec(settings.topic_routed, n, rf, "internal: embedded mentions keyed by routing bucket"),
        TopicSpec(
            settings.topic_routed_dlq, settings.dlq_partitions, rf, "dead letters of stage 2: routed records"
        ),
        TopicSpec(
            settings.topic_alerts_dlq, settings.dlq_partitions, rf, "dead letters of the sink: alert records"
        ),
        # Alerts are keyed by alert_id and consumers need only the latest revision per key.
        TopicSpec(
            settings.topic_alerts, n, rf, "output: Alert v1 CloudEvents", (("cleanup.policy", "compact"),)
        ),
        # Analysts' verdicts keyed by alert_id: workers need only the latest per alert (the audit
        # trail lives on the alert document). One partition: every worker reads all of it.
        TopicSpec(
            settings.topic_verdicts,
            1,
            rf,
            "input: analysts' verdicts (choruswatch verdict), latest per alert",
            (("cleanup.policy", "compact"),),
        ),
        # Only the latest value per table key matters for recovery.
        TopicSpec(
            changelog_topic(settings),
            n,
            rf,
            "internal: per-bucket detector state (faust table changelog, co-partitioned with routed)",
            (("cleanup.policy", "compact"),),
        ),
        # One partition: the campaign level is global (one tracker), and the order of one bucket's
        # facts and of each partition's marks must hold. Not compacted: every record counts.
        TopicSpec(settings.topic_facts, 1, rf, "internal: campaign facts and slot marks of stage 2"),
        TopicSpec(
            changelog_topic(settings, CAMPAIGN_TABLE),
            1,
            rf,
            "internal: campaign stage state (faust table changelog, co-partitioned with the facts)",
            (("cleanup.policy", "compact"),),
        ),
    ]


def _admin(settings: Settings) -> Any:
    from kafka import KafkaAdminClient

    return KafkaAdminClient(
        client_id=f"{settings.app_id}-topics", request_timeout_ms=15_000, **kafka_client_kwargs(settings)
    )


def _partition_counts(admin: Any, names: Sequence[str]) -> dict[str, int]:
    """Partition count of each existing topic among `names`."""
    existing = set(admin.list_topics())
    wanted = [name for name in names if name in existing]
    if not wanted:
        return {}
    return {d["name"]: len(d["partitions"]) for d in admin.describe_topics(wanted) if d["error_code"] == 0}


def create_topics(settings: Settings, specs: Sequence[TopicSpec] | None = None) -> list[str]:
    """Create the missing topics (idempotent); returns the names created by this call."""
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    specs = list(specs) if specs is not None else topic_specs(settings)
    admin = _admin(settings)
    created: list[str] = []
    try:
        existing = set(admin.list_topics())
        for spec in specs:
            if spec.name in existing:
                continue
            topic = NewTopic(
                spec.name, spec.partitions, spec.replication_factor, topic_configs=dict(spec.configs)
            )
            try:
                admin.create_topics([topic])
            except TopicAlreadyExistsError:
                # Another worker or `topics create` won the race; check_topics judges its shape.
                continue
            created.append(spec.name)
            log.info("created topic %s (%d partitions)", spec.name, spec.partitions)
    finally:
        admin.close()
    return created


def check_topics(settings: Settings, specs: Sequence[TopicSpec] | None = None) -> list[str]:
    """Problems with the topics (missing, wrong partition count); an empty list means ready."""
    specs = list(specs) if specs is not None else topic_specs(settings)
    admin = _admin(settings)
    try:
        counts = _partition_counts(admin, [s.name for s in specs])
    finally:
        admin.close()
    problems: list[str] = []
    for spec in specs:
        have = counts.get(spec.name)
        if have is None:
            problems.append(f"topic {spec.name!r} is missing ({spec.role})")
        elif have != spec.partitions:
            problems.append(f"topic {spec.name!r} has {have} partitions, expected {spec.partitions}")
    return problems


def ensure_topics_ready(settings: Settings, specs: Sequence[TopicSpec] | None = None) -> None:
    """Raise TopicsNotReady unless every topic exists with the right partition count."""
    problems = check_topics(settings, specs)
    if problems:
        raise TopicsNotReady(problems, settings.kafka_bootstrap)


def delete_topics(settings: Settings, names: Sequence[str]) -> None:
    """Delete topics that exist among `names` (test clean-up, demo reset)."""
    admin = _admin(settings)
    try:
        existing = set(admin.list_topics())
        present = [name for name in names if name in existing]
        if present:
            admin.delete_topics(present)
    finally:
        admin.close()
