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
from streams.analyst_live import AnalystFiles, AnalystFilesRefused, AnalystLoop
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
    config: DetectorConfig, name: str, allowlist: frozenset[str], analyst: AnalystLoop | None = None
) -> Callable[[dict[str, Any] | None], Any]:
    """`make(snapshot)`: a new Detector, or one restored from a checkpoint; with `analyst`, handed the
    worker's shared analyst inputs as they are when it is made (sensors join the allowlist)."""
    from detectors.detector import Detector

    def make(snapshot: dict[str, Any] | None) -> Any:
        inputs = analyst.inputs if analyst is not None else None
        allowed = allowlist | analyst.allowlist if analyst is not None else allowlist
        if snapshot is None:
            return Detector(config, model_name=name, allowlist=allowed, analyst=inputs)
        return Detector.restore(snapshot, config, model_name=name, allowlist=allowed, analyst=inputs)

    return make


def tracker_factory(
    config: DetectorConfig, name: str, analyst: AnalystLoop | None = None
) -> Callable[[dict[str, Any] | None], Any]:
    """`make(snapshot)`: the campaign stage's tracker, new or restored from a checkpoint. With
    `analyst` (what the worker runs) it is a GlobalLevel over the shared inputs, which with empty
    inputs raises exactly the bare tracker's alerts; a checkpoint of a bare CampaignTracker (written
    before the analyst loop) is restored into one, so an upgrade keeps the campaign state."""
    from detectors.campaigns import CampaignTracker
    from detectors.global_level import GlobalLevel

    def make(snapshot: dict[str, Any] | None) -> Any:
        if analyst is None:
            if snapshot is None:
                return CampaignTracker(config, model_name=name)
            return CampaignTracker.restore(snapshot, config, model_name=name)
        if snapshot is None or "tracker" not in snapshot:
            return GlobalLevel(config, model_name=name, analyst=analyst.inputs, tracker_snapshot=snapshot)
        return GlobalLevel.restore(snapshot, config, model_name=name, analyst=analyst.inputs)

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
    analyst_stages = bool({"detect", "campaign"} & set(stages))
    # A watchlist's claims are embedded with the mentions' model: a detect or campaign worker without
    # the embed stage loads it only for them (docs/operations.md, "The analyst's loop").
    needs_model = "embed" in stages or (analyst_stages and settings.watchlist_file is not None)
    health = Health(metrics, uses_elasticsearch="sink" in stages, needs_model=needs_model)
    embedder = worker_embedder(settings, choice) if needs_model else None
    health.set_model_loaded(embedder is not None)
    name = embedder.name if embedder else model_name(choice)
    analyst, sync = _analyst_loop(settings, config, embedder, metrics) if analyst_stages else (None, None)
    wiring = Wiring(
        stages=stages,
        embedder=embedder if "embed" in stages else None,
        detector_factory=detector_factory(config, name, allowlist, analyst),
        tracker_factory=tracker_factory(config, name, analyst),
        metrics=metrics,
        health=health,
        store_factory=_store_factory(settings, metrics, health) if "sink" in stages else None,
        analyst=analyst,
        verdict_sync=sync,
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


def _analyst_loop(
    settings: Settings, config: DetectorConfig, embedder: Embedder | None, metrics: Any
) -> tuple[AnalystLoop, Any]:
    """The worker's shared analyst inputs, with every verdict known so far applied: the seed file,
    the whole verdicts topic and the judged alert documents, before the first mention is handled (a
    restarted worker must not publish what a verdict holds back). A bad analyst file stops the start."""
    from streams.analyst_live import VerdictSync
    from streams.clients import es_client
    from streams.verdicts_io import VerdictTopicReader

    files = AnalystFiles(settings.watchlist_file, settings.sensors_file, settings.verdicts_file)
    try:
        analyst = AnalystLoop(files, config, embedder=embedder, metrics=metrics)
    except AnalystFilesRefused as exc:
        raise WorkerNotReady(str(exc)) from None
    sync = VerdictSync(VerdictTopicReader(settings), es_client(settings), settings.es_alias)
    caught_up = analyst.apply(sync.catch_up())
    log.info(
        "analyst loop: %d verdicts in force after catching up (%d read)",
        len(analyst.book.judged_alerts()),
        caught_up,
    )
    return analyst, sync


def _store_factory(settings: Settings, metrics: Any, health: Any) -> Callable[[], Any]:
    def make() -> Any:
        from streams.es import AlertIndexer

        return AlertIndexer.from_settings(settings, metrics=metrics, health=health)

    return make
