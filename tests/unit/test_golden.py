"""Golden scenarios: small labelled streams with real-model vectors and the verdict they must get.

The files in ``tests/golden/`` are made by ``tests/golden/make_golden.py`` with all-MiniLM-L6-v2, or
with the multilingual default where ``expected.json`` names its ``model`` (the detector then runs on
that model's profile); each line carries its embedding (base64 float16), so this test exercises the
real model's clustering without loading it, through the event-time engine that stream and
`detect` use. ``expected.json`` says, per scenario, which label's
narrative must alert (and at least how severely, and whether as authentic, and with which
languages), or that nothing may alert.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detectors import Detector, DetectorConfig
from detectors.config import SEVERITY_ORDER
from detectors.engine import Engine
from detectors.profiles import detector_config, load_profile
from schemas.models import Mention, validate_alert_dict

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
EXPECTED: dict[str, dict[str, Any]] = json.loads((GOLDEN / "expected.json").read_text(encoding="utf-8"))
# Driven as the stream drives its detectors: one routing bucket (all mentions meet), and the stream's
# default of 4, where routing by embedding can split a paraphrased campaign across detectors (the
# golden paraphrase campaign still alerts from its largest share since synchrony counts dense bursts).
BUCKETS = (1, 4)


def load(
    name: str, allow_label: str | None = None
) -> tuple[list[Mention], np.ndarray, dict[str, str], set[str]]:
    """Mentions, unit vectors, label per mention id and the allowlist (authors of ``allow_label``, by
    default the scenario's ``allowlist_label`` in expected.json) of one golden file."""
    rows = [json.loads(line) for line in (GOLDEN / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]
    mentions = [Mention.from_dict(r) for r in rows]
    vectors = np.stack(
        [np.frombuffer(base64.b64decode(r["vector"]), dtype="<f2").astype(np.float32) for r in rows]
    )
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = {r["id"]: r["label"] for r in rows}
    if allow_label is None and name in EXPECTED:
        allow_label = EXPECTED[name]["allowlist_label"]
    allowlist = {r["author"]["id"] for r in rows if allow_label and r["label"] == allow_label}
    return mentions, vectors, labels, allowlist


@pytest.mark.parametrize(("name", "buckets"), [(name, b) for name in sorted(EXPECTED) for b in BUCKETS])
def test_golden_scenario(name: str, buckets: int) -> None:
    expected = EXPECTED[name]
    mentions, vectors, labels, allowlist = load(name)
    assert [m.created_at for m in mentions] == sorted(m.created_at for m in mentions)
    model = expected.get("model")
    config = detector_config(load_profile(model)) if model else DetectorConfig()
    engine = Engine(
        lambda: Detector(config, model_name=model or "all-MiniLM-L6-v2", allowlist=frozenset(allowlist)),
        buckets=buckets,
    )
    steps = [step.result for _, step in [*engine.add(mentions, vectors), *engine.finish()]]
    steps += [engine.detectors[b].flush() for b in sorted(engine.detectors)]
    alerts = [a.to_dict() for step in steps for a in step.alerts]
    for doc in alerts:
        validate_alert_dict(doc)

    members: dict[str, Counter[str]] = {}
    for step in steps:
        for a in step.assignments:
            if a.narrative_id is not None:
                members.setdefault(a.narrative_id, Counter())[labels[a.mention_id]] += 1
    alerted = {doc["narrative"]["id"] for doc in alerts}
    majority = {nid: members[nid].most_common(1)[0][0] for nid in alerted}

    wanted = expected["alert_label"]
    if wanted is None:
        assert alerts == [], f"{name}: nothing may alert, got {[(d['alert_id'], d['score']) for d in alerts]}"
        return
    assert alerted, f"{name}: the {wanted} narrative must alert"
    assert set(majority.values()) == {wanted}, f"{name}: alerts on narratives of other labels: {majority}"
    top = max(SEVERITY_ORDER.index(d["severity"]) for d in alerts)
    assert top >= SEVERITY_ORDER.index(expected["min_severity"]), [d["severity"] for d in alerts]
    assert {d["authentic"] for d in alerts} == {expected["authentic"]}
    if "languages" in expected:  # one narrative across languages and scripts, listing them all
        assert len(alerted) == 1, f"{name}: one narrative expected, got {len(alerted)}"
        assert sorted(alerts[-1]["narrative"]["languages"]) == expected["languages"]
    for alert_id in {d["alert_id"] for d in alerts}:
        revs = [d for d in alerts if d["alert_id"] == alert_id]
        assert [d["revision"] for d in revs] == list(range(1, len(revs) + 1))
        assert revs[0]["status"] == "open" and revs[-1]["status"] == "closed"
