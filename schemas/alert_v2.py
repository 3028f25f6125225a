"""Alert v2: one alert per campaign (a group of accounts acting together across narratives).

The frozen models below are held to ``alert.v2.schema.json`` (``tests/unit/test_alert_v2.py``):
:meth:`AlertV2.to_dict` always validates and :meth:`AlertV2.from_dict` validates with jsonschema
before building. Alert v1 (one alert per narrative, :class:`schemas.models.Alert`) stays readable;
``docs/alerts-topic.md`` has the migration notes for consumers.

Fields other parts of ChorusWatch fill later are part of the contract from the start, so v2 does not
become v3 when they arrive: ``summary`` (a one-line description), ``rule`` (which rule raised it:
coordinated campaign, known claim resurfacing, reply storm), ``watchlist.claim_ids``, ``target`` (an
attacked official account and post), ``relations`` (copy / rewording / translation counts). They are
present and may be empty or null.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from schemas.models import (
    DetectorInfo,
    SchemaError,
    Severity,
    SignalValue,
    TimelinePoint,
    check_cloudevent_ids,
    cloudevent_envelope,
    format_timestamp,
    parse_timestamp,
    validate_against,
)

__all__ = [
    "ALERT_V2_EVENT_TYPE",
    "ALERT_V2_SCHEMA_ID",
    "MAX_ALERT_EDGES",
    "MAX_ALERT_NARRATIVES",
    "MAX_ALERT_NODES",
    "AlertV2",
    "CampaignEvidence",
    "CampaignInfo",
    "EdgeEvidenceItem",
    "NarrativeEntry",
    "Network",
    "NetworkEdge",
    "NetworkNode",
    "RelationCounts",
    "RuleInfo",
    "Tally",
    "TargetInfo",
    "alert_v2_to_cloudevent",
    "cloudevent_to_alert_v2",
    "validate_alert_v2_dict",
]

ALERT_V2_SCHEMA_ID: Final = "urn:choruswatch:schema:alert:v2"
ALERT_V2_EVENT_TYPE: Final = "org.choruswatch.campaign.alert.v2"
MAX_ALERT_NARRATIVES: Final = 50
MAX_ALERT_NODES: Final = 200
MAX_ALERT_EDGES: Final = 50
MAX_ACCOUNT_IDS: Final = 1000
ObjectKind = Literal["narrative", "theme", "link", "hashtags", "repost"]
ScoreBasis = Literal["campaign", "narrative"]


def _ts(value: datetime | None) -> str | None:
    return None if value is None else format_timestamp(value)


def _timeline(points: Any) -> tuple[TimelinePoint, ...]:
    return tuple(TimelinePoint(parse_timestamp(p["minute"], "timeline.minute"), p["count"]) for p in points)


@dataclass(frozen=True, slots=True)
class RuleInfo:
    id: str
    name: str
    version: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "version": self.version}


@dataclass(frozen=True, slots=True)
class TargetInfo:
    """The official account (and post) a campaign attacks, e.g. a reply storm's target."""

    account_id: str
    handle: str | None = None
    post_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"account_id": self.account_id, "handle": self.handle, "post_id": self.post_id}


@dataclass(frozen=True, slots=True)
class RelationCounts:
    copy: int
    rewording: int
    translation: int

    def to_dict(self) -> dict[str, Any]:
        return {"copy": self.copy, "rewording": self.rewording, "translation": self.translation}


@dataclass(frozen=True, slots=True)
class CampaignInfo:
    id: str
    narrative_ids: tuple[str, ...]
    theme_ids: tuple[str, ...]
    accounts: int
    posts: int
    account_ids: tuple[str, ...]
    score_basis: ScoreBasis

    def __post_init__(self) -> None:
        if not self.narrative_ids:
            raise SchemaError("campaign.narrative_ids", "a campaign alert covers at least one narrative")
        if len(self.account_ids) > MAX_ACCOUNT_IDS:
            raise SchemaError("campaign.account_ids", f"at most {MAX_ACCOUNT_IDS} ids allowed")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "narrative_ids": list(self.narrative_ids),
            "narrative_count": len(self.narrative_ids),
            "theme_ids": list(self.theme_ids),
            "accounts": self.accounts,
            "posts": self.posts,
            "account_ids": list(self.account_ids),
            "score_basis": self.score_basis,
        }


@dataclass(frozen=True, slots=True)
class NarrativeEntry:
    """One covered narrative: what it says, how big, when, its theme, its own score, its timeline."""

    id: str
    label: str
    keywords: tuple[str, ...]
    representative_texts: tuple[str, ...]
    size: int
    accounts: int
    languages: tuple[str, ...]
    platforms: tuple[str, ...]
    first_seen: datetime
    last_seen: datetime
    theme_id: str | None
    score: float | None
    timeline: tuple[TimelinePoint, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "keywords": list(self.keywords),
            "representative_texts": list(self.representative_texts),
            "size": self.size,
            "accounts": self.accounts,
            "languages": list(self.languages),
            "platforms": list(self.platforms),
            "first_seen": format_timestamp(self.first_seen),
            "last_seen": format_timestamp(self.last_seen),
            "theme_id": self.theme_id,
            "score": self.score,
            "timeline": [p.to_dict() for p in self.timeline],
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> NarrativeEntry:
        return cls(
            id=obj["id"],
            label=obj["label"],
            keywords=tuple(obj["keywords"]),
            representative_texts=tuple(obj["representative_texts"]),
            size=obj["size"],
            accounts=obj["accounts"],
            languages=tuple(obj["languages"]),
            platforms=tuple(obj["platforms"]),
            first_seen=parse_timestamp(obj["first_seen"], "narratives.first_seen"),
            last_seen=parse_timestamp(obj["last_seen"], "narratives.last_seen"),
            theme_id=obj["theme_id"],
            score=obj["score"],
            timeline=_timeline(obj["timeline"]),
        )


@dataclass(frozen=True, slots=True)
class NetworkNode:
    """An account of the campaign with what an analyst checks first."""

    account_id: str
    handle: str | None
    posts: int
    created_at: datetime | None
    age_days: float | None
    followers: int | None
    new_account: bool | None
    low_followers: bool | None
    allowlisted: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "handle": self.handle,
            "posts": self.posts,
            "created_at": _ts(self.created_at),
            "age_days": self.age_days,
            "followers": self.followers,
            "new_account": self.new_account,
            "low_followers": self.low_followers,
            "allowlisted": self.allowlisted,
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> NetworkNode:
        created = obj["created_at"]
        return cls(
            account_id=obj["account_id"],
            handle=obj["handle"],
            posts=obj["posts"],
            created_at=None if created is None else parse_timestamp(created, "network.nodes.created_at"),
            age_days=obj["age_days"],
            followers=obj["followers"],
            new_account=obj["new_account"],
            low_followers=obj["low_followers"],
            allowlisted=obj["allowlisted"],
        )


@dataclass(frozen=True, slots=True)
class EdgeEvidenceItem:
    """Two posts behind an edge: which, how far apart, and the object they shared."""

    mention_ids: tuple[str, str]
    gap_s: float
    object_kind: ObjectKind
    object_id: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "mention_ids": list(self.mention_ids),
            "gap_s": self.gap_s,
            "object": {"kind": self.object_kind, "id": self.object_id},
        }


@dataclass(frozen=True, slots=True)
class NetworkEdge:
    source: str
    target: str
    weight: float
    co_actions: int
    fast: int
    symmetry: float
    evidence: tuple[EdgeEvidenceItem, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "weight": self.weight,
            "co_actions": self.co_actions,
            "fast": self.fast,
            "symmetry": self.symmetry,
            "evidence": [e.to_dict() for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> NetworkEdge:
        return cls(
            source=obj["source"],
            target=obj["target"],
            weight=float(obj["weight"]),
            co_actions=obj["co_actions"],
            fast=obj["fast"],
            symmetry=float(obj["symmetry"]),
            evidence=tuple(
                EdgeEvidenceItem(
                    (e["mention_ids"][0], e["mention_ids"][1]),
                    float(e["gap_s"]),
                    e["object"]["kind"],
                    e["object"]["id"],
                )
                for e in obj["evidence"]
            ),
        )


@dataclass(frozen=True, slots=True)
class Network:
    nodes: tuple[NetworkNode, ...]
    edges: tuple[NetworkEdge, ...]
    node_count: int
    edge_count: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [n.to_dict() for n in self.nodes],
            "edges": [e.to_dict() for e in self.edges],
            "node_count": self.node_count,
            "edge_count": self.edge_count,
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> Network:
        return cls(
            nodes=tuple(NetworkNode.from_dict(n) for n in obj["nodes"]),
            edges=tuple(NetworkEdge.from_dict(e) for e in obj["edges"]),
            node_count=obj["node_count"],
            edge_count=obj["edge_count"],
        )


@dataclass(frozen=True, slots=True)
class Tally:
    """A link or hashtag set with how many posts and distinct accounts carried it."""

    value: str
    count: int
    accounts: int

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count, "accounts": self.accounts}


@dataclass(frozen=True, slots=True)
class CampaignEvidence:
    links: tuple[Tally, ...] = ()
    hashtags: tuple[Tally, ...] = ()
    sample_mention_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "links": [x.to_dict() for x in self.links],
            "hashtags": [x.to_dict() for x in self.hashtags],
            "sample_mention_ids": list(self.sample_mention_ids),
        }


@dataclass(frozen=True, slots=True)
class AlertV2:
    """One revision of the alert about one campaign (Alert v2)."""

    alert_id: str
    revision: int
    status: Literal["open", "updated", "closed"]
    as_of: datetime
    first_seen: datetime
    last_seen: datetime
    severity: Severity
    score: float
    authentic: bool
    authentic_reason: str | None
    campaign: CampaignInfo
    narratives: tuple[NarrativeEntry, ...]
    signals: Mapping[str, SignalValue]
    network: Network
    evidence: CampaignEvidence
    detector: DetectorInfo
    rule: RuleInfo
    merged_into: str | None = None
    summary: str | None = None
    claim_ids: tuple[str, ...] = ()
    target: TargetInfo | None = None
    relations: RelationCounts | None = None
    languages: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)  # unknown fields of a newer producer, kept

    SCHEMA_VERSION = "2"

    def to_dict(self) -> dict[str, Any]:
        """The Alert v2 JSON object. Not validated here (the typed model keeps to the schema, as tests
        check; validating a 200-edge alert costs ~0.1 s): consumers validate, and :meth:`from_dict` does."""
        out: dict[str, Any] = {
            **self.extra,
            "schema_version": self.SCHEMA_VERSION,
            "alert_id": self.alert_id,
            "revision": self.revision,
            "status": self.status,
            "as_of": format_timestamp(self.as_of),
            "first_seen": format_timestamp(self.first_seen),
            "last_seen": format_timestamp(self.last_seen),
            "severity": self.severity,
            "score": self.score,
            "authentic": self.authentic,
            "authentic_reason": self.authentic_reason,
            "merged_into": self.merged_into,
            "summary": self.summary,
            "rule": self.rule.to_dict(),
            "watchlist": {"claim_ids": list(self.claim_ids)},
            "target": None if self.target is None else self.target.to_dict(),
            "relations": None if self.relations is None else self.relations.to_dict(),
            "languages": list(self.languages),
            "platforms": list(self.platforms),
            "campaign": self.campaign.to_dict(),
            "narratives": [n.to_dict() for n in self.narratives],
            "signals": {name: sig.to_dict() for name, sig in self.signals.items()},
            "network": self.network.to_dict(),
            "evidence": self.evidence.to_dict(),
            "detector": self.detector.to_dict(),
        }
        return out

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> AlertV2:
        """Validate against the JSON Schema, then build the model; raises :class:`SchemaError`."""
        validate_alert_v2_dict(obj)
        c, ev, target, rel = obj["campaign"], obj["evidence"], obj["target"], obj["relations"]
        known = set(cls.__dataclass_fields__) | {"schema_version", "watchlist"}
        return cls(
            alert_id=obj["alert_id"],
            revision=obj["revision"],
            status=obj["status"],
            as_of=parse_timestamp(obj["as_of"], "as_of"),
            first_seen=parse_timestamp(obj["first_seen"], "first_seen"),
            last_seen=parse_timestamp(obj["last_seen"], "last_seen"),
            severity=obj["severity"],
            score=float(obj["score"]),
            authentic=obj["authentic"],
            authentic_reason=obj["authentic_reason"],
            campaign=CampaignInfo(
                c["id"],
                tuple(c["narrative_ids"]),
                tuple(c["theme_ids"]),
                c["accounts"],
                c["posts"],
                tuple(c["account_ids"]),
                c["score_basis"],
            ),
            narratives=tuple(NarrativeEntry.from_dict(n) for n in obj["narratives"]),
            signals={name: SignalValue.from_dict(sig) for name, sig in obj["signals"].items()},
            network=Network.from_dict(obj["network"]),
            evidence=CampaignEvidence(
                tuple(Tally(x["value"], x["count"], x["accounts"]) for x in ev["links"]),
                tuple(Tally(x["value"], x["count"], x["accounts"]) for x in ev["hashtags"]),
                tuple(ev["sample_mention_ids"]),
            ),
            detector=DetectorInfo.from_dict(obj["detector"]),
            rule=RuleInfo(obj["rule"]["id"], obj["rule"]["name"], obj["rule"]["version"]),
            merged_into=obj["merged_into"],
            summary=obj["summary"],
            claim_ids=tuple(obj["watchlist"]["claim_ids"]),
            target=None
            if target is None
            else TargetInfo(target["account_id"], target["handle"], target["post_id"]),
            relations=None
            if rel is None
            else RelationCounts(rel["copy"], rel["rewording"], rel["translation"]),
            languages=tuple(obj["languages"]),
            platforms=tuple(obj["platforms"]),
            extra={k: v for k, v in obj.items() if k not in known},
        )


def validate_alert_v2_dict(obj: object) -> None:
    """Check an Alert v2 object against ``alert.v2.schema.json``; raises :class:`SchemaError`."""
    validate_against("alert-v2", obj)


def alert_v2_to_cloudevent(alert: AlertV2, *, source: str) -> dict[str, Any]:
    """Wrap an Alert v2 revision in a CloudEvents 1.0 structured-mode envelope (Kafka key: alert_id)."""
    return cloudevent_envelope(
        alert_id=alert.alert_id,
        revision=alert.revision,
        as_of=alert.as_of,
        data=alert.to_dict(),
        event_type=ALERT_V2_EVENT_TYPE,
        schema_id=ALERT_V2_SCHEMA_ID,
        source=source,
    )


def cloudevent_to_alert_v2(obj: Mapping[str, Any]) -> AlertV2:
    """Validate a v2 CloudEvents envelope from the alerts topic and return the Alert v2 it carries."""
    validate_against("alert-event-v2", obj)
    alert = AlertV2.from_dict(obj["data"])
    check_cloudevent_ids(obj, alert.alert_id, alert.revision)
    return alert
