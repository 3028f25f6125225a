"""The facts a Detector emits for the campaign level: one action per mention, narrative reports when
a narrative is born, scored and closed; compact JSON lists that round-trip."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from detectors.config import DetectorConfig
from detectors.detector import Detector
from detectors.facts import Action, NarrativeReport, decode_centroid, encode_centroid
from tests.unit.test_detector import CFG, EMB, copy_paste, mention, organic, run


def test_one_action_per_mention_in_input_order_with_its_narrative() -> None:
    rng = random.Random(3)
    stream = organic(rng, 60, 3600) + copy_paste(rng, 12, 1200, 1000)
    stream.append(mention(5000, 1300, "short", "so true!"))
    results = run(Detector(CFG, model_name=EMB.name), stream)
    actions = [a for r in results for a in r.actions]
    assignments = [a for r in results for a in r.assignments]
    assert [a.mention_id for a in actions] == [a.mention_id for a in assignments]
    assert [a.narrative_id for a in actions] == [a.narrative_id for a in assignments]
    short = next(a for a in actions if a.account == "short")
    assert short.narrative_id is None and short.similarity == 0.0
    copy = next(a for a in actions if a.account == "c3")
    assert copy.tags == "watergate" and copy.new_account is True and copy.official is False
    assert copy.account_created is not None and copy.t > copy.account_created


def test_reports_when_narratives_are_born_scored_and_closed() -> None:
    rng = random.Random(4)
    stream = organic(rng, 40, 3600) + copy_paste(rng, 15, 1500, 1000)
    det = Detector(CFG, model_name=EMB.name)
    results = run(det, stream, flush=False)
    results.append(det.advance(stream[-1].timestamp + CFG.idle_expiry_s + 3600))
    reports = [r for step in results for r in step.reports]
    founded = {a.narrative_id for step in results for a in step.assignments if a.new_narrative}
    born = [r for r in reports if r.kind == "born"]
    assert {r.narrative_id for r in born} == founded
    assert all(r.centroid and r.founder_text and r.script == "latin" for r in born)
    campaign = next(a.narrative_id for step in results for a in step.actions if a.account == "c0")
    scored = [r for r in reports if r.kind == "scored" and r.narrative_id == campaign]
    assert scored and scored[-1].score is not None and scored[-1].score.severity is not None
    assert scored[-1].summary is not None and scored[-1].summary.accounts == 15
    closed = [r for r in reports if r.kind == "closed" and r.narrative_id == campaign]
    assert len(closed) == 1 and closed[0].interval_sample is not None


def test_actions_and_reports_round_trip_through_json() -> None:
    rng = random.Random(5)
    results = run(Detector(CFG, model_name=EMB.name), organic(rng, 30, 1800) + copy_paste(rng, 10, 600, 900))
    actions = [a for r in results for a in r.actions]
    reports = [r for step in results for r in step.reports]
    assert {r.kind for r in reports} >= {"born", "scored"}
    for action in actions:
        assert Action.from_list(json.loads(json.dumps(action.to_list()))) == action
    for report in reports:
        assert NarrativeReport.from_list(json.loads(json.dumps(report.to_list()))) == report
    # One action is a few hundred bytes on the wire.
    assert max(len(json.dumps(a.to_list())) for a in actions) < 600


def test_centroid_survives_float16() -> None:
    vec = np.random.default_rng(1).standard_normal(384).astype(np.float32)
    vec /= np.linalg.norm(vec)
    back = decode_centroid(encode_centroid(vec))
    assert float(back @ vec) > 0.9999 and len(encode_centroid(vec)) == 1024


def test_bad_fact_lists_are_refused() -> None:
    with pytest.raises(ValueError, match="21 to 23 values"):
        Action.from_list([1, 2, 3])
    with pytest.raises(ValueError, match="report kind"):
        NarrativeReport.from_list(["n", "reborn", 0, "", None, None, None, None, None, []])
    with pytest.raises(ValueError, match="report kind"):
        NarrativeReport("n", "reborn", 0.0)  # type: ignore[arg-type]


def test_detector_config_for_facts_is_the_detectors() -> None:
    # Facts carry the author flags exactly as the narrative's records do (same thresholds).
    cfg = DetectorConfig(new_account_days=10)
    det = Detector(cfg, model_name=EMB.name)
    step = det.process([mention(1, 0, "a", "one two three four five", age_days=20)], EMB.encode(["x"]))
    assert step.actions[0].new_account is False
