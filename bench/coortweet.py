"""CooRTweet's rules on a ChorusWatch scenario, as the baseline printed beside ChorusWatch's figures.

Two baselines, both batch (they see the whole scenario at once, as the R package does):

* **co-share bursts** — the rule the issue quotes: the same object (exact text, canonical link,
  hashtag set, reposted post) from at least ``min_accounts`` (3) distinct accounts within
  ``window_s`` (600 s). Each burst is an alert covering its posts.
* **the CooRTweet network with its defaults** (``detect_groups`` + ``generate_coordinated_network``):
  pairs of accounts sharing an object within ``time_window`` 10 s, accounts with at least
  ``min_participation`` 2 posts among those pairs, edge weight = number of co-shares, edges kept
  when their weight is *above* the median of all edge weights (R's ``quantile(..., 0.5)``, type 7),
  then connected components. Each component is an alert covering the posts behind its kept edges.

Alerts are matched to the scenario's labels exactly as ChorusWatch's (:mod:`choruswatch.evaluate`):
an alert's posts are put in one pseudo-narrative per alert. A batch tool has no detection delay in
the streaming sense; the delay reported for it is measured to the last post it needed (its as_of).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from choruswatch.evaluate import AlertRevision
from detectors.text import canonical_url, exact_key, hashtag_key, normalize
from schemas.models import Mention

__all__ = ["Baseline", "burst_baseline", "network_baseline", "objects_of"]


@dataclass(frozen=True, slots=True)
class Baseline:
    """Alerts in the evaluator's terms: revisions, and mention -> pseudo-narrative of its alert."""

    name: str
    revisions: list[AlertRevision]
    assignments: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Post:
    t: float
    account: str
    mention_id: str


def objects_of(m: Mention) -> list[str]:
    """CooRTweet's objects of a post: its exact text (not for reposts, whose text is the original's),
    each canonical link, its hashtag set, the post it reposts."""
    out: list[str] = []
    text = normalize(m.text)
    if text and m.repost_of is None:
        out.append("text:" + exact_key(text))
    out.extend("link:" + canonical_url(u) for u in dict.fromkeys(m.links))
    tags = sorted({hashtag_key(t) for t in m.hashtags} - {""})
    if tags:
        out.append("tags:" + " ".join(tags))
    if m.repost_of is not None:
        out.append("repost:" + m.repost_of)
    return out


def _by_object(mentions: Iterable[Mention], accounts: set[str] | None = None) -> dict[str, list[_Post]]:
    table: dict[str, list[_Post]] = defaultdict(list)
    for m in mentions:
        if accounts is not None and m.author.id not in accounts:
            continue
        for obj in objects_of(m):
            table[obj].append(_Post(m.timestamp, m.author.id, m.id))
    for posts in table.values():
        posts.sort(key=lambda p: (p.t, p.mention_id))
    return table


def _alerts(name: str, groups: Sequence[tuple[float, set[str]]]) -> Baseline:
    revisions = []
    assignments: dict[str, str] = {}
    for i, (as_of, posts) in enumerate(groups):
        pseudo = f"{name}-{i}"
        revisions.append(AlertRevision(f"{name}-alert-{i}", 1, as_of, False, pseudo, "", (pseudo,)))
        for mid in posts:
            assignments.setdefault(mid, pseudo)
    return Baseline(name, revisions, assignments)


def burst_baseline(
    mentions: Sequence[Mention], *, window_s: float = 600.0, min_accounts: int = 3
) -> Baseline:
    """Each run of posts on one object from ``min_accounts``+ accounts within ``window_s`` is an alert."""
    groups: list[tuple[float, set[str]]] = []
    for obj in sorted(table := _by_object(mentions)):
        posts = table[obj]
        start = 0
        current: set[str] = set()
        as_of = 0.0
        for end, post in enumerate(posts):
            while posts[start].t < post.t - window_s:
                start += 1
            window = posts[start : end + 1]
            if len({p.account for p in window}) >= min_accounts:
                current.update(p.mention_id for p in window)
                as_of = post.t
            elif current:
                groups.append((as_of, current))
                current = set()
        if current:
            groups.append((as_of, current))
    return _alerts("bursts", groups)


def network_baseline(
    mentions: Sequence[Mention],
    *,
    time_window: float = 10.0,
    min_participation: int = 2,
    edge_weight: float = 0.5,
) -> Baseline:
    """CooRTweet's account network with its defaults; each connected component is an alert."""
    posts_per_account = Counter(m.author.id for m in mentions)
    active = {a for a, n in posts_per_account.items() if n >= min_participation}  # its pre-filter
    weights: Counter[tuple[str, str]] = Counter()
    contents: dict[tuple[str, str], set[str]] = defaultdict(set)
    involved: dict[str, set[str]] = defaultdict(set)  # account -> its posts in any co-share
    times: dict[str, float] = {}
    for posts in _by_object(mentions, active).values():
        for j, later in enumerate(posts):
            times[later.mention_id] = later.t
            for earlier in reversed(posts[:j]):
                if later.t - earlier.t > time_window:
                    break
                if earlier.account == later.account:
                    continue
                pair = (min(earlier.account, later.account), max(earlier.account, later.account))
                weights[pair] += 1
                contents[pair].update((earlier.mention_id, later.mention_id))
                involved[earlier.account].add(earlier.mention_id)
                involved[later.account].add(later.mention_id)
    kept = {
        pair: w
        for pair, w in weights.items()
        if len(involved[pair[0]]) >= min_participation and len(involved[pair[1]]) >= min_participation
    }
    if not kept:
        return _alerts("coortweet", [])
    threshold = _quantile7(sorted(kept.values()), edge_weight)
    strong = [pair for pair, w in kept.items() if w > threshold]
    groups = []
    for component in _components(strong):
        posts = set().union(*(contents[p] for p in strong if p[0] in component))
        groups.append((max(times[mid] for mid in posts), posts))
    groups.sort(key=lambda g: (g[0], min(g[1])))
    return _alerts("coortweet", groups)


def _quantile7(values: Sequence[int], q: float) -> float:
    """R's default quantile (type 7) of sorted ``values``."""
    h = (len(values) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (h - lo) * (values[hi] - values[lo])


def _components(pairs: Iterable[tuple[str, str]]) -> list[set[str]]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, set[str]] = defaultdict(set)
    for x in list(parent):
        groups[find(x)].add(x)
    return sorted(groups.values(), key=lambda g: min(g))
