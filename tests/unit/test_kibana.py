"""`choruswatch kibana import` against a tiny local HTTP server standing in for Kibana's import API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from choruswatch.cli import main
from streams.kibana import import_dir

SECRET_KEY = "c2VjcmV0LWFwaS1rZXk="


class FakeKibana(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        form = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body
        )
        parts = {part.get_param("name", header="content-disposition"): part for part in form.iter_parts()}
        upload = bytes(parts["file"].get_payload(decode=True))
        self.received.append(
            {
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "filename": parts["file"].get_filename(),
                "file": upload,
            }
        )
        objects = [json.loads(line) for line in upload.splitlines() if line.strip()]
        broken = [o for o in objects if o.get("type") == "broken"]
        answer = {
            "success": not broken,
            "successCount": len(objects) - len(broken),
            "errors": [
                {"type": o["type"], "id": o["id"], "error": {"type": "unsupported_type"}} for o in broken
            ],
        }
        payload = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def kibana() -> Iterator[str]:
    FakeKibana.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeKibana)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def _write(directory: Path, name: str, objects: list[dict[str, Any]]) -> Path:
    path = directory / name
    path.write_text("".join(json.dumps(o) + "\n" for o in objects))
    return path


def test_each_file_is_posted_as_multipart_with_xsrf_and_auth(kibana: str, tmp_path: Path) -> None:
    first = _write(
        tmp_path, "01-index-pattern.ndjson", [{"type": "index-pattern", "id": "choruswatch-alerts"}]
    )
    _write(
        tmp_path, "02-dashboard.ndjson", [{"type": "dashboard", "id": "d1"}, {"type": "search", "id": "s1"}]
    )
    (tmp_path / "README.md").write_text("not imported")
    reports = import_dir(kibana, tmp_path, {"Authorization": f"ApiKey {SECRET_KEY}"})
    assert [r.success_count for r in reports] == [1, 2] and all(r.success for r in reports)
    assert len(FakeKibana.received) == 2
    request = FakeKibana.received[0]
    assert request["path"] == "/api/saved_objects/_import?overwrite=true"
    assert request["headers"]["kbn-xsrf"] == "true"
    assert request["headers"]["authorization"] == f"ApiKey {SECRET_KEY}"
    assert request["filename"] == "01-index-pattern.ndjson"
    assert request["file"] == first.read_bytes()


def test_cli_reports_object_errors_and_exits_1(
    kibana: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, "objects.ndjson", [{"type": "dashboard", "id": "ok"}, {"type": "broken", "id": "b1"}])
    monkeypatch.setenv("CHORUSWATCH_ES_USERNAME", "elastic")
    monkeypatch.setenv("CHORUSWATCH_ES_PASSWORD", "pw-not-printed")
    code = main(["kibana", "import", "--url", kibana, "--dir", str(tmp_path)])
    out = capsys.readouterr()
    assert code == 1
    assert "1 objects imported" in out.out
    assert "broken/b1: unsupported_type" in out.err
    assert "pw-not-printed" not in out.out + out.err
    assert FakeKibana.received[0]["headers"]["authorization"].startswith("Basic ")


def test_cli_fails_clearly_when_kibana_is_unreachable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from streams.embedded import free_port

    _write(tmp_path, "objects.ndjson", [{"type": "dashboard", "id": "ok"}])
    code = main(["kibana", "import", "--url", f"http://127.0.0.1:{free_port()}", "--dir", str(tmp_path)])
    assert code == 1
    assert "cannot reach" in capsys.readouterr().err
