"""Clients built from `Settings`: Kafka (kafka-python, aiokafka, faust), Elasticsearch, Kibana auth.

TLS and SASL are wired here, once, for every client; `Settings` stays plain data. Secrets leave their
`Secret` wrapper only inside these functions.
"""

from __future__ import annotations

import base64
import ssl
from typing import TYPE_CHECKING, Any, Literal

from streams.settings import Settings

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch, Elasticsearch


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The TLS context for Kafka, or None for the plaintext protocols."""
    if settings.kafka_security_protocol not in ("SSL", "SASL_SSL"):
        return None
    context = ssl.create_default_context(
        purpose=ssl.Purpose.SERVER_AUTH,
        cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None,
    )
    if settings.kafka_ssl_certfile:
        context.load_cert_chain(
            str(settings.kafka_ssl_certfile),
            str(settings.kafka_ssl_keyfile) if settings.kafka_ssl_keyfile else None,
        )
    return context


def kafka_client_kwargs(
    settings: Settings, flavor: Literal["kafka-python", "aiokafka"] = "kafka-python"
) -> dict[str, Any]:
    """Connection keyword arguments for KafkaProducer/KafkaConsumer/KafkaAdminClient (or aiokafka's)."""
    kwargs: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_security_protocol in ("SASL_PLAINTEXT", "SASL_SSL"):
        password = settings.kafka_sasl_password
        kwargs["sasl_mechanism"] = settings.kafka_sasl_mechanism
        kwargs["sasl_plain_username"] = settings.kafka_sasl_username
        kwargs["sasl_plain_password"] = password.get_secret_value() if password else None
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        if flavor == "aiokafka":
            kwargs["ssl_context"] = ssl_context(settings)
        else:
            kwargs["ssl_check_hostname"] = True
            if settings.kafka_ssl_cafile:
                kwargs["ssl_cafile"] = str(settings.kafka_ssl_cafile)
            if settings.kafka_ssl_certfile:
                kwargs["ssl_certfile"] = str(settings.kafka_ssl_certfile)
            if settings.kafka_ssl_keyfile:
                kwargs["ssl_keyfile"] = str(settings.kafka_ssl_keyfile)
    return kwargs


def faust_broker_urls(settings: Settings) -> list[str]:
    """`broker=` for faust.App: one kafka:// URL per bootstrap server."""
    return [f"kafka://{server}" for server in settings.bootstrap_servers]


def faust_broker_credentials(settings: Settings) -> Any:
    """`broker_credentials=` for faust.App: None, SSLCredentials or SASLCredentials."""
    import faust

    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    context = ssl_context(settings)
    if protocol == "SSL":
        return faust.SSLCredentials(context)
    password = settings.kafka_sasl_password
    return faust.SASLCredentials(
        username=settings.kafka_sasl_username,
        password=password.get_secret_value() if password else None,
        ssl_context=context,
        mechanism=settings.kafka_sasl_mechanism,
    )


def es_client_kwargs(settings: Settings) -> dict[str, Any]:
    """Keyword arguments shared by Elasticsearch and AsyncElasticsearch (auth, TLS, timeouts)."""
    kwargs: dict[str, Any] = {
        "hosts": [settings.es_url],
        "request_timeout": settings.es_request_timeout_s,
        "verify_certs": settings.es_verify_certs,
        # Retrying is the AlertIndexer's job (with backoff and metrics); the transport fails fast.
        "max_retries": 0,
        "retry_on_timeout": False,
    }
    if not settings.es_verify_certs:
        kwargs["ssl_show_warn"] = False
    if settings.es_api_key is not None:
        kwargs["api_key"] = settings.es_api_key.get_secret_value()
    elif settings.es_username is not None and settings.es_password is not None:
        kwargs["basic_auth"] = (settings.es_username, settings.es_password.get_secret_value())
    if settings.es_ca_certs is not None:
        kwargs["ca_certs"] = str(settings.es_ca_certs)
    return kwargs


def es_client(settings: Settings, *, asynchronous: bool = False) -> Elasticsearch | AsyncElasticsearch:
    """A client for `es_url`; in `plain-json` mode it speaks plain JSON media types (osmem, OpenSearch)."""
    from streams.es import PlainJsonAiohttpNode, PlainJsonUrllib3Node

    kwargs = es_client_kwargs(settings)
    if asynchronous:
        from elasticsearch import AsyncElasticsearch

        if settings.es_compat_mode == "plain-json":
            kwargs["node_class"] = PlainJsonAiohttpNode
        return AsyncElasticsearch(**kwargs)
    from elasticsearch import Elasticsearch

    if settings.es_compat_mode == "plain-json":
        kwargs["node_class"] = PlainJsonUrllib3Node
    return Elasticsearch(**kwargs)


def kibana_auth_headers(settings: Settings) -> dict[str, str]:
    """Authorization header for Kibana's HTTP API, from the Elasticsearch credentials."""
    if settings.es_api_key is not None:
        return {"Authorization": f"ApiKey {settings.es_api_key.get_secret_value()}"}
    if settings.es_username is not None and settings.es_password is not None:
        pair = f"{settings.es_username}:{settings.es_password.get_secret_value()}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
    return {}
