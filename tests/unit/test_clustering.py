"""Unit tests of detectors.clustering.OnlineClusterer (semantics, determinism, snapshot, IVF agreement)."""

from __future__ import annotations

import json
import pickle

import numpy as np
import numpy.typing as npt
import pytest

from detectors.clustering import ClusterAssignment, OnlineClusterer

F32 = npt.NDArray[np.float32]


def unit(v: npt.ArrayLike) -> F32:
    a = np.asarray(v, dtype=np.float64)
    return (a / np.linalg.norm(a, axis=-1, keepdims=True)).astype(np.float32)


def synthetic_stream(n: int, dim: int = 32, *, topics: int = 30, seed: int = 0) -> F32:
    """Mentions that mostly join an earlier narrative (cosine ~0.9) or start one near a topic."""
    rng = np.random.default_rng(seed)
    topic = unit(rng.standard_normal((topics, dim)))
    centres: list[F32] = []
    out = np.empty((n, dim), np.float32)
    for i in range(n):
        if centres and rng.random() < 0.6:
            base = centres[int(rng.integers(len(centres)))]
            out[i] = unit(base + 0.35 * rng.standard_normal(dim) / np.sqrt(dim))
        else:
            out[i] = unit(topic[rng.integers(topics)] + 0.9 * rng.standard_normal(dim) / np.sqrt(dim))
            centres.append(out[i])
    return out


def make(dim: int = 32, **kw: float) -> OnlineClusterer:
    params: dict[str, float] = {"threshold": 0.75, "idle_expiry_s": 1e9, "max_live": 10**6}
    params.update(kw)
    return OnlineClusterer(dim, **params)  # type: ignore[arg-type]


def founder_labels(out: list[ClusterAssignment]) -> list[int]:
    founder: dict[str, int] = {}
    labels = []
    for i, a in enumerate(out):
        if a.created:
            founder[a.narrative_id] = i
        labels.append(founder[a.narrative_id])
    return labels


def brute_force_reference(vectors: F32, threshold: float) -> list[int]:
    """Straightforward float64 single-pass clustering, to hold the fast path to."""
    sums: dict[int, npt.NDArray[np.float64]] = {}
    labels = []
    for i, v in enumerate(vectors.astype(np.float64)):
        best, best_sim = -1, -np.inf
        for key, s in sums.items():
            sim = float(v @ s) / float(np.linalg.norm(s))
            if sim > best_sim:
                best, best_sim = key, sim
        if best >= 0 and best_sim >= threshold:
            sums[best] = sums[best] + v
            labels.append(best)
        else:
            sums[i] = v.copy()
            labels.append(i)
    return labels


def learn(c: OnlineClusterer, vectors: F32, batch: int | None = None) -> list[ClusterAssignment]:
    n = len(vectors)
    times = [float(i) for i in range(n)]
    ids = [f"m{i}" for i in range(n)]
    if batch is None:
        return c.learn_many(vectors, times, ids)
    out: list[ClusterAssignment] = []
    for s in range(0, n, batch):
        out += c.learn_many(vectors[s : s + batch], times[s : s + batch], ids[s : s + batch])
    return out


def test_threshold_decides_join_or_found() -> None:
    c = make(dim=2, threshold=0.9)
    first = c.learn_one(unit([1, 0]), 0.0, "a")
    near = c.learn_one(unit([1, 0.3]), 1.0, "b")  # cosine 0.958
    far = c.learn_one(unit([1, 1]), 2.0, "c")  # cosine to the centroid < 0.9
    assert first.created and first.similarity == 1.0
    assert not near.created and near.narrative_id == first.narrative_id
    assert near.similarity == pytest.approx(0.958, abs=1e-3)
    assert far.created and far.narrative_id != first.narrative_id
    assert len(c) == 2


def test_narrative_id_is_blake2b_of_founder() -> None:
    import hashlib

    c = make(dim=2)
    a = c.learn_one(unit([1, 0]), 0.0, "mention-42")
    assert a.narrative_id == "nar-" + hashlib.blake2b(b"mention-42", digest_size=8).hexdigest()
    # Reusing a founder id while its narrative is live must not collide.
    b = c.learn_one(unit([0, 1]), 1.0, "mention-42")
    assert b.created and b.narrative_id != a.narrative_id and len(c) == 2


def test_centroid_is_renormalised_running_mean_and_last_seen_is_max() -> None:
    c = make(dim=3, threshold=0.5)
    vs = unit([[1, 0, 0], [1, 1, 0], [1, 0, 1]])
    out = c.learn_many(vs, [5.0, 9.0, 7.0], ["a", "b", "c"])
    nid = out[0].narrative_id
    assert all(a.narrative_id == nid for a in out)
    np.testing.assert_allclose(c.centroid(nid), unit(vs.sum(axis=0)), atol=1e-6)
    assert c.last_seen(nid) == 9.0
    assert c.size(nid) == 3


def test_groups_are_kept_apart_and_use_their_threshold() -> None:
    c = make(dim=2, threshold=0.5, group_thresholds={"arab": 0.99})
    en = c.learn_one(unit([1, 0]), 0.0, "a", group="")
    ar = c.learn_one(unit([1, 0]), 1.0, "b", group="arab")
    assert ar.created and ar.narrative_id != en.narrative_id
    # cosine 0.95: enough for the default group, not for the strict one
    v = unit([1, 0.33])
    assert c.predict_one(v, "")[0] == en.narrative_id
    assert c.predict_one(v, "arab")[0] is None
    assert c.learn_one(v, 2.0, "c", group="arab").created


def test_eviction_drops_least_recently_seen_ties_by_id_and_reports_it() -> None:
    c = make(dim=4, max_live=2, threshold=0.9)
    e = np.eye(4, dtype=np.float32)
    a = c.learn_one(e[0], 10.0, "a")
    b = c.learn_one(e[1], 10.0, "b")
    c.learn_one(e[0], 11.0, "a2")  # refreshes a: b is now least recent
    third = c.learn_one(e[2], 12.0, "c")
    assert third.created and third.evicted == (b.narrative_id,)
    assert b.narrative_id not in c and a.narrative_id in c and len(c) == 2
    # Tie on last_seen: the smaller id goes first.
    c2 = make(dim=4, max_live=2, threshold=0.9)
    x = c2.learn_one(e[0], 1.0, "x")
    y = c2.learn_one(e[1], 1.0, "y")
    z = c2.learn_one(e[2], 2.0, "z")
    assert z.evicted == (min(x.narrative_id, y.narrative_id),)


def test_expire_removes_idle_narratives_in_order() -> None:
    c = make(dim=4, idle_expiry_s=100.0, threshold=0.9)
    e = np.eye(4, dtype=np.float32)
    ids = [c.learn_one(e[i], t, f"m{i}").narrative_id for i, t in enumerate([30.0, 10.0, 20.0, 500.0])]
    assert c.expire(119.0) == [ids[1]]
    assert c.expire(200.0) == [ids[2], ids[0]]
    assert list(c.expire(200.0)) == [] and len(c) == 1 and ids[3] in c
    c.remove(ids[3])
    assert len(c) == 0


def test_add_to_force_joins() -> None:
    c = make(dim=2, threshold=0.99)
    nid = c.learn_one(unit([1, 0]), 0.0, "a").narrative_id
    a = c.add_to(nid, unit([0, 1]), 3.0)
    assert a == ClusterAssignment(nid, pytest.approx(0.0, abs=1e-6), False, ())  # type: ignore[arg-type]
    assert c.size(nid) == 2 and c.last_seen(nid) == 3.0
    np.testing.assert_allclose(c.centroid(nid), unit([1, 1]), atol=1e-6)


def test_predict_one_does_not_change_state() -> None:
    c = make()
    learn(c, synthetic_stream(200))
    before = json.dumps(c.snapshot(), sort_keys=True)
    c.predict_one(synthetic_stream(1, seed=9)[0])
    assert json.dumps(c.snapshot(), sort_keys=True) == before


def test_matches_brute_force_reference() -> None:
    vs = synthetic_stream(600)
    assert founder_labels(learn(make(), vs)) == brute_force_reference(vs, 0.75)


@pytest.mark.parametrize("ivf_min_live", [10**6, 64])
def test_batch_size_does_not_change_assignments(ivf_min_live: int) -> None:
    vs = synthetic_stream(1200)
    runs = [
        [a.narrative_id for a in learn(make(batch_size=256, ivf_min_live=ivf_min_live), vs, batch)]
        for batch in (1, 7, 256)
    ]
    assert runs[0] == runs[1] == runs[2]


def test_same_input_twice_gives_same_ids() -> None:
    vs = synthetic_stream(800)
    first = learn(make(ivf_min_live=64, max_live=150), vs)
    second = learn(make(ivf_min_live=64, max_live=150), vs)
    assert first == second
    assert any(a.evicted for a in first)


def test_inputs_are_not_mutated() -> None:
    vs = synthetic_stream(300)
    copy = vs.copy()
    times = [float(i) for i in range(300)]
    c = make()
    c.learn_many(vs, times, [f"m{i}" for i in range(300)])
    c.add_to(c.learn_one(vs[0], 1.0, "x").narrative_id, vs[1], 2.0)
    np.testing.assert_array_equal(vs, copy)


def test_bad_shapes_are_rejected() -> None:
    c = make(dim=4)
    with pytest.raises(ValueError, match="shape"):
        c.learn_many(np.zeros((2, 3), np.float32), [0.0, 1.0], ["a", "b"])
    with pytest.raises(ValueError, match="same length"):
        c.learn_many(np.zeros((2, 4), np.float32), [0.0], ["a", "b"])
    with pytest.raises(ValueError, match="max_live"):
        OnlineClusterer(4, threshold=0.5, idle_expiry_s=1.0, max_live=0)


@pytest.mark.parametrize("roundtrip", ["json", "pickle"])
def test_snapshot_restore_continues_identically(roundtrip: str) -> None:
    vs = synthetic_stream(1500)
    head, tail = vs[:900], vs[900:]
    c = make(ivf_min_live=64, max_live=400)
    learn(c, head)
    if roundtrip == "json":
        restored = OnlineClusterer.restore(json.loads(json.dumps(c.snapshot())))
    else:
        restored = pickle.loads(pickle.dumps(c))
    times = [float(900 + i) for i in range(len(tail))]
    ids = [f"t{i}" for i in range(len(tail))]
    assert restored.learn_many(tail, times, ids) == c.learn_many(tail, times, ids)
    assert restored.expire(1300.0) == c.expire(1300.0)
    assert json.dumps(restored.snapshot(), sort_keys=True) == json.dumps(c.snapshot(), sort_keys=True)


def test_snapshot_version_is_checked() -> None:
    snap = make().snapshot()
    snap["version"] = 999
    with pytest.raises(ValueError, match="version"):
        OnlineClusterer.restore(snap)


def test_ivf_agrees_with_brute_force_at_5k_narratives() -> None:
    rng = np.random.default_rng(5)
    dim = 64
    topics = unit(rng.standard_normal((100, dim)))
    founders = unit(topics[rng.integers(100, size=5000)] + 0.9 * rng.standard_normal((5000, dim)) / 8)
    pick = rng.integers(5000, size=3000)
    joins = unit(founders[pick] + rng.uniform(0.3, 0.6, (3000, 1)) * rng.standard_normal((3000, dim)) / 8)
    news = unit(topics[rng.integers(100, size=1000)] + 0.9 * rng.standard_normal((1000, dim)) / 8)
    stream = np.concatenate([joins, news])[rng.permutation(4000)]
    labels = []
    for ivf_min_live in (10**6, 1024):
        c = make(dim=dim, ivf_min_live=ivf_min_live)
        c.learn_many(founders, [0.0] * 5000, [f"f{i}" for i in range(5000)])
        assert len(c) > 4000
        out = c.learn_many(stream, [1.0] * 4000, [f"s{i}" for i in range(4000)])
        labels.append([a.narrative_id for a in out])
    agreement = np.mean([a == b for a, b in zip(labels[0], labels[1], strict=True)])
    assert agreement >= 0.98


@pytest.mark.parametrize("k", [2, 7])
def test_ivf_search_returns_the_exact_top_k_of_the_probed_lists(k: int) -> None:
    rng = np.random.default_rng(11)
    c = make(dim=16, ivf_min_live=64, threshold=0.999)
    c.learn_many(unit(rng.standard_normal((600, 16))), [0.0] * 600, [f"f{i}" for i in range(600)])
    index = c._indexes[""]
    assert index.coarse is not None and index.n_lists > 6
    # Every slot's recorded position holds that slot (the rebuild fills lists in bulk).
    for slot, (lst, row) in index.pos.items():
        assert index.lists[lst].slots[row] == slot
    queries = unit(rng.standard_normal((40, 16)))
    scores, slots, probe = index.search(queries, k, nprobe=3)
    assert probe is not None
    for q, row_s, row_i, lists in zip(queries, scores, slots, probe, strict=True):
        pool = [
            (float(q @ index.lists[lst].units[r]), int(index.lists[lst].slots[r]))
            for lst in lists
            for r in range(index.lists[lst].n)
        ]
        best = sorted(pool, reverse=True)[:k]
        assert row_i.tolist() == [slot for _, slot in best]
        np.testing.assert_allclose(row_s, [s for s, _ in best], rtol=0, atol=1e-6)
