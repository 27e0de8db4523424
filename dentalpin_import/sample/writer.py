"""Write spec-conformant DPMF files (FORMAT.md §5, §6, §3, §4), as dental-bridge would."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dentalpin_import.reader.batches import batched
from dentalpin_import.reader.compression import compress_stream
from dentalpin_import.reader.crypto import encrypt_stream
from dentalpin_import.reader.integrity import compute_hash
from dentalpin_import.reader.records import canonical_uuid

__all__ = ["EntityRow", "FileRow", "WarningRow", "WriteResult", "canonical_uuid", "write_dpmf"]

SCHEMA = """
CREATE TABLE _meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE _entities (entity_type TEXT PRIMARY KEY, row_count INTEGER NOT NULL,
                        schema_version TEXT NOT NULL);
CREATE TABLE _files (canonical_uuid TEXT PRIMARY KEY, parent_entity_type TEXT NOT NULL,
    parent_canonical_uuid TEXT NOT NULL, relative_path TEXT NOT NULL,
    declared_size_bytes INTEGER, sha256 TEXT, mime_hint TEXT);
CREATE INDEX idx_files_parent ON _files(parent_entity_type, parent_canonical_uuid);
CREATE TABLE _warnings (id INTEGER PRIMARY KEY AUTOINCREMENT, entity_type TEXT, source_id TEXT,
    severity TEXT NOT NULL CHECK (severity IN ('info','warn','error')), code TEXT NOT NULL,
    message TEXT NOT NULL, raw_data TEXT CHECK (raw_data IS NULL OR json_valid(raw_data)));
"""
ENTITY_TABLE = """
CREATE TABLE "{t}" (canonical_uuid TEXT PRIMARY KEY, source_id TEXT NOT NULL,
    source_system TEXT NOT NULL, payload TEXT NOT NULL CHECK (json_valid(payload)),
    raw_source_data TEXT NOT NULL CHECK (json_valid(raw_source_data)), extracted_at TEXT NOT NULL);
CREATE INDEX "idx_{t}_source" ON "{t}"(source_system, source_id);
"""
LAYERS = ("raw", "zstd", "enc", "zstd-enc")


@dataclass(frozen=True)
class EntityRow:
    """One entity row; `payload`/`raw_source_data` are objects, or JSON text kept as it is."""

    entity_type: str
    source_id: str
    payload: dict | str
    raw_source_data: dict | str = field(default_factory=dict)
    canonical_uuid: str | None = None
    source_system: str = "gesden"
    extracted_at: str = "2026-05-21T10:11:12+00:00"


@dataclass(frozen=True)
class FileRow:
    canonical_uuid: str
    parent_entity_type: str
    parent_canonical_uuid: str
    relative_path: str
    declared_size_bytes: int | None
    sha256: str | None
    mime_hint: str | None


@dataclass(frozen=True)
class WarningRow:
    severity: str
    code: str
    message: str
    entity_type: str | None = None
    source_id: str | None = None
    raw_data: str | None = None


@dataclass(frozen=True)
class WriteResult:
    path: str
    integrity_hash: str
    counts: dict[str, int]
    layer: str


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _text(value) -> str:
    """JSON text of a payload; text already (a row copied from a file) is kept byte for byte."""
    return value if isinstance(value, str) else _dumps(value)


def default_meta() -> dict[str, str]:
    return {
        "format_version": "0.1.0",
        "source_system": "gesden",
        "integrity_hash_algo": "sha256",
        "exporter_tool": "dental-bridge",
        "exporter_version": "0.1.0",
        "source_adapter_version": "0.0.3",
        "tenant_label": "fake-clinic",
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
    }


def _insert_rows(conn: sqlite3.Connection, rows: Iterable[EntityRow], counts: dict) -> None:
    for batch in batched(rows, 5000):
        grouped: dict[str, list] = {}
        for r in batch:
            uuid = r.canonical_uuid or canonical_uuid(r.source_system, r.entity_type, r.source_id)
            grouped.setdefault(r.entity_type, []).append(
                (
                    uuid,
                    r.source_id,
                    r.source_system,
                    _text(r.payload),
                    _text(r.raw_source_data),
                    r.extracted_at,
                )
            )
        for entity_type, values in grouped.items():
            if entity_type not in counts:
                conn.executescript(ENTITY_TABLE.format(t=entity_type))
                counts[entity_type] = 0
            conn.executemany(f'INSERT INTO "{entity_type}" VALUES (?, ?, ?, ?, ?, ?)', values)
            counts[entity_type] += len(values)


def _build_sqlite(
    target: Path, *, rows, files, warnings, meta, entity_types, schema_version, integrity_hash
) -> tuple[str, dict[str, int]]:
    conn = sqlite3.connect(target)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA user_version=1")
    conn.executescript(SCHEMA)
    counts: dict[str, int] = {}
    _insert_rows(conn, rows, counts)
    for entity_type in entity_types:
        if entity_type not in counts:
            conn.executescript(ENTITY_TABLE.format(t=entity_type))
            counts[entity_type] = 0
    conn.executemany(
        "INSERT INTO _entities VALUES (?, ?, ?)",
        [(t, n, schema_version) for t, n in counts.items()],
    )
    conn.executemany(
        "INSERT INTO _files VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                f.canonical_uuid,
                f.parent_entity_type,
                f.parent_canonical_uuid,
                f.relative_path,
                f.declared_size_bytes,
                f.sha256,
                f.mime_hint,
            )
            for f in files
        ],
    )
    conn.executemany(
        "INSERT INTO _warnings (entity_type, source_id, severity, code, message, raw_data) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(w.entity_type, w.source_id, w.severity, w.code, w.message, w.raw_data) for w in warnings],
    )
    values = {**default_meta(), **(meta or {})}
    values["integrity_hash"] = "PENDING"
    conn.executemany("INSERT INTO _meta VALUES (?, ?)", list(values.items()))
    conn.commit()
    digest = compute_hash(conn, list(counts))
    declared = digest if integrity_hash is None else integrity_hash
    if (meta or {}).get("integrity_hash") is not None and integrity_hash is None:
        declared = meta["integrity_hash"]
    conn.execute("UPDATE _meta SET value = ? WHERE key = 'integrity_hash'", (declared,))
    conn.commit()
    conn.close()
    return digest, counts


def write_dpmf(
    out_path,
    *,
    rows: Iterable[EntityRow],
    files: Iterable[FileRow] = (),
    warnings: Iterable[WarningRow] = (),
    meta: dict[str, str] | None = None,
    layer: str = "raw",
    passphrase: str | None = None,
    entity_types: Iterable[str] = (),
    schema_version: str = "0.1.0",
    integrity_hash: str | None = None,
) -> WriteResult:
    """Write a DPMF file of `layer`; return its true integrity hash and row counts.

    `integrity_hash` (or `meta["integrity_hash"]`) overrides the declared hash,
    which is how tests produce files that must be refused.
    """
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}")
    if layer in ("enc", "zstd-enc") and not passphrase:
        raise ValueError(f"layer {layer} needs a passphrase")
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        db = Path(tmp) / "container.sqlite3"
        digest, counts = _build_sqlite(
            db,
            rows=rows,
            files=files,
            warnings=warnings,
            meta=meta,
            entity_types=entity_types,
            schema_version=schema_version,
            integrity_hash=integrity_hash,
        )
        inner = db
        if layer in ("zstd", "zstd-enc"):
            inner = Path(tmp) / "container.zst"
            with open(db, "rb") as src, open(inner, "wb") as dst:
                compress_stream(src, dst)
        final = inner
        if layer in ("enc", "zstd-enc"):
            final = Path(tmp) / "container.enc"
            with open(inner, "rb") as src, open(final, "wb") as dst:
                encrypt_stream(src, dst, passphrase, "zstd" if layer == "zstd-enc" else "raw")
        os.replace(final, out)
    return WriteResult(str(out), digest, counts, layer)
