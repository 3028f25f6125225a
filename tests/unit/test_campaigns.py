"""The campaign tracker on hand-built facts: grouping, themes, scoring basis, lifecycle and merges,
authentic official campaigns, determinism and snapshot/restore."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np

from detectors.campaigns import CampaignStep, CampaignTracker
from detectors.config import DetectorConfig
from detectors.facts import Action, NarrativeReport, encode_centroid
from detectors.scoring import CoordinationScore
from schemas.alert_v2 import AlertV2, validate_alert_v2_dict
from tests.unit.test_coaction import T0, act

DIM = 64


def unit(seed: int, near: np.ndarray | None = None, noise: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(DIM) if near is None else near + noise * rng.standard_normal(DIM)
    return np.asarray(v / np.linalg.norm(v), dtype=np.float32)


def born(nid: str, t: float, vector: np.ndarray) -> NarrativeReport:
    return NarrativeReport(
        nid, "born", T0 + t, "latin", encode_centroid(vector), founder_text=f"text of {nid}"
    )


def young(account: str, t: float, narrative: str, **kw: object) -> Action:
    return act(
        account,
        t,
        narrative=narrative,
        new_account=True,
        low_followers=True,
        account_created=T0 - 5 * 86400.0,
        followers=3,
        **kw,
    )


def old(account: str, t: float, narrative: str, **kw: object) -> Action:
    return act(account, t, narrative=narrative, **kw)


def drive(
    tracker: CampaignTracker, facts: list[Action | NarrativeReport], slot: float = 10.0
) -> list[AlertV2]:
    """Feed facts in event-time slots, as the engine does; return every alert revision."""
    alerts: list[AlertV2] = []
    by_slot: dict[int, list[Action | NarrativeReport]] = {}
    for fact in facts:
        by_slot.setdefault(int((fact.t - T0) // slot), []).append(fact)
    steps: list[CampaignStep] = []
    for k in range(min(by_slot), max(by_slot) + 1):  # every slot, empty ones too, as the engine does
        steps.append(tracker.process(by_slot.get(k, [])))
        steps.append(tracker.advance(T0 + (k + 1) * slot))
    steps.append(tracker.flush())
    for step in steps:
        alerts.extend(step.alerts)
    for alert in alerts:
        validate_alert_v2_dict(alert.to_dict())
    return alerts


def wave_campaign(waves: int = 4, per_wave: int = 8, gap: float = 900.0) -> list[Action | NarrativeReport]:
    """Young accounts post rewordings in synchronised waves: every wave founds new narratives (one
    per two posts), all close to one subject vector, so they share a theme."""
    subject = unit(1)
    facts: list[Action | NarrativeReport] = []
    for w in range(waves):
        start = 1000 + w * gap
        for k in range(per_wave):
            nid = f"nar-w{w}-{k // 2}"
            t = start + 3 * k
            if k % 2 == 0:
                facts.append(born(nid, t, unit(100 + w * 10 + k, subject, 0.05)))
            facts.append(young(f"bot{w * per_wave + k}", t, nid, mid=f"w{w}-{k}", founder=k % 2 == 0))
    return facts


def organic_chatter(n: int = 150, span: float = 6000.0) -> list[Action | NarrativeReport]:
    """Established accounts posting on unrelated subjects at random times."""
    rng = np.random.default_rng(7)
    facts: list[Action | NarrativeReport] = []
    for i in range(n):
        t = float(rng.uniform(0, span))
        nid = f"nar-o{i}"
        facts.append(born(nid, t, unit(5000 + i)))
        facts.append(old(f"user{rng.integers(0, 400)}", t, nid, mid=f"o{i}", founder=True))
    return sorted(facts, key=lambda f: (f.t, isinstance(f, Action)))


def tracker(**overrides: object) -> CampaignTracker:
    cfg = replace(DetectorConfig(), **overrides)  # type: ignore[arg-type]
    return CampaignTracker(cfg, model_name="test-model")


def by_alert(alerts: list[AlertV2]) -> dict[str, list[AlertV2]]:
    out: dict[str, list[AlertV2]] = {}
    for a in alerts:
        out.setdefault(a.alert_id, []).append(a)
    return out


def test_waves_on_many_small_narratives_are_one_campaign_alert() -> None:
    facts = sorted(wave_campaign() + organic_chatter(), key=lambda f: (f.t, isinstance(f, Action)))
    alerts = drive(tracker(), facts)
    grouped = by_alert(alerts)
    assert len(grouped) == 1, {k: [a.campaign.accounts for a in v] for k, v in grouped.items()}
    revisions = next(iter(grouped.values()))
    last = revisions[-1]
    assert [a.revision for a in revisions] == list(range(1, len(revisions) + 1))
    assert revisions[0].status == "open" and last.status == "closed"
    wave_narratives = {f"nar-w{w}-{k}" for w in range(4) for k in range(4)}
    assert set(last.campaign.narrative_ids) == wave_narratives
    assert last.campaign.accounts == 32 and not last.authentic
    assert last.campaign.score_basis == "campaign"
    assert len(last.campaign.theme_ids) == 1
    # The network shows who co-acted with whom, with the posts and the gap behind each edge.
    assert last.network.node_count == 32 and last.network.edges
    edge = last.network.edges[0]
    assert edge.evidence and edge.evidence[0].gap_s <= 60.0
    assert {n.new_account for n in last.network.nodes} == {True}


def test_organic_chatter_alone_raises_nothing() -> None:
    assert drive(tracker(), organic_chatter(400, 20_000)) == []


def seeded_report(nid: str, t: float, score: float) -> NarrativeReport:
    verdict = CoordinationScore(score, DetectorConfig().severity_for(score), {}, 9, False, None)
    return NarrativeReport(nid, "scored", T0 + t, score=verdict)


def test_a_campaign_of_one_narrative_scores_as_the_narrative() -> None:
    """Accounts spread over an hour (no burst), but their narrative scored 0.74 at its bucket."""
    facts: list[Action | NarrativeReport] = [born("nar-s", 0, unit(3))]
    facts += [old(f"acc{k}", 400.0 * k, "nar-s", mid=f"s{k}") for k in range(9)]
    facts.append(seeded_report("nar-s", 400.0 * 8, 0.74))
    alerts = drive(tracker(), facts)
    assert alerts, "a narrative that alerts on its own must give a campaign alert"
    first = alerts[0]
    assert first.campaign.narrative_ids == ("nar-s",)
    assert first.campaign.score_basis == "narrative"
    assert first.score == 0.74 and first.severity == "high"


def test_two_alerted_campaigns_that_turn_out_to_be_one_merge() -> None:
    """Two groups alert separately, then the same accounts burst together: one alert goes on, the
    other closes with merged_into."""
    facts: list[Action | NarrativeReport] = []
    for g, base in (("a", 1000.0), ("b", 4000.0)):
        facts.append(born(f"nar-{g}", base, unit(10 if g == "a" else 20)))
        facts += [young(f"{g}{k}", base + 2 * k, f"nar-{g}", mid=f"{g}{k}") for k in range(12)]
    # Later both groups push a third narrative together within seconds.
    facts.append(born("nar-c", 9000, unit(30)))
    facts += [
        young(f"{g}{k}", 9000 + k + (0.5 if g == "b" else 0), "nar-c", mid=f"c{g}{k}")
        for k in range(12)
        for g in "ab"
    ]
    alerts = drive(tracker(), sorted(facts, key=lambda f: (f.t, isinstance(f, Action))))
    grouped = by_alert(alerts)
    assert len(grouped) == 2
    merged = [revs[-1] for revs in grouped.values() if revs[-1].merged_into is not None]
    assert len(merged) == 1 and merged[0].status == "closed"
    survivor = grouped[merged[0].merged_into]  # type: ignore[index]
    assert set(survivor[-1].campaign.narrative_ids) >= {"nar-a", "nar-b", "nar-c"}


def test_allowlisted_officials_are_authentic_never_inauthentic() -> None:
    facts: list[Action | NarrativeReport] = [born("nar-f", 500, unit(40))]
    facts += [
        old(
            f"embassy{k}",
            500 + 3 * k,
            "nar-f",
            mid=f"f{k}",
            official=True,
            tags="friendshipday",
            text_key="same",
        )
        for k in range(12)
    ]
    alerts = drive(tracker(), facts)
    assert alerts and {a.authentic for a in alerts} == {True}
    assert "allowlisted" in (alerts[0].authentic_reason or "")


def run_all(facts: list[Action | NarrativeReport]) -> list[dict[str, object]]:
    return [a.to_dict() for a in drive(tracker(), facts)]


def test_deterministic_for_a_given_input() -> None:
    facts = sorted(wave_campaign() + organic_chatter(), key=lambda f: (f.t, isinstance(f, Action)))
    assert run_all(facts) == run_all(list(facts))


def test_snapshot_restore_continues_exactly() -> None:
    facts = sorted(wave_campaign() + organic_chatter(), key=lambda f: (f.t, isinstance(f, Action)))
    expected = run_all(facts)
    cut = T0 + 2500.0
    first = tracker()
    got = drive_until(first, [f for f in facts if f.t < cut])
    restored = CampaignTracker.restore(
        json.loads(json.dumps(first.snapshot())), first.config, model_name="test-model"
    )
    got += [a.to_dict() for a in drive(restored, [f for f in facts if f.t >= cut])]
    assert got == expected


def drive_until(tracker_: CampaignTracker, facts: list[Action | NarrativeReport]) -> list[dict[str, object]]:
    """Like :func:`drive` without the final flush (the run goes on after a restore)."""
    out: list[dict[str, object]] = []
    by_slot: dict[int, list[Action | NarrativeReport]] = {}
    for fact in facts:
        by_slot.setdefault(int((fact.t - T0) // 10.0), []).append(fact)
    for k in range(min(by_slot), max(by_slot) + 1):
        out += [a.to_dict() for a in tracker_.process(by_slot.get(k, [])).alerts]
        out += [a.to_dict() for a in tracker_.advance(T0 + (k + 1) * 10.0).alerts]
    return out


def test_a_campaign_that_is_a_minority_everywhere_still_lists_the_narratives_it_acts_in() -> None:
    from detectors.campaign_state import CampaignState

    state = CampaignState("cmp-x", 0.0, DetectorConfig())
    assert state.covered({}) == []  # no clustered post: nothing to list (no alert is built)
    state.members_of = {"nar-big": {"a", "b", "c"}, "nar-other": {"a"}}
    # Both narratives are large (500 accounts): the group is below campaign_narrative_share in each.
    tracks = {nid: type("T", (), {"distinct_accounts": 500})() for nid in state.members_of}
    assert state.covered(tracks) == ["nar-big", "nar-other"]  # most member posts first
    state.members_of["nar-own"] = {"a", "b", "c", "d"}
    tracks["nar-own"] = type("T", (), {"distinct_accounts": 5})()
    assert state.covered(tracks) == ["nar-own"]  # a narrative it dominates: the share rule applies
