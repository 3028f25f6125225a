"""bench.quality's measure of K, the live narratives per bucket that the open-set calibration assumes."""

from __future__ import annotations

import pytest

from bench.quality import live_narratives_per_bucket


def test_a_narrative_is_live_from_its_first_mention_until_the_expiry_after_its_last() -> None:
    # n1 spans 0-10 s, n2 is born at 20 s; with a 15 s expiry n1 is gone by 30 s.
    times = {"a": 0.0, "b": 10.0, "c": 20.0, "d": 30.0, "e": 31.0}
    narrative_of = {"a": "n1", "b": "n1", "c": "n2", "d": None, "e": "n2"}
    mean, p90 = live_narratives_per_bucket(times, narrative_of, idle_expiry_s=15.0, buckets=1)
    # live at each arrival: a 1, b 1, c 2, d 1 (n1 expired at 25 s), e 1
    assert mean == pytest.approx(6 / 5)
    assert p90 == pytest.approx(1.6)
    halved, _ = live_narratives_per_bucket(times, narrative_of, idle_expiry_s=15.0, buckets=2)
    assert halved == pytest.approx(mean / 2)


def test_no_mentions_means_no_live_narratives() -> None:
    assert live_narratives_per_bucket({}, {}, idle_expiry_s=10.0, buckets=4) == (0.0, 0.0)
