"""Golden scenarios at the campaign level: real-model vectors, per-bucket Detectors and the campaign
tracker driven by the event-time engine (:mod:`choruswatch.campaign_driver`), and the verdict each must get.

``tests/golden/campaign_expected.json`` lists, per scenario, the label whose campaign must alert (or
null: nothing may alert as inauthentic), whether as authentic, at most how many alerts, how much of
the campaign the alert must cover, and how soon (and, for the multilingual scenario, which languages). The narrative-level goldens are checked here too:
a campaign of one narrative must keep today's verdict.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from choruswatch.campaign_driver import run_campaigns
from detectors import DetectorConfig
from detectors.profiles import detector_config, load_profile
from schemas.alert_v2 import validate_alert_v2_dict
from tests.unit.test_golden import load

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (GOLDEN / "campaign_expected.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_campaign_golden_scenario(name: str) -> None:
    expected = EXPECTED[name]
    mentions, vectors, labels, allowlist = load(name, expected["allowlist_label"])
    model = expected.get("model")  # the multilingual scenario runs on its model's profile
    run = run_campaigns(
        mentions,
        vectors,
        config=detector_config(load_profile(model)) if model else DetectorConfig(),
        model_name=model or "all-MiniLM-L6-v2",
        allowlist=frozenset(allowlist),
        n_buckets=4,
    )
    for alert in run.campaign_alerts:
        validate_alert_v2_dict(alert.to_dict())
    members: dict[str, list[str]] = {}
    for mention_id, (narrative, _, _) in run.assignments.items():
        if narrative is not None:
            members.setdefault(narrative, []).append(mention_id)
    by_alert: dict[str, list[Any]] = {}
    for alert in run.campaign_alerts:
        by_alert.setdefault(alert.alert_id, []).append(alert)
    wanted = expected["alert_label"]
    if wanted is None:
        inauthentic = [a.alert_id for a in run.campaign_alerts if not a.authentic]
        assert inauthentic == [], f"{name}: nothing may alert as inauthentic, got {sorted(set(inauthentic))}"
        return
    assert by_alert, f"{name}: the {wanted} campaign must alert"
    assert len(by_alert) <= expected["max_alerts"], f"{name}: {len(by_alert)} alerts for one campaign"
    campaign_posts = {mid for mid, label in labels.items() if label == wanted}
    first_post = min(m.timestamp for m in mentions if m.id in campaign_posts)
    for alert_id, revisions in by_alert.items():
        covered = {mid for r in revisions for nid in r.campaign.narrative_ids for mid in members.get(nid, [])}
        plurality = Counter(labels[mid] for mid in covered).most_common(1)[0][0]
        assert plurality == wanted, f"{name}: {alert_id} covers mostly {plurality}"
        assert {r.authentic for r in revisions} == {expected["authentic"]}
        assert [r.revision for r in revisions] == list(range(1, len(revisions) + 1))
        assert revisions[0].status == "open" and revisions[-1].status == "closed"
        coverage = len(covered & campaign_posts) / len(campaign_posts)
        assert coverage >= expected["min_coverage"], f"{name}: covers {coverage:.0%} of the campaign's posts"
        delay = revisions[0].as_of.timestamp() - first_post
        assert delay <= expected["max_delay_s"], f"{name}: first alert after {delay / 60:.1f} min"
        if "languages" in expected:  # one campaign across languages (translation links), listing them all
            assert sorted(revisions[-1].languages) == expected["languages"]
