"""Helpers for integration tests that run a real `choruswatch worker` subprocess against the embedded stack.

- `mention(...)`, `copy_paste_campaign(...)`, `organic_chatter(...)`: Mention v1 dicts.
- `WorkerProcess`: the worker as a child process (its own metrics port, output in a log file), with
  `health()`, `metrics_text()` and `metric(name, **labels)` over HTTP, and a bounded stop.
- `alerts_by_id(settings)`: the alerts topic read from the start, as {alert_id: [(revision, record)]}.
- `stored_revisions(settings, ids)`: the revision of each alert document in the index (absent: missing).
- `wait_index_matches_topic(settings, worker, timeout)`: the index holds the topic's last revisions.
- `wait_for(predicate, timeout, what, worker)`: poll, failing early with the worker's log if it died.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from streams.clients import es_client
from streams.embedded import free_port
from streams.settings import Settings
from tests.factories import ORGANIC_WORDS
from tests.integration.conftest import consume_all

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def mention(mention_id: str, t_s: float, account: str, text: str, *, age_days: float = 900) -> dict[str, Any]:
    """A Mention v1 dict created `t_s` seconds after T0 by `account`."""
    created = T0 + timedelta(seconds=t_s)
    return {
        "id": mention_id,
        "platform": "x",
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "text": text,
        "author": {
            "id": account,
            "handle": f"@{account}",
            "created_at": (T0 - timedelta(days=age_days)).isoformat().replace("+00:00", "Z"),
        },
    }


def copy_paste_campaign(
    prefix: str, n: int, start_s: float, text: str, spread_s: float = 90.0
) -> list[dict[str, Any]]:
    """`n` young accounts posting `text` within `spread_s` seconds (ids "<prefix>-<k>")."""
    return [
        mention(f"{prefix}-{k}", start_s + spread_s * k / n, f"{prefix}-acct{k}", text, age_days=5)
        for k in range(n)
    ]


def organic_chatter(prefix: str, n: int, span_s: float, seed: int = 7) -> list[dict[str, Any]]:
    """Unrelated posts from old accounts, spread over `span_s` seconds."""
    import random

    rng = random.Random(seed)
    return [
        mention(
            f"{prefix}-{i}",
            span_s * i / n,
            f"{prefix}-acct{rng.randint(0, 5000)}",
            " ".join(rng.choice(ORGANIC_WORDS) for _ in range(9)) + f" {rng.randint(0, 10**6)}",
        )
        for i in range(n)
    ]


class WorkerProcess:
    """`python -m choruswatch.cli worker` with `settings`, stopped with terminate → wait → kill."""

    def __init__(
        self, settings: Settings, *, stages: str = "embed,detect,campaign,sink", embedder: str = "hashing"
    ) -> None:
        self.metrics_port = free_port()
        self._env = {
            **os.environ,
            **settings.to_env(),
            "CHORUSWATCH_EMBEDDER": embedder,
            "CHORUSWATCH_METRICS_HOST": "127.0.0.1",
            "CHORUSWATCH_METRICS_PORT": str(self.metrics_port),
            "HF_HUB_OFFLINE": "1",
        }
        self._stages = stages
        fd, path = tempfile.mkstemp(prefix="choruswatch-worker-", suffix=".log")
        os.close(fd)
        self.log_path = Path(path)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "choruswatch.cli", "worker", "--stages", self._stages],
                cwd=ROOT,
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, chars: int = 6000) -> str:
        """The end of the worker's output, or the part around its first traceback when it has one."""
        text = self.log_text()
        first = text.find("Traceback")
        if first >= 0:
            return text[max(0, first - chars // 3) : first + chars]
        return text[-chars:]

    def _get(self, path: str) -> tuple[int, bytes]:
        url = f"http://127.0.0.1:{self.metrics_port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                return int(resp.status), resp.read()
        except urllib.error.HTTPError as err:  # /health answers 503 when degraded
            return int(err.code), err.read()

    def health(self) -> dict[str, Any] | None:
        """The /health document, or None while the server is not up yet."""
        try:
            _, body = self._get("/health")
        except (urllib.error.URLError, OSError):
            return None
        result: dict[str, Any] = json.loads(body)
        return result

    def metrics_text(self) -> str:
        return self._get("/metrics")[1].decode()

    def metric(self, name: str, **labels: str) -> float | None:
        """The value of one sample on /metrics (`name` as exposed, e.g. with `_total`), None when absent."""
        from prometheus_client.parser import text_string_to_metric_families

        for family in text_string_to_metric_families(self.metrics_text()):
            for sample in family.samples:
                if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                    return float(sample.value)
        return None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is not None:
            sys.stderr.write(f"--- worker log tail ---\n{self.log_tail()}\n")
        self.stop()


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, worker: WorkerProcess) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if not worker.alive:
            raise AssertionError(f"the worker died while waiting for {what}:\n{worker.log_tail()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}:\n{worker.log_tail()}")
        time.sleep(1.0)


def alerts_by_id(settings: Settings, timeout: float = 1.0) -> dict[str, list[tuple[int, Any]]]:
    """Every record on the alerts topic, grouped by alert id, in topic order."""
    out: dict[str, list[tuple[int, Any]]] = {}
    for record in consume_all(settings.kafka_bootstrap, settings.topic_alerts, timeout=timeout):
        data = json.loads(record.value)["data"]
        out.setdefault(data["alert_id"], []).append((int(data["revision"]), record))
    return out


def wait_index_matches_topic(settings: Settings, worker: WorkerProcess, timeout: float) -> dict[str, int]:
    """Wait until the index holds every alert on the topic at its last revision; returns those.

    The topic is read again at every poll: the worker may still revise an alert (or publish a campaign
    alert) after the caller first saw it, and the index then holds a newer revision than that first look.
    """
    last: dict[str, int] = {}
    stored: dict[str, int] = {}

    def matches() -> bool:
        last.clear()
        last.update({a: revs[-1][0] for a, revs in alerts_by_id(settings).items()})
        stored.clear()
        stored.update(stored_revisions(settings, last))
        return bool(last) and stored == last

    try:
        wait_for(matches, timeout, "every alert on the topic in the index at its last revision", worker)
    except AssertionError as exc:
        raise AssertionError(f"topic {last} != index {stored}: {exc}") from None
    return dict(last)


def stored_revisions(settings: Settings, ids: Iterable[str]) -> dict[str, int]:
    """alert_id -> the revision stored in the index (ids not stored, or no index yet, are absent)."""
    from elasticsearch import NotFoundError

    wanted = list(ids)
    if not wanted:
        return {}
    client: Any = es_client(settings)
    try:
        response = client.mget(index=settings.es_alias, ids=wanted)
    except NotFoundError:
        return {}
    finally:
        client.close()
    return {
        doc["_id"]: int(doc["_source"]["choruswatch"]["revision"])
        for doc in response["docs"]
        if doc.get("found")
    }
