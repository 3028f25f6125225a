"""The Detector: the one object the CLI and the stream worker drive, mentions in, alerts out.

It wires the parts of the core together for one stream of mentions in event-time order:

1. text features per mention (normalised text, exact key, simhash, script, links, hashtag set);
2. routing: short texts (fewer than ``min_tokens`` tokens and no link) stay out of clustering —
   "so true!" from 50 accounts is not a narrative; an exact copy of a text already in a live narrative
   joins it directly; everything else goes through :class:`~detectors.clustering.OnlineClusterer`,
   grouped by script so scripts the embedding model does not cover need a stricter match;
3. per-narrative window state and rate-limited re-scoring (:mod:`detectors.scoring`);
4. alert revisions (:mod:`detectors.lifecycle`); narratives that expire or are evicted close theirs
   and feed the coordination-interval estimate;
5. facts for the global campaign level (:mod:`detectors.facts`): one :class:`~detectors.facts.Action`
   per mention and a :class:`~detectors.facts.NarrativeReport` when a narrative is born, re-scored
   or closed;
6. the analyst loop (:class:`~detectors.analyst.AnalystInputs`): each action carries the watchlist
   claims its mention matched and, with sensors, a possible reply's text and vector; narrative alert
   revisions are held back by ``false_positive`` verdicts; the learned allowlist counts as official.

The Detector is synchronous and pure: no I/O, no wall clock; ``process``/``advance``/``flush`` return
a :class:`StepResult` with the assignments, alert revisions, facts and counters the adapters turn
into output and metrics. :meth:`Detector.snapshot` is JSON-serialisable and :meth:`Detector.restore`
continues exactly where the original left off.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from detectors.analyst import AnalystInputs
from detectors.clustering import ClusterAssignment, OnlineClusterer
from detectors.config import ALL_SCRIPTS, DetectorConfig
from detectors.facts import Action, NarrativeReport, ReplyText, encode_centroid
from detectors.lifecycle import AlertLifecycle, summarize
from detectors.replystorm import SensorTargets
from detectors.scoring import BackgroundRate, CoordinationInterval, NarrativeState
from detectors.text import (
    canonical_url,
    exact_key,
    extract_hashtags,
    extract_links,
    hashtag_key,
    normalize,
    script_of,
)
from schemas.models import Alert, Mention

__all__ = ["Assignment", "Detector", "StepFacts", "StepResult"]

SNAPSHOT_VERSION: Final = 1
#: Every value ``text.script_of`` can return; scripts outside ``model_scripts`` get the strict threshold.
SCRIPTS: Final = ("latin", "arabic", "cyrillic", "cjk", "other", "none")
_KEYS_PER_NARRATIVE: Final = 64  # exact keys indexed per narrative for direct joins
_CORE_ACCOUNTS: Final = 200  # core accounts a narrative report lists for the campaign level
_URL_CACHE: Final = 20_000
# Copies, reposts and quotes repeat texts; each entry holds a normalised text and a few short strings.
_TEXT_CACHE: Final = 20_000
_ASCII_LETTER: Final = re.compile(r"[a-z]")
_MAY_LINK: Final = re.compile(r"/|www", re.IGNORECASE)  # cheap pre-check before the URL regex


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where one mention went; ``narrative_id`` is None for short texts kept out of clustering."""

    mention_id: str
    narrative_id: str | None
    similarity: float
    new_narrative: bool


@dataclass(frozen=True, slots=True)
class StepFacts:
    """Counters of one step, for metrics and the CLI summary."""

    mentions: int = 0
    clustered: int = 0
    short_skipped: int = 0
    new_narratives: int = 0
    expired: int = 0
    evicted: int = 0
    live_narratives: int = 0
    exact_duplicate_hits: int = 0
    scored: int = 0
    interval_s: float = 0.0
    background_rate: float | None = None
    claim_matches: int = 0  # mentions that matched a watchlist claim
    reply_texts: int = 0  # actions that carry a reply's text and vector (they may target a sensor)
    suppressed_revisions: int = 0  # narrative alert revisions held back by a false_positive verdict


@dataclass(frozen=True, slots=True)
class StepResult:
    """One step's output. ``actions`` and ``reports`` are the facts for the campaign level, in the
    order they happened (actions in input order; reports as narratives were born, scored, closed)."""

    assignments: tuple[Assignment, ...]
    alerts: tuple[Alert, ...]
    facts: StepFacts
    actions: tuple[Action, ...] = ()
    reports: tuple[NarrativeReport, ...] = ()


def _script(normalized: str) -> str:
    """``script_of`` with a fast path for ASCII text (most of the stream), where it can only be
    latin (casefolded letters present) or none."""
    if normalized.isascii():
        return "latin" if _ASCII_LETTER.search(normalized) else "none"
    return script_of(normalized)


@dataclass(frozen=True, slots=True)
class _TextFeatures:
    """Everything the detector derives from a post's text alone, computed once per distinct text."""

    normalized: str
    key: str
    tokens: int
    group: str
    links: tuple[str, ...]  # URLs written in the text, not canonicalised
    canonical_links: tuple[str, ...]  # their canonical forms, de-duplicated, in order
    tag_keys: frozenset[str]  # hashtag keys of the tags written in the text ("" removed)
    tags: str  # tag_keys sorted and joined: the Record's value when the mention lists no hashtags


@dataclass(frozen=True, slots=True)
class _Objects:
    """What a mention acts on and the author flags, shared by its scoring Record and its Action."""

    links: tuple[str, ...]
    tags: str
    new_account: bool | None
    low_followers: bool | None


@dataclass(slots=True)
class _Prepared:
    t: float
    short: bool
    text: _TextFeatures

    @property
    def key(self) -> str:
        return self.text.key

    @property
    def group(self) -> str:
        return self.text.group


class Detector:
    """Online narrative detection and coordination scoring for one ordered stream of mentions."""

    def __init__(
        self,
        config: DetectorConfig,
        *,
        model_name: str,
        allowlist: frozenset[str] = frozenset(),
        analyst: AnalystInputs | None = None,
    ) -> None:
        self.config = config
        self.model_name = model_name
        self.allowlist = frozenset(allowlist)
        self.analyst = analyst or AnalystInputs()
        self._sensors = SensorTargets(self.analyst.sensors) if self.analyst.sensors else None
        self._clusterer: OnlineClusterer | None = None  # built on the first batch: needs the vector size
        self._states: dict[str, NarrativeState] = {}
        self._key_index: dict[str, str] = {}  # exact key -> live narrative holding that text
        self._keys_of: dict[str, list[str]] = {}  # narrative -> its indexed keys (to unindex on close)
        self._due: list[tuple[float, str]] = []  # (time a re-score is due, narrative) for idle narratives
        self._lifecycle = AlertLifecycle(config, model_name=model_name, verdicts=self.analyst.verdicts)
        self._interval = CoordinationInterval(config)
        self._background = BackgroundRate(config.background_half_life_s)
        self._now = float("-inf")  # latest event time seen
        self._group_thresholds = config.clusterer_group_thresholds(SCRIPTS)
        # A model that covers every script compares all texts with each other: one claim in Arabic
        # and English is one narrative. Otherwise each script is its own group.
        self._one_group = ALL_SCRIPTS in config.model_scripts
        self._url_cache: dict[str, str] = {}
        self._tag_cache: dict[str, str] = {}
        self._text_cache: dict[str, _TextFeatures] = {}
        self._reports: list[NarrativeReport] = []  # facts raised since the last step returned

    # -- public API ---------------------------------------------------------------------------------

    @property
    def live_narratives(self) -> int:
        return len(self._clusterer) if self._clusterer is not None else 0

    @property
    def coordination_interval(self) -> float:
        """The coordination interval in force (seconds)."""
        return self._interval.value()

    def process(self, mentions: Sequence[Mention], vectors: npt.ArrayLike) -> StepResult:
        """Assign a batch of mentions (``created_at`` order) with their embeddings (one row each)."""
        vecs = np.asarray(vectors, dtype=np.float32)
        if vecs.ndim != 2 or vecs.shape[0] != len(mentions):
            raise ValueError(f"expected {len(mentions)} vectors as a 2-D array, got shape {vecs.shape}")
        if not mentions:
            return self._step((), [], StepFacts())
        clusterer = self._ensure_clusterer(vecs.shape[1])
        prepared = [self._prepare(m) for m in mentions]
        results, exact_hits = self._assign(clusterer, mentions, prepared, vecs)
        watchlist = self.analyst.watchlist
        claims = (
            watchlist.match([m.text for m in mentions], vecs, [m.lang for m in mentions])
            if watchlist
            else None
        )

        alerts: list[Alert] = []
        assignments: list[Assignment] = []
        actions: list[Action] = []
        touched: dict[str, None] = {}
        evicted: list[str] = []
        # A narrative evicted later in this batch still takes the mentions that joined it before.
        evicted_at = {gone: i for i, res in enumerate(results) if res is not None for gone in res.evicted}
        for i, (m, p, res) in enumerate(zip(mentions, prepared, results, strict=True)):
            self._background.observe(p.t)
            self._now = max(self._now, p.t)
            action = self._action(m, p, res, self._objects(m, p))
            if claims is not None and claims[i]:
                action = replace(action, claims=tuple((c.claim_id, c.similarity) for c in claims[i]))
            if self._sensors is not None and self._may_target_sensor(m):
                action = replace(action, reply=ReplyText(m.text, encode_centroid(vecs[i])))
            actions.append(action)
            if res is None:
                assignments.append(Assignment(m.id, None, 0.0, False))
                continue
            assignments.append(Assignment(m.id, res.narrative_id, res.similarity, res.created))
            evicted.extend(res.evicted)
            for gone in res.evicted:
                alerts.extend(self._close(gone, self._now))
            if res.created:
                self._reports.append(
                    NarrativeReport(
                        res.narrative_id, "born", p.t, p.group, encode_centroid(vecs[i]), founder_text=m.text
                    )
                )
            if res.narrative_id in clusterer or evicted_at.get(res.narrative_id, -1) > i:
                self._record(m, p, res.narrative_id, action)
                touched[res.narrative_id] = None
        scored = 0
        for nid in touched:
            state = self._states.get(nid)
            # Below min_accounts the account gate is 0: scoring could not change anything yet.
            if (
                state is not None
                and state.distinct_accounts >= self.config.min_accounts
                and state.due(self._now, by_time=self._worth_watching(state))
            ):
                alerts.extend(self._score(state))
                scored += 1
        alert_more, expired, scored_more = self._housekeeping(self._now)
        alerts.extend(alert_more)
        facts = StepFacts(
            mentions=len(mentions),
            clustered=sum(1 for r in results if r is not None),
            short_skipped=sum(1 for p in prepared if p.short),
            new_narratives=sum(1 for r in results if r is not None and r.created),
            expired=expired,
            evicted=len(evicted),
            exact_duplicate_hits=exact_hits,
            scored=scored + scored_more,
            claim_matches=sum(1 for a in actions if a.claims),
            reply_texts=sum(1 for a in actions if a.reply is not None),
        )
        return self._step(assignments, alerts, facts, actions)

    def _may_target_sensor(self, m: Mention) -> bool:
        """Whether a mention may target a sensor: a reply or quote (whose post it answers is only known
        at the global level, which sees the sensors' posts from every bucket) or a sensor's @handle;
        a sensor's own post never does."""
        sensors = self._sensors
        if sensors is None or sensors.sensor_of_author(m.author.id, m.author.handle) is not None:
            return False
        return m.reply_to is not None or m.quote_of is not None or sensors.names_sensor(m.text)

    def _assign(
        self,
        clusterer: OnlineClusterer,
        mentions: Sequence[Mention],
        prepared: Sequence[_Prepared],
        vecs: npt.NDArray[np.float32],
    ) -> tuple[list[ClusterAssignment | None], int]:
        """Route each mention: short ones nowhere, exact copies straight to their narrative, the rest
        through one ``learn_many`` call. Returns the assignments and the number of exact-copy joins."""
        results: list[ClusterAssignment | None] = [None] * len(mentions)
        search: list[int] = []
        leader_of: dict[str, int] = {}  # exact key -> first mention of this batch searching with it
        followers: list[tuple[int, int]] = []
        exact_hits = 0
        for i, p in enumerate(prepared):
            if p.short:
                continue
            nid = self._key_index.get(p.key)
            if nid is not None and nid in clusterer:
                results[i] = clusterer.add_to(nid, vecs[i], p.t)
                exact_hits += 1
            elif p.key in leader_of:
                followers.append((i, leader_of[p.key]))
            else:
                leader_of[p.key] = i
                search.append(i)
        if search:
            found = clusterer.learn_many(
                vecs[search],
                [prepared[i].t for i in search],
                [mentions[i].id for i in search],
                [prepared[i].group for i in search],
            )
            for i, assignment in zip(search, found, strict=True):
                results[i] = assignment
        for i, leader in followers:
            lead = results[leader]
            if lead is not None and lead.narrative_id in clusterer:
                results[i] = clusterer.add_to(lead.narrative_id, vecs[i], prepared[i].t)
                exact_hits += 1
            else:  # the leader's narrative was evicted within this batch: search like anyone else
                results[i] = clusterer.learn_many(
                    vecs[i : i + 1], [prepared[i].t], [mentions[i].id], [prepared[i].group]
                )[0]
        return results, exact_hits

    def next_deadline(self) -> float | None:
        """The earliest event time at which :meth:`advance` may change anything: a re-score falling
        due or a narrative expiring (None: nothing is live). The event-time engine skips the empty
        slots before it; calls before it would be no-ops."""
        times = [self._due[0][0]] if self._due else []
        expiry = self._clusterer.next_expiry() if self._clusterer is not None else None
        if expiry is not None:
            times.append(expiry)
        return min(times) if times else None

    def advance(self, now: float) -> StepResult:
        """Move event time to ``now`` without new mentions: re-score idle narratives that are due,
        expire narratives idle for ``idle_expiry_s`` and close their alerts."""
        self._now = max(self._now, float(now))
        alerts, expired, scored = self._housekeeping(self._now)
        return self._step((), alerts, StepFacts(expired=expired, scored=scored))

    def flush(self) -> StepResult:
        """End of input: score every narrative with unscored mentions, then close every open alert.

        Terminal for the alerts it closes: narratives stay live, but a detector that goes on after a
        flush would open new alerts for them from revision 1.
        """
        alerts: list[Alert] = []
        scored = 0
        for state in list(self._states.values()):
            if state.pending and state.distinct_accounts >= self.config.min_accounts:
                alerts.extend(self._score(state))
                scored += 1
        for state in list(self._states.values()):
            closing = self._lifecycle.on_close(state, self._now)
            if closing is not None:
                alerts.append(closing)
        self._due.clear()
        return self._step((), alerts, StepFacts(scored=scored))

    # -- internals ----------------------------------------------------------------------------------

    def _ensure_clusterer(self, dim: int) -> OnlineClusterer:
        if self._clusterer is None:
            cfg = self.config
            self._clusterer = OnlineClusterer(
                dim,
                threshold=cfg.similarity_threshold,
                idle_expiry_s=cfg.idle_expiry_s,
                max_live=cfg.max_live_narratives,
                group_thresholds=self._group_thresholds,
            )
        elif self._clusterer.dim != dim:
            raise ValueError(
                f"vectors have {dim} dimensions, the detector was started with {self._clusterer.dim}"
            )
        return self._clusterer

    def _prepare(self, m: Mention) -> _Prepared:
        feats = self._text_features(m.text)
        short = feats.tokens < self.config.min_tokens and not (m.links or feats.links)
        return _Prepared(m.timestamp, short, feats)

    def _text_features(self, text: str) -> _TextFeatures:
        feats = self._text_cache.get(text)
        if feats is not None:
            return feats
        if len(self._text_cache) >= _TEXT_CACHE:
            self._text_cache.clear()
        normalized = normalize(text)
        links = tuple(extract_links(text)) if _MAY_LINK.search(text) else ()
        canonical = tuple(dict.fromkeys(self._canonical(u) for u in dict.fromkeys(links) if u.strip()))
        in_text = extract_hashtags(text)
        tag_keys = frozenset(self._tag_key(t) for t in in_text) - {""} if in_text else frozenset()
        feats = self._text_cache[text] = _TextFeatures(
            normalized,
            exact_key(normalized),
            len(normalized.split()),
            "" if self._one_group else _script(normalized),
            links,
            canonical,
            tag_keys,
            " ".join(sorted(tag_keys)),
        )
        return feats

    def _tag_key(self, tag: str) -> str:
        # A campaign's few hashtags recur in every post; hashtag_key normalises the tag each time.
        key = self._tag_cache.get(tag)
        if key is None:
            if len(self._tag_cache) >= _URL_CACHE:
                self._tag_cache.clear()
            key = self._tag_cache[tag] = hashtag_key(tag)
        return key

    def _objects(self, m: Mention, p: _Prepared) -> _Objects:
        cfg = self.config
        feats = p.text
        if m.links:
            raw_links = dict.fromkeys((*m.links, *feats.links))
            links = tuple(dict.fromkeys(self._canonical(u) for u in raw_links if u.strip()))
        else:
            links = feats.canonical_links
        if m.hashtags:
            tag_set = {self._tag_key(t) for t in m.hashtags} | feats.tag_keys
            tag_set.discard("")
            tags = " ".join(sorted(tag_set))
        else:
            tags = feats.tags
        author = m.author
        new_account = (
            None
            if author.created_at is None
            else p.t - author.created_at.timestamp() <= cfg.new_account_days * 86400.0
        )
        low = None if author.followers is None else author.followers < cfg.low_followers
        return _Objects(links, tags, new_account, low)

    def _action(self, m: Mention, p: _Prepared, res: ClusterAssignment | None, o: _Objects) -> Action:
        author = m.author
        return Action(
            t=p.t,
            mention_id=m.id,
            account=author.id,
            narrative_id=None if res is None else res.narrative_id,
            similarity=0.0 if res is None else (1.0 if res.created else res.similarity),
            founder=res is not None and res.created,
            text_key=p.text.key,
            tokens=p.text.tokens,
            links=o.links,
            tags=o.tags,
            repost_of=m.repost_of,
            reply_to=m.reply_to,
            quote_of=m.quote_of,
            lang=m.lang,
            platform=m.platform,
            handle=author.handle,
            account_created=None if author.created_at is None else author.created_at.timestamp(),
            followers=author.followers,
            new_account=o.new_account,
            low_followers=o.low_followers,
            official=self._official(author.id),
        )

    def _official(self, account: str) -> bool:
        """On the allowlist file, or on the allowlist learned from ``authentic`` verdicts."""
        book = self.analyst.verdicts
        return account in self.allowlist or (book is not None and book.is_allowlisted(account))

    def _record(self, m: Mention, p: _Prepared, nid: str, action: Action) -> None:
        cfg = self.config
        feats = p.text
        state = self._states.get(nid)
        if state is None:
            state = self._states[nid] = NarrativeState(nid, cfg)
            self._keys_of[nid] = []
        keys = self._keys_of[nid]
        if feats.key not in self._key_index and len(keys) < _KEYS_PER_NARRATIVE:
            self._key_index[feats.key] = nid
            keys.append(feats.key)
        # The narrative's record is the mention's action as scoring sees it, plus the normalised text
        # kept until the simhash is computed (only when the narrative is scored).
        rec = action.record()
        rec.normalized = feats.normalized
        was_clean = state.pending == 0
        state.add(rec, handle=m.author.handle, lang=m.lang, platform=m.platform, text=m.text)
        if was_clean and state.scored_at is not None and self._worth_watching(state):
            heapq.heappush(self._due, (state.scored_at + cfg.rescore_s, nid))

    def _worth_watching(self, state: NarrativeState) -> bool:
        """Whether time-driven re-scores (rescore_s, settling) are worth their cost for a narrative.

        Most multi-account narratives are organic and score far below the threshold; re-scoring them
        every time they go quiet would cost one full score per mention on slow topics. They are still
        re-scored by the count rule as they grow.
        """
        last = state.last_score
        return (
            last is None
            or last.score >= self.config.idle_rescore_min_score
            or self._lifecycle.is_open(state.narrative_id)
        )

    def _canonical(self, url: str) -> str:
        # Campaigns repeat the same URLs; canonicalising (urlsplit, query parsing) costs ~30 µs.
        canon = self._url_cache.get(url)
        if canon is None:
            if len(self._url_cache) >= _URL_CACHE:
                self._url_cache.clear()
            canon = self._url_cache[url] = canonical_url(url)
        return canon

    def _score(self, state: NarrativeState) -> list[Alert]:
        now = self._now
        result = state.score(now, self._interval.current(), self._background.rate())
        # Synchrony can only tell a burst from the onset of an organic surge once sync_reference_s
        # has passed after the last post, so a narrative that could alert is scored once more then.
        settle = state.last_seen + self.config.sync_reference_s
        if result.accounts >= self.config.min_accounts and now < settle and self._worth_watching(state):
            if state.settle_at != settle:
                state.settle_at = settle
                heapq.heappush(self._due, (settle, state.narrative_id))
        else:
            state.settle_at = None
        alert = self._lifecycle.on_score(state, result, self._now)
        self._reports.append(self._report(state, "scored", now))
        return [alert] if alert is not None else []

    def _report(
        self, state: NarrativeState, kind: Literal["scored", "closed"], now: float
    ) -> NarrativeReport:
        # The summary (label, keywords, evidence tallies) costs ~0.1 ms; only narratives that could
        # alert carry it, the rest report their score alone.
        summary = summarize(state, self.config.evidence_top_n) if self._worth_watching(state) else None
        return NarrativeReport(
            state.narrative_id,
            kind,
            now,
            centroid=self._young_centroid(state, now) if kind == "scored" else None,
            score=state.last_score,
            summary=summary,
            interval_sample=state.interval_sample() if kind == "closed" else None,
            core_accounts=state.core_accounts[:_CORE_ACCOUNTS],
        )

    def _young_centroid(self, state: NarrativeState, now: float) -> str | None:
        """The narrative's centroid while the campaign level may still link its theme across
        languages (detectors/translation_links.py); None otherwise, or with links off."""
        cfg = self.config
        if cfg.translation_link_threshold >= 1.0 or now - state.first_seen > cfg.emerging_theme_s:
            return None
        if self._clusterer is None or state.narrative_id not in self._clusterer:
            return None
        return encode_centroid(self._clusterer.centroid(state.narrative_id))

    def _housekeeping(self, now: float) -> tuple[list[Alert], int, int]:
        """Re-score narratives whose pending mentions waited ``rescore_s``; expire idle narratives."""
        alerts: list[Alert] = []
        scored = 0
        while self._due and self._due[0][0] <= now:
            _, nid = heapq.heappop(self._due)
            state = self._states.get(nid)
            if state is None:
                continue
            if state.pending or (state.settle_at is not None and state.settle_at <= now):
                alerts.extend(self._score(state))
                scored += 1
        expired = self._clusterer.expire(now) if self._clusterer is not None else []
        for nid in expired:
            alerts.extend(self._close(nid, now))
        return alerts, len(expired), scored

    def _close(self, nid: str, now: float) -> list[Alert]:
        """A narrative left the clusterer: close its alert, learn its timing, drop its state."""
        state = self._states.pop(nid, None)
        for key in self._keys_of.pop(nid, []):
            if self._key_index.get(key) == nid:
                del self._key_index[key]
        if state is None:
            return []
        sample = state.interval_sample()
        if sample is not None:
            self._interval.add(*sample)
        if sample is not None or state.last_score is not None:
            self._reports.append(self._report(state, "closed", now))
        closing = self._lifecycle.on_close(state, now)
        return [closing] if closing is not None else []

    def _step(
        self,
        assignments: Sequence[Assignment],
        alerts: Sequence[Alert],
        facts: StepFacts,
        actions: Sequence[Action] = (),
    ) -> StepResult:
        full = StepFacts(
            mentions=facts.mentions,
            clustered=facts.clustered,
            short_skipped=facts.short_skipped,
            new_narratives=facts.new_narratives,
            expired=facts.expired,
            evicted=facts.evicted,
            live_narratives=self.live_narratives,
            exact_duplicate_hits=facts.exact_duplicate_hits,
            scored=facts.scored,
            interval_s=self._interval.value(),
            background_rate=self._background.rate(),
            claim_matches=facts.claim_matches,
            reply_texts=facts.reply_texts,
            suppressed_revisions=self._lifecycle.suppressed,
        )
        self._lifecycle.suppressed = 0
        reports, self._reports = tuple(self._reports), []
        return StepResult(tuple(assignments), tuple(alerts), full, tuple(actions), reports)

    # -- snapshot -----------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """JSON-serialisable state; :meth:`restore` with the same config continues identically."""
        return {
            "version": SNAPSHOT_VERSION,
            "clusterer": None if self._clusterer is None else self._clusterer.snapshot(),
            "states": {nid: s.to_dict() for nid, s in self._states.items()},
            "key_index": dict(self._key_index),
            "keys_of": {nid: list(keys) for nid, keys in self._keys_of.items()},
            "due": [[t, nid] for t, nid in self._due],
            "lifecycle": self._lifecycle.snapshot(),
            "interval": self._interval.to_list(),
            "background": self._background.to_list(),
            "now": None if self._now == float("-inf") else self._now,
        }

    @classmethod
    def restore(
        cls,
        snap: Mapping[str, Any],
        config: DetectorConfig,
        *,
        model_name: str,
        allowlist: frozenset[str] = frozenset(),
        analyst: AnalystInputs | None = None,
    ) -> Detector:
        """Rebuild a detector from :meth:`snapshot` output (after a JSON round trip or not)."""
        if snap.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported detector snapshot version: {snap.get('version')!r}")
        det = cls(config, model_name=model_name, allowlist=allowlist, analyst=analyst)
        if snap["clusterer"] is not None:
            det._clusterer = OnlineClusterer.restore(snap["clusterer"])
        det._states = {nid: NarrativeState.from_dict(nid, d, config) for nid, d in snap["states"].items()}
        det._key_index = {str(k): str(v) for k, v in snap["key_index"].items()}
        det._keys_of = {str(nid): [str(k) for k in keys] for nid, keys in snap["keys_of"].items()}
        # Stored in heap order, so the list is already a valid heap.
        det._due = [(float(t), str(nid)) for t, nid in snap["due"]]
        det._lifecycle.load(snap["lifecycle"])
        det._interval.load(snap["interval"])
        det._background.load(snap["background"])
        det._now = float("-inf") if snap["now"] is None else float(snap["now"])
        return det
