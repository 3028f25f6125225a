"""The account co-action graph: decay, symmetry, percentile threshold, bursts, eviction, determinism
and snapshot/restore, on hand-built actions."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from detectors.coaction import CoActionGraph, object_keys, poisson_tail
from detectors.config import DetectorConfig
from detectors.facts import Action

T0 = 1_780_000_000.0


def act(
    account: str, t: float, *, mid: str | None = None, narrative: str | None = "nar-a", **kw: object
) -> Action:
    fields: dict[str, object] = {
        "t": T0 + t,
        "mention_id": mid or f"m-{account}-{t}",
        "account": account,
        "narrative_id": narrative,
        "similarity": 0.9,
        "founder": False,
        "text_key": "k" + account,
        "tokens": 12,
        "links": (),
        "tags": "",
        "repost_of": None,
        "reply_to": None,
        "quote_of": None,
        "lang": "en",
        "platform": "x",
        "handle": "@" + account,
        "account_created": T0 - 400 * 86400.0,
        "followers": 300,
        "new_account": False,
        "low_followers": False,
        "official": False,
    }
    fields.update(kw)
    return Action(**fields)  # type: ignore[arg-type]


def graph(**overrides: object) -> CoActionGraph:
    return CoActionGraph(replace(DetectorConfig(), **overrides))  # type: ignore[arg-type]


def test_object_keys_cover_every_kind_of_object() -> None:
    a = act("u1", 0, links=("https://x.example/a",), tags="deal stop", repost_of="p9")
    assert object_keys(a, "thm-1") == ["n:nar-a", "t:thm-1", "l:https://x.example/a", "h:deal stop", "r:p9"]
    assert object_keys(act("u1", 0, narrative=None), None) == []


def test_coaction_needs_the_same_object_within_the_window() -> None:
    g = graph(coaction_window_s=60.0)
    g.observe(act("a", 0), None)
    g.observe(act("b", 30), None)  # same narrative, 30 s later: co-action
    g.observe(act("c", 200, narrative="nar-b"), None)  # other narrative
    g.observe(act("d", 200 + 61, narrative="nar-b"), None)  # same narrative, too late
    assert g.edge("a", "b") is not None and g.edge("a", "b").count == 1  # type: ignore[union-attr]
    assert g.edge("c", "d") is None
    edge = g.edge("b", "a")
    assert edge is not None
    ev = edge.evidence[0]
    assert (ev.mention_a, ev.mention_b, ev.gap_s, ev.object_key) == ("m-a-0", "m-b-30", 30.0, "n:nar-a")


def test_a_mention_processed_late_gives_a_positive_gap() -> None:
    # The stream processes a mention that arrives after its event-time slot went on its own, after
    # later posts: its co-action gap is still the distance between the two posts (Alert v2 requires
    # gap_s >= 0; a worker under load once published -3.0).
    g = graph(coaction_window_s=60.0)
    g.observe(act("a", 30), None)
    g.observe(act("b", 27), None)
    edge = g.edge("a", "b")
    assert edge is not None and edge.evidence[0].gap_s == 3.0


def test_several_shared_objects_count_once_and_the_closest_post_is_the_evidence() -> None:
    g = graph()
    g.observe(act("a", 0, tags="x y", links=("https://l/1",)), "thm-1")
    g.observe(act("a", 20, mid="a2", tags="x y"), "thm-1")
    g.observe(act("b", 25, tags="x y", links=("https://l/1",)), "thm-1")
    edge = g.edge("a", "b")
    assert edge is not None and edge.count == 1
    assert edge.evidence[0].mention_a == "a2" and edge.evidence[0].gap_s == 5.0


def test_edge_weight_decays_with_the_half_life() -> None:
    g = graph(edge_half_life_s=3600.0)
    g.observe(act("a", 0), None)
    g.observe(act("b", 10), None)
    edge = g.edge("a", "b")
    assert edge is not None
    assert edge.weight(T0 + 10, 3600.0) == pytest.approx(1.0)
    assert edge.weight(T0 + 10 + 3600, 3600.0) == pytest.approx(0.5)
    # A second co-action an hour later adds to the decayed weight.
    g.observe(act("a", 3610, narrative="nar-b"), None)
    g.observe(act("b", 3615, narrative="nar-b"), None)
    assert edge.weight(T0 + 3615, 3600.0) == pytest.approx(1.0 + 0.5 * 2 ** (-5 / 3600), rel=1e-6)


def pair_twice(g: CoActionGraph, a: str, b: str, start: float) -> None:
    for k, narrative in enumerate(("nar-x", "nar-y")):
        t = start + 120 * k
        g.observe(act(a, t, narrative=narrative), None)
        g.observe(act(b, t + 5, narrative=narrative), None)


def test_repeated_symmetric_coaction_makes_a_strong_edge() -> None:
    g = graph()
    g.observe(act("a", 0), None)
    found = g.observe(act("b", 5), None)
    assert [e for e in found if e.kind == "edge"] == []  # once is a coincidence
    found = g.observe(act("a", 200, narrative="nar-b"), None) + g.observe(
        act("b", 204, narrative="nar-b"), None
    )
    edges = [e for e in found if e.kind == "edge"]
    assert len(edges) == 1 and edges[0].accounts == ("a", "b")
    edge = g.edge("a", "b")
    assert edge is not None and edge.symmetry == 1.0 and edge.fast == 2


def test_one_hyperactive_account_cannot_make_a_pair_strong() -> None:
    """CooRTweet's edge symmetry: A posts 10 times around B's one post; weight 10, symmetry 0.1."""
    g = graph(coaction_window_s=60.0)
    g.observe(act("b", 0, mid="b1"), None)
    for k in range(10):
        g.observe(act("a", 1 + 5 * k, mid=f"a{k}"), None)
    edge = g.edge("a", "b")
    assert edge is not None and edge.count == 10
    assert edge.symmetry == pytest.approx(0.1)
    assert not g.is_strong(edge, T0 + 50)


def test_minimum_participation_is_required_of_both_accounts() -> None:
    g = graph(min_participation=3)
    pair_twice(g, "a", "b", 0)
    edge = g.edge("a", "b")
    assert edge is not None and edge.count == 2
    assert not g.is_strong(edge, T0 + 300)  # b co-acted with 2 posts only
    g.observe(act("a", 600, narrative="nar-z"), None)
    g.observe(act("b", 601, narrative="nar-z"), None)
    assert g.is_strong(edge, T0 + 601)


def test_percentile_threshold_keeps_only_edges_above_the_live_distribution() -> None:
    g = graph(edge_percentile=0.5, edge_min_weight=1.5)
    # Three pairs with 4 co-actions each and one pair with 2.
    for i, (a, b) in enumerate((("a", "b"), ("c", "d"), ("e", "f"))):
        for k in range(4):
            t = 1000 * i + 120 * k
            g.observe(act(a, t, narrative=f"n{i}{k}"), None)
            g.observe(act(b, t + 3, narrative=f"n{i}{k}"), None)
    pair_twice(g, "x", "y", 5000)
    now = T0 + 5300
    g.refresh_threshold(now)
    weak, strong = g.edge("x", "y"), g.edge("e", "f")
    assert weak is not None and strong is not None
    assert g.edge_threshold > weak.weight(now, g.half_life)
    assert not g.is_strong(weak, now)
    assert g.is_strong(strong, now)


def test_a_synchronised_burst_is_found_and_spread_out_posts_are_not() -> None:
    g = graph(min_accounts=5, coaction_window_s=60.0, burst_alpha=1e-4)
    bursts = []
    for k in range(8):
        bursts += [
            e for e in g.observe(act(f"w{k}", 1000 + 4 * k, narrative="nar-w"), None) if e.kind == "burst"
        ]
    assert bursts and bursts[-1].accounts == tuple(sorted(f"w{k}" for k in range(8)))
    assert bursts[-1].object_key == "n:nar-w"
    spread = graph(min_accounts=5)
    found = [
        e
        for k in range(8)
        for e in spread.observe(act(f"s{k}", 5000 + 300 * k, narrative="nar-s"), None)
        if e.kind == "burst"
    ]
    assert found == []


def test_a_busy_object_needs_more_than_its_usual_rate_to_burst() -> None:
    """An object that always gets a post every 10 s is not bursting when 6 accounts post in a minute."""
    g = graph(min_accounts=5, coaction_window_s=60.0)
    found = []
    for k in range(400):  # 4000 s of steady traffic from many accounts
        found += [
            e for e in g.observe(act(f"o{k}", 10.0 * k, narrative="nar-busy"), None) if e.kind == "burst"
        ]
    late = [e for e in found if e.t > T0 + 1800]
    assert late == []


def test_eviction_keeps_memory_bounded() -> None:
    g = graph(max_graph_edges=10, max_graph_accounts=15, max_graph_objects=5)
    for k in range(40):
        g.observe(act(f"p{k}", 10.0 * k, narrative=f"n{k // 2}"), None)
    assert len(g) <= 10 and g.accounts <= 15 and g.objects <= 5
    # The most recent pair is still there, the first one is gone.
    assert g.edge("p38", "p39") is not None and g.edge("p0", "p1") is None


def test_sweep_drops_edges_that_decayed_below_the_floor() -> None:
    g = graph(edge_half_life_s=600.0, edge_floor=0.5)
    g.observe(act("a", 0), None)
    g.observe(act("b", 1), None)
    assert g.sweep(T0 + 500) == 0
    assert g.sweep(T0 + 1 + 600 * 1.5) == 1
    assert g.edge("a", "b") is None


def stream() -> list[Action]:
    out = []
    for k in range(60):
        narrative = f"n{k % 7}"
        out.append(act(f"u{k % 13}", 7.0 * k, narrative=narrative, tags="a b" if k % 3 == 0 else ""))
    return out


def test_deterministic_for_a_given_input() -> None:
    runs = []
    for _ in range(2):
        g = graph(min_accounts=3)
        found = [(e.kind, e.accounts, e.object_key) for a in stream() for e in g.observe(a, "thm-1")]
        runs.append((found, json.dumps(g.snapshot(), sort_keys=True)))
    assert runs[0] == runs[1]


def test_snapshot_restore_continues_exactly() -> None:
    cfg = replace(DetectorConfig(), min_accounts=3)
    actions = stream()
    whole = CoActionGraph(cfg)
    expected = [(e.kind, e.accounts, e.strength) for a in actions for e in whole.observe(a, "thm-1")]
    first = CoActionGraph(cfg)
    got = [(e.kind, e.accounts, e.strength) for a in actions[:25] for e in first.observe(a, "thm-1")]
    restored = CoActionGraph.restore(json.loads(json.dumps(first.snapshot())), cfg)
    got += [(e.kind, e.accounts, e.strength) for a in actions[25:] for e in restored.observe(a, "thm-1")]
    assert got == expected
    assert json.dumps(restored.snapshot(), sort_keys=True) == json.dumps(whole.snapshot(), sort_keys=True)


@pytest.mark.parametrize(("k", "mu"), [(0, 1.0), (1, 0.5), (3, 0.1), (5, 2.0), (12, 0.3)])
def test_poisson_tail_matches_the_direct_sum(k: int, mu: float) -> None:
    direct = 1.0 - sum(math.exp(-mu) * mu**i / math.factorial(i) for i in range(k))
    assert poisson_tail(k, mu) == pytest.approx(direct, rel=1e-6, abs=1e-15)
