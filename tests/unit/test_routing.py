"""Unit tests of detectors.routing (determinism, range, locality, Kafka key)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from detectors.routing import bucket_key, route_bucket, route_buckets


def unit_rows(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    x = rng.standard_normal((n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def pairs_at(rng: np.random.Generator, n: int, dim: int, cos: float) -> tuple[np.ndarray, np.ndarray]:
    base = unit_rows(rng, n, dim)
    noise = rng.standard_normal((n, dim))
    noise -= np.sum(noise * base, axis=1, keepdims=True) * base
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    return base, (cos * base + np.sqrt(1 - cos**2) * noise).astype(np.float32)


def test_buckets_in_range_and_single_matches_batch() -> None:
    vs = unit_rows(np.random.default_rng(0), 500, 384)
    b = route_buckets(vs, 16)
    assert b.dtype == np.int64 and b.min() >= 0 and b.max() < 16
    assert len(set(b.tolist())) == 16  # every bucket gets used
    assert [route_bucket(v, 16) for v in vs[:50]] == b[:50].tolist()


def test_deterministic_across_processes() -> None:
    code = (
        "import numpy as np; from detectors.routing import route_buckets;"
        "v = np.random.default_rng(1).standard_normal((64, 384)).astype(np.float32);"
        "print(route_buckets(v, 8, seed=3).tolist())"
    )
    runs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    }
    v = np.random.default_rng(1).standard_normal((64, 384)).astype(np.float32)
    assert runs == {f"{route_buckets(v, 8, seed=3).tolist()}\n"}


def test_seed_changes_anchors() -> None:
    vs = unit_rows(np.random.default_rng(2), 300, 64)
    assert not np.array_equal(route_buckets(vs, 8, seed=0), route_buckets(vs, 8, seed=1))


def test_similar_vectors_share_a_bucket_far_more_often_than_chance() -> None:
    rng = np.random.default_rng(4)
    a, b = pairs_at(rng, 4000, 384, 0.95)
    same = float(np.mean(route_buckets(a, 8) == route_buckets(b, 8)))
    far_a, far_b = unit_rows(rng, 4000, 384), unit_rows(rng, 4000, 384)
    chance = float(np.mean(route_buckets(far_a, 8) == route_buckets(far_b, 8)))
    assert same > 0.7
    assert chance < 0.2
    exact = unit_rows(rng, 100, 384)
    assert np.array_equal(route_buckets(exact, 64), route_buckets(exact.copy(), 64))


def test_bucket_key_and_validation() -> None:
    assert bucket_key(42) == "b0042"
    assert bucket_key(0) == "b0000"
    with pytest.raises(ValueError):
        bucket_key(-1)
    with pytest.raises(ValueError):
        route_buckets(np.zeros((2, 4), np.float32), 0)
    with pytest.raises(ValueError):
        route_bucket(np.zeros((2, 4), np.float32), 4)
    assert route_buckets(np.zeros((3, 4), np.float32), 1).tolist() == [0, 0, 0]
