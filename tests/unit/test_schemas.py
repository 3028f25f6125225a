"""Hold the Python wire models to the JSON Schema files: same verdicts, lossless round trips."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import (
    ALERT_EVENT_SCHEMA_PATH,
    ALERT_SCHEMA_PATH,
    MENTION_SCHEMA_PATH,
    AccountCount,
    Alert,
    DetectorInfo,
    Evidence,
    HashtagCount,
    LinkCount,
    Mention,
    NarrativeInfo,
    SchemaError,
    SignalValue,
    TimelinePoint,
    alert_to_cloudevent,
    cloudevent_to_alert,
    format_timestamp,
    load_schema,
    mention_dict_from_csv_row,
    parse_mention,
    parse_timestamp,
    schema_validator,
    validate_alert_dict,
)

MENTION_VALIDATOR = schema_validator("mention")
KNOWN_KEYS = {
    "id",
    "platform",
    "created_at",
    "text",
    "author",
    "lang",
    "url",
    "links",
    "hashtags",
    "repost_of",
    "reply_to",
    "quote_of",
}

# ------------------------------------------------------------------------------------------------
# strategies

offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda m: timezone(timedelta(minutes=m))
)
aware_datetimes = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=offsets
)


@st.composite
def rfc3339_strings(draw: st.DrawFn) -> str:
    """RFC 3339 texts in the spellings real feeds use: Z/z/offset, T/t/space, 0-9 fraction digits."""
    dt = draw(aware_datetimes)
    sep = draw(st.sampled_from(["T", "t", " "]))
    digits = draw(st.integers(min_value=0, max_value=9))
    frac = "" if digits == 0 else "." + (f"{dt.microsecond:06d}" + "123")[:digits]
    offset = dt.utcoffset() or timedelta(0)
    if offset == timedelta(0) and draw(st.booleans()):
        zone = draw(st.sampled_from(["Z", "z"]))
    else:
        minutes = int(offset.total_seconds() // 60)
        sign = "-" if minutes < 0 else "+"
        zone = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return dt.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + frac + zone


ids = st.text(min_size=1, max_size=20)
platforms = st.one_of(
    st.sampled_from(["x", "facebook", "telegram", "bluesky", "mastodon", "web"]),
    st.from_regex(r"\A[a-z0-9][a-z0-9._-]{0,11}\Z"),
)
optional_str = st.one_of(st.none(), st.text(max_size=30))


@st.composite
def author_dicts(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {"id": draw(ids)}
    if draw(st.booleans()):
        out["handle"] = draw(optional_str)
    if draw(st.booleans()):
        out["created_at"] = draw(st.one_of(st.none(), rfc3339_strings()))
    if draw(st.booleans()):
        out["followers"] = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=10**9)))
    if draw(st.booleans()):
        out["verified"] = draw(st.one_of(st.none(), st.booleans()))
    return out


@st.composite
def mention_dicts(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": draw(ids),
        "platform": draw(platforms),
        "created_at": draw(rfc3339_strings()),
        "text": draw(st.text(max_size=200)),
        "author": draw(author_dicts()),
    }
    for key in ("lang", "url"):
        if draw(st.booleans()):
            out[key] = draw(optional_str)
    for key in ("repost_of", "reply_to", "quote_of"):
        if draw(st.booleans()):
            out[key] = draw(st.one_of(st.none(), ids))
    if draw(st.booleans()):
        out["links"] = draw(st.lists(st.text(min_size=1, max_size=40), max_size=4))
    if draw(st.booleans()):
        tag = st.text(min_size=1, max_size=15).filter(lambda t: t.lstrip("#") != "")
        out["hashtags"] = draw(st.lists(tag, max_size=4))
    extras = draw(
        st.dictionaries(
            st.text(min_size=1, max_size=10).filter(lambda k: k not in KNOWN_KEYS),
            st.one_of(st.integers(), st.text(max_size=5), st.none()),
            max_size=3,
        )
    )
    out.update(extras)
    return out


# ------------------------------------------------------------------------------------------------
# Mention: valid input


def test_schema_files_are_valid_draft_2020_12_and_ship_in_the_package() -> None:
    for path in (MENTION_SCHEMA_PATH, ALERT_SCHEMA_PATH, ALERT_EVENT_SCHEMA_PATH):
        assert path.is_file(), path
        schema = json.loads(path.read_text(encoding="utf-8"))
        type(MENTION_VALIDATOR).check_schema(schema)
    assert load_schema("mention")["$id"] == "urn:choruswatch:schema:mention:v1"
    assert load_schema("alert.v1.schema.json")["$id"] == "urn:choruswatch:schema:alert:v1"
    with pytest.raises(KeyError):
        load_schema("nope")
    assert schema_validator("alert") is schema_validator("alert")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(mention_dicts())
def test_valid_mentions_round_trip_and_match_the_json_schema(obj: dict[str, Any]) -> None:
    MENTION_VALIDATOR.validate(obj)
    mention = Mention.from_dict(obj)
    assert mention.id == obj["id"]
    assert mention.text == obj["text"]
    assert mention.created_at.tzinfo is not None
    assert all(not tag.startswith("#") for tag in mention.hashtags)
    out = mention.to_dict()
    MENTION_VALIDATOR.validate(out)
    assert not (set(out) - KNOWN_KEYS)
    assert Mention.from_dict(out) == mention
    # The wire form survives JSON, which is what parse_mention reads.
    assert parse_mention(json.dumps(out)) == mention
    assert parse_mention(json.dumps(obj, ensure_ascii=False).encode("utf-8")) == mention


def test_mention_fields_are_parsed_to_python_types() -> None:
    m = Mention.from_dict(
        {
            "id": "p1",
            "platform": "telegram",
            "created_at": "2024-05-01T10:00:00.123456789+02:00",
            "text": "",
            "author": {"id": "a1", "created_at": "2020-01-01T00:00:00Z", "followers": 12.0},
            "hashtags": ["#Gaza", "انتخابات"],
            "links": ["https://example.org/a"],
            "unknown": {"nested": True},
        }
    )
    assert m.created_at == datetime(2024, 5, 1, 8, 0, 0, 123456, tzinfo=UTC)
    assert m.created_at.utcoffset() == timedelta(hours=2)
    assert m.timestamp == m.created_at.timestamp()
    assert m.author.created_at == datetime(2020, 1, 1, tzinfo=UTC)
    assert m.author.followers == 12 and isinstance(m.author.followers, int)
    assert m.hashtags == ("Gaza", "انتخابات")
    assert m.links == ("https://example.org/a",)


# ------------------------------------------------------------------------------------------------
# Mention: invalid input, both validators must refuse and Python must name the field


def _drop(key: str) -> Any:
    def mutate(obj: dict[str, Any]) -> None:
        del obj[key]

    return mutate


def _set(path: str, value: Any) -> Any:
    def mutate(obj: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = obj
        for part in parents:
            target = target[part]
        target[last] = value

    return mutate


def _drop_author_id(obj: dict[str, Any]) -> None:
    del obj["author"]["id"]


INVALID_CASES: list[tuple[str, Any, str]] = [
    ("missing id", _drop("id"), "id"),
    ("missing platform", _drop("platform"), "platform"),
    ("missing created_at", _drop("created_at"), "created_at"),
    ("missing text", _drop("text"), "text"),
    ("missing author", _drop("author"), "author"),
    ("missing author.id", _drop_author_id, "author.id"),
    ("empty id", _set("id", ""), "id"),
    ("numeric id", _set("id", 17), "id"),
    ("null text", _set("text", None), "text"),
    ("uppercase platform", _set("platform", "Twitter"), "platform"),
    ("empty platform", _set("platform", ""), "platform"),
    ("author is a string", _set("author", "a1"), "author"),
    ("author.id number", _set("author.id", 5), "author.id"),
    ("negative followers", _set("author.followers", -1), "author.followers"),
    ("implausible followers", _set("author.followers", 10**13), "author.followers"),
    ("year 0001", _set("created_at", "0001-01-01T00:00:00Z"), "created_at"),
    ("string followers", _set("author.followers", "12"), "author.followers"),
    ("bool followers", _set("author.followers", True), "author.followers"),
    ("verified string", _set("author.verified", "yes"), "author.verified"),
    ("naive timestamp", _set("created_at", "2024-05-01T10:00:00"), "created_at"),
    ("date only", _set("created_at", "2024-05-01"), "created_at"),
    ("epoch number", _set("created_at", 1714557600), "created_at"),
    ("garbage timestamp", _set("created_at", "yesterday"), "created_at"),
    ("month 13", _set("created_at", "2024-13-01T00:00:00Z"), "created_at"),
    ("hour 24", _set("created_at", "2024-01-01T24:00:00Z"), "created_at"),
    ("offset without colon", _set("created_at", "2024-01-01T10:00:00+0200"), "created_at"),
    ("naive account creation", _set("author.created_at", "2020-01-01 00:00:00"), "author.created_at"),
    ("links not array", _set("links", "https://a.b"), "links"),
    ("links item number", _set("links", ["https://a.b", 3]), "links[1]"),
    ("empty link", _set("links", [""]), "links[0]"),
    ("hashtags item number", _set("hashtags", [1]), "hashtags[0]"),
    ("bare # hashtag", _set("hashtags", ["ok", "#"]), "hashtags[1]"),
    ("lang number", _set("lang", 1), "lang"),
    ("repost_of empty", _set("repost_of", ""), "repost_of"),
    ("reply_to number", _set("reply_to", 9), "reply_to"),
]


@pytest.mark.parametrize(
    ("mutate", "field"), [c[1:] for c in INVALID_CASES], ids=[c[0] for c in INVALID_CASES]
)
@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(base=mention_dicts())
def test_invalid_mentions_are_refused_by_both_validators(
    base: dict[str, Any], mutate: Any, field: str
) -> None:
    obj = copy.deepcopy(base)
    obj.setdefault("links", [])
    obj.setdefault("hashtags", [])
    mutate(obj)
    assert not MENTION_VALIDATOR.is_valid(obj)
    with pytest.raises(SchemaError) as info:
        Mention.from_dict(obj)
    assert info.value.field == field
    assert info.value.code == "schema"
    assert str(info.value).startswith(f"{field}: ")


def test_error_messages_name_the_field_and_the_reason() -> None:
    base = {"id": "1", "platform": "x", "created_at": "2024-01-01T00:00:00Z", "text": "", "author": {}}
    with pytest.raises(SchemaError, match=r"^author\.id: required field is missing$"):
        Mention.from_dict(base)
    base["created_at"] = "2024-01-01T00:00:00"
    with pytest.raises(
        SchemaError, match=r"^created_at: not an RFC 3339 timestamp with offset: '2024-01-01T00:00:00'$"
    ):
        Mention.from_dict(base)


def test_poison_values_are_schema_errors_not_crashes() -> None:
    # Each of these once passed the first checks and crashed a stage further on.
    base = {
        "id": "1",
        "platform": "x",
        "created_at": "2024-01-01T00:00:00Z",
        "text": "hi",
        "author": {"id": "a"},
    }
    huge = json.dumps(base)[:-1] + ', "n": ' + "9" * 5000 + "}"
    with pytest.raises(SchemaError) as info:
        parse_mention(huge.encode())
    assert info.value.code == "decode" and "digits" in info.value.reason
    with pytest.raises(SchemaError, match=r"^text: invalid Unicode: a lone surrogate"):
        parse_mention(json.dumps(base).replace('"hi"', '"a \\ud800 b"').encode())
    with pytest.raises(SchemaError, match=r"^author\.handle: invalid Unicode"):
        Mention.from_dict({**base, "author": {"id": "a", "handle": "\udfff"}})
    with pytest.raises(SchemaError, match=r"^created_at: before 1970"):
        Mention.from_dict({**base, "created_at": "0001-01-01T00:00:00Z"})
    assert Mention.from_dict({**base, "text": "paired \U0001f600 emoji"}).text.endswith("emoji")


def test_impossible_calendar_date_is_refused_by_python() -> None:
    # The schema's pattern cannot express month lengths; the Python reader is the stricter one here.
    with pytest.raises(SchemaError, match="not a valid calendar date-time"):
        parse_timestamp("2023-02-30T00:00:00Z", "created_at")


@given(aware_datetimes)
def test_format_and_parse_timestamp_round_trip(dt: datetime) -> None:
    text = format_timestamp(dt)
    assert parse_timestamp(text) == dt
    assert parse_timestamp(text).utcoffset() == dt.utcoffset()


def test_format_timestamp_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_timestamp(datetime(2024, 1, 1))


# ------------------------------------------------------------------------------------------------
# parse_mention: decoding errors


GOOD = {"id": "1", "platform": "x", "created_at": "2024-01-01T00:00:00Z", "text": "hi", "author": {"id": "a"}}


def test_parse_mention_decode_errors() -> None:
    with pytest.raises(SchemaError) as info:
        parse_mention(b'{"id": "\xff"}')
    assert (info.value.field, info.value.code) == ("$", "decode")
    assert "not valid UTF-8" in info.value.reason
    with pytest.raises(SchemaError) as info:
        parse_mention(b'{"id": ')
    assert info.value.code == "decode"
    assert info.value.reason.startswith("not valid JSON: ")
    with pytest.raises(SchemaError, match=r"^\$: expected a JSON object, got array$") as info:
        parse_mention("[]")
    assert info.value.code == "schema"


def test_parse_mention_size_limit_names_the_limit() -> None:
    raw = json.dumps({**GOOD, "text": "x" * 2000}).encode()
    assert parse_mention(raw, max_bytes=len(raw)).text == "x" * 2000
    with pytest.raises(SchemaError) as info:
        parse_mention(raw, max_bytes=1024)
    assert info.value.code == "too_large"
    assert "1024" in info.value.reason
    with pytest.raises(SchemaError, match="1024"):
        parse_mention(raw.decode(), max_bytes=1024)


def test_schema_error_is_a_picklable_value_error() -> None:
    err = SchemaError("author.id", "required field is missing", code="schema")
    assert isinstance(err, ValueError)
    clone = pickle.loads(pickle.dumps(err))
    assert (clone.field, clone.reason, clone.code, str(clone)) == (
        "author.id",
        "required field is missing",
        "schema",
        "author.id: required field is missing",
    )


# ------------------------------------------------------------------------------------------------
# CSV rows


def test_csv_row_becomes_a_valid_mention_dict() -> None:
    row = {
        "id": "42",
        "platform": "x",
        "created_at": "2024-03-01T12:00:00+00:00",
        "text": "  Hello world ",
        "author_id": "u1",
        "author_handle": "@u1",
        "author_created_at": "",
        "author_followers": "150",
        "author_verified": "False",
        "lang": "en",
        "url": "",
        "links": "https://a.example/x  https://b.example/y",
        "hashtags": "#one two",
        "repost_of": "",
        "reply_to": "",
        "quote_of": "7",
    }
    obj = mention_dict_from_csv_row(row)
    MENTION_VALIDATOR.validate(obj)
    m = Mention.from_dict(obj)
    assert m.text == "  Hello world "
    assert m.author.followers == 150 and m.author.verified is False
    assert m.author.created_at is None and m.url is None and m.repost_of is None
    assert m.links == ("https://a.example/x", "https://b.example/y")
    assert m.hashtags == ("one", "two")
    assert m.quote_of == "7"


def test_csv_row_with_bad_cells_is_reported_by_field() -> None:
    base = {"id": "1", "platform": "x", "created_at": "2024-01-01T00:00:00Z", "text": "", "author_id": "a"}
    with pytest.raises(SchemaError, match=r"^author\.followers: expected integer"):
        Mention.from_dict(mention_dict_from_csv_row({**base, "author_followers": "many"}))
    with pytest.raises(SchemaError, match=r"^author\.verified: expected boolean"):
        Mention.from_dict(mention_dict_from_csv_row({**base, "author_verified": "maybe"}))
    with pytest.raises(SchemaError, match=r"^author\.id: required field is missing"):
        Mention.from_dict(mention_dict_from_csv_row({**base, "author_id": ""}))


# ------------------------------------------------------------------------------------------------
# Alert v1

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def make_alert(**overrides: Any) -> Alert:
    fields: dict[str, Any] = {
        "alert_id": "nar-1a2b",
        "revision": 2,
        "status": "updated",
        "as_of": T0 + timedelta(minutes=9),
        "first_seen": T0,
        "last_seen": T0 + timedelta(minutes=9),
        "severity": "high",
        "score": 0.82,
        "authentic": False,
        "authentic_reason": None,
        "narrative": NarrativeInfo(
            id="nar-1a2b",
            label="the election was stolen",
            keywords=("election", "stolen"),
            representative_texts=("The election was stolen!",),
            size=120,
            accounts=64,
            languages=("en", "ar"),
            platforms=("x",),
        ),
        "signals": {
            "synchrony": SignalValue(0.9, 0.3, 0.33, "90% of posts within 42 s of another account's"),
            "near_duplicates": SignalValue(0.7, 0.2, 0.17, "70% near copies"),
        },
        "evidence": Evidence(
            top_accounts=(AccountCount("u1", "@u1", 5), AccountCount("u2", None, 4)),
            links=(LinkCount("https://example.org/a", 40, 30),),
            hashtags=(HashtagCount("stolen", 60, 50),),
            timeline=(TimelinePoint(T0, 10), TimelinePoint(T0 + timedelta(minutes=1), 30)),
            sample_mention_ids=tuple(str(i) for i in range(50)),
        ),
        "detector": DetectorInfo("0.1.0", "all-MiniLM-L6-v2", {"join_similarity": 0.8, "min_accounts": 5}),
    }
    fields.update(overrides)
    return Alert(**fields)


def test_alert_to_dict_matches_the_schema_and_round_trips() -> None:
    alert = make_alert()
    obj = alert.to_dict()
    validate_alert_dict(obj)
    assert obj["schema_version"] == "1"
    assert set(obj) == set(load_schema("alert")["required"])
    assert Alert.from_dict(json.loads(json.dumps(obj))) == alert


@settings(max_examples=50)
@given(
    score=st.floats(min_value=0, max_value=1),
    revision=st.integers(min_value=1, max_value=10**6),
    status=st.sampled_from(["open", "updated", "closed"]),
    severity=st.sampled_from(["low", "medium", "high", "critical"]),
    as_of=aware_datetimes,
    reason=st.one_of(st.none(), st.text(max_size=20)),
)
def test_generated_alerts_round_trip(
    score: float, revision: int, status: str, severity: str, as_of: datetime, reason: str | None
) -> None:
    alert = make_alert(
        score=score,
        revision=revision,
        status=status,
        severity=severity,
        as_of=as_of,
        authentic=reason is not None,
        authentic_reason=reason,
    )
    obj = alert.to_dict()
    validate_alert_dict(obj)
    assert Alert.from_dict(obj) == alert


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("score", 1.5, "score"),
        ("revision", 0, "revision"),
        ("status", "pending", "status"),
        ("severity", "severe", "severity"),
        ("as_of", "2024-05-01T12:00:00", "as_of"),
        ("schema_version", "2", "schema_version"),
        ("narrative.size", -1, "narrative.size"),
        ("signals.synchrony.contribution", 2, "signals.synchrony.contribution"),
    ],
)
def test_invalid_alert_dicts_name_the_field(path: str, value: Any, field: str) -> None:
    obj = make_alert().to_dict()
    _set(path, value)(obj)
    with pytest.raises(SchemaError) as info:
        Alert.from_dict(obj)
    assert info.value.field == field


def test_alert_missing_sections_are_refused() -> None:
    for key in ("narrative", "signals", "evidence", "detector", "authentic_reason"):
        obj = make_alert().to_dict()
        del obj[key]
        with pytest.raises(SchemaError, match=key):
            validate_alert_dict(obj)


def test_alert_accepts_unknown_fields_from_newer_producers() -> None:
    obj = make_alert().to_dict()
    obj["future_field"] = {"x": 1}
    obj["narrative"]["summary"] = "later"
    assert Alert.from_dict(obj) == make_alert()


def test_alert_models_refuse_out_of_contract_values() -> None:
    with pytest.raises(SchemaError, match="score"):
        make_alert(score=float("nan"))
    with pytest.raises(SchemaError, match="revision"):
        make_alert(revision=0)
    with pytest.raises(SchemaError, match="as_of"):
        make_alert(as_of=datetime(2024, 1, 1))
    with pytest.raises(SchemaError, match="representative_texts"):
        NarrativeInfo("n", "l", (), tuple("abcdef"), 1, 1)
    with pytest.raises(SchemaError, match="sample_mention_ids"):
        Evidence(sample_mention_ids=tuple(str(i) for i in range(51)))


# ------------------------------------------------------------------------------------------------
# CloudEvents envelope


def test_cloudevent_round_trip() -> None:
    alert = make_alert()
    event = alert_to_cloudevent(alert, source="urn:choruswatch:detector:test")
    assert event["id"] == "nar-1a2b:2"
    assert event["subject"] == "nar-1a2b"
    assert event["type"] == "org.choruswatch.narrative.alert.v1"
    assert event["dataschema"] == "urn:choruswatch:schema:alert:v1"
    assert event["time"] == "2024-05-01T12:09:00Z"
    schema_validator("alert-event").validate(event)
    assert cloudevent_to_alert(json.loads(json.dumps(event))) == alert


def test_cloudevent_validation_reaches_into_data_and_checks_consistency() -> None:
    event = alert_to_cloudevent(make_alert(), source="urn:x")
    bad_data = copy.deepcopy(event)
    bad_data["data"]["score"] = 3
    with pytest.raises(SchemaError) as info:
        cloudevent_to_alert(bad_data)
    assert info.value.field == "data.score"
    wrong_type = {**event, "type": "something.else"}
    with pytest.raises(SchemaError, match=r"^type: "):
        cloudevent_to_alert(wrong_type)
    wrong_subject = {**event, "subject": "other"}
    with pytest.raises(SchemaError, match=r"^subject: "):
        cloudevent_to_alert(wrong_subject)
    wrong_id = {**event, "id": "nar-1a2b:7"}
    with pytest.raises(SchemaError, match=r"^id: "):
        cloudevent_to_alert(wrong_id)
    with pytest.raises(ValueError, match="source"):
        alert_to_cloudevent(make_alert(), source="")
