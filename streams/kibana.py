"""`choruswatch kibana import`: load the saved objects in deploy/kibana/*.ndjson into Kibana.

Each file is posted to `POST /api/saved_objects/_import?overwrite=true` as a multipart form (field
`file`), with `kbn-xsrf: true` and the Elasticsearch credentials from the settings (API key or basic
auth). The saved objects carry fixed ids, so importing again replaces them instead of duplicating.
Standard library only: one small request per file does not justify another HTTP client.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

IMPORT_PATH = "/api/saved_objects/_import?overwrite=true"
DEFAULT_DIR = Path("deploy/kibana")


@dataclass(frozen=True, slots=True)
class ImportReport:
    """Kibana's answer for one NDJSON file."""

    file: Path
    success: bool
    success_count: int
    errors: tuple[str, ...] = field(default_factory=tuple)


def build_import_request(url: str, ndjson_file: Path, headers: Mapping[str, str]) -> urllib.request.Request:
    """The multipart POST that imports one NDJSON file."""
    boundary = f"choruswatch-{uuid.uuid4().hex}"
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            f'Content-Disposition: form-data; name="file"; filename="{ndjson_file.name}"\r\n'.encode(),
            b"Content-Type: application/ndjson\r\n\r\n",
            ndjson_file.read_bytes(),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    request = urllib.request.Request(url.rstrip("/") + IMPORT_PATH, data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("kbn-xsrf", "true")
    for name, value in headers.items():
        request.add_header(name, value)
    return request


def _describe_error(item: Mapping[str, Any]) -> str:
    error = item.get("error", {})
    kind = error.get("type", "error") if isinstance(error, Mapping) else "error"
    detail = error.get("message") or error.get("reason") or "" if isinstance(error, Mapping) else str(error)
    return f"{item.get('type', '?')}/{item.get('id', '?')}: {kind}{': ' + detail if detail else ''}"


def import_file(
    url: str, ndjson_file: Path, headers: Mapping[str, str], timeout: float = 30.0
) -> ImportReport:
    request = build_import_request(url, ndjson_file, headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        # The body says why (bad file, auth); the request headers (credentials) are not repeated.
        text = err.read().decode(errors="replace")[:500]
        return ImportReport(ndjson_file, False, 0, (f"HTTP {err.code}: {text}",))
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        return ImportReport(ndjson_file, False, 0, (f"cannot reach {url}: {reason}",))
    errors = tuple(_describe_error(item) for item in answer.get("errors", []))
    return ImportReport(
        ndjson_file, bool(answer.get("success")) and not errors, int(answer.get("successCount", 0)), errors
    )


def import_dir(url: str, directory: Path, headers: Mapping[str, str]) -> list[ImportReport]:
    """Import every `*.ndjson` under `directory` (sorted, so index patterns come before dashboards)."""
    return [import_file(url, path, headers) for path in sorted(directory.rglob("*.ndjson"))]
