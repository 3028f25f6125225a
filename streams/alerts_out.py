"""Alert revisions as Kafka records on `narrative-alerts`: CloudEvents 1.0 structured-mode JSON
(Alert v1 from stage 2, Alert v2 from the campaign stage; consumers select by the event `type`).

Key = alert_id, so every revision of one narrative lands on one partition, in order. The CloudEvent
`id` is "<alert_id>:<revision>" (built by `schemas.models.alert_to_cloudevent`), deterministic, so a
consumer can drop the duplicates that an at-least-once replay produces.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from schemas.alert_v2 import ALERT_V2_EVENT_TYPE, AlertV2, alert_v2_to_cloudevent, cloudevent_to_alert_v2
from schemas.models import Alert, alert_to_cloudevent
from streams.ports import OutRecord

CONTENT_TYPE: Final = "application/cloudevents+json; charset=utf-8"
SOURCE: Final = "urn:choruswatch:worker"


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One record for the alerts topic."""

    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...]

    def to_out(self, topic: str) -> OutRecord:
        return OutRecord(topic, self.value, key=self.key, headers=self.headers)


def alert_record(alert: Alert, *, source: str = SOURCE) -> AlertRecord:
    return _event_record(alert.alert_id, alert_to_cloudevent(alert, source=source))


def alert_v2_record(alert: AlertV2, *, source: str = SOURCE) -> AlertRecord:
    """A campaign alert revision (Alert v2, CloudEvents type `org.choruswatch.campaign.alert.v2`) on
    the same topic: its `cwc-` ids never collide with the narrative alerts' `cw-` ids."""
    return _event_record(alert.alert_id, alert_v2_to_cloudevent(alert, source=source))


def _event_record(alert_id: str, event: dict[str, Any]) -> AlertRecord:
    value = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = (("content-type", CONTENT_TYPE.encode("ascii")), ("ce_id", str(event["id"]).encode("utf-8")))
    return AlertRecord(alert_id.encode("utf-8"), value, headers)


def alert_from_record(value: bytes) -> Alert:
    """The Alert v1 inside a CloudEvents record (a v2 record raises SchemaError: not a v1 alert)."""
    event = json.loads(value)
    return Alert.from_dict(event["data"])


def alert_dict_from_record(value: bytes) -> dict[str, Any]:
    """The alert inside a CloudEvents record of either version, validated, as its JSON object
    (Alert v1 or, for type `org.choruswatch.campaign.alert.v2`, Alert v2): what the sink indexes."""
    event = json.loads(value)
    if isinstance(event, dict) and event.get("type") == ALERT_V2_EVENT_TYPE:
        return cloudevent_to_alert_v2(event).to_dict()
    return Alert.from_dict(event["data"]).to_dict()
