"""Verdict semantics: latest wins, reversibility, the audit trail and each verdict's effect."""

from __future__ import annotations

import json

import pytest

from detectors.verdicts import (
    RevisionMeasure,
    VerdictBook,
    VerdictError,
    VerdictRecord,
    parse_verdict_value,
)

T0 = 1_775_552_400.0  # 2026-04-07T09:00:00Z


def verdict(
    alert: str, value: str | None, at: float, *, analyst: str = "alice", accounts: tuple[str, ...] = ()
) -> VerdictRecord:
    return VerdictRecord(alert, parse_verdict_value(value), analyst, T0 + at, 3, None, accounts)


def test_latest_verdict_wins_whatever_the_arrival_order() -> None:
    records = [
        verdict("cw-1", "confirmed", 10, accounts=("a", "b")),
        verdict("cw-1", "authentic", 30, accounts=("a", "b")),
        verdict("cw-1", "false_positive", 20),
    ]
    for order in ([0, 1, 2], [2, 1, 0], [1, 0, 2]):
        book = VerdictBook()
        book.apply_many(records[i] for i in order)
        current = book.current("cw-1")
        assert current is not None and current.verdict == "authentic"
        assert book.allowlist() == {"a", "b"} and book.known_actors() == frozenset()
        assert [r.value for r in book.history("cw-1")] == ["confirmed", "false_positive", "authentic"]


def test_a_late_older_verdict_is_audited_but_changes_nothing() -> None:
    book = VerdictBook()
    book.apply(verdict("cw-1", "confirmed", 100, accounts=("x",)))
    late = book.apply(verdict("cw-1", "false_positive", 50, analyst="bob"))
    assert late.recorded and not late.effective and "older than the latest decision" in late.reason
    assert book.current("cw-1").verdict == "confirmed"  # type: ignore[union-attr]
    assert len(book.history("cw-1")) == 2


def test_a_late_verdict_older_than_a_clearing_stays_cleared() -> None:
    book = VerdictBook()
    book.apply(verdict("cw-1", "cleared", 100))
    book.apply(verdict("cw-1", "authentic", 50, accounts=("x",)))
    assert book.current("cw-1") is None and book.allowlist() == frozenset()


def test_the_same_decision_from_topic_and_index_is_recorded_once() -> None:
    book = VerdictBook()
    first = book.apply(verdict("cw-1", "confirmed", 10, accounts=("a",)))
    again = book.apply(verdict("cw-1", "confirmed", 10, accounts=("a",)))
    assert first.effective and not again.recorded and not again.effective
    assert len(book.history("cw-1")) == 1


def test_clearing_undoes_every_effect_and_keeps_the_trail() -> None:
    book = VerdictBook()
    book.apply(verdict("cw-1", "authentic", 10, accounts=("a", "b")))
    book.apply(verdict("cw-2", "authentic", 11, accounts=("b", "c")))
    change = book.apply(verdict("cw-1", "cleared", 20, analyst="bob"))
    assert change.effective and change.reason == "cleared"
    assert book.current("cw-1") is None
    assert book.allowlist() == {"b", "c"}  # b stays: cw-2 still vouches for it
    assert [p.alert_id for p in book.allowlist_provenance("b")] == ["cw-2"]
    assert [(r.value, r.analyst) for r in book.history("cw-1")] == [
        ("authentic", "alice"),
        ("cleared", "bob"),
    ]


def test_allowlist_provenance_names_alert_analyst_time_and_revision() -> None:
    book = VerdictBook()
    book.apply(verdict("cw-9", "authentic", 0, analyst="carol", accounts=("mfa",)))
    (prov,) = book.allowlist_provenance("mfa")
    assert (prov.alert_id, prov.analyst, prov.at, prov.revision) == ("cw-9", "carol", T0, 3)
    assert prov.describe() == "cw-9 revision 3 (carol, 2026-04-07T09:00:00Z)"


def test_known_actor_share_explains_itself() -> None:
    book = VerdictBook()
    book.apply(verdict("cw-1", "confirmed", 0, accounts=("t1", "t2", "t3")))
    signal = book.known_actor_share(["t1", "t2", "u1", "u2", "t1"])
    assert (signal.known, signal.total) == (2, 4) and signal.value == pytest.approx(0.5)
    assert signal.detail.startswith("2 of 4 accounts (50%) are known actors from alerts confirmed")
    assert "cw-1 revision 3 (alice" in signal.detail
    assert book.known_actor_share(["u1"]).value == 0.0
    assert book.known_actor_share([]).detail == "no accounts"


def test_false_positive_suppresses_until_the_alert_doubles() -> None:
    book = VerdictBook(false_positive_growth=2.0)
    book.apply(verdict("cw-1", "false_positive", 0))
    last = RevisionMeasure(revision=3, size=40, accounts=12)
    small = book.should_publish("cw-1", RevisionMeasure(4, 60, 16), last)
    assert small.suppressed and "x1.50 < x2" in small.reason and "alice" in small.reason
    large = book.should_publish("cw-1", RevisionMeasure(4, 70, 30), last)
    assert large.publish and "accounts 12 -> 30 since revision 3" in large.reason
    closing = book.should_publish("cw-1", RevisionMeasure(5, 60, 16, status="closed"), last)
    assert closing.publish and closing.reason.startswith("closing revision")
    assert book.should_publish("cw-1", RevisionMeasure(4, 60, 16), None).suppressed


def test_other_verdicts_and_no_verdict_never_suppress() -> None:
    book = VerdictBook()
    book.apply(verdict("cw-1", "confirmed", 0))
    last = RevisionMeasure(1, 10, 5)
    assert book.should_publish("cw-1", RevisionMeasure(2, 11, 5), last).publish
    decision = book.should_publish("cw-2", RevisionMeasure(2, 11, 5), last)
    assert decision.publish and decision.verdict is None and decision.reason == ""


def test_undoing_a_false_positive_restores_alerting() -> None:
    book = VerdictBook()
    book.apply(verdict("cw-1", "false_positive", 0))
    last = RevisionMeasure(1, 10, 5)
    assert book.should_publish("cw-1", RevisionMeasure(2, 14, 7), last).suppressed
    book.apply(verdict("cw-1", "cleared", 60))
    assert book.should_publish("cw-1", RevisionMeasure(2, 14, 7), last).publish


def test_snapshot_restore_round_trips_through_json() -> None:
    book = VerdictBook(false_positive_growth=3.0)
    book.apply(verdict("cw-1", "authentic", 0, accounts=("a",)))
    book.apply(verdict("cw-2", "confirmed", 5, accounts=("k",)))
    book.apply(verdict("cw-2", "cleared", 9))
    copy = VerdictBook.restore(json.loads(json.dumps(book.snapshot())))
    assert copy.false_positive_growth == 3.0
    assert copy.allowlist() == {"a"} and copy.known_actors() == frozenset()
    assert copy.history("cw-2") == book.history("cw-2")
    assert copy.snapshot() == book.snapshot()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("confirmed", "confirmed"),
        ("false_positive", "false_positive"),
        ("authentic", "authentic"),
        ("cleared", None),
        ("pending", None),
        (None, None),
        ("coordinated_inauthentic", "confirmed"),
        ("organic", "false_positive"),
    ],
)
def test_verdict_values(value: str | None, expected: str | None) -> None:
    assert parse_verdict_value(value) == expected


@pytest.mark.parametrize("value", ["confirm", "FALSE_POSITIVE", "", 3])
def test_unknown_verdict_values_are_refused(value: object) -> None:
    with pytest.raises(VerdictError, match="verdict"):
        parse_verdict_value(value)


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"alert_id": ""}, "alert_id"),
        ({"analyst": None}, "analyst"),
        ({"at": "yesterday"}, "at"),
        ({"at": 1775552400}, "at"),
        ({"revision": 0}, "revision"),
        ({"revision": True}, "revision"),
        ({"note": 5}, "note"),
        ({"accounts": "a,b"}, "accounts"),
        ({"verdict": "maybe"}, "verdict"),
    ],
)
def test_record_validation_names_the_field(patch: dict[str, object], field: str) -> None:
    good = {"alert_id": "cw-1", "verdict": "confirmed", "analyst": "alice", "at": "2026-04-07T09:00:00Z"}
    VerdictRecord.from_dict(good)
    with pytest.raises(VerdictError) as err:
        VerdictRecord.from_dict(good | patch)
    assert err.value.field == field


def test_record_requires_a_verdict_key() -> None:
    with pytest.raises(VerdictError, match="verdict: required"):
        VerdictRecord.from_dict({"alert_id": "cw-1", "analyst": "a", "at": "2026-04-07T09:00:00Z"})


def test_book_refuses_a_growth_factor_that_would_never_suppress() -> None:
    with pytest.raises(ValueError, match="above 1"):
        VerdictBook(false_positive_growth=1.0)
