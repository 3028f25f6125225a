"""ChorusWatch's one settings object, read from `CHORUSWATCH_*` environment variables.

`Settings.from_env()` validates every variable once, at start-up, and returns a frozen `Settings`; nothing
else in the code base reads the environment. Bad values raise `SettingsError` naming the variable.
Passwords and API keys are held as `Secret`, whose `repr`/`str` is a mask, so a logged settings object
or a traceback never shows them; errors about a secret variable never quote its value.

Settings are data: the clients built from them (TLS, SASL, Elasticsearch auth) live in
`streams.clients`. `.env.example` at the repository root lists every variable with its default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

PREFIX: Final = "CHORUSWATCH_"
MASK: Final = "**********"

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
EmbedBackend = Literal["torch", "onnx", "int8"]
EmbedderKind = Literal["model", "hashing"]
EsCompatMode = Literal["elasticsearch", "plain-json"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

T = TypeVar("T")


class SettingsError(ValueError):
    """A settings variable has a bad value; `.variable` names it. Never carries a secret's value."""

    def __init__(self, variable: str, reason: str) -> None:
        super().__init__(f"{variable}: {reason}")
        self.variable = variable
        self.reason = reason


class Secret:
    """A string that does not print: repr/str give a mask; `get_secret_value()` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickling (faust/multiprocessing) must still work; the value only leaves via an explicit call.
        return (Secret, (self._value,))


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Every tunable of the stream pipeline; defaults are the documented ones (docs/architecture.md)."""

    kafka_bootstrap: str = "localhost:9092"
    kafka_security_protocol: SecurityProtocol = "PLAINTEXT"
    kafka_sasl_mechanism: SaslMechanism = "PLAIN"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: Secret | None = None
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None
    app_id: str = "choruswatch"
    topic_mentions: str = "mentions"
    topic_dlq: str = "mentions.dlq"
    topic_routed: str = "mentions.routed"
    topic_alerts: str = "narrative-alerts"
    topic_routed_dlq: str = "mentions.routed.dlq"
    topic_alerts_dlq: str = "narrative-alerts.dlq"
    topic_verdicts: str = "verdicts"
    topic_facts: str = "campaign-facts"  # stage 2 -> campaign stage (one partition)
    partitions: int = 4
    dlq_partitions: int = 1
    replication_factor: int = 1
    es_url: str = "http://localhost:9200"
    es_api_key: Secret | None = None
    es_username: str | None = None
    es_password: Secret | None = None
    es_ca_certs: Path | None = None
    es_verify_certs: bool = True
    es_alias: str = "choruswatch-alerts"
    es_compat_mode: EsCompatMode = "elasticsearch"
    es_request_timeout_s: float = 10.0
    es_max_pending: int = 10_000
    es_max_tries: int = 6
    es_backoff_initial_s: float = 0.5
    es_backoff_max_s: float = 30.0
    kibana_url: str = "http://localhost:5601"
    embedder: EmbedderKind = "model"
    # None: the multilingual default (streams.models); "english", "hashing" or a model folder otherwise.
    model: str | None = None
    # Where the converted default model and ONNX exports live (unset: $XDG_CACHE_HOME or
    # ~/.cache, then choruswatch/models).
    model_cache: Path | None = None
    # A profile from `choruswatch calibrate` for a model without a bundled one.
    model_profile: Path | None = None
    embed_backend: EmbedBackend = "int8"
    embed_batch_size: int = 64
    embed_batch_within_s: float = 0.1
    embed_cache_size: int = 50_000
    # SimHash bits within which a near copy reuses a vector (0: off; see detectors.embedding.CachedEmbedder).
    near_copy_bits: int = 0
    # None: one bucket per routed partition. Few, large buckets keep paraphrases together (see
    # docs/architecture.md, "Routing"); more buckets than partitions only spread state thinner.
    routing_buckets: int | None = None
    max_future_s: float = 600.0
    reorder_lateness_s: float = 0.5
    reorder_max_wait_s: float = 0.5
    # Seconds between two checkpoints of a routed partition's buckets (0: after every batch); a
    # crash replays the routed records since the last one (docs/architecture.md, "State").
    checkpoint_interval_s: float = 5.0
    # Backpressure and fairness (docs/operations.md, "Backfills"): bytes fetched per partition per
    # request, and records a stage may hold unprocessed in memory.
    fetch_bytes_per_partition: int = 64 * 1024
    poll_records: int = 100
    stream_buffer: int = 256
    metrics_host: str = "0.0.0.0"
    metrics_port: int = 9464
    allowlist_file: Path | None = None
    detector_config: Path | None = None
    # The analyst's loop (docs/analyst-guide.md): known claims (JSON lines), the team's official
    # accounts, and a seed of verdicts (JSON lines), loaded at start and again when they change.
    watchlist_file: Path | None = None
    sensors_file: Path | None = None
    verdicts_file: Path | None = None
    # How often a worker looks for a changed analyst file, reads new records of the verdicts topic,
    # and picks up verdicts analysts set on alert documents in Kibana (docs/operations.md).
    analyst_files_poll_s: float = 10.0
    verdicts_poll_s: float = 2.0
    verdicts_pickup_s: float = 15.0
    log_level: LogLevel = "INFO"
    # Whether the variables were set at all: `choruswatch demo` starts the embedded stack when not.
    kafka_configured: bool = False
    es_configured: bool = False

    def __post_init__(self) -> None:
        _check_cross_field(self)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate `CHORUSWATCH_*` variables (from `os.environ` when `environ` is None)."""
        if environ is None:
            import os

            environ = os.environ
        env = _Env(environ)
        values: dict[str, Any] = {
            "kafka_bootstrap": env.text("KAFKA_BOOTSTRAP"),
            "kafka_security_protocol": env.choice(
                "KAFKA_SECURITY_PROTOCOL", ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
            ),
            "kafka_sasl_mechanism": env.choice(
                "KAFKA_SASL_MECHANISM", ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
            ),
            "kafka_sasl_username": env.text("KAFKA_SASL_USERNAME"),
            "kafka_sasl_password": env.secret("KAFKA_SASL_PASSWORD"),
            "kafka_ssl_cafile": env.file("KAFKA_SSL_CAFILE"),
            "kafka_ssl_certfile": env.file("KAFKA_SSL_CERTFILE"),
            "kafka_ssl_keyfile": env.file("KAFKA_SSL_KEYFILE"),
            "app_id": env.text("APP_ID"),
            "topic_mentions": env.text("TOPIC_MENTIONS"),
            "topic_dlq": env.text("TOPIC_DLQ"),
            "topic_routed": env.text("TOPIC_ROUTED"),
            "topic_alerts": env.text("TOPIC_ALERTS"),
            "topic_routed_dlq": env.text("TOPIC_ROUTED_DLQ"),
            "topic_alerts_dlq": env.text("TOPIC_ALERTS_DLQ"),
            "topic_verdicts": env.text("TOPIC_VERDICTS"),
            "topic_facts": env.text("TOPIC_FACTS"),
            "partitions": env.integer("PARTITIONS", minimum=1),
            "dlq_partitions": env.integer("DLQ_PARTITIONS", minimum=1),
            "replication_factor": env.integer("REPLICATION_FACTOR", minimum=1),
            "es_url": env.url("ES_URL"),
            "es_api_key": env.secret("ES_API_KEY"),
            "es_username": env.text("ES_USERNAME"),
            "es_password": env.secret("ES_PASSWORD"),
            "es_ca_certs": env.file("ES_CA_CERTS"),
            "es_verify_certs": env.boolean("ES_VERIFY_CERTS"),
            "es_alias": env.text("ES_ALIAS"),
            "es_compat_mode": env.choice("ES_COMPAT_MODE", ("elasticsearch", "plain-json")),
            "es_request_timeout_s": env.number("ES_REQUEST_TIMEOUT_S", positive=True),
            "es_max_pending": env.integer("ES_MAX_PENDING", minimum=1),
            "es_max_tries": env.integer("ES_MAX_TRIES", minimum=1),
            "es_backoff_initial_s": env.number("ES_BACKOFF_INITIAL_S", positive=True),
            "es_backoff_max_s": env.number("ES_BACKOFF_MAX_S", positive=True),
            "kibana_url": env.url("KIBANA_URL"),
            "embedder": env.choice("EMBEDDER", ("model", "hashing")),
            "model": env.text("MODEL"),
            "model_cache": env.directory("MODEL_CACHE") or default_cache_dir(environ),
            "model_profile": env.file("MODEL_PROFILE"),
            "embed_backend": env.choice("EMBED_BACKEND", ("torch", "onnx", "int8")),
            "embed_batch_size": env.integer("EMBED_BATCH_SIZE", minimum=1),
            "embed_batch_within_s": env.number("EMBED_BATCH_WITHIN_S", positive=True),
            "embed_cache_size": env.integer("EMBED_CACHE_SIZE", minimum=0),
            "near_copy_bits": env.integer("NEAR_COPY_BITS", minimum=0, maximum=16),
            "routing_buckets": env.integer("ROUTING_BUCKETS", minimum=1),
            "max_future_s": env.number("MAX_FUTURE_S", positive=True),
            "reorder_lateness_s": env.number("REORDER_LATENESS_S", positive=True, allow_zero=True),
            "reorder_max_wait_s": env.number("REORDER_MAX_WAIT_S", positive=True),
            "checkpoint_interval_s": env.number("CHECKPOINT_INTERVAL_S", positive=True, allow_zero=True),
            "fetch_bytes_per_partition": env.integer("FETCH_BYTES_PER_PARTITION", minimum=1024),
            "poll_records": env.integer("POLL_RECORDS", minimum=1),
            "stream_buffer": env.integer("STREAM_BUFFER", minimum=16),
            "metrics_host": env.text("METRICS_HOST"),
            "metrics_port": env.integer("METRICS_PORT", minimum=0, maximum=65535),
            "allowlist_file": env.file("ALLOWLIST_FILE"),
            "detector_config": env.file("DETECTOR_CONFIG"),
            "watchlist_file": env.file("WATCHLIST_FILE"),
            "sensors_file": env.file("SENSORS_FILE"),
            "verdicts_file": env.file("VERDICTS_FILE"),
            "analyst_files_poll_s": env.number("ANALYST_FILES_POLL_S", positive=True),
            "verdicts_poll_s": env.number("VERDICTS_POLL_S", positive=True),
            "verdicts_pickup_s": env.number("VERDICTS_PICKUP_S", positive=True),
            "log_level": env.choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
        }
        given = {name: value for name, value in values.items() if value is not None}
        given["kafka_configured"] = "kafka_bootstrap" in given
        given["es_configured"] = "es_url" in given
        return cls(**given)

    def to_env(self) -> dict[str, str]:
        """The variables that reproduce these settings (secrets included: for a child process's env)."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("kafka_configured", "es_configured") or value is None:
                continue
            if isinstance(value, Secret):
                text = value.get_secret_value()
            elif isinstance(value, bool):
                text = "true" if value else "false"
            else:
                text = str(value)
            out[PREFIX + f.name.upper()] = text
        return out

    # ------------------------------------------------------------------------------------ derived
    @property
    def n_routing_buckets(self) -> int:
        """Routing buckets in use: `routing_buckets`, or the routed topic's partition count when unset."""
        return self.routing_buckets if self.routing_buckets is not None else self.partitions

    @property
    def bootstrap_servers(self) -> list[str]:
        return [s.strip() for s in self.kafka_bootstrap.split(",") if s.strip()]

    def for_app(self, app_id: str) -> Settings:
        """These settings under another application id, with every topic and the index alias named
        after it (`<app_id>.mentions`, ..., `<app_id>-alerts`): several applications then share one
        broker and one search server without sharing data (tests, benchmarks, a staging copy)."""
        defaults = Settings()
        topics: dict[str, Any] = {
            f.name: f"{app_id}.{getattr(defaults, f.name)}"
            for f in fields(self)
            if f.name.startswith("topic_")
        }
        return replace(self, app_id=app_id, es_alias=f"{app_id}-alerts", **topics)


def default_cache_dir(env: Mapping[str, str]) -> Path:
    """``CHORUSWATCH_MODEL_CACHE``, else ``$XDG_CACHE_HOME/choruswatch/models``, else ``~/.cache/...``:
    where the converted default model and the ONNX exports are kept."""
    if env.get(PREFIX + "MODEL_CACHE"):
        return Path(env[PREFIX + "MODEL_CACHE"]).expanduser()
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "choruswatch" / "models"


def _check_cross_field(s: Settings) -> None:
    if s.kafka_security_protocol in ("SASL_PLAINTEXT", "SASL_SSL") and (
        not s.kafka_sasl_username or s.kafka_sasl_password is None
    ):
        raise SettingsError(
            PREFIX + "KAFKA_SASL_USERNAME",
            f"{s.kafka_security_protocol} needs {PREFIX}KAFKA_SASL_USERNAME and {PREFIX}KAFKA_SASL_PASSWORD",
        )
    if s.kafka_ssl_keyfile is not None and s.kafka_ssl_certfile is None:
        raise SettingsError(PREFIX + "KAFKA_SSL_KEYFILE", f"needs {PREFIX}KAFKA_SSL_CERTFILE as well")
    if s.es_api_key is not None and (s.es_username is not None or s.es_password is not None):
        raise SettingsError(
            PREFIX + "ES_API_KEY",
            f"set either the API key or {PREFIX}ES_USERNAME/{PREFIX}ES_PASSWORD, not both",
        )
    if (s.es_username is None) != (s.es_password is None):
        raise SettingsError(
            PREFIX + "ES_USERNAME", f"{PREFIX}ES_USERNAME and {PREFIX}ES_PASSWORD go together"
        )
    if s.dlq_partitions > s.partitions:
        raise SettingsError(PREFIX + "DLQ_PARTITIONS", "must not exceed CHORUSWATCH_PARTITIONS")
    if s.es_backoff_initial_s > s.es_backoff_max_s:
        raise SettingsError(PREFIX + "ES_BACKOFF_INITIAL_S", "must not exceed CHORUSWATCH_ES_BACKOFF_MAX_S")
    names = (
        "app_id",
        "topic_mentions",
        "topic_dlq",
        "topic_routed",
        "topic_alerts",
        "topic_routed_dlq",
        "topic_alerts_dlq",
        "topic_verdicts",
        "topic_facts",
        "es_alias",
    )
    for name in names:
        value = getattr(s, name)
        if not value or any(ch.isspace() for ch in value):
            raise SettingsError(
                PREFIX + name.upper(), f"must be a non-empty name without spaces, got {value!r}"
            )
    topics = [
        s.topic_mentions,
        s.topic_dlq,
        s.topic_routed,
        s.topic_alerts,
        s.topic_routed_dlq,
        s.topic_alerts_dlq,
        s.topic_verdicts,
        s.topic_facts,
    ]
    if len(set(topics)) != len(topics):
        raise SettingsError(PREFIX + "TOPIC_MENTIONS", f"topic names must differ, got {topics}")


class _Env:
    """Typed readers over an environment mapping; each returns None when the variable is unset/empty."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def _raw(self, name: str) -> tuple[str, str | None]:
        variable = PREFIX + name
        value = self._environ.get(variable)
        if value is None or not value.strip():
            return variable, None
        return variable, value.strip()

    def _parse(self, name: str, convert: Callable[[str], T], expected: str) -> T | None:
        variable, raw = self._raw(name)
        if raw is None:
            return None
        try:
            return convert(raw)
        except ValueError:
            raise SettingsError(variable, f"expected {expected}, got {raw!r}") from None

    def text(self, name: str) -> str | None:
        return self._raw(name)[1]

    def secret(self, name: str) -> Secret | None:
        # Not stripped or quoted in any message: the value is someone's password.
        value = self._environ.get(PREFIX + name)
        return Secret(value) if value else None

    def integer(self, name: str, *, minimum: int, maximum: int | None = None) -> int | None:
        value = self._parse(name, int, "an integer")
        if value is not None and (value < minimum or (maximum is not None and value > maximum)):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            raise SettingsError(PREFIX + name, f"must be {bound}, got {value}")
        return value

    def number(self, name: str, *, positive: bool, allow_zero: bool = False) -> float | None:
        value = self._parse(name, float, "a number")
        if value is None:
            return None
        if value != value or value in (float("inf"), float("-inf")):  # NaN != NaN
            raise SettingsError(PREFIX + name, f"must be a finite number, got {value}")
        if positive and (value < 0 or (value == 0 and not allow_zero)):
            bound = "a number >= 0" if allow_zero else "a positive number"
            raise SettingsError(PREFIX + name, f"must be {bound}, got {value}")
        return value

    def boolean(self, name: str) -> bool | None:
        truthy = {"1", "true", "yes", "on"}
        falsy = {"0", "false", "no", "off"}

        def convert(raw: str) -> bool:
            if raw.lower() in truthy:
                return True
            if raw.lower() in falsy:
                return False
            raise ValueError(raw)

        return self._parse(name, convert, "true or false")

    def choice(self, name: str, options: tuple[str, ...]) -> str | None:
        variable, raw = self._raw(name)
        if raw is None:
            return None
        match = {o.lower(): o for o in options}.get(raw.lower())
        if match is None:
            raise SettingsError(variable, f"expected one of {', '.join(options)}, got {raw!r}")
        return match

    def url(self, name: str) -> str | None:
        variable, raw = self._raw(name)
        if raw is None:
            return None
        if not raw.startswith(("http://", "https://")) or "@" in raw:
            # Credentials in the URL would leak through logs; they belong in the secret variables.
            shown = raw.split("@")[-1]
            raise SettingsError(
                variable, f"expected an http:// or https:// URL without user:password@, got '...{shown}'"
            )
        return raw.rstrip("/")

    def directory(self, name: str) -> Path | None:
        """A directory path; it need not exist yet (it is created when first written)."""
        variable, raw = self._raw(name)
        if raw is None:
            return None
        path = Path(raw).expanduser()
        if path.exists() and not path.is_dir():
            raise SettingsError(variable, f"not a directory: {raw}")
        return path

    def file(self, name: str) -> Path | None:
        variable, raw = self._raw(name)
        if raw is None:
            return None
        path = Path(raw).expanduser()
        if not path.is_file():
            raise SettingsError(variable, f"no such file: {raw}")
        return path
