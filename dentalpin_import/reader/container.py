"""Open a DPMF file of any layering and read it (FORMAT.md §1, §2, §5, §7).

Plaintext (decrypted or decompressed) only ever exists inside one private
temporary directory, which is removed on every exit path.

Validation (`load` with `verify`) reads every row, file and warning the import
reads, every column of them, through the same index, and has SQLite check the
structure of every page: a file that passes can be read whole. Any error of
the layers or of SQLite is a `ReadError` naming where it happened (table,
column, row position, canonical id), never a value.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dentalpin_import.reader import errors as E
from dentalpin_import.reader import gate, sqlite_errors
from dentalpin_import.reader.batches import batched
from dentalpin_import.reader.crypto import hidden
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.gate import (
    COLUMNS,
    FILE_COLUMNS,
    ROW_COLUMN_NAMES,
    WARNING_COLUMNS,
    check_version,
)
from dentalpin_import.reader.integrity import FILES_SQL, WARNINGS_SQL
from dentalpin_import.reader.pages import may_repeat_keys, whole_keys, whole_pages
from dentalpin_import.reader.rows import (
    EntityTypeInfo,
    FilesSummary,
    SourceFile,
    SourceRow,
    SourceWarning,
    make_row,
)
from dentalpin_import.reader.system_values import key_text, text_or_none, warning_raw_data
from dentalpin_import.reader.unpack import (
    SQLITE_HEADER,
    SQLITE_MAGIC,
    Layering,
    Progress,
    detect_layering,
    disk_full,
    hash_file,
    sqlite_header_problem,
    unreadable,
    unwrap,
)

__all__ = ["Container", "Layering", "ReadError", "check_version", "detect_layering", "open_dpmf"]

KEYS_PER_QUERY = 500
# The longest text or blob a read may return (SQLite's own default is 1 GB).
MAX_VALUE_BYTES = 64 * 1024 * 1024
# What `make_row` takes, in its order.
ROW_COLUMNS = "SELECT " + ", ".join(ROW_COLUMN_NAMES)


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
    """Open, unwrap, gate and (with `verify`) check a DPMF file, every row of it.

    Raises `ReadError` for any refusal; the private temp dir is gone afterwards.
    Errors raised by the caller's own block pass through unchanged.
    """
    passphrase = hidden(passphrase)  # from here on, every frame holds it as stars
    path = Path(path)
    layering = detect_layering(path)
    try:
        workdir = Path(tempfile.mkdtemp(prefix="dpmf-", dir=tmp_dir))
        os.chmod(workdir, 0o700)
    except OSError as exc:
        if disk_full(exc):
            raise
        reason = exc.strerror or type(exc).__name__
        folder = tmp_dir or tempfile.gettempdir()
        raise ReadError(
            E.UNPACK_FAILED, E.MSG_UNPACK_FAILED.format(folder=folder, reason=reason)
        ) from None
    try:
        container = _opened(path, layering, workdir, passphrase, max_unpacked_bytes, progress)
        try:
            container.load(verify=verify, progress=progress)
            yield container
        finally:
            container.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _opened(path, layering, workdir, passphrase, max_bytes, progress) -> Container:
    try:
        file_sha256 = hash_file(path, progress)
        sqlite_path, unpacked = unwrap(path, layering, workdir, passphrase, max_bytes, progress)
        return Container(
            path, sqlite_path, layering, file_sha256, unpacked, private=sqlite_path != path
        )
    except OSError as exc:  # writing the copy is UNPACK_FAILED already: this is the file
        if disk_full(exc):
            raise
        raise unreadable(exc) from None


@dataclass
class ReadThrough:
    """What `Container.read_through` read: keys, rows (and how many a warning), files, warnings."""

    keys: int = 0
    rows: int = 0
    undecodable: int = 0
    files: int = 0
    warnings: int = 0


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
            head = fh.read(SQLITE_HEADER)
        if not head.startswith(SQLITE_MAGIC):
            raise ReadError(E.BAD_CONTAINER, E.MSG_NOT_SQLITE)
        problem = sqlite_header_problem(head, sqlite_path.stat().st_size)
        if problem is not None:
            raise problem
        flags = "mode=ro&immutable=1" if private else "mode=ro"
        self.conn = sqlite3.connect(
            f"file:{sqlite_path}?{flags}", uri=True, check_same_thread=False
        )
        # The file's schema is not trusted: no function of it runs with side effects,
        # and no one value may be larger than a payload ever is.
        self.conn.execute("PRAGMA trusted_schema = OFF")
        self.conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        self.meta: dict[str, str] = {}
        self.entity_types: list[EntityTypeInfo] = []
        self.notes: list[str] = []
        self.computed_hash: str | None = None
        self._repeats: dict[str, bool] = {}  # types whose table may hold a key twice

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

    @contextmanager
    def reading(self, table: str | None = None, columns=()):
        """Turn any error of a read in `table` into the refusal that names where it happened."""
        try:
            yield
        except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
            raise  # a closed container, a wrong binding: the code's mistake, not the file's
        except (sqlite3.Error, UnicodeDecodeError) as exc:
            raise self.refusal(exc, table, columns) from None

    def refusal(self, exc: BaseException, table: str | None, columns=()) -> ReadError:
        """The refusal for `exc`; a text that is not UTF-8 is located to its row and column."""
        refusal = sqlite_errors.refusal(exc, table)
        if refusal.code != E.BAD_TEXT or not table or not columns:
            return refusal
        try:
            return sqlite_errors.locate_bad_text(self.conn, table, list(columns)) or refusal
        except (sqlite3.Error, UnicodeDecodeError):
            return refusal

    def _all(self, sql: str, params=(), table: str | None = None, columns=()) -> list[tuple]:
        with self.reading(table, columns):
            return self.conn.execute(sql, params).fetchall()

    def keyless_source_ids(self, entity_type: str) -> list:
        """Source ids of the rows whose canonical id is NULL, empty, a number or bytes.

        Keyed reads never meet them. In SQLite's order NULL < numbers < text < BLOB,
        so these bounds are exactly the ids that are no non-empty text, found through
        the index: asked for by rowid, as asked for in rowid order the planner would
        read the whole table instead.
        """
        table = self._checked(entity_type)
        keyless = "canonical_uuid IS NULL OR canonical_uuid <= '' OR canonical_uuid >= x''"
        rows = self.query(
            f'SELECT source_id FROM "{table}" WHERE rowid IN '
            f'(SELECT rowid FROM "{table}" WHERE {keyless}) ORDER BY rowid',
            table=entity_type,
        )
        return [source_id for (source_id,) in rows]

    def query(self, sql: str, params=(), *, table: str | None = None) -> list[tuple]:
        """The rows of a read-only query on the container; any error of it is a refusal."""
        listed = table in {t.entity_type for t in self.entity_types}
        return self._all(sql, params, table, ROW_COLUMN_NAMES if listed else COLUMNS.get(table, ()))

    def _stream(self, sql: str, table: str, columns, size: int = 1000) -> Iterator[tuple]:
        """The rows of `sql`, fetched a batch at a time; errors refused, the caller's not."""
        with self.reading(table, columns):
            cursor = self.conn.execute(sql)
        while True:
            with self.reading(table, columns):
                batch = cursor.fetchmany(size)
            if not batch:
                return
            yield from batch

    def load(self, *, verify: bool, progress: Progress | None) -> None:
        """Gate the container (tables, meta, version, hash); with `verify`, read all of it."""
        gate.load(self, verify=verify, progress=progress)

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
        rows = self._all(sql, (offset,), table, ROW_COLUMN_NAMES)
        return None if not rows else str(rows[0][0])

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
            batch = self._all(sql, (last, *params, chunk_size), table, ROW_COLUMN_NAMES)
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
            found = self._all(sql, batch, table, ROW_COLUMN_NAMES)
            part += [make_row(table, values) for values in found]
            while len(part) >= chunk_size:
                yield part[:chunk_size]
                part = part[chunk_size:]
        if part:
            yield part

    # What the runner reads, the same on every source (a CSV sheet's too).

    def repeats_keys(self, entity_type: str) -> bool:
        if entity_type not in self._repeats:
            self._repeats[entity_type] = may_repeat_keys(self, entity_type)
        return self._repeats[entity_type]

    def chunks(
        self, entity_type: str, *, chunk_size: int, after_uuid: str | None = None
    ) -> Iterator[list[SourceRow]]:
        """Every row of the type in canonical_uuid order, a key's copies never split."""
        repeats = self.repeats_keys(entity_type)
        return whole_pages(
            self, entity_type, chunk_size=chunk_size, after_uuid=after_uuid, repeats=repeats
        )

    def key_chunks(self, entity_type: str, *, chunk_size: int) -> Iterator[list[str]]:
        """`iter_keys`, with a page's last key repeated as often as the table holds it."""
        repeats = self.repeats_keys(entity_type)
        for keys in self.iter_keys(entity_type, chunk_size=chunk_size):
            yield whole_keys(self, entity_type, keys) if repeats else keys

    def final_chunks(self, entity_type: str, keys, *, chunk_size: int) -> Iterator[list[SourceRow]]:
        """The rows of `keys`, for a type's final pass."""
        return self.iter_rows_among(entity_type, keys, chunk_size=chunk_size)

    def read_through(self) -> ReadThrough:
        """Read every key, row, file and warning the way the import reads them.

        Validation already read all of it through the same index; this is the
        import's own path (keyed pages, rows as objects, their JSON decoded),
        for `inspect_dpmf` to show that its "OK" holds and what it holds.
        """
        seen = ReadThrough()
        for info in self.entity_types:
            for keys in self.iter_keys(info.entity_type, chunk_size=2000):
                seen.keys += len(keys)
            for rows in self.iter_rows(info.entity_type, chunk_size=2000):
                seen.rows += len(rows)
                seen.undecodable += sum(1 for row in rows if row.decode_error is not None)
        seen.files = sum(1 for _ in self.iter_files())
        seen.warnings = sum(1 for _ in self.iter_warnings())
        return seen

    def sample_rows(self, entity_type: str, n: int = 5) -> list[SourceRow]:
        return next(self.iter_rows(entity_type, chunk_size=n), [])

    def iter_files(self) -> Iterator[SourceFile]:
        for uuid, ptype, puuid, rel, size, sha, mime in self._stream(
            FILES_SQL, "_files", FILE_COLUMNS
        ):
            # Ids keep a NUL for the loader to refuse the row; a path only loses it.
            yield SourceFile(
                key_text(uuid),
                key_text(ptype),
                key_text(puuid),
                (text_or_none(rel) or "").replace("\\", "/"),
                size if isinstance(size, int) else None,
                sha.lower() if isinstance(sha, str) and sha else None,
                text_or_none(mime) or None,
            )

    def files_summary(self) -> FilesSummary:
        # TOTAL, not SUM: a declared size near 2**63 must not overflow the sum.
        total, with_sha, size = self._all(
            "SELECT COUNT(*), COUNT(CASE WHEN typeof(sha256) = 'text' AND sha256 <> '' THEN 1 END),"
            " TOTAL(CASE WHEN typeof(declared_size_bytes) = 'integer' AND declared_size_bytes > 0"
            " THEN declared_size_bytes END) FROM _files",
            table="_files",
        )[0]
        return FilesSummary(total, with_sha, total - with_sha, int(size))

    def iter_warnings(self) -> Iterator[SourceWarning]:
        for wid, etype, sid, severity, code, message, raw in self._stream(
            WARNINGS_SQL, "_warnings", WARNING_COLUMNS
        ):
            if severity not in ("info", "warn", "error"):
                severity = "warn"
            yield SourceWarning(
                wid,
                text_or_none(etype),
                text_or_none(sid),
                severity,
                text_or_none(code) or "",
                text_or_none(message) or "",
                warning_raw_data(raw),
            )
