"""Downloading with resume and checksum against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geodata.fetch import FetchError, fetch, file_sha256

PAYLOAD = bytes(range(256)) * 4000  # 1,024,000 bytes


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.payload`` at any path; honours ``Range: bytes=N-`` unless
    ``server.ignore_range``; records the Range headers it saw."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        server: Any = self.server
        if self.path.startswith("/missing"):
            self.send_error(404)
            return
        data, start = server.payload, 0
        asked = self.headers.get("Range")
        server.ranges.append(asked)
        match = re.fullmatch(r"bytes=(\d+)-", asked or "")
        if match and not server.ignore_range:
            start = int(match.group(1))
            if start >= len(data):
                self.send_response(416)
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[start:])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server() -> Iterator[Any]:
    httpd: Any = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RangeHandler)
    httpd.payload, httpd.ranges, httpd.ignore_range = PAYLOAD, [], False
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_download_writes_the_file_and_its_checksum(server: Any, tmp_path: Path) -> None:
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    seen: list[tuple[int, int | None]] = []
    out = fetch(f"{server.url}/gansu.osm.pbf", tmp_path / "x" / "gansu.osm.pbf",
                sha256=digest.upper(), progress=lambda done, total: seen.append((done, total)))
    assert out.read_bytes() == PAYLOAD
    assert (tmp_path / "x" / "gansu.osm.pbf.sha256").read_text() == f"{digest}  gansu.osm.pbf\n"
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert not (tmp_path / "x" / "gansu.osm.pbf.part").exists()
    assert server.ranges == [None]


def test_an_interrupted_download_resumes_with_a_range_request(server: Any, tmp_path: Path) -> None:
    out = tmp_path / "gansu.osm.pbf"
    (tmp_path / "gansu.osm.pbf.part").write_bytes(PAYLOAD[:300_000])
    fetch(f"{server.url}/gansu.osm.pbf", out, sha256=hashlib.sha256(PAYLOAD).hexdigest())
    assert out.read_bytes() == PAYLOAD
    assert server.ranges == ["bytes=300000-"]


def test_a_server_ignoring_range_restarts_from_zero(server: Any, tmp_path: Path) -> None:
    server.ignore_range = True
    (tmp_path / "f.pbf.part").write_bytes(b"stale bytes")
    out = fetch(f"{server.url}/f.pbf", tmp_path / "f.pbf")
    assert out.read_bytes() == PAYLOAD and file_sha256(out) == hashlib.sha256(PAYLOAD).hexdigest()


def test_a_complete_part_file_is_finished_without_refetching(server: Any, tmp_path: Path) -> None:
    (tmp_path / "f.pbf.part").write_bytes(PAYLOAD)
    out = fetch(f"{server.url}/f.pbf", tmp_path / "f.pbf")
    assert out.read_bytes() == PAYLOAD and server.ranges == [f"bytes={len(PAYLOAD)}-"]


def test_checksum_mismatch_is_a_clear_error_and_removes_the_bytes(
    server: Any, tmp_path: Path
) -> None:
    with pytest.raises(FetchError, match="SHA-256 mismatch: expected 00+, got"):
        fetch(f"{server.url}/f.pbf", tmp_path / "f.pbf", sha256="0" * 64)
    assert not (tmp_path / "f.pbf").exists() and not (tmp_path / "f.pbf.part").exists()


def test_http_errors_raise_and_name_the_url(server: Any, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="missing"):
        fetch(f"{server.url}/missing.pbf", tmp_path / "m.pbf")
    assert not (tmp_path / "m.pbf").exists()
