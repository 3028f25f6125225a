"""The analyst loop through the event-time engine: golden scenarios and verdict semantics.

The golden files (tests/golden/make_analyst_golden.py) are fed to :class:`detectors.engine.Engine`
exactly as ``choruswatch detect`` does: bucket Detectors tag claims and reply texts, the
:class:`detectors.global_level.GlobalLevel` raises the Alert v2 revisions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from detectors.analyst import AnalystInputs
from detectors.config import DetectorConfig
from detectors.detector import Detector
from detectors.engine import Engine
from detectors.global_level import GlobalLevel
from streams.analyst_files import load_sensors
from tests.unit.test_analyst_golden import GOLDEN, MODELS, config_for, scenario, watchlist

CLAIM = "embassy-funds-protests"


def run(
    name: str, model: str, analyst: AnalystInputs, *, cfg: DetectorConfig | None = None, batch: int = 1000
) -> tuple[list[dict[str, Any]], list[Any], Engine]:
    """Every v2 revision (as dicts) and every step result of the global level."""
    mentions, vectors, _ = scenario(name, MODELS[model][0])
    config = cfg or config_for(model)
    engine = Engine(
        lambda: Detector(config, model_name=model, analyst=analyst),
        buckets=4,
        lateness_s=30.0,
        make_tracker=lambda: GlobalLevel(config, model_name=model, analyst=analyst),
    )
    steps: list[Any] = []
    for s in range(0, len(mentions), batch):
        engine.add(mentions[s : s + batch], vectors[s : s + batch])
        steps += [st.result for st in engine.take_campaign_steps()]
    engine.finish(close=True)
    steps += [st.result for st in engine.take_campaign_steps()]
    return [a.to_dict() for r in steps for a in r.alerts], steps, engine


def test_known_claim_resurfacing_alerts_within_five_minutes_and_the_related_talk_does_not_match() -> None:
    """NEEDS THE MULTILINGUAL MODEL (vector_e5): English claim, Spanish and Arabic rewordings."""
    analyst = AnalystInputs(watchlist=watchlist("e5"))
    alerts, steps, _ = run("claim_resurfacing", "e5", analyst)
    mentions, _, labels = scenario("claim_resurfacing", "vector_e5")
    resurfacing = [a for a in alerts if a["rule"]["name"] == "known claim resurfacing"]
    opened = [a for a in resurfacing if a["status"] == "open"]
    assert len(opened) == 1, resurfacing
    first_post = min(m.timestamp for m, label in zip(mentions, labels, strict=True) if label == "resurfacing")
    as_of = np.datetime64(opened[0]["as_of"].rstrip("Z"), "ms").astype("datetime64[ms]").astype(float) / 1000
    assert as_of - first_post <= 300, "one alert within 5 minutes of event time"
    assert opened[0]["watchlist"]["claim_ids"][0] == CLAIM
    assert opened[0]["severity"] == "medium", "the claim's severity floor"
    assert {a["revision"] for a in resurfacing} == set(range(1, len(resurfacing) + 1))
    assert resurfacing[-1]["status"] == "closed"
    # Which mentions matched: only rewordings, never the related discussion or the chatter.
    matched_ids = {mid for a in resurfacing for mid in a["evidence"]["sample_mention_ids"]}
    by_id = dict(zip((m.id for m in mentions), labels, strict=True))
    assert {by_id[m] for m in matched_ids} == {"resurfacing"}
    assert sum(r.analyst.claim_sightings for r in steps) >= 10


def test_every_revision_whose_narratives_matched_lists_the_claim() -> None:
    analyst = AnalystInputs(watchlist=watchlist("e5"))
    alerts, _, _ = run("claim_resurfacing", "e5", analyst)
    for alert in alerts:
        if alert["rule"]["name"] == "known claim resurfacing":
            narratives = set(alert["campaign"]["narrative_ids"])
            same = [a for a in alerts if set(a["campaign"]["narrative_ids"]) & narratives]
            assert all(CLAIM in a["watchlist"]["claim_ids"] for a in same)


def test_reply_storm_on_the_embassy_alerts_naming_account_and_post() -> None:
    analyst = AnalystInputs(sensors=load_sensors(GOLDEN / "sensors.txt"))
    alerts, steps, _ = run("reply_storm", "minilm", analyst, cfg=DetectorConfig())
    storms = [a for a in alerts if a["rule"]["name"] == "reply storm"]
    opened = [a for a in storms if a["status"] == "open"]
    assert len(opened) == 1, storms
    assert opened[0]["target"] == {"account_id": "2001", "handle": "@VeridiaEmbKordan", "post_id": "emb-post-1"}
    assert storms[-1]["status"] == "closed" and storms[-1]["campaign"]["accounts"] == 40
    assert sum(r.analyst.replies_watched for r in steps) >= 40


def test_three_hundred_organic_replies_raise_no_storm() -> None:
    analyst = AnalystInputs(sensors=load_sensors(GOLDEN / "sensors.txt"))
    alerts, steps, _ = run("reply_organic", "minilm", analyst, cfg=DetectorConfig())
    assert [a for a in alerts if a["rule"]["name"] == "reply storm"] == []
    assert sum(r.analyst.replies_watched for r in steps) == 300
