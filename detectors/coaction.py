"""The streaming account co-action graph: who acts on the same object within the coordination window.

Two accounts *co-act* when both act on the same object within ``coaction_window_s`` (τ) of each
other. Objects are the narrative a post joined, its theme (a coarser semantic level, see
:mod:`detectors.themes`), each canonical link, its hashtag set and the post it reposts. The ideas are
CooRTweet's (Righetti & Balluff), made streaming and bounded:

* **edges** between account pairs accumulate one unit per co-action event (a new post that finds a
  post of the other account within τ on a shared object; several shared objects count once) and
  decay in event time with half-life ``edge_half_life_s``, so repeated co-action builds weight and a
  one-off coincidence fades;
* **edge symmetry** (CooRTweet's ``edge_symmetry_score``): the number of distinct posts each side
  contributed, smaller over larger, so one hyperactive account cannot inflate a pair;
* **minimum participation**: an account needs ``min_participation`` posts that co-acted at all;
* **percentile edge threshold**: an edge is *strong* when its decayed weight is at least
  ``edge_min_weight`` and above the ``edge_percentile`` of all live edge weights (CooRTweet keeps
  edges above the median by default); the percentile is recomputed at deterministic points;
* a **fast sub-window** ``coaction_fast_s``: co-actions that close count separately (``fast``), the
  synchronised core CooRTweet reports with ``flag_speed_share``.

Beside pairs the graph finds **synchronised bursts**: a new post that makes ``k >= min_accounts``
distinct accounts on one object within τ, when that many is improbable given the object's own
earlier rate (Poisson tail ``<= burst_alpha``; the rate is a decayed count of the object's posts
*before* the window, floored at one post per ``sync_reference_s`` for objects with no history).
A dozen fresh accounts posting rewordings of one claim within 40 s is a burst even though no pair
ever co-acts twice.

:meth:`CoActionGraph.observe` returns these findings as :class:`Evidence` records; the campaign
level (:mod:`detectors.campaigns`) turns them into groups of accounts. Memory is bounded: object
windows hold τ seconds of posts, and objects, accounts and edges are capped with least-recently-used
eviction (edges also disappear once their decayed weight falls below ``edge_floor``).
"""

from __future__ import annotations

import itertools
import math
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from detectors.config import DetectorConfig
from detectors.facts import Action

__all__ = ["AccountNode", "CoActionGraph", "Edge", "EdgeEvidence", "Evidence", "object_keys", "poisson_tail"]

_EVIDENCE_PER_EDGE: Final = 3
_HISTORY_PER_ACCOUNT: Final = 8
# The percentile threshold is recomputed after this many edge updates; between two recomputations
# it lags, which only delays a marginal edge by a few thousand co-actions.
_PERCENTILE_EVERY: Final = 5000
_SWEEP_SCAN: Final = 2000  # edges examined per sweep for decay below the floor


def poisson_tail(k: int, mu: float) -> float:
    """P(X >= k) for X ~ Poisson(mu), summed from the tail side (no cancellation for tiny values)."""
    if k <= 0:
        return 1.0
    if mu <= 0.0:
        return 0.0
    log_term = -mu + k * math.log(mu) - math.lgamma(k + 1)
    term = math.exp(log_term)
    total = term
    i = k
    while term > total * 1e-12 and i < k + 1000:
        i += 1
        term *= mu / i
        total += term
    return min(1.0, total)


def object_keys(action: Action, theme_id: str | None) -> list[str]:
    """The objects an action acts on, as graph keys: ``n:`` narrative, ``t:`` theme, ``l:`` link,
    ``h:`` hashtag set, ``r:`` repost target."""
    keys: list[str] = []
    if action.narrative_id is not None:
        keys.append("n:" + action.narrative_id)
    if theme_id is not None:
        keys.append("t:" + theme_id)
    keys.extend("l:" + url for url in action.links)
    if action.tags:
        keys.append("h:" + action.tags)
    if action.repost_of is not None:
        keys.append("r:" + action.repost_of)
    return keys


@dataclass(frozen=True, slots=True)
class EdgeEvidence:
    """One co-action behind an edge: the two posts, how far apart, and the object they shared."""

    mention_a: str  # the earlier post
    mention_b: str
    gap_s: float
    object_key: str

    def to_list(self) -> list[Any]:
        return [self.mention_a, self.mention_b, self.gap_s, self.object_key]


@dataclass(frozen=True, slots=True)
class Evidence:
    """A finding of the graph: accounts that acted together, and why.

    For a burst, ``strength`` is the Poisson tail of that many accounts on ``object_key`` within the
    window given its earlier rate; for an edge, its decayed weight."""

    kind: Literal["burst", "edge"]
    t: float
    accounts: tuple[str, ...]
    object_key: str | None  # the burst's object; None for an edge
    strength: float


class Edge:
    """Co-action between two accounts (``a < b``), with CooRTweet's symmetry bookkeeping."""

    __slots__ = ("a", "b", "count", "evidence", "fast", "last_a", "last_b", "n_a", "n_b", "t", "w")

    def __init__(self, a: str, b: str) -> None:
        self.a, self.b = a, b
        self.w = 0.0  # decayed weight as of self.t
        self.t = 0.0
        self.fast = 0  # co-actions within the fast sub-window (not decayed)
        self.count = 0  # co-actions ever
        self.n_a = 0  # distinct posts of a that co-acted with b (consecutive repeats counted once)
        self.n_b = 0
        self.last_a = ""
        self.last_b = ""
        self.evidence: list[EdgeEvidence] = []

    def weight(self, now: float, half_life: float) -> float:
        return self.w * math.pow(0.5, max(0.0, now - self.t) / half_life)

    @property
    def symmetry(self) -> float:
        hi = max(self.n_a, self.n_b)
        return min(self.n_a, self.n_b) / hi if hi else 0.0

    def add(
        self, now: float, half_life: float, post_of: Mapping[str, str], ev: EdgeEvidence, fast: bool
    ) -> None:
        self.w = self.weight(now, half_life) + 1.0
        self.t = now
        self.count += 1
        self.fast += fast
        if post_of[self.a] != self.last_a:
            self.last_a = post_of[self.a]
            self.n_a += 1
        if post_of[self.b] != self.last_b:
            self.last_b = post_of[self.b]
            self.n_b += 1
        self.evidence.append(ev)
        if len(self.evidence) > _EVIDENCE_PER_EDGE:
            del self.evidence[0]

    def to_list(self) -> list[Any]:
        return [
            self.a,
            self.b,
            self.w,
            self.t,
            self.fast,
            self.count,
            self.n_a,
            self.n_b,
            self.last_a,
            self.last_b,
            [e.to_list() for e in self.evidence],
        ]

    @classmethod
    def from_list(cls, v: Sequence[Any]) -> Edge:
        e = cls(str(v[0]), str(v[1]))
        e.w, e.t = float(v[2]), float(v[3])
        e.fast, e.count, e.n_a, e.n_b = int(v[4]), int(v[5]), int(v[6]), int(v[7])
        e.last_a, e.last_b = str(v[8]), str(v[9])
        e.evidence = [EdgeEvidence(str(x[0]), str(x[1]), float(x[2]), str(x[3])) for x in v[10]]
        return e


class AccountNode:
    """What the graph knows about one account: author facts, activity and its recent actions."""

    __slots__ = (
        "coacted",
        "counted",
        "created",
        "first",
        "followers",
        "handle",
        "history",
        "id",
        "last",
        "posts",
    )

    def __init__(self, action: Action) -> None:
        self.id = action.account
        self.handle = action.handle
        self.created = action.account_created
        self.followers = action.followers
        self.first = action.t
        self.last = action.t
        self.posts = 0
        self.coacted = 0  # posts that co-acted with another account, either side (CooRTweet's participation)
        self.counted = ""  # the last post counted in ``coacted``
        self.history: deque[Action] = deque(maxlen=_HISTORY_PER_ACCOUNT)

    def count_coaction(self, mention_id: str) -> None:
        """One of this account's posts took part in a co-action (counted once per post, since a post
        usually pairs with several later ones in turn)."""
        if mention_id != self.counted:
            self.counted = mention_id
            self.coacted += 1

    def observe(self, action: Action) -> None:
        self.posts += 1
        self.last = max(self.last, action.t)
        self.handle = action.handle or self.handle
        self.created = action.account_created if action.account_created is not None else self.created
        self.followers = action.followers if action.followers is not None else self.followers
        self.history.append(action)

    def to_list(self) -> list[Any]:
        return [
            self.id,
            self.handle,
            self.created,
            self.followers,
            self.first,
            self.last,
            self.posts,
            self.coacted,
            self.counted,
            [a.to_list() for a in self.history],
        ]

    @classmethod
    def from_list(cls, v: Sequence[Any]) -> AccountNode:
        history = [Action.from_list(a) for a in v[9]]
        node = cls(history[0]) if history else cls.__new__(cls)
        node.id = str(v[0])
        node.handle = None if v[1] is None else str(v[1])
        node.created = None if v[2] is None else float(v[2])
        node.followers = None if v[3] is None else int(v[3])
        node.first, node.last = float(v[4]), float(v[5])
        node.posts, node.coacted, node.counted = int(v[6]), int(v[7]), str(v[8])
        node.history = deque(history, maxlen=_HISTORY_PER_ACCOUNT)
        return node


class _Object:
    """The posts on one object within τ, and the object's decayed rate before them."""

    __slots__ = ("burst_until", "counts", "elapsed", "last", "rate_count", "window")

    def __init__(self) -> None:
        self.window: deque[tuple[float, str, str]] = deque()  # (t, account, mention id)
        self.counts: dict[str, int] = {}  # account -> posts in the window
        self.rate_count = 0.0  # decayed count of posts that left the window
        self.elapsed = 0.0  # decayed event time since first seen
        self.last: float | None = None  # event time the rate was last decayed to
        self.burst_until = -math.inf  # last burst finding, to report a burst once per window

    def decay_to(self, t: float, half_life: float) -> None:
        if self.last is None:
            self.last = t
        elif t > self.last:
            dt = t - self.last
            factor = math.pow(0.5, dt / half_life)
            self.rate_count *= factor
            self.elapsed = self.elapsed * factor + dt
            self.last = t

    def to_list(self) -> list[Any]:
        return [[list(w) for w in self.window], self.rate_count, self.elapsed, self.last, self.burst_until]

    @classmethod
    def from_list(cls, v: Sequence[Any]) -> _Object:
        o = cls()
        o.window = deque((float(t), str(a), str(m)) for t, a, m in v[0])
        for _, account, _ in o.window:
            o.counts[account] = o.counts.get(account, 0) + 1
        o.rate_count, o.elapsed = float(v[1]), float(v[2])
        o.last = None if v[3] is None else float(v[3])
        o.burst_until = float(v[4]) if v[4] is not None else -math.inf
        return o


class CoActionGraph:
    """Bounded, deterministic, event-time account co-action graph (see the module docstring)."""

    def __init__(self, cfg: DetectorConfig) -> None:
        self.cfg = cfg
        self.window = cfg.coaction_window_s
        self.fast_window = cfg.coaction_fast_s
        self.half_life = cfg.edge_half_life_s
        self._objects: OrderedDict[str, _Object] = OrderedDict()
        self._accounts: OrderedDict[str, AccountNode] = OrderedDict()
        self._edges: OrderedDict[tuple[str, str], Edge] = OrderedDict()  # least recently updated first
        self._neighbours: dict[str, set[str]] = {}
        self._threshold = cfg.edge_min_weight
        self._updates_since_threshold = 0
        self.coactions = 0  # co-action events ever (a counter for metrics)
        self.bursts = 0

    # -- queries ------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._edges)

    @property
    def accounts(self) -> int:
        return len(self._accounts)

    @property
    def objects(self) -> int:
        return len(self._objects)

    @property
    def edge_threshold(self) -> float:
        """The weight an edge must exceed to be strong: max(edge_min_weight, live percentile)."""
        return self._threshold

    def node(self, account: str) -> AccountNode | None:
        return self._accounts.get(account)

    def edge(self, a: str, b: str) -> Edge | None:
        return self._edges.get((a, b) if a < b else (b, a))

    def edges_among(self, accounts: Iterable[str]) -> list[Edge]:
        """Every live edge with both ends in ``accounts`` (each once)."""
        members = set(accounts)
        out: list[Edge] = []
        for a in sorted(members):
            for b in self._neighbours.get(a, ()):
                if a < b and b in members:
                    edge = self._edges.get((a, b))
                    if edge is not None:
                        out.append(edge)
        return out

    def is_strong(self, edge: Edge, now: float) -> bool:
        """CooRTweet's filters: repeated (weight above the threshold), symmetric, both accounts with
        the minimum participation."""
        if edge.symmetry < self.cfg.edge_min_symmetry:
            return False
        weight = edge.weight(now, self.half_life)
        if weight < self.cfg.edge_min_weight:
            return False
        if weight <= self._threshold and self._threshold > self.cfg.edge_min_weight:
            return False
        need = self.cfg.min_participation
        node_a, node_b = self._accounts.get(edge.a), self._accounts.get(edge.b)
        return node_a is not None and node_b is not None and node_a.coacted >= need and node_b.coacted >= need

    # -- learning -----------------------------------------------------------------------------------

    def observe(self, action: Action, theme_id: str | None) -> list[Evidence]:
        """Add one action (in event-time order) and return what it revealed."""
        node = self._account(action)
        node.observe(action)
        partners: dict[str, tuple[float, str, str]] = {}  # account -> (gap, their mention, object)
        found: list[Evidence] = []
        for key in object_keys(action, theme_id):
            obj = self._object(key, action.t)
            obj.window.append((action.t, action.account, action.mention_id))
            obj.counts[action.account] = obj.counts.get(action.account, 0) + 1
            burst = self._burst(obj, key, action)
            if burst is not None:
                found.append(burst)
            # A busy object (a trending hashtag, a big organic theme) pairs everyone with everyone by
            # chance; like a common term in TF-IDF it is no evidence unless it bursts. This also bounds
            # the pairs a post makes.
            if burst is not None or len(obj.counts) <= self.cfg.busy_object_accounts:
                self._collect(obj, key, action, partners)
        if partners:
            node.count_coaction(action.mention_id)
            self.coactions += 1
            found.extend(self._link_partners(action, partners))
        return found

    def _account(self, action: Action) -> AccountNode:
        node = self._accounts.get(action.account)
        if node is None:
            node = self._accounts[action.account] = AccountNode(action)
            while len(self._accounts) > self.cfg.max_graph_accounts:
                self._accounts.popitem(last=False)
        else:
            self._accounts.move_to_end(action.account)
        return node

    def _object(self, key: str, now: float) -> _Object:
        obj = self._objects.get(key)
        if obj is None:
            obj = self._objects[key] = _Object()
            while len(self._objects) > self.cfg.max_graph_objects:
                self._objects.popitem(last=False)
        else:
            self._objects.move_to_end(key)
        # Posts older than τ leave the window and become the object's history (its rate).
        cutoff = now - self.window
        window = obj.window
        while window and window[0][0] < cutoff:
            t, account, _ = window.popleft()
            obj.decay_to(t, self.cfg.object_half_life_s)
            obj.rate_count += 1.0
            left = obj.counts[account] - 1
            if left:
                obj.counts[account] = left
            else:
                del obj.counts[account]
        obj.decay_to(cutoff, self.cfg.object_half_life_s)
        return obj

    def _collect(
        self, obj: _Object, key: str, action: Action, partners: dict[str, tuple[float, str, str]]
    ) -> None:
        """Partners of ``action`` (already in the window) on one object: the latest post of each
        other account within τ, at most ``max_partners`` posts back."""
        seen = 0
        for t, account, mention in reversed(obj.window):
            if seen >= self.cfg.max_partners:
                break
            if account == action.account:
                continue
            seen += 1
            # |Δt|: a mention processed late (after its event-time slot went) is older than the
            # posts already in the window; a co-action gap is never negative.
            gap = abs(action.t - t)
            best = partners.get(account)
            if best is None or gap < best[0]:
                partners[account] = (gap, mention, key)

    def _burst(self, obj: _Object, key: str, action: Action) -> Evidence | None:
        k = len(obj.counts)
        if k < self.cfg.min_accounts:
            return None
        # The object's rate before the window, floored: an object with no history is taken to get one
        # post per sync_reference_s, so the first posts of a new object are not infinitely surprising.
        prior = 1.0 / self.cfg.sync_reference_s
        elapsed = max(obj.elapsed, self.cfg.sync_reference_s)
        rate = max(prior, obj.rate_count / elapsed)
        mu = rate * self.window
        p = poisson_tail(k - 1, mu)
        if p > self.cfg.burst_alpha:
            return None
        first = obj.burst_until < action.t - self.window
        obj.burst_until = action.t
        if first:
            self.bursts += 1
        return Evidence("burst", action.t, tuple(sorted(obj.counts)), key, p)

    def _link_partners(self, action: Action, partners: dict[str, tuple[float, str, str]]) -> list[Evidence]:
        found: list[Evidence] = []
        now = action.t
        for other in sorted(partners):
            gap, their_mention, key = partners[other]
            pair = (action.account, other) if action.account < other else (other, action.account)
            edge = self._edges.get(pair)
            if edge is None:
                edge = self._edges[pair] = Edge(*pair)
                self._neighbours.setdefault(pair[0], set()).add(pair[1])
                self._neighbours.setdefault(pair[1], set()).add(pair[0])
            else:
                self._edges.move_to_end(pair)
            partner = self._accounts.get(other)
            if partner is not None:
                partner.count_coaction(their_mention)
            posts = {action.account: action.mention_id, other: their_mention}
            ev = EdgeEvidence(their_mention, action.mention_id, gap, key)
            edge.add(now, self.half_life, posts, ev, gap <= self.fast_window)
            self._updates_since_threshold += 1
            if edge.count >= 2 and self.is_strong(edge, now):
                found.append(Evidence("edge", now, pair, None, edge.weight(now, self.half_life)))
        self._evict_edges()
        # Amortised: a refresh reads every live edge, so it waits for updates in proportion to them
        # (at 200k edges, every 5,000 updates cost 18% of a worker's time; the percentile of a large
        # graph moves slowly). The points still depend only on the input.
        if self._updates_since_threshold >= max(_PERCENTILE_EVERY, len(self._edges) // 2):
            self.refresh_threshold(now)
        return found

    def _evict_edges(self) -> None:
        while len(self._edges) > self.cfg.max_graph_edges:
            pair, _ = self._edges.popitem(last=False)
            self._drop_neighbours(pair)

    def _drop_neighbours(self, pair: tuple[str, str]) -> None:
        a, b = pair
        for x, y in ((a, b), (b, a)):
            nbrs = self._neighbours.get(x)
            if nbrs is not None:
                nbrs.discard(y)
                if not nbrs:
                    del self._neighbours[x]

    def refresh_threshold(self, now: float) -> None:
        """Recompute the percentile edge threshold over the live edges as of ``now`` (done
        automatically after max(5,000, half the live edges) edge updates, at points that depend only
        on the input)."""
        self._updates_since_threshold = 0
        weights = sorted(e.weight(now, self.half_life) for e in self._edges.values())
        if not weights:
            self._threshold = self.cfg.edge_min_weight
            return
        # Nearest-rank percentile of the live edge weights (CooRTweet: quantile of E(g)$weight).
        rank = min(len(weights) - 1, max(0, math.ceil(self.cfg.edge_percentile * len(weights)) - 1))
        self._threshold = max(self.cfg.edge_min_weight, weights[rank])

    def sweep(self, now: float) -> int:
        """Drop decayed edges and idle objects; returns the number of edges dropped. Called on
        ``advance`` so a quiet stream still sheds state."""
        dropped = 0
        # Edges come least recently updated first. One updated within the last half-life still weighs
        # at least 0.5 (every update adds 1), so the scan stops at the first such edge, and a bounded
        # scan keeps a sweep cheap; heavier old edges are simply re-examined next time.
        young = now - self.half_life
        for pair in list(itertools.islice(self._edges, _SWEEP_SCAN)):
            edge = self._edges[pair]
            if edge.t >= young:
                break
            if edge.weight(now, self.half_life) < self.cfg.edge_floor:
                del self._edges[pair]
                self._drop_neighbours(pair)
                dropped += 1
        idle = now - max(self.window, 4 * self.cfg.object_half_life_s)
        while self._objects:
            key, obj = next(iter(self._objects.items()))
            newest = obj.window[-1][0] if obj.window else (obj.last if obj.last is not None else now)
            if newest >= idle:
                break
            del self._objects[key]
        self._forget_idle_accounts(now - 4 * self.half_life)
        return dropped

    def _forget_idle_accounts(self, before: float) -> None:
        """Drop accounts silent since ``before`` (four edge half-lives: any edge they had would weigh
        1/16 of its last update) that hold no live edge; without it the account table only shrank at
        ``max_graph_accounts`` and RSS grew 543 -> 957 MiB over 1M mentions of new accounts. Oldest
        first (the table is kept in activity order); a bounded scan keeps a sweep cheap."""
        idle = [
            account
            for account, node in itertools.islice(self._accounts.items(), _SWEEP_SCAN)
            if node.last < before
        ]
        for account in idle:
            if account not in self._neighbours:
                del self._accounts[account]

    # -- snapshot -----------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {
            "objects": [[k, o.to_list()] for k, o in self._objects.items()],
            "accounts": [n.to_list() for n in self._accounts.values()],
            "edges": [e.to_list() for e in self._edges.values()],
            "threshold": self._threshold,
            "updates": self._updates_since_threshold,
            "coactions": self.coactions,
            "bursts": self.bursts,
        }

    @classmethod
    def restore(cls, snap: Mapping[str, Any], cfg: DetectorConfig) -> CoActionGraph:
        g = cls(cfg)
        g._objects = OrderedDict((str(k), _Object.from_list(v)) for k, v in snap["objects"])
        g._accounts = OrderedDict()
        for v in snap["accounts"]:
            node = AccountNode.from_list(v)
            g._accounts[node.id] = node
        for v in snap["edges"]:
            edge = Edge.from_list(v)
            g._edges[(edge.a, edge.b)] = edge
            g._neighbours.setdefault(edge.a, set()).add(edge.b)
            g._neighbours.setdefault(edge.b, set()).add(edge.a)
        g._threshold = float(snap["threshold"])
        g._updates_since_threshold = int(snap["updates"])
        g.coactions = int(snap["coactions"])
        g.bursts = int(snap["bursts"])
        return g
