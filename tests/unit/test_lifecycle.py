"""Alert lifecycle: open -> updated -> closed, material change, rate limit, and the alert body."""

from __future__ import annotations

import json
from dataclasses import replace

from detectors.config import DetectorConfig
from detectors.lifecycle import DETECTOR_VERSION, AlertLifecycle, alert_id_for
from detectors.scoring import CoordinationScore, NarrativeState, Record, SignalResult
from schemas.models import validate_alert_dict

CFG = replace(DetectorConfig(), min_revision_s=300.0, revision_growth=0.25)
SIGNALS = {"near_duplicate": SignalResult(1.0, 0.25, 0.5, "all copies")}


def grow(state: NarrativeState, n: int, *, start: float = 0.0, text: str = "vote early, vote often") -> None:
    for i in range(n):
        k = state.size
        state.add(
            Record(
                t=start + i,
                account=f"acc{k}",
                key=f"key{k % 7}",
                simhash=k,
                links=("https://example.org/a",) if k % 2 else (),
                tags="rigged vote",
                repost_of=None,
                new_account=None,
                low_followers=None,
                similarity=0.9,
                mention_id=f"m{k}",
                official=False,
                founder=k == 0,
            ),
            handle=f"@h{k}",
            lang="en" if k % 3 else "fr",
            platform="x",
            text=f"{text} {k % 7}",
        )


def verdict(score: float, cfg: DetectorConfig = CFG, authentic: bool = False) -> CoordinationScore:
    return CoordinationScore(
        score, cfg.severity_for(score), SIGNALS, 10, authentic, "r" if authentic else None
    )


def test_open_only_at_threshold() -> None:
    life = AlertLifecycle(CFG, model_name="m")
    state = NarrativeState("nar-00ff", CFG)
    grow(state, 10)
    assert life.on_score(state, verdict(0.2), 10.0) is None
    alert = life.on_score(state, verdict(0.55), 20.0)
    assert alert is not None
    assert (alert.alert_id, alert.revision, alert.status, alert.severity) == ("cw-00ff", 1, "open", "low")
    assert life.is_open("nar-00ff")


def test_updates_are_material_and_rate_limited() -> None:
    life = AlertLifecycle(CFG, model_name="m")
    state = NarrativeState("nar-01", CFG)
    grow(state, 10)
    assert life.on_score(state, verdict(0.55), 0.0) is not None
    grow(state, 10, start=10)  # size doubled, but within the rate limit and same severity
    assert life.on_score(state, verdict(0.55), 100.0) is None
    # A severity increase is published at once, rate limit or not.
    up = life.on_score(state, verdict(0.75), 110.0)
    assert up is not None and (up.revision, up.status, up.severity) == (2, "updated", "high")
    # Nothing material changed: no revision even after the rate limit.
    assert life.on_score(state, verdict(0.76), 1000.0) is None
    grow(state, 10, start=1000)  # 20 -> 30 posts: +50%
    assert life.on_score(state, verdict(0.76), 1100.0) is not None
    # A severity decrease waits for the rate limit.
    assert life.on_score(state, verdict(0.62), 1200.0) is None
    down = life.on_score(state, verdict(0.62), 1500.0)
    assert down is not None and (down.revision, down.severity) == (4, "medium")


def test_dip_below_threshold_keeps_low_until_closed() -> None:
    life = AlertLifecycle(CFG, model_name="m")
    state = NarrativeState("nar-02", CFG)
    grow(state, 10)
    life.on_score(state, verdict(0.75), 0.0)
    dip = life.on_score(state, verdict(0.1), 400.0)
    assert dip is not None and dip.severity == "low" and dip.status == "updated"


def test_authentic_change_is_material() -> None:
    life = AlertLifecycle(CFG, model_name="m")
    state = NarrativeState("nar-03", CFG)
    grow(state, 10)
    life.on_score(state, verdict(0.6), 0.0)
    flipped = life.on_score(state, verdict(0.6, authentic=True), 400.0)
    assert flipped is not None and flipped.authentic and flipped.authentic_reason == "r"


def test_close_publishes_last_revision_once() -> None:
    life = AlertLifecycle(CFG, model_name="m")
    state = NarrativeState("nar-04", CFG)
    grow(state, 10)
    state.last_score = verdict(0.9)
    life.on_score(state, state.last_score, 0.0)
    closed = life.on_close(state, 5000.0)
    assert closed is not None and (closed.status, closed.revision, closed.severity) == (
        "closed",
        2,
        "critical",
    )
    assert not life.is_open("nar-04")
    assert life.on_close(state, 6000.0) is None
    never = NarrativeState("nar-05", CFG)
    grow(never, 3)
    assert life.on_close(never, 10.0) is None


def test_alert_body_is_valid_bounded_and_explains_itself() -> None:
    cfg = replace(CFG, evidence_top_n=3)
    life = AlertLifecycle(cfg, model_name="all-MiniLM-L6-v2")
    state = NarrativeState("nar-abc", cfg)
    grow(state, 80)
    alert = life.on_score(state, verdict(0.8, cfg), 79.0)
    assert alert is not None
    doc = alert.to_dict()
    validate_alert_dict(json.loads(json.dumps(doc)))
    nar = doc["narrative"]
    assert nar["size"] == 80 and nar["accounts"] == 80
    assert len(nar["representative_texts"]) == 5 and len(set(nar["representative_texts"])) == 5
    assert "vote" in nar["keywords"] and nar["label"]
    assert nar["languages"] == ["en", "fr"] and nar["platforms"] == ["x"]
    ev = doc["evidence"]
    assert len(ev["top_accounts"]) == 3 and ev["top_accounts"][0]["handle"] == "@h0"
    assert ev["links"] == [{"url": "https://example.org/a", "count": 40, "accounts": 40}]
    assert {h["tag"] for h in ev["hashtags"]} == {"rigged", "vote"}
    assert sum(p["count"] for p in ev["timeline"]) == 80
    assert len(ev["sample_mention_ids"]) == 50 and ev["sample_mention_ids"][0] == "m0"
    assert doc["signals"]["near_duplicate"]["detail"] == "all copies"
    assert doc["detector"]["version"] == DETECTOR_VERSION
    assert doc["detector"]["embedding_model"] == "all-MiniLM-L6-v2"
    assert doc["detector"]["thresholds"]["severity_low"] == cfg.severity["low"]


def test_lifecycle_snapshot_round_trip_keeps_revisions_moving_forward() -> None:
    life = AlertLifecycle(CFG, model_name="m")
    state = NarrativeState("nar-06", CFG)
    grow(state, 10)
    life.on_score(state, verdict(0.55), 0.0)
    other = AlertLifecycle(CFG, model_name="m")
    other.load(json.loads(json.dumps(life.snapshot())))
    nxt = other.on_score(state, verdict(0.9), 10.0)
    assert nxt is not None and nxt.revision == 2


def test_alert_id_is_stable() -> None:
    assert alert_id_for("nar-1a2b") == "cw-1a2b"
