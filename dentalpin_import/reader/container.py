"""Open a DPMF file of any layering and read it (FORMAT.md §1, §2, §5, §7).

Plaintext (decrypted or decompressed) only ever exists inside one private
temporary directory, which is removed on every exit path.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

from dentalpin_import.batches import batched
from dentalpin_import.reader import errors as E
from dentalpin_import.reader.compression import MAGIC as ZSTD_MAGIC
from dentalpin_import.reader.compression import Decompressor
from dentalpin_import.reader.crypto import MAGIC as DPME_MAGIC
from dentalpin_import.reader.crypto import decrypt_stream, derive_key, read_envelope
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.integrity import compute_hash
from dentalpin_import.reader.rows import (
    EntityTypeInfo,
    FilesSummary,
    SourceFile,
    SourceRow,
    SourceWarning,
    make_row,
)

SQLITE_MAGIC = b"SQLite format 3\x00"
ENTITY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
SYSTEM_TABLES = ("_meta", "_entities", "_files", "_warnings")
REQUIRED_META = ("format_version", "source_system", "integrity_hash_algo")
KEYS_PER_QUERY = 500
# What `make_row` takes, in its order.
ROW_COLUMNS = (
    "SELECT canonical_uuid, source_id, source_system, payload, raw_source_data, extracted_at"
)
Progress = Callable[[str, int, int], None]


class Layering(StrEnum):
    RAW = "raw"
    ZSTD = "zstd"
    ENC = "enc"
    ZSTD_ENC = "zstd-enc"


def detect_layering(path: str | Path) -> Layering:
    """Tell the layering from the first bytes (and the clear envelope header), never the name."""
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        head = fh.read(16)
        if head == SQLITE_MAGIC:
            return Layering.RAW
        if head[:4] == ZSTD_MAGIC:
            return Layering.ZSTD
        if head[:4] == DPME_MAGIC:
            env = read_envelope(fh, size)
            return Layering.ZSTD_ENC if env.inner_layout == "zstd" else Layering.ENC
    magic = " ".join(f"{b:02x}" for b in head[:4]) or "empty file"
    raise ReadError(E.NOT_DPMF, E.MSG_NOT_DPMF.format(magic=magic))


def check_version(version: str) -> None:
    """Accept any 0.x.y; refuse a missing or non-numeric major and any major above 0 (§7)."""
    try:
        major = int(version.split(".", 1)[0])
    except ValueError:
        raise ReadError(
            E.UNSUPPORTED_VERSION, E.MSG_VERSION.format(version=repr(version))
        ) from None
    if major != 0:
        raise ReadError(E.UNSUPPORTED_VERSION, E.MSG_VERSION.format(version=version))


class _Sink:
    """Writes plaintext to a file, through zstd when the inner layer is compressed."""

    def __init__(self, target: Path, compressed: bool, max_bytes: int | None):
        self.fh = open(target, "wb")
        self.written = 0
        self.max_bytes = max_bytes
        self.decompressor = Decompressor(self._write, max_bytes) if compressed else None
        self.head = b""

    def _write(self, data: bytes) -> None:
        self.fh.write(data)
        self.written += len(data)

    def __call__(self, data: bytes) -> None:
        if len(self.head) < 16:
            self.head += data[: 16 - len(self.head)]
        if self.decompressor is not None:
            self.decompressor.feed(data)
            return
        if self.max_bytes is not None and self.written + len(data) > self.max_bytes:
            raise ReadError(E.TOO_LARGE, E.MSG_TOO_LARGE.format(limit=self.max_bytes))
        self._write(data)

    def close(self) -> None:
        try:
            if self.decompressor is not None:
                self.decompressor.close()
        finally:
            self.fh.close()


def _hash_file(path: Path, progress: Progress | None) -> str:
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
            done += len(block)
            if progress:
                progress("read", done, total)
    return digest.hexdigest()


def _unwrap(
    path: Path,
    layering: Layering,
    workdir: Path,
    passphrase: str | None,
    max_bytes: int | None,
    progress: Progress | None,
) -> tuple[Path, int]:
    """Return the path of the plain SQLite file and its size, unpacking into `workdir`."""
    if layering is Layering.RAW:
        return path, path.stat().st_size
    target = workdir / "container.sqlite3"
    size = path.stat().st_size
    if layering is Layering.ZSTD:
        sink = _Sink(target, compressed=True, max_bytes=max_bytes)
        with open(path, "rb") as fh:
            done = 0
            try:
                while block := fh.read(1 << 20):
                    sink(block)
                    done += len(block)
                    if progress:
                        progress("decompress", done, size)
            finally:
                sink.close()
        return target, sink.written
    if passphrase is None:
        raise ReadError(E.PASSPHRASE_REQUIRED, E.MSG_PASSPHRASE_REQUIRED)
    with open(path, "rb") as fh:
        env = read_envelope(fh, size)
        key = derive_key(passphrase, env.salt)
        sink = _Sink(target, compressed=env.inner_layout == "zstd", max_bytes=max_bytes)
        report = (lambda d, t: progress("decrypt", d, t)) if progress else None
        try:
            decrypt_stream(fh, env, key, sink, report)
        except ReadError as exc:
            if exc.code in (E.BAD_COMPRESSION, E.TOO_LARGE):
                # Tampered ciphertext decompresses to garbage before the tag is checked:
                # verify the tag first so the user hears "wrong passphrase or corrupted".
                decrypt_stream(fh, env, key, lambda _data: None)
            raise
        finally:
            sink.fh.close()
        sink.close()
    expected = ZSTD_MAGIC if env.inner_layout == "zstd" else SQLITE_MAGIC
    if not sink.head.startswith(expected):
        raise ReadError(
            E.BAD_INNER_LAYER,
            E.MSG_BAD_INNER.format(layer="zstd" if env.inner_layout == "zstd" else "SQLite"),
        )
    return target, sink.written


@contextmanager
def open_dpmf(
    path: str | Path,
    *,
    passphrase: str | None = None,
    max_unpacked_bytes: int | None = None,
    tmp_dir: str | None = None,
    verify: bool = True,
    progress: Progress | None = None,
) -> Iterator[Container]:
    """Open, unwrap, gate and (with `verify`) hash-check a DPMF file.

    Raises `ReadError` for any refusal; the private temp dir is gone afterwards.
    """
    path = Path(path)
    layering = detect_layering(path)
    workdir = Path(tempfile.mkdtemp(prefix="dpmf-", dir=tmp_dir))
    os.chmod(workdir, 0o700)
    try:
        file_sha256 = _hash_file(path, progress)
        sqlite_path, unpacked = _unwrap(
            path, layering, workdir, passphrase, max_unpacked_bytes, progress
        )
        container = Container(
            path, sqlite_path, layering, file_sha256, unpacked, private=sqlite_path != path
        )
        try:
            container.load(verify=verify, progress=progress)
            yield container
        finally:
            container.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


class Container:
    """An opened, gated DPMF database; read-only."""

    def __init__(
        self,
        path: Path,
        sqlite_path: Path,
        layering: Layering,
        file_sha256: str,
        unpacked_size: int,
        private: bool,
    ):
        self.path = path
        self.sqlite_path = sqlite_path
        self.layering = layering
        self.file_sha256 = file_sha256
        self.file_size = path.stat().st_size
        self.unpacked_size = unpacked_size
        with open(sqlite_path, "rb") as fh:
            if fh.read(16) != SQLITE_MAGIC:
                raise ReadError(E.BAD_CONTAINER, E.MSG_NOT_SQLITE)
        flags = "mode=ro&immutable=1" if private else "mode=ro"
        self.conn = sqlite3.connect(
            f"file:{sqlite_path}?{flags}", uri=True, check_same_thread=False
        )
        self.meta: dict[str, str] = {}
        self.entity_types: list[EntityTypeInfo] = []
        self.notes: list[str] = []
        self.computed_hash: str | None = None

    def close(self) -> None:
        self.conn.close()

    @property
    def format_version(self) -> str:
        return self.meta.get("format_version", "")

    @property
    def source_system(self) -> str:
        return self.meta.get("source_system", "")

    @property
    def declared_hash(self) -> str:
        return self.meta.get("integrity_hash", "")

    def _query(self, sql: str, params=()):
        try:
            return self.conn.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            raise ReadError(E.BAD_CONTAINER, E.MSG_UNREADABLE.format(detail=exc)) from None

    def load(self, *, verify: bool, progress: Progress | None) -> None:
        tables = {r[0] for r in self._query("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = [t for t in SYSTEM_TABLES if t not in tables]
        if missing:
            raise ReadError(E.BAD_CONTAINER, E.MSG_NOT_CONTAINER.format(tables=", ".join(missing)))
        self.meta = {str(k): str(v) for k, v in self._query("SELECT key, value FROM _meta")}
        absent = [k for k in REQUIRED_META if not self.meta.get(k, "").strip()]
        if "format_version" in absent:
            raise ReadError(E.UNSUPPORTED_VERSION, E.MSG_VERSION.format(version="(missing)"))
        check_version(self.format_version)
        if absent:
            raise ReadError(E.BAD_CONTAINER, E.MSG_META_LACKS.format(keys=", ".join(absent)))
        if self.meta["integrity_hash_algo"] != "sha256":
            raise ReadError(
                E.HASH_ALGO,
                E.MSG_HASH_ALGO.format(algo=repr(self.meta["integrity_hash_algo"])),
            )
        if not self.declared_hash.strip():
            raise ReadError(E.HASH_MISSING, E.MSG_HASH_MISSING)
        self._load_entities(tables)
        self._note_oddities(tables)
        if verify:
            total = sum(t.actual_count for t in self.entity_types)
            report = (lambda done: progress("hash", done, total)) if progress else None
            try:
                self.computed_hash = compute_hash(
                    self.conn, [t.entity_type for t in self.entity_types], report
                )
            except sqlite3.DatabaseError as exc:
                raise ReadError(E.BAD_CONTAINER, E.MSG_UNREADABLE.format(detail=exc)) from None
            if self.computed_hash != self.declared_hash.strip().lower():
                raise ReadError(
                    E.HASH_MISMATCH,
                    E.MSG_HASH_MISMATCH.format(
                        declared=self.declared_hash, computed=self.computed_hash
                    ),
                )

    def _load_entities(self, tables: set[str]) -> None:
        rows = self._query(
            "SELECT entity_type, row_count, schema_version FROM _entities ORDER BY entity_type"
        ).fetchall()
        for entity_type, row_count, schema_version in rows:
            if not isinstance(entity_type, str) or not ENTITY_NAME.match(entity_type):
                raise ReadError(E.BAD_CONTAINER, E.MSG_TYPE_NAME.format(name=repr(entity_type)))
            if entity_type not in tables:
                raise ReadError(E.BAD_CONTAINER, E.MSG_TYPE_TABLE.format(name=entity_type))
            actual = self._query(f'SELECT COUNT(*) FROM "{entity_type}"').fetchone()[0]
            if actual != row_count:
                self.notes.append(
                    f"{entity_type}: _entities says {row_count} rows, table has {actual}"
                )
            self.entity_types.append(
                EntityTypeInfo(entity_type, int(row_count or 0), str(schema_version), actual)
            )

    def _note_oddities(self, tables: set[str]) -> None:
        listed = {t.entity_type for t in self.entity_types} | set(SYSTEM_TABLES)
        for table in sorted(tables - listed - {"sqlite_sequence"}):
            self.notes.append(f"table {table} is not listed in _entities: ignored, not hashed")
        version = self._query("PRAGMA user_version").fetchone()[0]
        if version != 1:
            self.notes.append(f"SQLite user_version is {version}, expected 1")

    def count(self, entity_type: str) -> int:
        return next(t.actual_count for t in self.entity_types if t.entity_type == entity_type)

    def _checked(self, entity_type: str) -> str:
        if entity_type not in {t.entity_type for t in self.entity_types}:
            raise KeyError(f"no entity type {entity_type!r} in this file")
        return entity_type

    def iter_rows(
        self,
        entity_type: str,
        *,
        chunk_size: int = 500,
        after_uuid: str | None = None,
        until_uuid: str | None = None,
    ) -> Iterator[list[SourceRow]]:
        """Yield rows in canonical_uuid order, `chunk_size` at a time (keyset pagination).

        Only rows after `after_uuid` and up to `until_uuid` (included), when given.
        """
        pages = self._pages(entity_type, ROW_COLUMNS, chunk_size, after_uuid, until_uuid)
        for table, batch in pages:
            yield [make_row(table, values) for values in batch]

    def iter_keys(
        self, entity_type: str, *, chunk_size: int = 500, after_uuid: str | None = None
    ) -> Iterator[list[str]]:
        """Yield the canonical_uuids alone, in order, `chunk_size` at a time.

        Read from the primary key's index only: a re-run learns which rows are
        mapped already without reading their payloads.
        """
        pages = self._pages(entity_type, "SELECT canonical_uuid", chunk_size, after_uuid, None)
        for _, batch in pages:
            yield [str(values[0]) for values in batch]

    def key_at(self, entity_type: str, offset: int) -> str | None:
        """The canonical_uuid at `offset` (from 0) in key order, or None past the end."""
        table = self._checked(entity_type)
        sql = f'SELECT canonical_uuid FROM "{table}" ORDER BY canonical_uuid LIMIT 1 OFFSET ?'
        row = self._query(sql, (offset,)).fetchone()
        return None if row is None else str(row[0])

    def _pages(
        self,
        entity_type: str,
        select: str,
        chunk_size: int,
        after_uuid: str | None,
        until_uuid: str | None,
    ):
        """Yield (table, raw rows) of `select`, canonical_uuid first, in key order."""
        table = self._checked(entity_type)
        sql = f'{select} FROM "{table}" WHERE canonical_uuid > ? '
        params: tuple = ()
        if until_uuid is not None:
            sql += "AND canonical_uuid <= ? "
            params = (until_uuid,)
        sql += "ORDER BY canonical_uuid LIMIT ?"
        last = after_uuid or ""
        while True:
            batch = self._query(sql, (last, *params, chunk_size)).fetchall()
            if not batch:
                return
            yield table, batch
            last = batch[-1][0]

    def rows_among(self, entity_type: str, keys) -> list[SourceRow]:
        """The rows whose canonical_uuid is in `keys`, in canonical_uuid order."""
        return [row for part in self.iter_rows_among(entity_type, keys) for row in part]

    def iter_rows_among(
        self, entity_type: str, keys, *, chunk_size: int = 500
    ) -> Iterator[list[SourceRow]]:
        """Yield the rows whose canonical_uuid is in `keys`, in canonical_uuid order.

        Looked up by key rather than by reading the whole table again: the rows a
        second pass wants are often a fraction of their type.
        """
        table = self._checked(entity_type)
        wanted = sorted(set(keys))
        head = f'{ROW_COLUMNS} FROM "{table}" WHERE canonical_uuid IN '
        part: list[SourceRow] = []
        # Below the 999 parameters older SQLite builds allow in one statement.
        for batch in batched(wanted, KEYS_PER_QUERY):
            sql = head + "(" + ", ".join(["?"] * len(batch)) + ") ORDER BY canonical_uuid"
            part += [make_row(table, values) for values in self._query(sql, batch)]
            while len(part) >= chunk_size:
                yield part[:chunk_size]
                part = part[chunk_size:]
        if part:
            yield part

    def sample_rows(self, entity_type: str, n: int = 5) -> list[SourceRow]:
        return next(self.iter_rows(entity_type, chunk_size=n), [])

    def iter_files(self) -> Iterator[SourceFile]:
        cursor = self._query(
            "SELECT canonical_uuid, parent_entity_type, parent_canonical_uuid, relative_path, "
            "declared_size_bytes, sha256, mime_hint FROM _files ORDER BY canonical_uuid"
        )
        for uuid, ptype, puuid, rel, size, sha, mime in cursor:
            yield SourceFile(
                str(uuid),
                str(ptype),
                str(puuid),
                str(rel).replace("\\", "/"),
                size if isinstance(size, int) else None,
                sha.lower() if sha else None,
                mime or None,
            )

    def files_summary(self) -> FilesSummary:
        total, with_sha, size = self._query(
            "SELECT COUNT(*), COUNT(sha256), COALESCE(SUM(declared_size_bytes), 0) FROM _files"
        ).fetchone()
        return FilesSummary(total, with_sha, total - with_sha, size)

    def iter_warnings(self) -> Iterator[SourceWarning]:
        cursor = self._query(
            "SELECT id, entity_type, source_id, severity, code, message, "
            "raw_data FROM _warnings ORDER BY id"
        )
        for wid, etype, sid, severity, code, message, raw in cursor:
            if severity not in ("info", "warn", "error"):
                severity = "warn"
            try:
                raw_data = json.loads(raw) if raw else None
            except ValueError:
                raw_data = raw
            yield SourceWarning(
                wid,
                etype,
                None if sid is None else str(sid),
                severity,
                str(code),
                str(message),
                raw_data,
            )
