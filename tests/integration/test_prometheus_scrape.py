"""A real Prometheus server scrapes a live `choruswatch worker` on the embedded stack.

The shipped deploy/prometheus/prometheus.yml is used with two changes only a test needs: the worker is
found at a static local address instead of Docker DNS, and scrapes come every second. The test reads
ChorusWatch metrics back through Prometheus's HTTP API and checks that the server loaded the shipped
alert rules.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy.contract import DEPLOY_DIR, REPO_ROOT
from streams.embedded import free_port
from streams.settings import Settings
from tests.integration.conftest import produce_json

pytestmark = pytest.mark.skipif(shutil.which("prometheus") is None, reason="prometheus not installed")

DEADLINE_S = 120.0


def _get(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as response:
        data: dict[str, Any] = json.loads(response.read())
        return data


def _query(base: str, expr: str) -> list[dict[str, Any]]:
    data = _get(f"{base}/api/v1/query?{urllib.parse.urlencode({'query': expr})}")
    assert data["status"] == "success", data
    result: list[dict[str, Any]] = data["data"]["result"]
    return result


def _wait_for(what: str, check: Any, processes: list[subprocess.Popen[bytes]]) -> Any:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        for process in processes:
            assert process.poll() is None, (
                f"{process.args!r} exited with {process.returncode} while waiting for {what}"
            )
        try:
            value = check()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def worker(stack_settings: Settings, tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {
        **os.environ,
        **stack_settings.to_env(),
        "CHORUSWATCH_METRICS_HOST": "127.0.0.1",
        "CHORUSWATCH_METRICS_PORT": str(port),
        # The scrape path is what is under test, not the model: the hashing embedder starts at once.
        "CHORUSWATCH_EMBEDDER": "hashing",
        "HF_HUB_OFFLINE": "1",
    }
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "choruswatch.cli", "worker", "--stages", "embed,detect"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield port, process
    finally:
        _stop(process)
        log.close()


@pytest.fixture
def prometheus(
    worker: tuple[int, subprocess.Popen[bytes]], tmp_path: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    worker_port, _ = worker
    config = yaml.safe_load((DEPLOY_DIR / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    config["global"]["scrape_interval"] = "1s"
    config["global"]["evaluation_interval"] = "1s"
    config["rule_files"] = [str(DEPLOY_DIR / "prometheus" / rule) for rule in config["rule_files"]]
    (job,) = [job for job in config["scrape_configs"] if job["job_name"] == "choruswatch"]
    del job["dns_sd_configs"]
    job["static_configs"] = [{"targets": [f"127.0.0.1:{worker_port}"]}]
    config["scrape_configs"] = [job]
    config_path = tmp_path / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    port = free_port()
    log = (tmp_path / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={config_path}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        _stop(process)
        log.close()


def test_prometheus_scrapes_a_live_worker_and_serves_its_metrics(
    stack_settings: Settings,
    worker: tuple[int, subprocess.Popen[bytes]],
    prometheus: tuple[str, subprocess.Popen[bytes]],
) -> None:
    base, server = prometheus
    processes = [worker[1], server]
    _wait_for(
        "Prometheus to be ready",
        lambda: _get(f"{base}/api/v1/status/buildinfo")["status"] == "success",
        processes,
    )

    up = _wait_for("a successful scrape", lambda: _query(base, 'up{job="choruswatch"} == 1'), processes)
    assert up[0]["metric"]["instance"] == f"127.0.0.1:{worker[0]}"
    loaded = _wait_for(
        "choruswatch_model_loaded", lambda: _query(base, "choruswatch_model_loaded"), processes
    )
    assert loaded[0]["value"][1] == "1"

    # Mentions that are not JSON flow through the validate stage and are counted: the counter seen
    # through Prometheus proves the live pipeline and the scrape are connected.
    produce_json(stack_settings.kafka_bootstrap, stack_settings.topic_mentions, [b"not json"] * 3)
    consumed = _wait_for(
        "consumed mentions to reach Prometheus",
        lambda: _query(base, "choruswatch_mentions_consumed_total >= 3"),
        processes,
    )
    assert float(consumed[0]["value"][1]) >= 3

    rules = _get(f"{base}/api/v1/rules?type=alert")["data"]["groups"]
    loaded_alerts = {rule["name"] for group in rules for rule in group["rules"]}
    assert "ChorusWatchWorkerDown" in loaded_alerts and "ChorusWatchPipelineStalled" in loaded_alerts
    # The worker is up, so the alert that watches `up` must not be firing.
    worker_down = next(r for g in rules for r in g["rules"] if r["name"] == "ChorusWatchWorkerDown")
    assert worker_down["state"] == "inactive"
