"""The composition root of a stream worker process: settings in, a running faust worker out.

`run_worker(settings, stages)` refuses to start (`WorkerNotReady`) when a topic it needs is missing or
mis-sized (`streams.topics.ensure_topics_ready`; the specs include the state table's changelog, which
`choruswatch topics create` makes), loads the embedder and its model profile (`streams.models`), the
detector configuration (the profile's thresholds with `CHORUSWATCH_DETECTOR_CONFIG` on top) and the
allowlist (`streams.inputs`: the same loaders as `choruswatch detect`), starts /metrics and /health,
and runs the faust app (`streams.app.build_app`) until SIGTERM / Ctrl-C. The sink stage stores through
`streams.es.AlertIndexer`.

`CHORUSWATCH_EMBEDDER=hashing` swaps the model for the deterministic HashingEmbedder (tests and
benchmarks of the plumbing); the default is `model`, i.e. `CHORUSWATCH_MODEL` (multilingual by default).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from detectors.config import DetectorConfig
from detectors.embedding import Embedder
from streams.inputs import load_allowlist, load_detector_config
from streams.models import build_embedder, model_choice, model_name, resolve_profile
from streams.settings import EmbedderKind, Settings

log = logging.getLogger(__name__)


class WorkerNotReady(RuntimeError):
    """The worker cannot start with these settings (topics missing, a bad input file)."""


def worker_embedder(settings: Settings, choice: str) -> Embedder:
    """The cached embedder of the settings for a model choice (`streams.models.model_choice`)."""
    # The worker never reaches the network: the models ship in packages or are built locally.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return build_embedder(
        choice,
        profile=resolve_profile(choice, settings.model_profile) if settings.model_profile else None,
        backend=settings.embed_backend,
        cache_dir=settings.model_cache,
        batch_size=settings.embed_batch_size,
        cache_size=max(1, settings.embed_cache_size),
        near_copy_bits=settings.near_copy_bits,
    )


def detector_factory(
    config: DetectorConfig, name: str, allowlist: frozenset[str]
) -> Callable[[dict[str, Any] | None], Any]:
    """`make(snapshot)`: a new Detector, or one restored from a checkpoint."""
    from detectors.detector import Detector

    def make(snapshot: dict[str, Any] | None) -> Any:
        if snapshot is None:
            return Detector(config, model_name=name, allowlist=allowlist)
        return Detector.restore(snapshot, config, model_name=name, allowlist=allowlist)

    return make


def tracker_factory(config: DetectorConfig, name: str) -> Callable[[dict[str, Any] | None], Any]:
    """`make(snapshot)`: a new CampaignTracker, or one restored from a checkpoint."""
    from detectors.campaigns import CampaignTracker

    def make(snapshot: dict[str, Any] | None) -> Any:
        if snapshot is None:
            return CampaignTracker(config, model_name=name)
        return CampaignTracker.restore(snapshot, config, model_name=name)

    return make


def run_worker(settings: Settings, stages: tuple[str, ...], embedder_kind: EmbedderKind | None = None) -> int:
    """Run the worker until it is stopped."""
    from streams.app import Wiring, build_app
    from streams.metrics import Health, Metrics, MetricsServer
    from streams.topics import TopicsNotReady, ensure_topics_ready

    try:
        ensure_topics_ready(settings)
    except TopicsNotReady as exc:
        raise WorkerNotReady(str(exc)) from None
    choice = model_choice(embedder_kind or settings.embedder, settings.model)
    config = load_detector_config(settings.detector_config, resolve_profile(choice, settings.model_profile))
    allowlist = load_allowlist(settings.allowlist_file) if settings.allowlist_file else frozenset[str]()
    metrics = Metrics()
    health = Health(metrics, uses_elasticsearch="sink" in stages, needs_model="embed" in stages)
    embedder = worker_embedder(settings, choice) if "embed" in stages else None
    health.set_model_loaded(embedder is not None)
    name = embedder.name if embedder else model_name(choice)
    wiring = Wiring(
        stages=stages,
        embedder=embedder,
        detector_factory=detector_factory(config, name, allowlist),
        tracker_factory=tracker_factory(config, name),
        metrics=metrics,
        health=health,
        store_factory=_store_factory(settings, metrics, health) if "sink" in stages else None,
    )
    app = build_app(settings, wiring)
    from faust.worker import Worker

    from streams.logs import configure_library_logs

    with MetricsServer(metrics, health, host=settings.metrics_host, port=settings.metrics_port) as server:
        log.info("metrics and health on %s", server.url)
        worker = Worker(app, loglevel=settings.log_level.lower())
        configure_library_logs(settings.log_level)  # after faust set its handlers up
        worker.execute_from_commandline()
    return 0


def _store_factory(settings: Settings, metrics: Any, health: Any) -> Callable[[], Any]:
    def make() -> Any:
        from streams.es import AlertIndexer

        return AlertIndexer.from_settings(settings, metrics=metrics, health=health)

    return make
