"""The pure parts of the verdict adapters: the analyst patch, reading a document back, the topic codec."""

from __future__ import annotations

import pytest

from detectors.verdicts import VerdictError, VerdictRecord
from streams.verdicts_io import (
    MAX_HISTORY,
    alert_accounts,
    analyst_patch,
    decode_verdict,
    encode_verdict,
    verdict_from_document,
)

AT = 1_775_552_400.0  # 2026-04-07T09:00:00Z
RECORD = VerdictRecord("cw-1", "false_positive", "alice", AT, 3, "fan club", ("a", "b"), "cli")
SOURCE = {
    "choruswatch": {
        "alert_id": "cw-1",
        "revision": 4,
        "evidence": {"top_accounts": [{"id": "a"}, {"id": "b"}]},
    },
    "analyst": {"status": "triaged", "verdict": "pending", "assignee": "carol", "notes": "n"},
}


def test_patch_sets_the_verdict_and_appends_to_the_history() -> None:
    patch = analyst_patch({"verdict_history": [{"verdict": "confirmed"}]}, RECORD)
    assert patch["verdict"] == "false_positive" and patch["verdict_by"] == "alice"
    assert patch["verdict_at"] == patch["updated_at"] == "2026-04-07T09:00:00Z"
    assert [h["verdict"] for h in patch["verdict_history"]] == ["confirmed", "false_positive"]
    assert "status" not in patch and "assignee" not in patch  # the analyst's own fields stay theirs
    cleared = analyst_patch({}, VerdictRecord("cw-1", None, "bob", AT, 3))
    assert cleared["verdict"] == "pending" and cleared["verdict_history"][0]["verdict"] == "cleared"


def test_history_is_bounded() -> None:
    long = {"verdict_history": [{"verdict": "confirmed"}] * MAX_HISTORY}
    assert len(analyst_patch(long, RECORD)["verdict_history"]) == MAX_HISTORY


def test_a_document_written_by_the_command_reads_back_as_the_same_decision() -> None:
    doc = {"_id": "cw-1", "_source": SOURCE | {"analyst": SOURCE["analyst"] | analyst_patch({}, RECORD)}}
    record = verdict_from_document(doc)
    assert record is not None and record.identity() == RECORD.identity()
    assert (record.revision, record.note, record.accounts, record.source) == (
        3,
        "fan club",
        ("a", "b"),
        "index",
    )


def test_a_later_kibana_edit_wins_with_the_assignee_as_analyst() -> None:
    analyst = (
        SOURCE["analyst"]
        | analyst_patch({}, RECORD)
        | {"verdict": "authentic", "updated_at": "2026-04-07T10:00:00Z"}
    )
    record = verdict_from_document({"_id": "cw-1", "_source": SOURCE | {"analyst": analyst}})
    assert record is not None
    assert (record.verdict, record.analyst, record.at, record.revision) == (
        "authentic",
        "carol",
        AT + 3600,
        4,
    )


def test_pending_documents_never_judged_give_nothing_and_bad_values_are_skipped() -> None:
    assert verdict_from_document({"_id": "cw-1", "_source": SOURCE}) is None
    odd = SOURCE | {"analyst": {"verdict": "very bad", "updated_at": "2026-04-07T10:00:00Z"}}
    assert verdict_from_document({"_id": "cw-1", "_source": odd}) is None
    legacy = SOURCE | {
        "analyst": {"verdict": "coordinated_inauthentic", "updated_at": "2026-04-07T10:00:00Z"}
    }
    record = verdict_from_document({"_id": "cw-1", "_source": legacy})
    assert record is not None and record.verdict == "confirmed"


def test_setting_the_verdict_back_to_pending_in_kibana_clears_it() -> None:
    analyst = {"verdict": "pending", "assignee": "carol", "updated_at": "2026-04-07T10:00:00Z"}
    record = verdict_from_document({"_id": "cw-1", "_source": SOURCE | {"analyst": analyst}})
    assert record is not None and record.verdict is None and record.analyst == "carol"


def test_accounts_prefer_the_campaign_list() -> None:
    assert alert_accounts(SOURCE) == ("a", "b")
    assert alert_accounts(SOURCE | {"campaign": {"account_ids": ["x", "y", "x"]}}) == ("x", "y")
    assert alert_accounts({}) == ()


def test_topic_codec_round_trips_and_refuses_bad_values() -> None:
    key, value = encode_verdict(RECORD)
    assert key == b"cw-1"
    decoded = decode_verdict(value)
    assert decoded.identity() == RECORD.identity() and decoded.source == "topic"
    with pytest.raises(VerdictError, match="not JSON"):
        decode_verdict(b"{")
    with pytest.raises(VerdictError, match="verdict"):
        decode_verdict(b'{"alert_id": "x", "analyst": "a", "at": "2026-04-07T09:00:00Z", "verdict": "?"}')
