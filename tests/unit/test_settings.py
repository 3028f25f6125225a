"""Settings: defaults, parsing, validation errors that name the variable, and secrets that never print."""

from __future__ import annotations

import dataclasses
import logging
import pickle
from pathlib import Path

import pytest

from streams.clients import (
    es_client,
    es_client_kwargs,
    faust_broker_credentials,
    faust_broker_urls,
    kafka_client_kwargs,
)
from streams.settings import MASK, Secret, Settings, SettingsError

PASSWORD = "hunter2-very-secret"
API_KEY = "VnVhQ2ZHY0JDZGJrU-api-key-secret"


def test_defaults_match_the_architecture_document() -> None:
    s = Settings.from_env({})
    assert s.kafka_bootstrap == "localhost:9092"
    assert (s.topic_mentions, s.topic_dlq, s.topic_routed, s.topic_alerts) == (
        "mentions",
        "mentions.dlq",
        "mentions.routed",
        "narrative-alerts",
    )
    assert (s.partitions, s.replication_factor, s.es_alias) == (4, 1, "choruswatch-alerts")
    assert (s.embed_backend, s.embed_batch_size, s.embed_batch_within_s, s.embed_cache_size) == (
        "int8",
        64,
        0.1,
        50_000,
    )
    assert (s.metrics_port, s.log_level, s.es_compat_mode) == (9464, "INFO", "elasticsearch")
    assert not s.kafka_configured and not s.es_configured


def test_values_are_parsed_and_typed() -> None:
    s = Settings.from_env(
        {
            "CHORUSWATCH_KAFKA_BOOTSTRAP": "a:9092, b:9093",
            "CHORUSWATCH_PARTITIONS": "8",
            "CHORUSWATCH_EMBED_BATCH_WITHIN_S": "0.05",
            "CHORUSWATCH_ES_VERIFY_CERTS": "no",
            "CHORUSWATCH_ES_URL": "https://es.example:9200/",
            "CHORUSWATCH_EMBED_BACKEND": "ONNX",
            "CHORUSWATCH_LOG_LEVEL": "debug",
        }
    )
    assert s.bootstrap_servers == ["a:9092", "b:9093"]
    assert faust_broker_urls(s) == ["kafka://a:9092", "kafka://b:9093"]
    assert s.partitions == 8 and s.embed_batch_within_s == 0.05
    assert s.es_verify_certs is False and s.es_url == "https://es.example:9200"
    assert s.embed_backend == "onnx" and s.log_level == "DEBUG"
    assert s.kafka_configured and s.es_configured


def test_stream_tunables_defaults_and_parsing() -> None:
    s = Settings.from_env({})
    assert s.embedder == "model"
    assert (s.max_future_s, s.reorder_lateness_s, s.reorder_max_wait_s) == (600.0, 0.5, 0.5)
    # Unset routing buckets follow the routed topic's partition count (the lead's decision).
    assert s.routing_buckets is None and s.n_routing_buckets == s.partitions == 4
    assert Settings.from_env({"CHORUSWATCH_PARTITIONS": "6"}).n_routing_buckets == 6
    tuned = Settings.from_env(
        {
            "CHORUSWATCH_EMBEDDER": "Hashing",
            "CHORUSWATCH_ROUTING_BUCKETS": "16",
            "CHORUSWATCH_MAX_FUTURE_S": "30",
            "CHORUSWATCH_REORDER_LATENESS_S": "0",
            "CHORUSWATCH_REORDER_MAX_WAIT_S": "0.25",
        }
    )
    assert tuned.embedder == "hashing" and tuned.n_routing_buckets == 16
    assert (tuned.max_future_s, tuned.reorder_lateness_s, tuned.reorder_max_wait_s) == (30.0, 0.0, 0.25)
    assert Settings.from_env(tuned.to_env()) == dataclasses.replace(
        tuned, kafka_configured=True, es_configured=True
    )


def test_settings_are_immutable() -> None:
    s = Settings.from_env({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.partitions = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("CHORUSWATCH_PARTITIONS", "four", "expected an integer"),
        ("CHORUSWATCH_PARTITIONS", "0", ">= 1"),
        ("CHORUSWATCH_METRICS_PORT", "70000", "between 0 and 65535"),
        ("CHORUSWATCH_EMBED_BATCH_WITHIN_S", "-1", "positive"),
        ("CHORUSWATCH_EMBED_BATCH_WITHIN_S", "nan", "finite"),
        ("CHORUSWATCH_EMBED_BATCH_WITHIN_S", "inf", "finite"),
        ("CHORUSWATCH_EMBEDDER", "bert", "model, hashing"),
        ("CHORUSWATCH_ROUTING_BUCKETS", "0", ">= 1"),
        ("CHORUSWATCH_MAX_FUTURE_S", "0", "positive"),
        ("CHORUSWATCH_REORDER_LATENESS_S", "-0.5", ">= 0"),
        ("CHORUSWATCH_REORDER_MAX_WAIT_S", "0", "positive"),
        ("CHORUSWATCH_ES_VERIFY_CERTS", "maybe", "true or false"),
        ("CHORUSWATCH_KAFKA_SECURITY_PROTOCOL", "TLS", "PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"),
        ("CHORUSWATCH_ES_URL", "es:9200", "http://"),
        ("CHORUSWATCH_ALLOWLIST_FILE", "/nonexistent/allow.txt", "no such file"),
        ("CHORUSWATCH_TOPIC_ALERTS", "mentions", "must differ"),
        ("CHORUSWATCH_DLQ_PARTITIONS", "9", "must not exceed"),
    ],
)
def test_bad_values_name_the_variable(variable: str, value: str, fragment: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({variable: value})
    assert fragment in str(info.value)
    assert str(info.value).startswith("CHORUSWATCH_")
    # Cross-field errors name one of the variables involved, single-field errors name exactly theirs.
    if fragment not in ("must differ", "must not exceed"):
        assert info.value.variable == variable


def test_sasl_requires_username_and_password() -> None:
    with pytest.raises(SettingsError, match="CHORUSWATCH_KAFKA_SASL_USERNAME"):
        Settings.from_env({"CHORUSWATCH_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"})


def test_es_api_key_and_basic_auth_are_exclusive() -> None:
    with pytest.raises(SettingsError, match="either the API key"):
        Settings.from_env(
            {
                "CHORUSWATCH_ES_API_KEY": API_KEY,
                "CHORUSWATCH_ES_USERNAME": "elastic",
                "CHORUSWATCH_ES_PASSWORD": PASSWORD,
            }
        )
    with pytest.raises(SettingsError, match="go together"):
        Settings.from_env({"CHORUSWATCH_ES_USERNAME": "elastic"})


def _secret_env() -> dict[str, str]:
    return {
        "CHORUSWATCH_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "CHORUSWATCH_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "CHORUSWATCH_KAFKA_SASL_USERNAME": "svc-choruswatch",
        "CHORUSWATCH_KAFKA_SASL_PASSWORD": PASSWORD,
        "CHORUSWATCH_ES_API_KEY": API_KEY,
    }


def test_secrets_never_appear_in_repr_str_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    s = Settings.from_env(_secret_env())
    assert isinstance(s.kafka_sasl_password, Secret)
    assert str(s.kafka_sasl_password) == MASK
    with caplog.at_level(logging.INFO):
        logging.getLogger("choruswatch.test").info("settings: %s / %r", s, s)
    for text in (repr(s), str(s), caplog.text, repr(s.es_api_key), f"{s.es_api_key}"):
        assert PASSWORD not in text and API_KEY not in text
    assert MASK in repr(s)


def test_secrets_never_appear_in_errors() -> None:
    env = _secret_env() | {"CHORUSWATCH_ES_USERNAME": "elastic", "CHORUSWATCH_ES_PASSWORD": PASSWORD}
    with pytest.raises(SettingsError) as info:
        Settings.from_env(env)
    assert PASSWORD not in str(info.value) and API_KEY not in str(info.value)
    with pytest.raises(SettingsError) as url_info:
        Settings.from_env({"CHORUSWATCH_ES_URL": f"https://elastic:{PASSWORD}@es.example"})
    assert PASSWORD not in str(url_info.value)


def test_kafka_client_kwargs_carry_sasl() -> None:
    kwargs = kafka_client_kwargs(Settings.from_env(_secret_env()))
    assert kwargs["security_protocol"] == "SASL_PLAINTEXT"
    assert kwargs["sasl_mechanism"] == "SCRAM-SHA-512"
    assert kwargs["sasl_plain_username"] == "svc-choruswatch"
    assert kwargs["sasl_plain_password"] == PASSWORD
    plain = kafka_client_kwargs(Settings.from_env({}))
    assert plain == {"bootstrap_servers": ["localhost:9092"], "security_protocol": "PLAINTEXT"}


def test_kafka_ssl_kwargs_for_both_client_libraries(tmp_path: Path) -> None:
    import ssl

    ca = tmp_path / "ca.pem"
    ca.write_text("placeholder")
    s = dataclasses.replace(Settings.from_env({}), kafka_security_protocol="SSL", kafka_ssl_cafile=ca)
    assert kafka_client_kwargs(s)["ssl_cafile"] == str(ca)
    # A real CA file is needed to build an SSLContext; use the system's default context instead.
    s_default = dataclasses.replace(s, kafka_ssl_cafile=None)
    assert isinstance(kafka_client_kwargs(s_default, "aiokafka")["ssl_context"], ssl.SSLContext)


def test_faust_credentials() -> None:
    import faust

    assert faust_broker_credentials(Settings.from_env({})) is None
    creds = faust_broker_credentials(Settings.from_env(_secret_env()))
    assert isinstance(creds, faust.SASLCredentials)
    assert creds.username == "svc-choruswatch" and creds.password == PASSWORD
    assert PASSWORD not in repr(creds)
    tls = faust_broker_credentials(Settings.from_env({"CHORUSWATCH_KAFKA_SECURITY_PROTOCOL": "SSL"}))
    assert isinstance(tls, faust.SSLCredentials)


def test_es_client_kwargs_auth_and_tls(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("placeholder")
    basic = es_client_kwargs(
        Settings.from_env(
            {
                "CHORUSWATCH_ES_USERNAME": "elastic",
                "CHORUSWATCH_ES_PASSWORD": PASSWORD,
                "CHORUSWATCH_ES_CA_CERTS": str(ca),
            }
        )
    )
    assert basic["basic_auth"] == ("elastic", PASSWORD) and basic["ca_certs"] == str(ca)
    keyed = es_client_kwargs(Settings.from_env({"CHORUSWATCH_ES_API_KEY": API_KEY}))
    assert keyed["api_key"] == API_KEY and "basic_auth" not in keyed


def test_es_client_uses_plain_json_nodes_only_when_asked() -> None:
    from streams.es import PlainJsonUrllib3Node

    plain = es_client(Settings.from_env({"CHORUSWATCH_ES_COMPAT_MODE": "plain-json"}))
    default = es_client(Settings.from_env({}))
    try:
        assert plain.transport.node_pool.get().__class__ is PlainJsonUrllib3Node
        assert default.transport.node_pool.get().__class__ is not PlainJsonUrllib3Node
    finally:
        plain.close()
        default.close()


def test_secret_survives_pickling_and_to_env_round_trips() -> None:
    s = Settings.from_env(_secret_env())
    assert pickle.loads(pickle.dumps(s)) == s
    again = Settings.from_env(s.to_env())
    assert again.kafka_sasl_password == s.kafka_sasl_password and again.es_api_key == s.es_api_key
    assert again.partitions == s.partitions


def test_env_example_lists_every_variable() -> None:
    import re

    text = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    listed = set(re.findall(r"^(CHORUSWATCH_\w+)=", text, re.MULTILINE))
    derived = {"kafka_configured", "es_configured"}
    expected = {
        "CHORUSWATCH_" + f.name.upper() for f in dataclasses.fields(Settings) if f.name not in derived
    }
    assert listed == expected
    # Every listed default parses.
    defaults = dict(re.findall(r"^(CHORUSWATCH_\w+)=(.+)$", text, re.MULTILINE))
    assert Settings.from_env(defaults).partitions == 4


def test_architecture_doc_settings_section_names_every_variable() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text()
    section = text[text.index("## Settings") :]
    section = section[: section.index("\n## ", 5)]
    derived = {"kafka_configured", "es_configured"}
    missing = [
        "CHORUSWATCH_" + f.name.upper()
        for f in dataclasses.fields(Settings)
        if f.name not in derived and f"`CHORUSWATCH_{f.name.upper()}`" not in section
    ]
    assert missing == []


def test_stage_configurations_follow_the_settings() -> None:
    from streams.app import detect_config, embed_config, sink_config

    settings = Settings.from_env(
        {
            "CHORUSWATCH_PARTITIONS": "6",
            "CHORUSWATCH_REORDER_LATENESS_S": "0.75",
            "CHORUSWATCH_ES_BACKOFF_MAX_S": "9",
        }
    )
    embed, detect, sink = embed_config(settings), detect_config(settings), sink_config(settings)
    assert (embed.n_buckets, embed.routed_partitions, embed.idle_after_s) == (6, 6, 0.5)
    assert (detect.lateness_s, detect.source_partitions, detect.dlq_topic) == (0.75, 6, "mentions.routed.dlq")
    assert (sink.backoff_max_s, sink.dlq_topic) == (9.0, "narrative-alerts.dlq")
    assert embed_config(Settings.from_env({"CHORUSWATCH_ROUTING_BUCKETS": "2"})).n_buckets == 2


def test_for_app_renames_every_topic_and_the_alias_and_keeps_the_rest() -> None:
    base = Settings(kafka_bootstrap="k:9092", partitions=8)
    mine = base.for_app("staging")
    names = [getattr(mine, f.name) for f in dataclasses.fields(mine) if f.name.startswith("topic_")]
    assert names and all(n.startswith("staging.") for n in names) and len(set(names)) == len(names)
    assert mine.app_id == "staging" and mine.es_alias == "staging-alerts"
    assert (mine.kafka_bootstrap, mine.partitions) == ("k:9092", 8)
