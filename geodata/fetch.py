"""Download an OSM extract with resume, a SHA-256 check and a progress bar.

``coldchain data fetch URL`` calls :func:`fetch`. The download goes to ``OUT.part``; an
interrupted download is resumed from the bytes already there with an HTTP ``Range``
request (a server that ignores ``Range`` answers 200, and the download restarts from
zero). Only a complete file is renamed to ``OUT``, and its SHA-256 is written beside it
as ``OUT.sha256`` (``sha256sum`` format).

On a checksum mismatch the downloaded bytes are **removed** (``OUT.part`` and no
``OUT``): they are complete but wrong, so resuming from them could never succeed; a
:class:`FetchError` names the expected and actual digests.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO

from geodata.errors import DataError

CHUNK_BYTES = 1 << 20


class FetchError(DataError):
    """A download failed: HTTP/network error or checksum mismatch (the URL in ``item``)."""


ProgressFn = Callable[[int, int | None], None]
"""``progress(bytes_done, bytes_total_or_None)``, called after every chunk."""


def fetch(
    url: str,
    out: str | Path,
    *,
    sha256: str | None = None,
    progress: ProgressFn | None = None,
    timeout_s: float = 60.0,
) -> Path:
    """Download ``url`` to ``out``, resuming ``out.part`` if present.

    Parameters
    ----------
    url
        http(s) URL of the file.
    out
        Destination file; its directory is created.
    sha256
        Expected hex digest; checked when given (case-insensitive).
    progress
        Optional callback ``(bytes_done, bytes_total)``; total is ``None`` when the
        server does not say.
    timeout_s
        Socket timeout (s) of each request.

    Returns
    -------
    Path
        ``out``, complete; ``out.sha256`` written beside it.

    Raises
    ------
    FetchError
        HTTP or network error (the partial file is kept for a later resume), or checksum
        mismatch (the bytes are removed, see the module docstring).
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    try:
        _download(url, part, progress or (lambda done, total: None), timeout_s)
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"download failed ({exc}); run again to resume", item=url) from exc
    digest = file_sha256(part)
    if sha256 is not None and digest.lower() != sha256.strip().lower():
        part.unlink()
        raise FetchError(
            f"SHA-256 mismatch: expected {sha256.lower()}, got {digest}; the download was "
            "removed",
            item=url,
        )
    part.replace(out)
    out.with_name(out.name + ".sha256").write_text(f"{digest}  {out.name}\n")
    return out


def _download(url: str, part: Path, progress: ProgressFn, timeout_s: float) -> None:
    """Append the rest of ``url`` to ``part`` (all of it if the server ignores Range)."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout_s)  # noqa: S310
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # Range not satisfiable: already complete
            progress(have, have)
            return
        raise
    with response:
        resumed = response.status == 206
        if not resumed:
            have = 0
        length = response.headers.get("Content-Length")
        total = have + int(length) if length is not None else None
        with open(part, "ab" if resumed else "wb") as sink:
            _copy(response, sink, have, total, progress)


def _copy(source: IO[bytes], sink: IO[bytes], done: int, total: int | None,
          progress: ProgressFn) -> None:
    """Copy ``source`` to ``sink`` in chunks, reporting progress."""
    progress(done, total)
    while chunk := source.read(CHUNK_BYTES):
        sink.write(chunk)
        done += len(chunk)
        progress(done, total)
    if total is not None and done < total:
        raise OSError(f"connection closed after {done} of {total} bytes")


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
