"""What to upload: the server's list of expected files, or the `_files` table of a local .dpm."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Expected:
    sha256: str
    relative_path: str
    size: int | None


class UnsafePath(Exception):
    """A relative path that would leave the root folder."""


def local_path(root: Path, relative: str) -> Path:
    """Return the file under `root` for a relative path from the export, or raise UnsafePath."""
    clean = relative.replace("\\", "/")
    parts = PurePosixPath(clean).parts
    if clean.startswith("/") or (parts and ":" in parts[0]) or ".." in parts or not parts:
        raise UnsafePath(f"unsafe path {relative!r}")
    path = (root / Path(*parts)).resolve()
    if not path.is_relative_to(root.resolve()):
        raise UnsafePath(f"unsafe path {relative!r}")
    return path


def from_server(session, server: str, job: str, timeout: float) -> list[Expected]:
    response = session.get(
        f"{server}/import/jobs/{job}/binaries", params={"status": "pending"}, timeout=timeout
    )
    response.raise_for_status()
    return _unique(
        Expected(f["sha256"], f["relative_path"], f.get("size"))
        for f in response.json()["files"]
        if f.get("sha256")
    )


def from_dpmf(path: Path) -> list[Expected]:
    """Read `_files` from a plain (not compressed, not encrypted) .dpm with the stdlib."""
    with open(path, "rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise ValueError(
                f"{path} is compressed or encrypted: give a plain .dpm, or leave "
                "--dpmf out to ask the server what it expects"
            )
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT sha256, relative_path, declared_size_bytes FROM _files "
            "WHERE sha256 IS NOT NULL ORDER BY canonical_uuid"
        ).fetchall()
    finally:
        conn.close()
    return _unique(Expected(s.lower(), p, n) for s, p, n in rows)


def _unique(items) -> list[Expected]:
    seen: dict[str, Expected] = {}
    for item in items:
        seen.setdefault(item.sha256, item)
    return list(seen.values())
