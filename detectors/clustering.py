"""Online narrative clustering: every mention joins the closest live narrative or founds a new one.

A narrative is the running mean of its members' L2-normalised embeddings (the sum is kept, float32,
and re-normalised on use). A vector joins the most similar live narrative of its *group* when the
cosine to that narrative's centroid is at least the group's threshold, otherwise it founds a new one
whose id is ``"nar-" + blake2b(founder_id, 8)``, so every worker names it the same way. Live narratives
are bounded (``max_live``; the least recently seen is evicted) and expire after ``idle_expiry_s`` of
event time, so memory stays flat on an endless stream.

Search design (measured with ``.venv/bin/python -m bench.core``, one BLAS thread, dim 384):

* Brute force against 10k centroids costs ~60 µs per query even in a 256-query GEMM, three times
  the ~20 µs budget for 20k mentions/s. So each group has an IVF index: ``K ≈ sqrt(live)`` lists
  from a deterministic spherical k-means (seeded init, fixed iterations) on the live centroids,
  centroids stored contiguously per list (swap-remove on delete). A query probes the ``nprobe`` lists
  whose coarse centroids are closest. Below ``ivf_min_live`` live narratives the index is one list,
  i.e. exact brute force.
* The index is rebuilt at deterministic *logical* points (live count of the group doubles or halves,
  or as many narratives were founded/removed as the index held when built), so rebuilds do not depend
  on how the input was cut into batches. A centroid stays in its list when it moves; a new narrative
  goes to the list nearest its founding vector.
* ``learn_many`` keeps sequential semantics with a micro-batch: one GEMM against the coarse centroids
  and one per probed list (grouping the queries that probe it) give each query its top-``candidates``
  narratives *as of the batch start*. A sequential pass then walks the items: a precomputed candidate
  whose narrative changed earlier in the batch (joined, founded, evicted) is skipped, and the
  narratives changed in this batch are re-checked exactly against their current centroid, but only
  those in lists the query probes (exactly what a batch of one would see). When all candidates are
  stale and nothing better is found, that one query is searched again. Results therefore equal those
  of ``learn_one`` in a loop up to float rounding (GEMM vs dot-product summation order).
* Changes reach the index when a micro-batch ends ("commit").

Recall (share of assignments identical to exact brute force) and throughput are printed by
``bench/core.py``; see docs/benchmarks.md for the figures on the reference machine.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["SNAPSHOT_VERSION", "ClusterAssignment", "OnlineClusterer"]

SNAPSHOT_VERSION = 1

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
_NEG_INF = float("-inf")
_KMEANS_ITERATIONS = 6
_KMEANS_SAMPLE_PER_LIST = 32


@dataclass(frozen=True, slots=True)
class ClusterAssignment:
    """Where one vector went."""

    narrative_id: str
    similarity: float  # cosine to the centroid it joined (before the update); 1.0 when it founded one
    created: bool
    evicted: tuple[str, ...] = ()


def _unit_rows(sums: F32) -> F32:
    """Row-wise L2 normalisation; each row's result depends on that row only (snapshots rely on it)."""
    norms: F32 = np.sqrt(np.einsum("ij,ij->i", sums, sums))
    norms[norms == 0] = 1.0
    out: F32 = (sums / norms[:, None]).astype(np.float32, copy=False)
    return out


def _b64(arr: npt.NDArray[Any]) -> str:
    return base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode("ascii")


def _unb64(text: str, dtype: type[np.generic], shape: tuple[int, ...]) -> npt.NDArray[Any]:
    return np.frombuffer(base64.b64decode(text), dtype=dtype).reshape(shape).copy()


def _topk(scores: F32, slots: I64, k: int) -> tuple[F32, I64]:
    """Best ``k`` columns of each row, best first; padded with -inf / -1 when a row is short."""
    b, n = scores.shape
    if n < k:
        pad = k - n
        scores = np.concatenate([scores, np.full((b, pad), _NEG_INF, np.float32)], axis=1)
        slots = np.concatenate([slots, np.full((b, pad), -1, np.int64)], axis=1)
        n = k
    if n > k:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        scores = np.take_along_axis(scores, part, 1)
        slots = np.take_along_axis(slots, part, 1)
    order = np.argsort(-scores, axis=1, kind="stable")
    return np.take_along_axis(scores, order, 1), np.take_along_axis(slots, order, 1)


def _best(scores: F32, k: int) -> tuple[F32, I64]:
    """Best ``k`` (scores, column) of each row, best first; ties go to the lower column.

    A few ``argmax`` passes beat ``argpartition`` for the small ``k`` of the batch search.
    """
    b, n = scores.shape
    if k > 4 or k >= n:
        top_s, top_i = _topk(scores, np.broadcast_to(np.arange(n, dtype=np.int64), (b, n)), k)
        return top_s, top_i
    work = scores.copy()
    rows = np.arange(b)
    out_s = np.empty((b, k), np.float32)
    out_i = np.empty((b, k), np.int64)
    for c in range(k):
        best = work.argmax(axis=1)
        out_i[:, c] = best
        out_s[:, c] = work[rows, best]
        work[rows, best] = _NEG_INF
    return out_s, out_i


class _List:
    """Unit centroids stored contiguously with their slots; swap-remove keeps the rows dense."""

    __slots__ = ("n", "slots", "units")

    def __init__(self, dim: int, capacity: int = 16) -> None:
        self.units: F32 = np.zeros((capacity, dim), np.float32)
        self.slots: I64 = np.full(capacity, -1, np.int64)
        self.n = 0

    def append(self, slot: int, unit: F32) -> int:
        if self.n == len(self.slots):
            self.units = np.concatenate([self.units, np.zeros_like(self.units)])
            self.slots = np.concatenate([self.slots, np.full(len(self.slots), -1, np.int64)])
        row = self.n
        self.units[row] = unit
        self.slots[row] = slot
        self.n += 1
        return row

    def swap_remove(self, row: int) -> int:
        """Remove ``row``; returns the slot moved into it (-1 when it was the last row)."""
        last = self.n - 1
        moved = -1
        if row != last:
            self.units[row] = self.units[last]
            moved = int(self.slots[last])
            self.slots[row] = moved
        self.slots[last] = -1
        self.n = last
        return moved

    def search(self, queries: F32, k: int) -> tuple[F32, I64]:
        n = self.n
        scores = queries @ self.units[:n].T
        slots = np.broadcast_to(self.slots[:n], scores.shape)
        return _topk(scores, slots, k)


class _GroupIndex:
    """IVF index over the live centroids of one group (one list = exact brute force)."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.coarse: F32 | None = None  # (K, dim) when K > 1
        self.lists = [_List(dim)]
        self.pos: dict[int, tuple[int, int]] = {}  # slot -> (list, row)
        # Logical counters (updated per item, not per commit) drive the rebuild points.
        self.live = 0
        self.built_live = 0
        self.churn = 0
        self.builds = 0

    @property
    def n_lists(self) -> int:
        return len(self.lists)

    def add(self, slot: int, unit: F32, lst: int) -> None:
        self.pos[slot] = (lst, self.lists[lst].append(slot, unit))

    def update(self, slot: int, unit: F32) -> None:
        lst, row = self.pos[slot]
        self.lists[lst].units[row] = unit

    def remove(self, slot: int) -> None:
        lst, row = self.pos.pop(slot)
        moved = self.lists[lst].swap_remove(row)
        if moved >= 0:
            self.pos[moved] = (lst, row)

    def search(self, queries: F32, k: int, nprobe: int) -> tuple[F32, I64, I64 | None]:
        """Top-``k`` (scores, slots) per query, and the probed lists (nearest first) when IVF."""
        if self.coarse is None:
            scores, slots = self.lists[0].search(queries, k)
            return scores, slots, None
        b = len(queries)
        n_lists = len(self.lists)
        p = min(nprobe, n_lists)
        coarse = queries @ self.coarse.T
        if p < n_lists:
            probe = np.argpartition(-coarse, p - 1, axis=1)[:, :p]
        else:
            probe = np.broadcast_to(np.arange(n_lists), (b, n_lists)).copy()
        order = np.argsort(-np.take_along_axis(coarse, probe, 1), axis=1, kind="stable")
        probe = np.take_along_axis(probe, order, 1).astype(np.int64)
        flat = probe.ravel()
        by_list = np.argsort(flat, kind="stable")
        bounds = np.searchsorted(flat[by_list], np.arange(n_lists + 1)).tolist()
        q_of, p_of = np.divmod(by_list, p)
        lists = self.lists
        visited = [lst for lst in range(n_lists) if bounds[lst + 1] > bounds[lst] and lists[lst].n]
        width = max((lists[lst].n for lst in visited), default=1)
        # Every score of every probed list goes into one (query, probe rank, row) buffer and the top-k
        # is taken once: a per-list top-k costs more numpy calls than the GEMMs themselves.
        buf = np.full((b, p, width), _NEG_INF, np.float32)
        for lst in visited:
            store = lists[lst]
            lo, hi = bounds[lst], bounds[lst + 1]
            qi = q_of[lo:hi]
            buf[qi, p_of[lo:hi], : store.n] = queries[qi] @ store.units[: store.n].T
        scores, pos = _best(buf.reshape(b, p * width), k)
        # Position -> slot: rows of every list's slot array laid end to end.
        caps = np.array([len(lst.slots) for lst in lists], np.int64)
        starts = np.cumsum(caps) - caps
        all_slots = np.concatenate([lst.slots for lst in lists])
        col = pos % width
        lst_of = np.take_along_axis(probe, pos // width, 1)
        index = np.minimum(starts[lst_of] + col, len(all_slots) - 1)
        slots = np.where(scores == _NEG_INF, -1, all_slots[index])
        return scores, slots, probe

    def nearest_list(self, unit: F32) -> int:
        if self.coarse is None:
            return 0
        return int(np.argmax(self.coarse @ unit))

    def rebuild(self, slots: I64, units: F32, n_lists: int, seed: int) -> None:
        """Deterministic spherical k-means over ``units`` (rows ordered by slot), then refill."""
        self.builds += 1
        self.built_live = len(slots)
        self.churn = 0
        self.pos.clear()
        if n_lists <= 1 or len(slots) < n_lists:
            self.coarse = None
            self.lists = [self._filled_list(0, slots, units)]
            return
        rng = np.random.default_rng([seed, self.builds])
        # Training on ~_KMEANS_SAMPLE_PER_LIST points per list keeps a rebuild at 10k live near 30 ms.
        n_train = min(len(units), _KMEANS_SAMPLE_PER_LIST * n_lists)
        train = units[np.sort(rng.choice(len(units), n_train, replace=False))]
        centres = train[np.sort(rng.choice(n_train, n_lists, replace=False))].copy()
        onehot = np.zeros((n_lists, n_train), np.float32)
        rows = np.arange(n_train)
        for _ in range(_KMEANS_ITERATIONS):
            assign = np.argmax(train @ centres.T, axis=1)
            onehot[:] = 0
            onehot[assign, rows] = 1
            sums = onehot @ train
            filled = onehot.sum(axis=1) > 0
            # An emptied list keeps its old centre rather than collapsing to zero.
            centres[filled] = _unit_rows(sums[filled])
        assign = np.argmax(units @ centres.T, axis=1)
        self.coarse = centres
        ends = np.cumsum(np.bincount(assign, minlength=n_lists)).tolist()
        order = np.argsort(assign, kind="stable")
        self.lists = [
            self._filled_list(lst, slots[rows], units[rows])
            for lst, rows in enumerate(np.split(order, ends[:-1]))
        ]

    def _filled_list(self, lst: int, slots: I64, units: F32) -> _List:
        """List ``lst`` holding ``units`` in the given order (what ``add`` one by one would build)."""
        n = len(slots)
        store = _List(self.dim, max(16, n))
        store.units[:n] = units
        store.slots[:n] = slots
        store.n = n
        self.pos.update(zip(slots.tolist(), ((lst, row) for row in range(n)), strict=True))
        return store


class _Touched:
    """Narratives of one group changed during the current micro-batch, with their current centroid."""

    __slots__ = ("lists", "n", "rows", "slots", "units")

    def __init__(self, dim: int, capacity: int) -> None:
        self.units: F32 = np.zeros((capacity, dim), np.float32)
        self.lists: I64 = np.zeros(capacity, np.int64)
        self.slots: list[int] = []
        self.rows: dict[int, int] = {}
        self.n = 0

    def put(self, slot: int, unit: F32, lst: int) -> None:
        row = self.rows.get(slot)
        if row is None:
            if self.n == len(self.lists):
                self.units = np.concatenate([self.units, np.zeros_like(self.units)])
                self.lists = np.concatenate([self.lists, np.zeros_like(self.lists)])
            row = self.n
            self.rows[slot] = row
            self.slots.append(slot)
            self.lists[row] = lst
            self.n += 1
        self.units[row] = unit

    def drop(self, slot: int) -> None:
        row = self.rows.pop(slot, None)
        if row is None:
            return
        last = self.n - 1
        if row != last:
            moved = self.slots[last]
            self.units[row] = self.units[last]
            self.lists[row] = self.lists[last]
            self.slots[row] = moved
            self.rows[moved] = row
        self.slots.pop()
        self.n = last


class OnlineClusterer:
    """Single-pass, bounded, deterministic clustering of L2-normalised vectors into narratives.

    Index parameters: ``batch_size`` (micro-batch of ``learn_many``), ``candidates`` (top-k kept per
    query from the batch search), ``nprobe`` (lists probed per query), ``ivf_min_live`` (below it a
    group is searched exactly), ``lists_factor`` (lists = ``lists_factor * sqrt(live)``).
    """

    def __init__(
        self,
        dim: int,
        *,
        threshold: float,
        idle_expiry_s: float,
        max_live: int,
        group_thresholds: Mapping[str, float] | None = None,
        seed: int = 0,
        batch_size: int = 256,
        candidates: int = 2,
        nprobe: int = 6,
        ivf_min_live: int = 2048,
        lists_factor: float = 2.0,
    ) -> None:
        if dim <= 0:
            raise ValueError(f"dim must be positive, got {dim}")
        if max_live <= 0:
            raise ValueError(f"max_live must be positive, got {max_live}")
        if not idle_expiry_s > 0:
            raise ValueError(f"idle_expiry_s must be positive, got {idle_expiry_s}")
        if batch_size < 1 or candidates < 1 or nprobe < 1 or ivf_min_live < 2 or lists_factor <= 0:
            raise ValueError(
                "batch_size, candidates, nprobe must be >= 1, ivf_min_live >= 2, lists_factor > 0"
            )
        self.dim = dim
        self.threshold = float(threshold)
        self.idle_expiry_s = float(idle_expiry_s)
        self.max_live = int(max_live)
        self.group_thresholds = {str(g): float(t) for g, t in (group_thresholds or {}).items()}
        self.seed = int(seed)
        self.batch_size = int(batch_size)
        self.candidates = int(candidates)
        self.nprobe = int(nprobe)
        self.ivf_min_live = int(ivf_min_live)
        self.lists_factor = float(lists_factor)

        # Narrative storage by slot; a freed slot is reused only after the batch that freed it.
        self._sums: F32 = np.zeros((16, dim), np.float32)
        self._counts: list[int] = [0] * 16
        self._last: list[float] = [0.0] * 16
        self._ids: list[str | None] = [None] * 16
        self._groups: list[str] = [""] * 16
        self._free: list[int] = list(range(15, -1, -1))
        self._slot_of: dict[str, int] = {}
        self._heap: list[tuple[float, str, int]] = []  # (last_seen, id, slot); stale entries skipped
        self._indexes: dict[str, _GroupIndex] = {}

        # Micro-batch state.
        self._changed: set[int] = set()
        self._dead: list[tuple[int, str]] = []  # (slot, group) removed, not yet out of the index
        self._new_list: dict[int, int] = {}  # slot founded in this batch -> its list
        self._touched: dict[str, _Touched] = {}
        self._rebuild_due: set[str] = set()

    # ------------------------------------------------------------------ public queries

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, narrative_id: object) -> bool:
        return narrative_id in self._slot_of

    def centroid(self, narrative_id: str) -> F32:
        slot = self._slot_of[narrative_id]
        unit: F32 = _unit_rows(self._sums[slot : slot + 1])[0].copy()
        return unit

    def last_seen(self, narrative_id: str) -> float:
        return self._last[self._slot_of[narrative_id]]

    def size(self, narrative_id: str) -> int:
        """Number of vectors that joined the narrative (founder included)."""
        return self._counts[self._slot_of[narrative_id]]

    def threshold_for(self, group: str) -> float:
        return self.group_thresholds.get(group, self.threshold)

    def predict_one(self, vector: npt.ArrayLike, group: str = "") -> tuple[str | None, float]:
        """Narrative the vector would join (None when below threshold) and the best cosine (0.0 if empty)."""
        q = self._as_matrix(vector)
        index = self._indexes.get(group)
        if index is None or index.live == 0:
            return None, 0.0
        scores, slots, _ = index.search(q, 1, self.nprobe)
        slot, sim = int(slots[0, 0]), float(scores[0, 0])
        if slot < 0:
            return None, 0.0
        return (self._ids[slot] if sim >= self.threshold_for(group) else None), sim

    # ------------------------------------------------------------------ learning

    def learn_one(
        self, vector: npt.ArrayLike, time: float, founder_id: str, group: str = ""
    ) -> ClusterAssignment:
        return self.learn_many(self._as_matrix(vector), [time], [founder_id], [group])[0]

    def learn_many(
        self,
        vectors: npt.ArrayLike,
        times: Sequence[float],
        founder_ids: Sequence[str],
        groups: Sequence[str] | None = None,
    ) -> list[ClusterAssignment]:
        """Assign each row in order; item ``i`` sees the state left by items ``< i``."""
        q = np.asarray(vectors, dtype=np.float32)
        if q.ndim != 2 or q.shape[1] != self.dim:
            raise ValueError(f"vectors must have shape (n, {self.dim}), got {q.shape}")
        n = len(q)
        if len(times) != n or len(founder_ids) != n or (groups is not None and len(groups) != n):
            raise ValueError("vectors, times, founder_ids and groups must have the same length")
        tlist = [float(t) for t in times]
        glist = [str(g) for g in groups] if groups is not None else [""] * n
        out: list[ClusterAssignment] = []
        start = 0
        while start < n:
            start = self._learn_chunk(
                q, tlist, founder_ids, glist, start, min(n, start + self.batch_size), out
            )
        return out

    def add_to(self, narrative_id: str, vector: npt.ArrayLike, time: float) -> ClusterAssignment:
        """Force ``vector`` into a narrative (exact duplicates); similarity is to the old centroid."""
        slot = self._slot_of[narrative_id]
        q = self._as_matrix(vector)[0]
        sim = float(_unit_rows(self._sums[slot : slot + 1])[0] @ q)
        self._join(slot, q, float(time))
        self._changed.add(slot)
        self._commit()
        return ClusterAssignment(narrative_id, sim, False, ())

    def next_expiry(self) -> float | None:
        """A lower bound on the event time at which :meth:`expire` removes something (None: no
        narrative is live). The heap may hold stale entries, which only make the bound earlier."""
        return self._heap[0][0] + self.idle_expiry_s if self._heap else None

    def expire(self, now: float) -> list[str]:
        """Remove narratives whose last_seen is older than ``now - idle_expiry_s``; oldest first."""
        cutoff = float(now) - self.idle_expiry_s
        out: list[str] = []
        while self._heap and self._heap[0][0] < cutoff:
            t, nid, slot = heapq.heappop(self._heap)
            if self._ids[slot] == nid and self._last[slot] == t:
                out.append(self._kill(slot))
        self._commit()
        self._rebuild_if_due()
        return out

    def remove(self, narrative_id: str) -> None:
        self._kill(self._slot_of[narrative_id])
        self._commit()
        self._rebuild_if_due()

    # ------------------------------------------------------------------ internals

    def _as_matrix(self, vector: npt.ArrayLike) -> F32:
        q = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        if q.shape[1] != self.dim:
            raise ValueError(f"vector must have {self.dim} components, got {q.shape[1]}")
        return q

    def _index(self, group: str) -> _GroupIndex:
        index = self._indexes.get(group)
        if index is None:
            index = self._indexes[group] = _GroupIndex(self.dim)
        return index

    def _learn_chunk(
        self,
        q: F32,
        times: list[float],
        founder_ids: Sequence[str],
        groups: list[str],
        start: int,
        end: int,
        out: list[ClusterAssignment],
    ) -> int:
        """Process items ``start..end``; returns where to go on (earlier when an index must be rebuilt)."""
        k = self.candidates
        members: dict[str, list[int]] = {}
        for j in range(start, end):
            members.setdefault(groups[j], []).append(j)
        cand_s: list[list[float]] = [[] for _ in range(end - start)]
        cand_i: list[list[int]] = [[] for _ in range(end - start)]
        probe_mask: dict[int, npt.NDArray[np.bool_]] = {}
        nearest: dict[int, int] = {}
        for g, rows in members.items():
            index = self._index(g)
            scores, slots, probe = index.search(q[rows], k, self.nprobe)
            mask = None
            if probe is not None:
                mask = np.zeros((len(rows), index.n_lists), np.bool_)
                np.put_along_axis(mask, probe, True, 1)
            s_rows, i_rows = scores.tolist(), slots.tolist()
            for r, j in enumerate(rows):
                cand_s[j - start], cand_i[j - start] = s_rows[r], i_rows[r]
                if mask is not None and probe is not None:
                    probe_mask[j] = mask[r]
                    nearest[j] = int(probe[r, 0])
            if g not in self._touched:
                self._touched[g] = _Touched(self.dim, min(self.batch_size, 64))

        changed = self._changed
        for j in range(start, end):
            g = groups[j]
            vec = q[j]
            best_slot, best_s = -1, _NEG_INF
            stale_bound = _NEG_INF
            row_s, row_i = cand_s[j - start], cand_i[j - start]
            for c in range(k):
                slot = row_i[c]
                if slot < 0:
                    break
                if slot not in changed:
                    best_slot, best_s = slot, row_s[c]
                    break
            else:
                # Every candidate changed in this batch: unchanged ones score at most the k-th.
                stale_bound = row_s[k - 1]
            touched = self._touched[g]
            if touched.n:
                sims = touched.units[: touched.n] @ vec
                a = int(np.argmax(sims))
                mask_j = probe_mask.get(j)
                if mask_j is not None and not mask_j[touched.lists[a]]:
                    # Only narratives in lists this query probes count, as in a batch of one.
                    sims[~mask_j[touched.lists[: touched.n]]] = _NEG_INF
                    a = int(np.argmax(sims))
                if sims[a] > best_s:
                    best_slot, best_s = touched.slots[a], float(sims[a])
            if best_s < stale_bound:
                slot, sim = self._search_excluding(g, vec)
                if sim > best_s:
                    best_slot, best_s = slot, sim

            if best_slot >= 0 and best_s >= self.threshold_for(g):
                self._join(best_slot, vec, times[j])
                changed.add(best_slot)
                touched.put(best_slot, self._unit(best_slot), self._list_of(g, best_slot))
                out.append(ClusterAssignment(self._ids[best_slot] or "", best_s, False, ()))
            else:
                out.append(self._found(vec, times[j], founder_ids[j], g, nearest.get(j, 0)))
            if self._rebuild_due:
                self._commit()
                self._rebuild_if_due()
                return j + 1
        self._commit()
        return end

    def _search_excluding(self, group: str, vec: F32) -> tuple[int, float]:
        """Best unchanged narrative for one query against the index (rare path)."""
        index = self._indexes[group]
        k = self.candidates + len(self._changed)
        scores, slots, _ = index.search(vec[None, :], k, self.nprobe)
        for s, slot in zip(scores[0].tolist(), slots[0].tolist(), strict=True):
            if slot >= 0 and slot not in self._changed:
                return slot, s
        return -1, _NEG_INF

    def _unit(self, slot: int) -> F32:
        # Only scores within the current micro-batch use this; the index gets _unit_rows at commit.
        row = self._sums[slot]
        norm = float(np.sqrt(row @ row))
        unit: F32 = row / norm if norm > 0 else row.copy()
        return unit

    def _list_of(self, group: str, slot: int) -> int:
        pos = self._indexes[group].pos.get(slot)
        return pos[0] if pos is not None else self._new_list[slot]

    def _join(self, slot: int, vec: F32, time: float) -> None:
        self._sums[slot] += vec
        self._counts[slot] += 1
        if time > self._last[slot]:
            self._last[slot] = time
            heapq.heappush(self._heap, (time, self._ids[slot] or "", slot))
            if len(self._heap) > 2 * len(self._slot_of) + 1024:
                self._compact_heap()

    def _found(self, vec: F32, time: float, founder_id: str, group: str, lst: int) -> ClusterAssignment:
        evicted: list[str] = []
        while len(self._slot_of) >= self.max_live:
            evicted.append(self._kill(self._pop_lru()))
        nid = self._new_id(founder_id)
        slot = self._alloc()
        self._sums[slot] = vec
        self._counts[slot] = 1
        self._last[slot] = time
        self._ids[slot] = nid
        self._groups[slot] = group
        self._slot_of[nid] = slot
        heapq.heappush(self._heap, (time, nid, slot))
        self._changed.add(slot)
        self._new_list[slot] = lst
        self._touched[group].put(slot, self._unit(slot), lst)
        index = self._indexes[group]
        index.live += 1
        index.churn += 1
        self._check_rebuild(group)
        return ClusterAssignment(nid, 1.0, True, tuple(evicted))

    def _new_id(self, founder_id: str) -> str:
        nid = "nar-" + hashlib.blake2b(founder_id.encode("utf-8"), digest_size=8).hexdigest()
        attempt = 0
        while nid in self._slot_of:
            # A live narrative already has this id (same founder id reused, or a hash collision).
            attempt += 1
            salted = f"{founder_id}\x00{attempt}".encode()
            nid = "nar-" + hashlib.blake2b(salted, digest_size=8).hexdigest()
        return nid

    def _alloc(self) -> int:
        if not self._free:
            cap = len(self._ids)
            self._sums = np.concatenate([self._sums, np.zeros_like(self._sums)])
            self._counts.extend([0] * cap)
            self._last.extend([0.0] * cap)
            self._ids.extend([None] * cap)
            self._groups.extend([""] * cap)
            self._free.extend(range(2 * cap - 1, cap - 1, -1))
        return self._free.pop()

    def _pop_lru(self) -> int:
        """Slot of the least recently seen live narrative (ties by id), popped from the heap."""
        while self._heap:
            t, nid, slot = heapq.heappop(self._heap)
            if self._ids[slot] == nid and self._last[slot] == t:
                return slot
        return -1

    def _compact_heap(self) -> None:
        self._heap = [(self._last[s], nid, s) for nid, s in self._slot_of.items()]
        heapq.heapify(self._heap)

    def _kill(self, slot: int) -> str:
        nid = self._ids[slot] or ""
        group = self._groups[slot]
        del self._slot_of[nid]
        self._ids[slot] = None
        self._changed.add(slot)
        self._dead.append((slot, group))
        touched = self._touched.get(group)
        if touched is not None:
            touched.drop(slot)
        index = self._indexes[group]
        index.live -= 1
        index.churn += 1
        self._check_rebuild(group)
        return nid

    def _check_rebuild(self, group: str) -> None:
        index = self._indexes[group]
        if index.coarse is None:
            due = index.live >= self.ivf_min_live and index.live >= 2 * index.built_live
        else:
            due = (
                index.live >= 2 * index.built_live
                or 2 * index.live < index.built_live
                or index.churn >= 2 * index.built_live
            )
        if due:
            self._rebuild_due.add(group)

    def _rebuild_if_due(self) -> None:
        for group in sorted(self._rebuild_due):
            index = self._indexes[group]
            slots = np.array(sorted(index.pos), dtype=np.int64)
            units = _unit_rows(self._sums[slots])
            live = len(slots)
            n_lists = 1 if live < self.ivf_min_live else max(2, round(self.lists_factor * math.sqrt(live)))
            index.rebuild(slots, units, n_lists, self.seed)
        self._rebuild_due.clear()

    def _commit(self) -> None:
        """Push the batch's changes into the indexes and release freed slots."""
        for slot, group in self._dead:
            index = self._indexes[group]
            if slot in index.pos:
                index.remove(slot)
            self._free.append(slot)
        self._dead.clear()
        live = sorted(s for s in self._changed if self._ids[s] is not None)
        if live:
            units = _unit_rows(self._sums[live])
            for slot, unit in zip(live, units, strict=True):
                index = self._indexes[self._groups[slot]]
                if slot in index.pos:
                    index.update(slot, unit)
                else:
                    index.add(slot, unit, self._new_list[slot])
        self._changed.clear()
        self._new_list.clear()
        for touched in self._touched.values():
            touched.slots.clear()
            touched.rows.clear()
            touched.n = 0

    # ------------------------------------------------------------------ snapshot

    def snapshot(self) -> dict[str, Any]:
        """JSON-serialisable state (arrays as base64 float32/int64), versioned."""
        slots = sorted(self._slot_of.values())
        indexes: dict[str, Any] = {}
        for group, index in sorted(self._indexes.items()):
            indexes[group] = {
                "coarse": None if index.coarse is None else _b64(index.coarse),
                "lists": [lst.slots[: lst.n].tolist() for lst in index.lists],
                "live": index.live,
                "built_live": index.built_live,
                "churn": index.churn,
                "builds": index.builds,
            }
        return {
            "version": SNAPSHOT_VERSION,
            "params": {
                "dim": self.dim,
                "threshold": self.threshold,
                "idle_expiry_s": self.idle_expiry_s,
                "max_live": self.max_live,
                "group_thresholds": dict(self.group_thresholds),
                "seed": self.seed,
                "batch_size": self.batch_size,
                "candidates": self.candidates,
                "nprobe": self.nprobe,
                "ivf_min_live": self.ivf_min_live,
                "lists_factor": self.lists_factor,
            },
            "capacity": len(self._ids),
            "slots": slots,
            "ids": [self._ids[s] for s in slots],
            "groups": [self._groups[s] for s in slots],
            "counts": [self._counts[s] for s in slots],
            "last_seen": [self._last[s] for s in slots],
            "sums": _b64(self._sums[slots]),
            "free": list(self._free),
            "indexes": indexes,
        }

    @classmethod
    def restore(cls, snapshot: Mapping[str, Any]) -> OnlineClusterer:
        """Rebuild a clusterer that continues exactly where the snapshot was taken."""
        if snapshot.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported clusterer snapshot version: {snapshot.get('version')!r}")
        params = dict(snapshot["params"])
        dim = int(params.pop("dim"))
        c = cls(dim, **params)
        cap = int(snapshot["capacity"])
        slots = [int(s) for s in snapshot["slots"]]
        c._sums = np.zeros((cap, dim), np.float32)
        c._sums[slots] = _unb64(snapshot["sums"], np.float32, (len(slots), dim))
        c._counts = [0] * cap
        c._last = [0.0] * cap
        c._ids = [None] * cap
        c._groups = [""] * cap
        for i, slot in enumerate(slots):
            c._ids[slot] = str(snapshot["ids"][i])
            c._groups[slot] = str(snapshot["groups"][i])
            c._counts[slot] = int(snapshot["counts"][i])
            c._last[slot] = float(snapshot["last_seen"][i])
            c._slot_of[str(snapshot["ids"][i])] = slot
        c._free = [int(s) for s in snapshot["free"]]
        c._compact_heap()
        for group, data in snapshot["indexes"].items():
            index = c._index(group)
            lists = data["lists"]
            if data["coarse"] is not None:
                index.coarse = _unb64(data["coarse"], np.float32, (len(lists), dim))
            index.lists = [_List(dim, max(16, len(rows))) for rows in lists]
            for lst, rows in enumerate(lists):
                if rows:
                    units = _unit_rows(c._sums[rows])
                    for slot, unit in zip(rows, units, strict=True):
                        index.add(int(slot), unit, lst)
            index.live = int(data["live"])
            index.built_live = int(data["built_live"])
            index.churn = int(data["churn"])
            index.builds = int(data["builds"])
        return c
