"""Alert v2 (the campaign alert): the models are held to ``alert.v2.schema.json``, round-trip, and the
CloudEvents envelope carries a versioned type; Alert v1 stays readable beside it."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from schemas import (
    ALERT_V2_EVENT_TYPE,
    AlertV2,
    RelationCounts,
    SchemaError,
    TargetInfo,
    alert_v2_to_cloudevent,
    cloudevent_to_alert_v2,
    load_schema,
    schema_validator,
    validate_alert_v2_dict,
)
from tests.factories import make_alert_v2


def test_schema_file_is_valid_draft_2020_12_and_registered() -> None:
    schema = load_schema("alert-v2")
    assert schema["$id"] == "urn:choruswatch:schema:alert:v2"
    schema_validator("alert-v2").check_schema(schema)
    assert load_schema("alert.v2.schema.json") == schema
    assert load_schema("alert-event-v2")["properties"]["type"]["const"] == ALERT_V2_EVENT_TYPE


def test_to_dict_matches_the_schema_and_round_trips() -> None:
    alert = make_alert_v2()
    obj = alert.to_dict()
    validate_alert_v2_dict(obj)
    assert obj["schema_version"] == "2"
    assert set(obj) == set(load_schema("alert-v2")["required"])
    assert obj["campaign"]["narrative_count"] == 2
    assert AlertV2.from_dict(json.loads(json.dumps(obj))) == alert


def test_fields_filled_by_other_rules_round_trip() -> None:
    alert = make_alert_v2(
        claim_ids=("claim-7",),
        target=TargetInfo("u-embassy", "@VeridiaEmbUK", "p-42"),
        relations=RelationCounts(copy=4, rewording=9, translation=2),
        merged_into="cwc-0a0a",
        status="closed",
    )
    obj = alert.to_dict()
    assert obj["watchlist"] == {"claim_ids": ["claim-7"]}
    assert obj["target"]["handle"] == "@VeridiaEmbUK"
    assert obj["relations"] == {"copy": 4, "rewording": 9, "translation": 2}
    assert AlertV2.from_dict(obj) == alert


def _set(obj: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        obj = obj[int(part)] if part.isdigit() else obj[part]  # type: ignore[index]
    last = parts[-1]
    obj[int(last) if last.isdigit() else last] = value  # type: ignore[index]


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("schema_version", "1", "schema_version"),
        ("score", 1.2, "score"),
        ("campaign.narrative_ids", [], "campaign.narrative_ids"),
        ("campaign.score_basis", "theme", "campaign.score_basis"),
        ("network.edges.0.evidence.0.object.kind", "account", "network.edges[0].evidence[0].object.kind"),
        ("network.nodes.0.followers", -3, "network.nodes[0].followers"),
        ("narratives.0.timeline.0.minute", "yesterday", "narratives[0].timeline[0].minute"),
        ("merged_into", 5, "merged_into"),
    ],
)
def test_invalid_dicts_name_the_field(path: str, value: Any, field: str) -> None:
    obj = make_alert_v2().to_dict()
    _set(obj, path, value)
    with pytest.raises(SchemaError) as info:
        AlertV2.from_dict(obj)
    assert info.value.field == field


def test_every_section_is_required() -> None:
    for key in load_schema("alert-v2")["required"]:
        obj = make_alert_v2().to_dict()
        del obj[key]
        with pytest.raises(SchemaError, match=key):
            validate_alert_v2_dict(obj)


def test_unknown_fields_of_newer_producers_are_kept() -> None:
    obj = make_alert_v2().to_dict()
    obj["future_field"] = {"x": 1}
    alert = AlertV2.from_dict(obj)
    assert alert.extra == {"future_field": {"x": 1}}
    assert alert.to_dict()["future_field"] == {"x": 1}


def test_models_refuse_a_campaign_without_narratives() -> None:
    from schemas import CampaignInfo

    with pytest.raises(SchemaError, match="narrative_ids"):
        CampaignInfo("cmp-1", (), (), 0, 0, (), "campaign")


def test_cloudevent_round_trip_and_consistency() -> None:
    alert = make_alert_v2()
    event = alert_v2_to_cloudevent(alert, source="urn:choruswatch:worker")
    assert event["type"] == "org.choruswatch.campaign.alert.v2"
    assert event["dataschema"] == "urn:choruswatch:schema:alert:v2"
    assert event["id"] == "cwc-00ff:2" and event["subject"] == "cwc-00ff"
    schema_validator("alert-event-v2").validate(event)
    assert cloudevent_to_alert_v2(json.loads(json.dumps(event))) == alert
    wrong = copy.deepcopy(event)
    wrong["id"] = "cwc-00ff:3"
    with pytest.raises(SchemaError, match=r"^id: "):
        cloudevent_to_alert_v2(wrong)
    v1_type = {**event, "type": "org.choruswatch.narrative.alert.v1"}
    with pytest.raises(SchemaError, match=r"^type: "):
        cloudevent_to_alert_v2(v1_type)
