"""The demo's live alert table: event-time order with a display delay, short ids, summary lines."""

from __future__ import annotations

from typing import Any

import pytest

from choruswatch.alert_table import EventTimeOrder, endpoints, short_id
from choruswatch.demo import ALERT_HEADER, alert_row
from streams.settings import Settings


def alert(
    as_of: str, alert_id: str = "cw-1a2b3c4d5e6f7788", revision: int = 1, **extra: Any
) -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "revision": revision,
        "status": "open" if revision == 1 else "updated",
        "as_of": f"2026-03-01T{as_of}Z",
        "severity": "high",
        "score": 0.81,
        "authentic": False,
        "narrative": {"label": "Must read [now]", "accounts": 34, "size": 41},
        **extra,
    }


def times(released: list[tuple[dict[str, Any], bool]]) -> list[tuple[str, bool]]:
    return [(str(a["as_of"])[11:19], late) for a, late in released]


def test_revisions_are_held_for_the_delay_then_released_in_event_time_order() -> None:
    order = EventTimeOrder(delay_s=2.0)
    order.add(alert("10:05:00", "cw-bbbb"), now=100.0)
    order.add(alert("10:03:00", "cw-aaaa"), now=100.5)  # earlier event time, arrived later
    assert order.release(101.0) == []  # nothing waited 2 s yet
    assert times(order.release(103.0)) == [("10:03:00", False), ("10:05:00", False)]
    assert len(order) == 0


def test_a_revision_older_than_what_was_printed_is_marked_late() -> None:
    order = EventTimeOrder(delay_s=1.0)
    order.add(alert("10:05:00"), now=0.0)
    assert times(order.release(2.0)) == [("10:05:00", False)]
    order.add(alert("10:04:00", "cw-cccc"), now=10.0)
    order.add(alert("10:06:00", "cw-dddd"), now=10.0)
    assert times(order.release(10.0, everything=True)) == [("10:04:00", True), ("10:06:00", False)]


def test_revisions_of_one_alert_at_one_event_time_keep_revision_order() -> None:
    order = EventTimeOrder(delay_s=0.0)
    order.add(alert("10:05:00", revision=2), now=0.0)
    order.add(alert("10:05:00", revision=1), now=0.0)
    assert [a["revision"] for a, _ in order.release(0.0)] == [1, 2]


def test_negative_delay_is_rejected() -> None:
    with pytest.raises(ValueError, match="delay_s"):
        EventTimeOrder(delay_s=-1.0)


def test_row_shows_the_short_id_the_label_escaped_and_the_summary_line() -> None:
    assert short_id("cw-1a2b3c4d5e6f7788") == "1a2b3c4d"
    row = alert_row(alert("10:05:00", summary="«Must read»: 34 accounts posted 41 times in 3 min"))
    first, second = row.split("\n")
    assert first.startswith("10:05:00       1a2b3c4d  ")
    assert r"Must read \[now]" in first
    assert "«Must read»: 34 accounts posted 41 times in 3 min" in second
    assert "\n" not in alert_row(alert("10:05:00"))  # Alert v1 has no summary: one line
    assert "↑late" in alert_row(alert("10:05:00"), late=True)
    assert ALERT_HEADER.index("alert") == first.index("1a2b3c4d")


def test_endpoints_name_search_topics_and_metrics() -> None:
    got = dict(endpoints(Settings(metrics_port=9999)))
    assert got["alerts search"] == "http://localhost:9200/choruswatch-alerts/_search"
    assert got["alerts topic"] == "narrative-alerts on localhost:9092"
    assert got["metrics"] == "http://127.0.0.1:9999/metrics"


def test_a_campaign_alert_v2_gets_a_row_with_its_narrative_count_accounts_and_posts() -> None:
    from tests.factories import make_alert_v2

    campaign = make_alert_v2().to_dict()
    row = alert_row(campaign)
    assert f"campaign ×{campaign['campaign']['narrative_count']}" in row
    assert f"{campaign['campaign']['accounts']:>8} {campaign['campaign']['posts']:>6}" in row
