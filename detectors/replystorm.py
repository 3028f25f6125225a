"""Official accounts as sensors: which mentions target them, and coordinated reply storms on them.

Pote, Elmas, Flammini and Menczer (ICWSM 2025) describe coordinated reply attacks: many accounts
replying to one target's post in a short window, aimed mostly at journalists, officials and
politicians; their classifiers find targeted posts (AUC 0.88) and the repliers (AUC 0.97), and they
call a post targeted from five replies by operation accounts. A team's own official accounts are
therefore sensors: every reply, quote or mention that targets them is worth watching.

* :class:`SensorTargets` tells, per mention, which sensors it targets and how: a reply or quote of a
  post the sensor wrote (learned from the sensor's own mentions in the stream), a reply whose text
  opens with the sensor's @handle (the platform's reply convention), or an @handle elsewhere in the
  text. Mention v1 does not say whose post ``reply_to`` / ``quote_of`` is; an optional
  ``reply_to_author`` field would let it resolve every reply (proposed to the schema owners).
* :class:`ReplyStormTracker` groups the replies per target (account and post; mentions without a post
  per account) over ``reply_storm_window_s`` and scores each group with the narrative scoring of
  :func:`detectors.scoring.score_records`: the same gates (``min_accounts`` = 5 distinct repliers,
  the paper's floor) and signals (near-duplicate text, semantic tightness of the replies, synchrony
  in excess of chance, young and low-follower accounts), weights and severity bands. Grouping by
  target instead of by text catches a swarm whose texts differ (each insult its own) as well as one
  that copies a script; 300 people answering a popular post over a day in their own words from old
  accounts score low on every signal. Replies by allowlisted accounts make a group authentic, as for
  narratives.

The tracker is pure and event-time driven (``process`` / ``advance`` / ``flush`` / ``snapshot`` /
``restore``) and returns :class:`ReplyStormFinding` s that name the target account and post; the
campaign level turns them into alert revisions with ``rule.name = "reply storm"`` and ``target``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

from detectors.config import DetectorConfig
from detectors.facts import Action
from detectors.scoring import CoordinationScore, IntervalChoice, Record, SignalResult, score_records
from detectors.text import exact_key, normalize, simhash64
from schemas.models import Mention

__all__ = [
    "REPLY_STORM_RULE",
    "Reply",
    "ReplyStormFinding",
    "ReplyStormTracker",
    "Sensor",
    "SensorTargets",
    "Target",
]

REPLY_STORM_RULE: Final = "reply storm"
_HANDLE_RE: Final = re.compile(r"(?<![\w@])@([A-Za-z0-9_][A-Za-z0-9_.]*)")
_LEADING_HANDLES_RE: Final = re.compile(r"^\s*(?:@[A-Za-z0-9_][A-Za-z0-9_.]*\s*)+")
_KNOWN_POSTS: Final = 100_000  # sensor posts remembered (LRU) to resolve replies and quotes
_EVIDENCE_IDS: Final = 50

Relation = Literal["reply", "quote", "mention"]


def handle_key(handle: str) -> str:
    """``@Embassy_Lima`` -> ``embassy_lima``: handles compare without the @ and case-insensitively."""
    return handle.strip().removeprefix("@").rstrip(".").casefold()


@dataclass(frozen=True, slots=True)
class Sensor:
    """An official account: its id and/or its handles (at least one of them)."""

    account_id: str | None
    handles: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """How findings name it: the account id, else the first handle with its @."""
        return self.account_id if self.account_id is not None else "@" + handle_key(self.handles[0])


@dataclass(frozen=True, slots=True)
class Target:
    """A sensor a mention targets: the sensor, the post under attack (None for a bare mention), how."""

    sensor: Sensor
    post_id: str | None
    relation: Relation

    @property
    def key(self) -> str:
        return f"{self.sensor.key}|{self.post_id or ''}"


class SensorTargets:
    """Resolves the sensors a mention targets; learns the sensors' post ids from their own mentions."""

    def __init__(self, sensors: Iterable[Sensor]) -> None:
        self.sensors = tuple(sensors)
        self._by_id = {s.account_id: s for s in self.sensors if s.account_id is not None}
        self._by_handle = {handle_key(h): s for s in self.sensors for h in s.handles}
        self._posts: OrderedDict[str, Sensor] = OrderedDict()

    def sensor_of_author(self, author_id: str, handle: str | None) -> Sensor | None:
        sensor = self._by_id.get(author_id)
        if sensor is None and handle:
            sensor = self._by_handle.get(handle_key(handle))
        return sensor

    def targets(self, mention: Mention) -> tuple[Target, ...]:
        """The sensors ``mention`` replies to, quotes or mentions (none for a sensor's own posts,
        which are remembered so later replies and quotes of them resolve)."""
        author = mention.author
        if self.learn_post(author.id, author.handle, mention.id):
            return ()
        return self.resolve(author.id, author.handle, mention.text, mention.reply_to, mention.quote_of)

    def learn_post(self, author_id: str, handle: str | None, post_id: str) -> bool:
        """Remember ``post_id`` when a sensor wrote it (so replies and quotes of it resolve); True then."""
        own = self.sensor_of_author(author_id, handle)
        if own is None:
            return False
        self._posts[post_id] = own
        self._posts.move_to_end(post_id)
        if len(self._posts) > _KNOWN_POSTS:
            self._posts.popitem(last=False)
        return True

    def names_sensor(self, text: str) -> bool:
        """Whether ``text`` contains a sensor's @handle (cheap: no sensor state needed)."""
        return "@" in text and any(handle_key(h) in self._by_handle for h in _HANDLE_RE.findall(text))

    def resolve(
        self, author_id: str, handle: str | None, text: str, reply_to: str | None, quote_of: str | None
    ) -> tuple[Target, ...]:
        """The sensors a mention by ``author_id`` targets, from the sensor posts learned so far."""
        if self.sensor_of_author(author_id, handle) is not None:
            return ()
        found: dict[str, Target] = {}
        leading = _LEADING_HANDLES_RE.match(text)
        opening = (
            [self._by_handle.get(handle_key(h)) for h in _HANDLE_RE.findall(leading.group(0))]
            if leading
            else []
        )
        if reply_to is not None:
            author = self._posts.get(reply_to) or next((s for s in opening if s is not None), None)
            if author is not None:
                found[author.key] = Target(author, reply_to, "reply")
        if quote_of is not None and quote_of in self._posts:
            quoted = self._posts[quote_of]
            found.setdefault(quoted.key, Target(quoted, quote_of, "quote"))
        for name in _HANDLE_RE.findall(text):
            sensor = self._by_handle.get(handle_key(name))
            if sensor is not None and sensor.key not in found:
                found[sensor.key] = Target(sensor, None, "mention")
        return tuple(found.values())

    def snapshot(self) -> list[list[Any]]:
        """The learned sensor posts (the sensors themselves come from the sensors file)."""
        return [[post, s.account_id, list(s.handles)] for post, s in self._posts.items()]

    def load(self, posts: Sequence[Sequence[Any]]) -> None:
        by_key = {s.key: s for s in self.sensors}
        for post, account_id, handles in posts:
            sensor = Sensor(account_id, tuple(handles))
            self._posts[str(post)] = by_key.get(sensor.key, sensor)


@dataclass(frozen=True, slots=True)
class Reply:
    """What the tracker needs of one targeting mention (the campaign level builds it from an action)."""

    t: float
    mention_id: str
    account: str
    text: str
    target: Target
    author_created_at: float | None = None
    followers: int | None = None
    repost_of: str | None = None
    narrative_id: str | None = None
    official: bool = False  # the author is allowlisted (the file's or the learned allowlist)

    @classmethod
    def from_mention(cls, mention: Mention, target: Target) -> Reply:
        created = mention.author.created_at
        return cls(
            mention.timestamp,
            mention.id,
            mention.author.id,
            mention.text,
            target,
            None if created is None else created.timestamp(),
            mention.author.followers,
            mention.repost_of,
        )

    @classmethod
    def from_action(cls, action: Action, target: Target) -> Reply:
        """A reply from the fact the bucket Detector emitted (it carries the text when it may
        target a sensor: :class:`~detectors.facts.ReplyText`)."""
        if action.reply is None:
            raise ValueError(f"action {action.mention_id} carries no reply text")
        return cls(
            action.t,
            action.mention_id,
            action.account,
            action.reply.text,
            target,
            action.account_created,
            action.followers,
            action.repost_of,
            action.narrative_id,
            action.official,
        )


@dataclass(frozen=True, slots=True)
class ReplyStormFinding:
    """One revision of a reply storm on a target: who was attacked, by whom, and why it is a storm."""

    storm_id: str
    status: Literal["open", "updated", "closed"]
    revision: int
    target_account: str
    target_handle: str | None
    target_post: str | None
    as_of: float
    first_seen: float
    last_seen: float
    accounts: int
    replies: int
    account_ids: tuple[str, ...]
    sample_mention_ids: tuple[str, ...]
    narrative_ids: tuple[str, ...]  # narratives of the replies (clustered ones), first seen first
    score: float
    severity: str
    authentic: bool
    signals: Mapping[str, SignalResult]
    summary: str
    rule: str = REPLY_STORM_RULE


@dataclass(slots=True)
class _Storm:
    """The open storm of a target: its id and what its last revision said."""

    storm_id: str
    first_seen: float
    revision: int = 0
    accounts: int = 0
    severity: str = "low"
    reported_at: float = float("-inf")

    def to_list(self) -> list[Any]:
        return [self.storm_id, self.first_seen, self.revision, self.accounts, self.severity, self.reported_at]

    @classmethod
    def from_list(cls, v: Sequence[Any]) -> _Storm:
        return cls(str(v[0]), float(v[1]), int(v[2]), int(v[3]), str(v[4]), float(v[5]))


@dataclass(slots=True)
class _TargetState:
    target: Target
    records: deque[Record]
    centroid: npt.NDArray[np.float64]
    replies: int = 0
    last_seen: float = float("-inf")
    pending: int = 0
    scored_at: float | None = None
    last_score: float = 0.0
    storm: _Storm | None = None
    narratives: dict[str, None] = field(default_factory=dict)

    def accounts(self) -> int:
        return len({r.account for r in self.records})


_SEVERITY_RANK: Final = {"low": 0, "medium": 1, "high": 2, "critical": 3}


class ReplyStormTracker:
    """Replies grouped per target and scored for coordination; see the module docstring."""

    def __init__(self, config: DetectorConfig, *, allowlist: frozenset[str] = frozenset()) -> None:
        self.config = config
        self.allowlist = frozenset(allowlist)
        self._targets: OrderedDict[str, _TargetState] = OrderedDict()
        self._now = float("-inf")
        self._deadline: float | None = None
        self._stale = True  # the cached deadline must be recomputed

    @property
    def watched_targets(self) -> int:
        return len(self._targets)

    def set_allowlist(self, allowlist: frozenset[str]) -> None:
        """Replace the allowlist (file plus learned entries); applies to replies added from now on."""
        self.allowlist = frozenset(allowlist)

    def process(self, replies: Sequence[Reply], vectors: npt.ArrayLike) -> tuple[ReplyStormFinding, ...]:
        """Add replies (event-time order) with their text embeddings, one row each."""
        vecs = np.asarray(vectors, dtype=np.float64)
        self._stale = True
        if vecs.ndim != 2 or vecs.shape[0] != len(replies):
            raise ValueError(f"expected {len(replies)} vectors as a 2-D array, got shape {vecs.shape}")
        findings: list[ReplyStormFinding] = []
        touched: dict[str, None] = {}
        for reply, vec in zip(replies, vecs, strict=True):
            self._now = max(self._now, reply.t)
            findings.extend(self._evict_over_capacity())
            touched[self._add(reply, vec)] = None
        for key in touched:
            finding = self._score(key, self._now)
            if finding is not None:
                findings.append(finding)
        return tuple(findings)

    def advance(self, now: float) -> tuple[ReplyStormFinding, ...]:
        """Move event time on: re-score settled groups (their timing is final), close quiet storms."""
        self._now = max(self._now, now)
        self._stale = True
        findings: list[ReplyStormFinding] = []
        for key in list(self._targets):
            state = self._targets[key]
            if now - state.last_seen > self.config.reply_storm_window_s:
                findings.extend(self._drop(key, now))
            elif self._rescore_due(state, now):
                finding = self._score(key, now)
                if finding is not None:
                    findings.append(finding)
        return tuple(findings)

    def _rescore_due(self, state: _TargetState, now: float) -> bool:
        """The Detector's rules for narratives: once the timing of the last replies is final
        (``sync_reference_s`` after them), and every ``rescore_s`` while a group that is not a storm
        yet scores at least ``idle_rescore_min_score`` (synchrony can only tell a burst from chance
        as time passes after it)."""
        cfg = self.config
        if state.scored_at is None or now <= state.scored_at:
            return False
        if state.pending and now - state.last_seen >= cfg.sync_reference_s:
            return True
        return (
            state.storm is None
            and state.last_score >= cfg.idle_rescore_min_score
            and now - state.scored_at >= cfg.rescore_s
        )

    def next_deadline(self) -> float | None:
        """The earliest event time at which :meth:`advance` may change anything (a lower bound): a
        target going quiet, a re-score of a group whose timing became final or that is worth an idle
        re-score. None: nothing is watched. Computed once per change (O(targets)), not per slot."""
        if self._stale:
            self._deadline = min(
                (d for s in self._targets.values() for d in self._due_times(s)), default=None
            )
            self._stale = False
        return self._deadline

    def _due_times(self, state: _TargetState) -> list[float]:
        cfg = self.config
        # advance drops a target once now - last_seen exceeds the window: no earlier than this.
        times = [state.last_seen + cfg.reply_storm_window_s]
        if state.scored_at is not None:
            if state.pending:
                times.append(max(state.last_seen + cfg.sync_reference_s, state.scored_at))
            if state.storm is None and state.last_score >= cfg.idle_rescore_min_score:
                times.append(state.scored_at + cfg.rescore_s)
        return times

    def flush(self) -> tuple[ReplyStormFinding, ...]:
        """End of input: close every open storm."""
        self._stale = True
        return tuple(f for key in list(self._targets) for f in self._drop(key, self._now))

    # -- internals ---------------------------------------------------------------------------------

    def _add(self, reply: Reply, vec: npt.NDArray[np.float64]) -> str:
        cfg = self.config
        key = reply.target.key
        state = self._targets.get(key)
        norm = float(np.linalg.norm(vec)) or 1.0
        unit = vec / norm
        if state is None:
            state = _TargetState(reply.target, deque(), np.zeros_like(unit))
            self._targets[key] = state
        self._targets.move_to_end(key)
        founder = not state.records
        c_norm = float(np.linalg.norm(state.centroid))
        similarity = 1.0 if founder or c_norm == 0 else float(unit @ state.centroid / c_norm)
        state.centroid += unit
        normalized = normalize(reply.text)
        state.records.append(
            Record(
                t=reply.t,
                account=reply.account,
                key=exact_key(normalized),
                simhash=simhash64(normalized),
                links=(),
                tags="",
                repost_of=reply.repost_of,
                new_account=None
                if reply.author_created_at is None
                else reply.t - reply.author_created_at <= cfg.new_account_days * 86400.0,
                low_followers=None if reply.followers is None else reply.followers < cfg.low_followers,
                similarity=similarity,
                mention_id=reply.mention_id,
                official=reply.official or reply.account in self.allowlist,
                founder=founder,
                tokens=len(normalized.split()),
            )
        )
        if reply.narrative_id is not None and len(state.narratives) < _EVIDENCE_IDS:
            state.narratives[reply.narrative_id] = None
        state.replies += 1
        state.pending += 1
        state.last_seen = max(state.last_seen, reply.t)
        cutoff = reply.t - cfg.reply_storm_window_s
        while state.records and (state.records[0].t < cutoff or len(state.records) > cfg.window_max_records):
            state.records.popleft()
        return key

    def _score(self, key: str, now: float) -> ReplyStormFinding | None:
        state = self._targets[key]
        cfg = self.config
        if state.accounts() < cfg.min_accounts:
            return None
        score = score_records(
            list(state.records),
            now=now,
            interval=IntervalChoice(cfg.interval_default_s, "the configured default"),
            background_rate=None,
            cfg=cfg,
        )
        state.pending = 0
        state.scored_at = now
        state.last_score = score.score
        storm = state.storm
        if storm is None:
            if score.severity is None or score.authentic:
                return None
            digest = hashlib.blake2b(
                f"{key}|{state.records[0].mention_id}".encode(), digest_size=8
            ).hexdigest()
            storm = state.storm = _Storm(f"storm-{digest}", state.records[0].t)
            return self._report(state, storm, score, "open", now, score.severity)
        severity = score.severity or "low"  # an open storm keeps at least 'low' until it closes
        grown = state.accounts() >= storm.accounts * (1.0 + cfg.revision_growth)
        if _SEVERITY_RANK[severity] > _SEVERITY_RANK[storm.severity] or (
            grown and now - storm.reported_at >= cfg.min_revision_s
        ):
            return self._report(state, storm, score, "updated", now, severity)
        return None

    def _report(
        self,
        state: _TargetState,
        storm: _Storm,
        score: CoordinationScore,
        status: Literal["open", "updated", "closed"],
        now: float,
        severity: str,
    ) -> ReplyStormFinding:
        storm.revision += 1
        storm.accounts = state.accounts()
        storm.severity = severity
        storm.reported_at = now
        sensor = state.target.sensor
        records = list(state.records)
        accounts = list(dict.fromkeys(r.account for r in records))
        post = state.target.post_id
        where = f"post {post} of {sensor.key}" if post else f"account {sensor.key}"
        summary = (
            f"Reply storm on {where}: {len(accounts)} accounts, {len(records)} replies in "
            f"{(state.last_seen - storm.first_seen) / 60.0:.0f} min, score {score.score:.2f} ({severity})"
        )
        return ReplyStormFinding(
            storm.storm_id,
            status,
            storm.revision,
            sensor.key,
            sensor.handles[0] if sensor.handles else None,
            post,
            now,
            storm.first_seen,
            state.last_seen,
            len(accounts),
            len(records),
            tuple(accounts[:_EVIDENCE_IDS]),
            tuple(r.mention_id for r in records[:_EVIDENCE_IDS]),
            tuple(state.narratives),
            round(score.score, 4),
            severity,
            score.authentic,
            dict(score.signals),
            summary,
        )

    def _drop(self, key: str, now: float) -> list[ReplyStormFinding]:
        state = self._targets.pop(key)
        storm = state.storm
        if storm is None:
            return []
        cfg = self.config
        last = score_records(
            list(state.records),
            now=now,
            interval=IntervalChoice(cfg.interval_default_s, "the configured default"),
            background_rate=None,
            cfg=cfg,
        )
        return [self._report(state, storm, last, "closed", now, storm.severity)]

    def _evict_over_capacity(self) -> list[ReplyStormFinding]:
        out: list[ReplyStormFinding] = []
        while len(self._targets) >= self.config.reply_storm_max_targets:
            out.extend(self._drop(next(iter(self._targets)), self._now))
        return out

    # -- snapshot ------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {
            "v": 1,
            "now": None if self._now == float("-inf") else self._now,
            "allowlist": sorted(self.allowlist),
            "targets": [_state_to_dict(s) for s in self._targets.values()],
        }

    @classmethod
    def restore(cls, snap: Mapping[str, Any], config: DetectorConfig) -> ReplyStormTracker:
        tracker = cls(config, allowlist=frozenset(snap["allowlist"]))
        tracker._now = float("-inf") if snap["now"] is None else float(snap["now"])
        for d in snap["targets"]:
            state = _state_from_dict(d)
            tracker._targets[state.target.key] = state
        return tracker


def _state_to_dict(s: _TargetState) -> dict[str, Any]:
    sensor = s.target.sensor
    return {
        "target": [sensor.account_id, list(sensor.handles), s.target.post_id, s.target.relation],
        "records": [r.to_list() for r in s.records],
        "centroid": base64.b64encode(s.centroid.astype("<f8").tobytes()).decode("ascii"),
        "counts": [s.replies, s.last_seen, s.pending, s.scored_at, s.last_score],
        "storm": None if s.storm is None else s.storm.to_list(),
        "narratives": list(s.narratives),
    }


def _state_from_dict(d: Mapping[str, Any]) -> _TargetState:
    account_id, handles, post, relation = d["target"]
    target = Target(Sensor(account_id, tuple(handles)), post, relation)
    centroid = np.frombuffer(base64.b64decode(d["centroid"]), dtype="<f8").astype(np.float64)
    replies, last_seen, pending, scored_at, last_score = d["counts"]
    return _TargetState(
        target,
        deque(Record.from_list(v) for v in d["records"]),
        centroid,
        int(replies),
        float(last_seen),
        int(pending),
        scored_at,
        float(last_score),
        None if d["storm"] is None else _Storm.from_list(d["storm"]),
        dict.fromkeys(str(n) for n in d.get("narratives", ())),
    )
