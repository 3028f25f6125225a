"""`choruswatch worker`: the composition root of a stream worker process.

Reads Settings from the environment, refuses to start (exit 2) when a topic it needs is missing or
mis-sized (`streams.topics.check_topics`; the specs include the state table's changelog, which
`choruswatch topics create` makes), loads the embedder, starts /metrics and /health, and runs the faust
app (`streams.app.build_app`) with the requested stages and `StreamOptions.from_settings` until
SIGTERM / Ctrl-C. The sink stage uses `streams.es.AlertIndexer.from_settings`.

`CHORUSWATCH_EMBEDDER=hashing` (or `--embedder hashing`) swaps the sentence-transformers model for the
deterministic HashingEmbedder (tests and benchmarks of the plumbing); the default is `model`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from streams.settings import EmbedderKind, Settings, SettingsError

log = logging.getLogger(__name__)


def _model_choice(settings: Settings, kind: EmbedderKind) -> str:
    from streams.models import model_choice

    return model_choice(kind, settings.model)


def _embedder(settings: Settings, kind: EmbedderKind) -> Any:
    from streams.models import build_embedder, resolve_profile

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    choice = _model_choice(settings, kind)
    return build_embedder(
        choice,
        profile=resolve_profile(choice, settings.model_profile) if settings.model_profile else None,
        backend=settings.embed_backend,
        cache_dir=settings.model_cache,
        batch_size=settings.embed_batch_size,
        cache_size=max(1, settings.embed_cache_size),
    )


def _detector_factory(settings: Settings, model_name: str, kind: EmbedderKind) -> Any:
    import json

    from detectors.detector import Detector
    from detectors.profiles import detector_config
    from streams.models import resolve_profile

    # The model's profile gives the cosine thresholds; a config file overrides any value.
    overrides = json.loads(settings.detector_config.read_text()) if settings.detector_config else {}
    profile = resolve_profile(_model_choice(settings, kind), settings.model_profile)
    config = detector_config(profile, overrides)
    allowlist: frozenset[str] = frozenset()
    if settings.allowlist_file:
        lines = settings.allowlist_file.read_text().splitlines()
        allowlist = frozenset(x.strip() for x in lines if x.strip() and not x.startswith("#"))

    def make(snapshot: dict[str, Any] | None) -> Any:
        if snapshot is None:
            return Detector(config, model_name=model_name, allowlist=allowlist)
        return Detector.restore(snapshot, config, model_name=model_name, allowlist=allowlist)

    return make


def _model_name(settings: Settings, kind: EmbedderKind) -> str:
    """The name alerts carry when this worker does not embed (detect/sink stages only)."""
    from detectors.embedding import HashingEmbedder
    from streams.models import E5_NAME, ENGLISH, ENGLISH_NAME, MULTILINGUAL

    choice = _model_choice(settings, kind)
    known = {MULTILINGUAL: E5_NAME, ENGLISH: ENGLISH_NAME, "hashing": HashingEmbedder().name}
    return known.get(choice, choice.rstrip("/").rsplit("/", 1)[-1])


def run_worker(settings: Settings, stages: tuple[str, ...], embedder_kind: EmbedderKind | None = None) -> int:
    """Run the worker until it is stopped; 2 when the topics are not ready."""
    from streams.app import StreamOptions, build_app
    from streams.metrics import Health, Metrics, MetricsServer
    from streams.topics import TopicsNotReady, ensure_topics_ready

    try:
        ensure_topics_ready(settings)
    except TopicsNotReady as exc:
        print(f"choruswatch worker: {exc}", file=sys.stderr)
        return 2

    metrics = Metrics()
    health = Health(metrics, uses_elasticsearch="sink" in stages, needs_model="embed" in stages)
    kind = embedder_kind or settings.embedder
    embedder = _embedder(settings, kind) if "embed" in stages else None
    health.set_model_loaded(embedder is not None)
    model_name = embedder.name if embedder is not None else _model_name(settings, kind)
    indexer_factory: Callable[[], Any] | None = None
    if "sink" in stages:
        from streams.es import AlertIndexer

        def indexer_factory() -> Any:
            return AlertIndexer.from_settings(settings, metrics=metrics, health=health)

    app = build_app(
        settings,
        embedder=embedder,
        detector_factory=_detector_factory(settings, model_name, kind),
        metrics=metrics,
        health=health,
        options=StreamOptions.from_settings(settings, stages),
        indexer_factory=indexer_factory,
    )
    from faust.worker import Worker

    with MetricsServer(metrics, health, host=settings.metrics_host, port=settings.metrics_port) as server:
        log.info("metrics and health on %s", server.url)
        health.set_kafka_reachable(True)
        Worker(app, loglevel=settings.log_level.lower()).execute_from_commandline()
    return 0


def _cmd(args: argparse.Namespace) -> int:
    from streams.app import ALL_STAGES

    stages = tuple(s.strip() for s in args.stages.split(",") if s.strip())
    unknown = [s for s in stages if s not in ALL_STAGES]
    if unknown or not stages:
        print(f"--stages: unknown {unknown}; choose from {','.join(ALL_STAGES)}", file=sys.stderr)
        return 2
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"choruswatch worker: {exc}", file=sys.stderr)
        return 2
    return run_worker(settings, stages, args.embedder)


def register(subparsers: Any) -> None:
    """Add `choruswatch worker` to the CLI."""
    parser = subparsers.add_parser("worker", help="run the stream worker (validate+embed, detect, sink)")
    parser.add_argument(
        "--stages",
        default=",".join(("embed", "detect", "sink")),
        help="comma-separated subset of embed,detect,sink",
    )
    parser.add_argument(
        "--embedder", choices=("model", "hashing"), default=None, help="override CHORUSWATCH_EMBEDDER"
    )
    parser.set_defaults(func=_cmd)
