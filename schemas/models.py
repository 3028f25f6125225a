"""Frozen Python models of the ChorusWatch wire contracts, held to the JSON Schema files beside them.

Mention v1 is validated by hand in :meth:`Mention.from_dict` because it runs on every ingested message
(jsonschema is ~50x slower); ``tests/unit/test_schemas.py`` holds the hand-written checks and
``mention.v1.schema.json`` to the same verdicts. Alert v1 is produced by our own code and read back
rarely, so :meth:`Alert.from_dict` and :func:`validate_alert_dict` use jsonschema directly.

Every validation failure raises :class:`SchemaError`, whose ``field`` is a dotted path
(``author.id``, ``links[2]``, ``$`` for the whole record), whose ``reason`` says what is wrong, and
whose ``code`` is one of a small fixed set, safe to use as a metric label.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal, cast

import jsonschema
import jsonschema.exceptions
import referencing
import referencing.jsonschema

__all__ = [
    "ALERT_EVENT_SCHEMA_PATH",
    "ALERT_EVENT_TYPE",
    "ALERT_EVENT_V2_SCHEMA_PATH",
    "ALERT_SCHEMA_ID",
    "ALERT_SCHEMA_PATH",
    "ALERT_V2_SCHEMA_PATH",
    "MENTION_SCHEMA_ID",
    "MENTION_SCHEMA_PATH",
    "SCHEMA_NAMES",
    "AccountCount",
    "Alert",
    "AlertStatus",
    "Author",
    "DetectorInfo",
    "ErrorCode",
    "Evidence",
    "HashtagCount",
    "LinkCount",
    "Mention",
    "NarrativeInfo",
    "SchemaError",
    "Severity",
    "SignalValue",
    "TimelinePoint",
    "alert_to_cloudevent",
    "check_cloudevent_ids",
    "cloudevent_envelope",
    "cloudevent_to_alert",
    "format_timestamp",
    "load_schema",
    "mention_dict_from_csv_row",
    "parse_mention",
    "parse_timestamp",
    "schema_validator",
    "validate_against",
    "validate_alert_dict",
    "validate_alert_event_dict",
]

ErrorCode = Literal["decode", "schema", "too_large"]
AlertStatus = Literal["open", "updated", "closed"]
Severity = Literal["low", "medium", "high", "critical"]

_SCHEMA_DIR: Final = Path(str(resources.files("schemas")))
MENTION_SCHEMA_PATH: Final = _SCHEMA_DIR / "mention.v1.schema.json"
ALERT_SCHEMA_PATH: Final = _SCHEMA_DIR / "alert.v1.schema.json"
ALERT_EVENT_SCHEMA_PATH: Final = _SCHEMA_DIR / "alert-event.v1.schema.json"
ALERT_V2_SCHEMA_PATH: Final = _SCHEMA_DIR / "alert.v2.schema.json"
ALERT_EVENT_V2_SCHEMA_PATH: Final = _SCHEMA_DIR / "alert-event.v2.schema.json"
SCHEMA_NAMES: Final = {
    "mention": MENTION_SCHEMA_PATH,
    "alert": ALERT_SCHEMA_PATH,
    "alert-event": ALERT_EVENT_SCHEMA_PATH,
    "alert-v2": ALERT_V2_SCHEMA_PATH,
    "alert-event-v2": ALERT_EVENT_V2_SCHEMA_PATH,
}
MENTION_SCHEMA_ID: Final = "urn:choruswatch:schema:mention:v1"
ALERT_SCHEMA_ID: Final = "urn:choruswatch:schema:alert:v1"
ALERT_EVENT_TYPE: Final = "org.choruswatch.narrative.alert.v1"

ALERT_STATUSES: Final = frozenset({"open", "updated", "closed"})
SEVERITIES: Final = frozenset({"low", "medium", "high", "critical"})
MAX_REPRESENTATIVE_TEXTS: Final = 5
MAX_SAMPLE_MENTION_IDS: Final = 50
#: Plausibility limits of Mention v1, enforced by both validators (the schema files say the same).
MIN_YEAR: Final = 1970
MAX_FOLLOWERS: Final = 10**12
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


class SchemaError(ValueError):
    """A record does not match its contract; ``str()`` is ``"field: reason"``."""

    def __init__(self, field: str, reason: str, *, code: ErrorCode = "schema") -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.code: ErrorCode = code

    def __reduce__(self) -> tuple[Any, ...]:
        # Keeps the error picklable (multiprocessing, faust) despite the keyword-only argument.
        return (_rebuild_schema_error, (self.field, self.reason, self.code))


def _rebuild_schema_error(field: str, reason: str, code: ErrorCode) -> SchemaError:
    return SchemaError(field, reason, code=code)


# ---------------------------------------------------------------------------------------------------
# timestamps

# The "timestamp" pattern of the schema files; Python checks the year floor (MIN_YEAR) on its own.
_TIMESTAMP_RE: Final = re.compile(
    r"^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])"
    r"(?:\.([0-9]+))?(?:([Zz])|([+-])([01][0-9]|2[0-3]):([0-5][0-9]))$"
)
_OFFSETS: dict[str, timezone] = {}


def _offset(sign: str, hours: str, minutes: str) -> timezone:
    key = sign + hours + minutes
    tz = _OFFSETS.get(key)
    if tz is None:
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        tz = UTC if not delta else timezone(-delta if sign == "-" else delta)
        _OFFSETS[key] = tz
    return tz


def parse_timestamp(value: object, field: str = "$") -> datetime:
    """Parse an RFC 3339 timestamp with an explicit offset into a tz-aware datetime.

    Fractions finer than a microsecond are truncated. Raises :class:`SchemaError` naming ``field``.
    """
    if not isinstance(value, str):
        raise SchemaError(field, f"expected an RFC 3339 timestamp string, got {_type_name(value)}")
    m = _TIMESTAMP_RE.match(value)
    if m is None:
        raise SchemaError(field, f"not an RFC 3339 timestamp with offset: {_excerpt(value)}")
    year, month, day, hour, minute, second, frac, zulu, sign, off_h, off_m = m.groups()
    tz = UTC if zulu else _offset(sign, off_h, off_m)
    micro = int((frac + "00000")[:6]) if frac else 0
    if int(year) < MIN_YEAR:
        # Year 0001 parses, then breaks epoch arithmetic downstream; no post or account is that old.
        raise SchemaError(field, f"before {MIN_YEAR}: not a plausible date: {_excerpt(value)}")
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz
        )
    except ValueError as exc:  # e.g. 2023-02-30: the pattern cannot express month lengths
        raise SchemaError(field, f"not a valid calendar date-time: {_excerpt(value)} ({exc})") from None


def format_timestamp(value: datetime) -> str:
    """RFC 3339 text for a tz-aware datetime; UTC is written with ``Z``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp must be timezone-aware")
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# ---------------------------------------------------------------------------------------------------
# small field checkers shared by the hand-written validator

_PLATFORM_RE: Final = re.compile(r"^[^A-Z\s]+$")


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _excerpt(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "…")


def _check_unicode(path: str, value: str) -> str:
    """Refuse lone surrogates: a JSON escape such as \\ud800 decodes to one, and no stage could
    encode the mention as UTF-8 again (JSON Schema patterns cannot say this; Python is stricter)."""
    if not value.isascii() and _SURROGATE.search(value) is not None:
        raise SchemaError(path, "invalid Unicode: a lone surrogate (an unpaired \\ud800-\\udfff escape)")
    return value


def _req_str(obj: Mapping[str, Any], key: str, path: str, *, non_empty: bool = True) -> str:
    if key not in obj:
        raise SchemaError(path, "required field is missing")
    value = obj[key]
    if not isinstance(value, str):
        raise SchemaError(path, f"expected string, got {_type_name(value)}")
    if non_empty and not value:
        raise SchemaError(path, "must not be empty")
    return _check_unicode(path, value)


def _opt_str(obj: Mapping[str, Any], key: str, path: str, *, non_empty: bool = False) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SchemaError(path, f"expected string or null, got {_type_name(value)}")
    if non_empty and not value:
        raise SchemaError(path, "must not be empty")
    return _check_unicode(path, value)


def _str_array(obj: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = obj.get(key)
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise SchemaError(key, f"expected array of strings, got {_type_name(value)}")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise SchemaError(f"{key}[{i}]", f"expected string, got {_type_name(item)}")
        _check_unicode(f"{key}[{i}]", item)
    return tuple(value)


# ---------------------------------------------------------------------------------------------------
# Mention v1


@dataclass(frozen=True, slots=True)
class Author:
    """The account that posted a mention; only ``id`` is always known."""

    id: str
    handle: str | None = None
    created_at: datetime | None = None
    followers: int | None = None
    verified: bool | None = None

    @classmethod
    def from_dict(cls, obj: object, path: str = "author") -> Author:
        if not isinstance(obj, Mapping):
            raise SchemaError(path, f"expected object, got {_type_name(obj)}")
        created_raw = obj.get("created_at")
        followers = obj.get("followers")
        if followers is not None:
            # bool is an int subclass in Python but not a JSON integer.
            if isinstance(followers, float) and followers.is_integer():
                followers = int(followers)
            if isinstance(followers, bool) or not isinstance(followers, int):
                raise SchemaError(f"{path}.followers", f"expected integer, got {_type_name(followers)}")
            if not 0 <= followers <= MAX_FOLLOWERS:
                raise SchemaError(
                    f"{path}.followers", f"must be between 0 and {MAX_FOLLOWERS}, got {followers}"
                )
        verified = obj.get("verified")
        if verified is not None and not isinstance(verified, bool):
            raise SchemaError(f"{path}.verified", f"expected boolean, got {_type_name(verified)}")
        return cls(
            id=_req_str(obj, "id", f"{path}.id"),
            handle=_opt_str(obj, "handle", f"{path}.handle"),
            created_at=None if created_raw is None else parse_timestamp(created_raw, f"{path}.created_at"),
            followers=followers,
            verified=verified,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id}
        if self.handle is not None:
            out["handle"] = self.handle
        if self.created_at is not None:
            out["created_at"] = format_timestamp(self.created_at)
        if self.followers is not None:
            out["followers"] = self.followers
        if self.verified is not None:
            out["verified"] = self.verified
        return out


@dataclass(frozen=True, slots=True)
class Mention:
    """One ingested post. ``created_at`` is event time (tz-aware); hashtags carry no leading ``#``."""

    id: str
    platform: str
    created_at: datetime
    text: str
    author: Author
    lang: str | None = None
    url: str | None = None
    links: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    repost_of: str | None = None
    reply_to: str | None = None
    quote_of: str | None = None

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> Mention:
        """Validate a decoded Mention v1 object by hand and build the model; unknown keys are ignored."""
        if not isinstance(obj, Mapping):
            raise SchemaError("$", f"expected a JSON object, got {_type_name(obj)}")
        mention_id = _req_str(obj, "id", "id")
        platform = _req_str(obj, "platform", "platform")
        if _PLATFORM_RE.match(platform) is None:
            raise SchemaError("platform", f"must be lowercase without whitespace, got {_excerpt(platform)}")
        if "created_at" not in obj:
            raise SchemaError("created_at", "required field is missing")
        created_at = parse_timestamp(obj["created_at"], "created_at")
        text = _req_str(obj, "text", "text", non_empty=False)
        if "author" not in obj:
            raise SchemaError("author", "required field is missing")
        author = Author.from_dict(obj["author"])
        links = _str_array(obj, "links")
        for i, link in enumerate(links):
            if not link:
                raise SchemaError(f"links[{i}]", "must not be empty")
        hashtags = _str_array(obj, "hashtags")
        if hashtags:
            stripped = tuple(tag.lstrip("#") for tag in hashtags)
            for i, tag in enumerate(stripped):
                if not tag:
                    raise SchemaError(f"hashtags[{i}]", "empty hashtag")
            hashtags = stripped
        return cls(
            id=mention_id,
            platform=platform,
            created_at=created_at,
            text=text,
            author=author,
            lang=_opt_str(obj, "lang", "lang"),
            url=_opt_str(obj, "url", "url"),
            links=links,
            hashtags=hashtags,
            repost_of=_opt_str(obj, "repost_of", "repost_of", non_empty=True),
            reply_to=_opt_str(obj, "reply_to", "reply_to", non_empty=True),
            quote_of=_opt_str(obj, "quote_of", "quote_of", non_empty=True),
        )

    def to_dict(self) -> dict[str, Any]:
        """Mention v1 JSON object; optional fields are omitted when unset."""
        out: dict[str, Any] = {
            "id": self.id,
            "platform": self.platform,
            "created_at": format_timestamp(self.created_at),
            "text": self.text,
            "author": self.author.to_dict(),
        }
        for key in ("lang", "url", "repost_of", "reply_to", "quote_of"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.links:
            out["links"] = list(self.links)
        if self.hashtags:
            out["hashtags"] = list(self.hashtags)
        return out

    @property
    def timestamp(self) -> float:
        """Event time as epoch seconds, the unit the detection core works in."""
        return self.created_at.timestamp()


def parse_mention(raw: bytes | str, *, max_bytes: int = 256 * 1024) -> Mention:
    """Decode one wire message (UTF-8 JSON object) into a :class:`Mention`.

    Error codes: ``too_large`` (over ``max_bytes``), ``decode`` (not UTF-8 / not JSON),
    ``schema`` (valid JSON that breaks the contract).
    """
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise SchemaError("$", f"message is {size} bytes, over the {max_bytes}-byte limit", code="too_large")
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SchemaError("$", f"not valid UTF-8 (byte {exc.start})", code="decode") from None
    else:
        text = raw
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError("$", f"not valid JSON: {exc}", code="decode") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits (Python's int-string limit)
        raise SchemaError("$", f"not valid JSON for ChorusWatch: {str(exc)[:120]}", code="decode") from None
    except RecursionError:
        raise SchemaError("$", "not valid JSON: nested too deeply", code="decode") from None
    if not isinstance(obj, dict):
        raise SchemaError("$", f"expected a JSON object, got {_type_name(obj)}")
    return Mention.from_dict(obj)


_TRUE_WORDS: Final = frozenset({"true", "t", "yes", "y", "1"})
_FALSE_WORDS: Final = frozenset({"false", "f", "no", "n", "0"})


def mention_dict_from_csv_row(row: Mapping[str, str | None]) -> dict[str, Any]:
    """Turn one CSV row (flat columns) into the Mention v1 dict shape; empty cells mean absent.

    Columns: id, platform, created_at, text, author_id, author_handle, author_created_at,
    author_followers, author_verified, lang, url, links, hashtags (space-separated lists), repost_of,
    reply_to, quote_of. Values that cannot be converted are passed through unchanged so that
    :meth:`Mention.from_dict` reports them with the field name.
    """

    def cell(name: str) -> str | None:
        value = row.get(name)
        if value is None:
            return None
        value = value.strip() if name != "text" else value
        return value if value != "" or name == "text" else None

    out: dict[str, Any] = {}
    for name in ("id", "platform", "created_at", "text", "lang", "url", "repost_of", "reply_to", "quote_of"):
        value = cell(name)
        if value is not None:
            out[name] = value
    author: dict[str, Any] = {}
    author_id = cell("author_id")
    if author_id is not None:
        author["id"] = author_id
    for name in ("handle", "created_at"):
        value = cell(f"author_{name}")
        if value is not None:
            author[name] = value
    followers = cell("author_followers")
    if followers is not None:
        # At most 13 digits reach int(): a 5,000-digit cell stays text and is refused by field.
        digits = followers.isascii() and followers.isdigit() and len(followers) <= 13
        author["followers"] = int(followers) if digits else followers
    verified = cell("author_verified")
    if verified is not None:
        low = verified.lower()
        author["verified"] = True if low in _TRUE_WORDS else False if low in _FALSE_WORDS else verified
    if author or "author_id" in row:
        out["author"] = author
    for name in ("links", "hashtags"):
        value = cell(name)
        if value is not None:
            out[name] = value.split()
    return out


# ---------------------------------------------------------------------------------------------------
# Alert v1


def _check_unit(path: str, value: float) -> None:
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise SchemaError(path, f"must be a number in [0, 1], got {value!r}")


def _check_count(path: str, value: int) -> None:
    if value < 0:
        raise SchemaError(path, f"must be >= 0, got {value}")


@dataclass(frozen=True, slots=True)
class SignalValue:
    """One coordination signal: raw ``value``, its ``weight`` and its share of the score."""

    value: float
    weight: float
    contribution: float
    detail: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.value) and math.isfinite(self.weight)):
            raise SchemaError("signals", "value and weight must be finite numbers")
        _check_unit("signals.contribution", self.contribution)

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "weight": self.weight,
            "contribution": self.contribution,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> SignalValue:
        return cls(float(obj["value"]), float(obj["weight"]), float(obj["contribution"]), obj["detail"])


@dataclass(frozen=True, slots=True)
class NarrativeInfo:
    """What the narrative says and how big it is."""

    id: str
    label: str
    keywords: tuple[str, ...]
    representative_texts: tuple[str, ...]
    size: int
    accounts: int
    languages: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.representative_texts) > MAX_REPRESENTATIVE_TEXTS:
            raise SchemaError(
                "narrative.representative_texts", f"at most {MAX_REPRESENTATIVE_TEXTS} texts allowed"
            )
        _check_count("narrative.size", self.size)
        _check_count("narrative.accounts", self.accounts)

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
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> NarrativeInfo:
        return cls(
            id=obj["id"],
            label=obj["label"],
            keywords=tuple(obj["keywords"]),
            representative_texts=tuple(obj["representative_texts"]),
            size=obj["size"],
            accounts=obj["accounts"],
            languages=tuple(obj["languages"]),
            platforms=tuple(obj["platforms"]),
        )


@dataclass(frozen=True, slots=True)
class AccountCount:
    id: str
    handle: str | None
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "handle": self.handle, "count": self.count}


@dataclass(frozen=True, slots=True)
class LinkCount:
    """A canonical URL, how often it was shared in the narrative and by how many distinct accounts."""

    url: str
    count: int
    accounts: int

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "count": self.count, "accounts": self.accounts}


@dataclass(frozen=True, slots=True)
class HashtagCount:
    tag: str
    count: int
    accounts: int

    def to_dict(self) -> dict[str, Any]:
        return {"tag": self.tag, "count": self.count, "accounts": self.accounts}


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    """Mentions in the narrative during the minute starting at ``minute`` (event time)."""

    minute: datetime
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"minute": format_timestamp(self.minute), "count": self.count}


@dataclass(frozen=True, slots=True)
class Evidence:
    """What an analyst needs to verify the alert: who, which links and tags, when, which posts."""

    top_accounts: tuple[AccountCount, ...] = ()
    links: tuple[LinkCount, ...] = ()
    hashtags: tuple[HashtagCount, ...] = ()
    timeline: tuple[TimelinePoint, ...] = ()
    sample_mention_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.sample_mention_ids) > MAX_SAMPLE_MENTION_IDS:
            raise SchemaError("evidence.sample_mention_ids", f"at most {MAX_SAMPLE_MENTION_IDS} ids allowed")

    def to_dict(self) -> dict[str, Any]:
        return {
            "top_accounts": [a.to_dict() for a in self.top_accounts],
            "links": [x.to_dict() for x in self.links],
            "hashtags": [x.to_dict() for x in self.hashtags],
            "timeline": [x.to_dict() for x in self.timeline],
            "sample_mention_ids": list(self.sample_mention_ids),
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> Evidence:
        return cls(
            top_accounts=tuple(AccountCount(a["id"], a["handle"], a["count"]) for a in obj["top_accounts"]),
            links=tuple(LinkCount(x["url"], x["count"], x["accounts"]) for x in obj["links"]),
            hashtags=tuple(HashtagCount(x["tag"], x["count"], x["accounts"]) for x in obj["hashtags"]),
            timeline=tuple(
                TimelinePoint(parse_timestamp(x["minute"], "evidence.timeline.minute"), x["count"])
                for x in obj["timeline"]
            ),
            sample_mention_ids=tuple(obj["sample_mention_ids"]),
        )


@dataclass(frozen=True, slots=True)
class DetectorInfo:
    """Which detector build produced the alert and the thresholds it ran with."""

    version: str
    embedding_model: str
    thresholds: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "embedding_model": self.embedding_model,
            "thresholds": dict(self.thresholds),
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> DetectorInfo:
        return cls(obj["version"], obj["embedding_model"], dict(obj["thresholds"]))


@dataclass(frozen=True, slots=True)
class Alert:
    """One revision of the alert about one narrative (Alert v1)."""

    alert_id: str
    revision: int
    status: AlertStatus
    as_of: datetime
    first_seen: datetime
    last_seen: datetime
    severity: Severity
    score: float
    authentic: bool
    authentic_reason: str | None
    narrative: NarrativeInfo
    signals: Mapping[str, SignalValue]
    evidence: Evidence
    detector: DetectorInfo

    SCHEMA_VERSION = "1"

    def __post_init__(self) -> None:
        if not self.alert_id:
            raise SchemaError("alert_id", "must not be empty")
        if self.revision < 1:
            raise SchemaError("revision", f"must be >= 1, got {self.revision}")
        if self.status not in ALERT_STATUSES:
            raise SchemaError("status", f"must be one of {sorted(ALERT_STATUSES)}, got {self.status!r}")
        if self.severity not in SEVERITIES:
            raise SchemaError("severity", f"must be one of {sorted(SEVERITIES)}, got {self.severity!r}")
        _check_unit("score", self.score)
        for name in ("as_of", "first_seen", "last_seen"):
            value: datetime = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() is None:
                raise SchemaError(name, "timestamp must be timezone-aware")

    def to_dict(self) -> dict[str, Any]:
        """The Alert v1 JSON object (validates against ``alert.v1.schema.json``)."""
        return {
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
            "narrative": self.narrative.to_dict(),
            "signals": {name: sig.to_dict() for name, sig in self.signals.items()},
            "evidence": self.evidence.to_dict(),
            "detector": self.detector.to_dict(),
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> Alert:
        """Validate against the JSON Schema, then build the model; raises :class:`SchemaError`."""
        validate_alert_dict(obj)
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
            narrative=NarrativeInfo.from_dict(obj["narrative"]),
            signals={name: SignalValue.from_dict(sig) for name, sig in obj["signals"].items()},
            evidence=Evidence.from_dict(obj["evidence"]),
            detector=DetectorInfo.from_dict(obj["detector"]),
        )


# ---------------------------------------------------------------------------------------------------
# JSON Schema access


def load_schema(name: str) -> dict[str, Any]:
    """Load a bundled schema by short name (``mention``, ``alert``, ``alert-event``) or file name."""
    path = SCHEMA_NAMES.get(name)
    if path is None:
        candidates = {p.name: p for p in SCHEMA_NAMES.values()}
        path = candidates.get(name)
    if path is None:
        raise KeyError(f"unknown schema {name!r}; known: {sorted(SCHEMA_NAMES)}")
    return cast(dict[str, Any], json.loads(path.read_text(encoding="utf-8")))


@functools.cache
def _registry() -> referencing.Registry[Any]:
    resources_ = [
        referencing.Resource.from_contents(
            load_schema(name), default_specification=referencing.jsonschema.DRAFT202012
        )
        for name in SCHEMA_NAMES
    ]
    return referencing.Registry().with_resources((res.id() or "", res) for res in resources_)


@functools.cache
def schema_validator(name: str) -> jsonschema.Draft202012Validator:
    """A cached Draft 2020-12 validator for a bundled schema; cross-file ``$ref`` resolve offline."""
    return jsonschema.Draft202012Validator(load_schema(name), registry=_registry())


def validate_against(name: str, obj: object) -> None:
    """Check ``obj`` against a bundled schema (see :func:`load_schema`); raises :class:`SchemaError`
    naming the first failing field."""
    _validate(name, obj)


def _validate(name: str, obj: object) -> None:
    error = jsonschema.exceptions.best_match(schema_validator(name).iter_errors(obj))
    if error is not None:
        raise SchemaError(_json_path(error.absolute_path), error.message)


def _json_path(parts: Iterable[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "$"


def validate_alert_dict(obj: object) -> None:
    """Check an Alert v1 object against ``alert.v1.schema.json``; raises :class:`SchemaError`."""
    _validate("alert", obj)


def validate_alert_event_dict(obj: object) -> None:
    """Check a CloudEvents envelope (including its Alert v1 ``data``); raises :class:`SchemaError`."""
    _validate("alert-event", obj)


def cloudevent_envelope(
    *,
    alert_id: str,
    revision: int,
    as_of: datetime,
    data: dict[str, Any],
    event_type: str,
    schema_id: str,
    source: str,
) -> dict[str, Any]:
    """A CloudEvents 1.0 structured-mode envelope for one alert revision (any alert version)."""
    if not source:
        raise ValueError("source must be a non-empty URI-reference")
    return {
        "specversion": "1.0",
        "id": f"{alert_id}:{revision}",
        "source": source,
        "type": event_type,
        "subject": alert_id,
        "time": format_timestamp(as_of),
        "datacontenttype": "application/json",
        "dataschema": schema_id,
        "data": data,
    }


def check_cloudevent_ids(obj: Mapping[str, Any], alert_id: str, revision: int) -> None:
    """The envelope's ``subject`` and ``id`` must name the revision it carries."""
    if obj["subject"] != alert_id:
        raise SchemaError("subject", f"must equal data.alert_id {alert_id!r}, got {obj['subject']!r}")
    expected_id = f"{alert_id}:{revision}"
    if obj["id"] != expected_id:
        raise SchemaError("id", f"must be {expected_id!r}, got {obj['id']!r}")


def alert_to_cloudevent(alert: Alert, *, source: str) -> dict[str, Any]:
    """Wrap an alert revision in a CloudEvents 1.0 structured-mode envelope (Kafka key: alert_id)."""
    return cloudevent_envelope(
        alert_id=alert.alert_id,
        revision=alert.revision,
        as_of=alert.as_of,
        data=alert.to_dict(),
        event_type=ALERT_EVENT_TYPE,
        schema_id=ALERT_SCHEMA_ID,
        source=source,
    )


def cloudevent_to_alert(obj: Mapping[str, Any]) -> Alert:
    """Validate a CloudEvents envelope from the alerts topic and return the Alert it carries."""
    validate_alert_event_dict(obj)
    alert = Alert.from_dict(obj["data"])
    check_cloudevent_ids(obj, alert.alert_id, alert.revision)
    return alert
