"""The gate an opened container passes before anything reads it (FORMAT.md §5-§7).

First the cheap checks every opening makes: the system tables and the columns
every reader query names, `_meta`, the format version, the hash algorithm,
the entity types. Then, to verify, the two that read the whole file: SQLite's
own check of every page's structure, and one pass that computes the integrity
hash while reading every row, file and warning the import reads, every column
of them, through the same index, and counts them against the tables. A file
that passes can be read whole; what fails is refused naming the table, the
column and the row position, never a value.
"""

from __future__ import annotations

import re
import sqlite3

from dentalpin_import.reader import errors as E
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.integrity import ENTITY_COLUMNS, HashPass
from dentalpin_import.reader.rows import EntityTypeInfo

ENTITY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# What the importer's tables can record, the same on every database: a type's name with
# the longest suffix its mappings take (".__skipped__") in 80 characters, and a source
# system in 40. Longer ones would import on SQLite and fail on PostgreSQL.
ENTITY_NAME_MAX = 64
SOURCE_SYSTEM_MAX = 40
PLAIN_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")
VERSION = re.compile(r"^[0-9A-Za-z.+-]{1,32}$")
SYSTEM_TABLES = ("_meta", "_entities", "_files", "_warnings")
REQUIRED_META = ("format_version", "source_system", "integrity_hash_algo")
# Each system table's columns, all of them and nothing else (FORMAT.md §5.2); the reader's
# queries name every one.
FILE_COLUMNS = (
    "canonical_uuid",
    "parent_entity_type",
    "parent_canonical_uuid",
    "relative_path",
    "declared_size_bytes",
    "sha256",
    "mime_hint",
)
WARNING_COLUMNS = ("id", "entity_type", "source_id", "severity", "code", "message", "raw_data")
ROW_COLUMN_NAMES = (*ENTITY_COLUMNS, "extracted_at")
COLUMNS = {
    "_meta": ("key", "value"),
    "_entities": ("entity_type", "row_count", "schema_version"),
    "_files": FILE_COLUMNS,
    "_warnings": WARNING_COLUMNS,
}
# How many unexpected columns a refusal names: enough to recognise the tool that
# added them, short enough for one line.
SHOWN_COLUMNS = 5
# quick_check lines about one row's values, not about the file's structure: a
# NULL in a NOT NULL column is that row's problem (it becomes a warning).
ROW_LEVEL_CHECK = re.compile(r"^(NULL|TEXT|INTEGER|REAL|BLOB|NUMERIC) value in |^CHECK constraint")


def check_version(version: str) -> None:
    """Accept any 0.x.y; refuse a missing or non-numeric major and any major above 0 (§7)."""
    try:
        major = int(version.split(".", 1)[0])
    except ValueError:
        raise ReadError(
            E.UNSUPPORTED_VERSION, E.MSG_VERSION.format(version=_shown(version))
        ) from None
    if major != 0:
        shown = version if VERSION.match(version) else _shown(version)
        raise ReadError(E.UNSUPPORTED_VERSION, E.MSG_VERSION.format(version=shown))


def load(container, *, verify: bool, progress) -> None:
    """Fill the container's meta, entity types and notes; with `verify`, read it all."""
    rows = container.query("SELECT name FROM sqlite_master WHERE type='table'")
    tables = {str(r[0]) for r in rows}
    missing = [t for t in SYSTEM_TABLES if t not in tables]
    if missing:
        raise ReadError(E.BAD_CONTAINER, E.MSG_NOT_CONTAINER.format(tables=", ".join(missing)))
    _check_schema(container, tables)
    for table, columns in COLUMNS.items():
        _check_columns(container, table, columns)
    container.meta = _read_meta(container)
    meta = container.meta
    absent = [k for k in REQUIRED_META if not meta.get(k, "").strip()]
    if "format_version" in absent:
        raise ReadError(E.UNSUPPORTED_VERSION, E.MSG_VERSION.format(version="(missing)"))
    check_version(container.format_version)
    if absent:
        raise ReadError(E.BAD_CONTAINER, E.MSG_META_LACKS.format(keys=", ".join(absent)))
    if len(meta["source_system"]) > SOURCE_SYSTEM_MAX:
        raise ReadError(
            E.BAD_CONTAINER,
            E.MSG_SOURCE_LONG.format(name=_shown(meta["source_system"]), limit=SOURCE_SYSTEM_MAX),
        )
    if meta["integrity_hash_algo"] != "sha256":
        algo = _shown(meta["integrity_hash_algo"])
        raise ReadError(E.HASH_ALGO, E.MSG_HASH_ALGO.format(algo=algo))
    if not container.declared_hash.strip():
        raise ReadError(E.HASH_MISSING, E.MSG_HASH_MISSING)
    _load_entities(container, tables)
    _note_oddities(container, tables)
    if verify:
        _check_pages(container)
        _check_every_row(container, progress)


def _check_schema(container, tables: set[str]) -> None:
    """Refuse what a DPMF file never holds and what would run code while it is read.

    A view or trigger runs SQL of the file's choosing, a virtual table a module's
    code, and a generated column is computed on every read: a small file could
    expand far past the unpacking cap that way.
    """
    objects = container.query(
        "SELECT type, name, COALESCE(sql, '') FROM sqlite_master "
        "WHERE type IN ('view', 'trigger', 'table') ORDER BY type, name"
    )
    for kind, name, sql in objects:
        if kind in ("view", "trigger"):
            raise ReadError(
                E.BAD_CONTAINER, E.MSG_SCHEMA_OBJECT.format(kind=kind, name=_shown(name))
            )
        if str(sql).lstrip().upper().startswith("CREATE VIRTUAL TABLE"):
            shown = _shown(name)
            raise ReadError(
                E.BAD_CONTAINER, E.MSG_SCHEMA_OBJECT.format(kind="virtual table", name=shown)
            )
    for table in sorted(t for t in tables if not t.startswith("sqlite_")):
        quoted = str(table).replace('"', '""')
        # table_xinfo's `hidden`: 2 and 3 are generated columns (virtual, stored).
        for row in container.query(f'PRAGMA table_xinfo("{quoted}")'):
            if row[6] in (2, 3):
                column = _shown(f"{table}.{row[1]}")
                raise ReadError(
                    E.BAD_CONTAINER,
                    E.MSG_SCHEMA_OBJECT.format(kind="generated column", name=column),
                )


def _check_columns(container, table: str, wanted) -> None:
    """Refuse a table the reader reads whose columns are not exactly the spec's (§5.2, §5.3).

    The spec gives each system table and each entity table its whole definition;
    what a newer minor version may add is entity types and payload keys, never a
    column. A column no reader query names would be carried along unchecked and
    unhashed, so a file holding one was changed after export or made by another
    tool. Names are compared as the spec writes them; declared types are not
    (each value's type is checked as it is read, and CHECKs may be absent, §5.2).
    """
    rows = container.query(f'PRAGMA table_info("{table}")', table=table)
    have = [str(r[1]) for r in rows]
    lacking = [c for c in wanted if c not in have]
    if lacking:
        raise ReadError(
            E.BAD_CONTAINER,
            E.MSG_MISSING_COLUMNS.format(table=table, columns=", ".join(lacking)),
        )
    extra = [c for c in have if c not in wanted]
    if len(extra) == 1:
        column = _shown(extra[0])
        raise ReadError(
            E.UNEXPECTED_COLUMN, E.MSG_UNEXPECTED_COLUMN.format(table=table, column=column)
        )
    if extra:
        shown = ", ".join(_shown(c) for c in extra[:SHOWN_COLUMNS])
        if len(extra) > SHOWN_COLUMNS:
            shown += ", …"
        raise ReadError(
            E.UNEXPECTED_COLUMN,
            E.MSG_UNEXPECTED_COLUMNS.format(table=table, count=len(extra), columns=shown),
        )


def _read_meta(container) -> dict[str, str]:
    meta = {}
    for key, value in container.query("SELECT key, value FROM _meta", table="_meta"):
        if not isinstance(key, str) or not isinstance(value, str):
            # Bytes or NULL would become "b'…'" or "None": a source system or version
            # nobody wrote. The columns have TEXT affinity, so only a hand-made table
            # or a blob gets here (§5.2).
            raise ReadError(E.BAD_CONTAINER, E.MSG_META_NOT_TEXT.format(key=_shown(key)))
        if "\x00" in key or "\x00" in value:
            # No database stores a NUL in text, and the job keeps the meta.
            key, value = key.replace("\x00", ""), value.replace("\x00", "")
            container.notes.append(f"_meta {_shown(key)}: NUL characters removed")
        meta[key] = value
    return meta


def _load_entities(container, tables: set[str]) -> None:
    rows = container.query(
        "SELECT entity_type, row_count, schema_version FROM _entities ORDER BY entity_type",
        table="_entities",
    )
    for entity_type, row_count, schema_version in rows:
        if not isinstance(entity_type, str) or not ENTITY_NAME.match(entity_type):
            raise ReadError(E.BAD_CONTAINER, E.MSG_TYPE_NAME.format(name=_shown(entity_type)))
        if len(entity_type) > ENTITY_NAME_MAX:
            name = _shown(entity_type)
            raise ReadError(
                E.BAD_CONTAINER, E.MSG_TYPE_NAME_LONG.format(name=name, limit=ENTITY_NAME_MAX)
            )
        if entity_type not in tables:
            raise ReadError(E.BAD_CONTAINER, E.MSG_TYPE_TABLE.format(name=entity_type))
        _check_columns(container, entity_type, ROW_COLUMN_NAMES)
        actual = container.query(f'SELECT COUNT(*) FROM "{entity_type}"', table=entity_type)[0][0]
        declared = _count(row_count)
        if declared is None:
            container.notes.append(f"{entity_type}: _entities gives no row count")
        elif declared != actual:
            container.notes.append(
                f"{entity_type}: _entities says {declared} rows, table has {actual}"
            )
        container.entity_types.append(
            EntityTypeInfo(entity_type, declared or 0, str(schema_version), actual)
        )


def _note_oddities(container, tables: set[str]) -> None:
    listed = {t.entity_type for t in container.entity_types} | set(SYSTEM_TABLES)
    for table in sorted(tables - listed - {"sqlite_sequence"}):
        container.notes.append(
            f"table {_shown(table)} is not listed in _entities: ignored, not hashed"
        )
    version = container.query("PRAGMA user_version")[0][0]
    if version != 1:
        container.notes.append(f"SQLite user_version is {version}, expected 1")


def _check_pages(container) -> None:
    """Have SQLite check every page's structure, so no later read meets a damaged one.

    The CHECK constraints (json_valid) are about one row: a row whose JSON is
    bad becomes that row's warning, so they are left out of the check.
    """
    with container.reading():
        conn = container.conn
        conn.execute("PRAGMA ignore_check_constraints = ON")
        try:
            lines = [str(r[0]) for r in conn.execute("PRAGMA quick_check(100)")]
        finally:
            conn.execute("PRAGMA ignore_check_constraints = OFF")
    if any(line != "ok" and not ROW_LEVEL_CHECK.match(line) for line in lines):
        raise ReadError(E.CORRUPT_DATABASE, E.MSG_DB_DAMAGED)


def _check_every_row(container, progress) -> None:
    """Read every row the import reads while computing the hash; compare the hash."""
    total = sum(t.actual_count for t in container.entity_types)
    report = (lambda done: progress("hash", done, total)) if progress else None
    types = [t.entity_type for t in container.entity_types]
    # extracted_at is not hashed, but the import reads it: read here, it is proven too.
    hashing = HashPass(container.conn, types, report, ("extracted_at",))
    try:
        container.computed_hash = hashing.run()
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        columns = COLUMNS.get(hashing.table, ROW_COLUMN_NAMES)
        raise container.refusal(exc, hashing.table, columns) from None
    # Counted the other way, in the table itself rather than through the key index
    # every read goes through: an index that lost rows would hide them from the import.
    held = {}
    for table in [*types, "_files", "_warnings"]:
        sql = f'SELECT COUNT(*) FROM "{table}" NOT INDEXED'
        held[table] = container.query(sql, table=table)[0][0]
    for table, count in held.items():
        listed = hashing.rows.get(table, 0)
        if listed != count:
            raise ReadError(
                E.CORRUPT_DATABASE, E.MSG_DB_INDEX.format(table=table, held=count, listed=listed)
            )
    if container.computed_hash != container.declared_hash.strip().lower():
        raise ReadError(
            E.HASH_MISMATCH,
            E.MSG_HASH_MISMATCH.format(
                declared=_plain(container.declared_hash), computed=container.computed_hash
            ),
        )


def _count(value) -> int | None:
    """A row count as `_entities` gives it, or None when it is not a whole number."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and value >= 0 else None


def _plain(value) -> str:
    """A value of the file fit for a message: a plain name or hash, else a stand-in."""
    text = str(value)
    return text if PLAIN_NAME.match(text) else "(unusual value)"


def _shown(value) -> str:
    """A name or setting from the file for a note or message: quoted, escaped, cut short."""
    return repr(str(value)[:64])
