"""Turn an error of the SQLite layer into a refusal that says where, never what.

Python's sqlite3 puts the text it could not decode into its message ("Could
not decode to UTF-8 column 'payload' with text '…'"), which would carry a
patient's name into the job's error and the audit log. So no message of an
exception is passed on as it is: the decoding failure is told by table,
column and row position; SQLite's own messages (they name tables and columns,
not values) are kept only for errors SQLite raised.
"""

from __future__ import annotations

import re
import sqlite3

from dentalpin_import.reader import errors as E
from dentalpin_import.reader.errors import ReadError

DECODE = re.compile(r"Could not decode to UTF-8 column '([A-Za-z_][A-Za-z0-9_]*)'")
NO_SUCH = re.compile(r"no such (?:table|column): [A-Za-z_][A-Za-z0-9_.]*")
UUID = re.compile(r"^[0-9a-fA-F-]{36}$")
# Errors SQLite raises when a page, a record or the header does not hold together.
DAMAGE = ("SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_TOOBIG", "SQLITE_MISMATCH")
# The order each table is read in, to count a row's position the way a reader sees it.
ORDER = {"_meta": "key", "_entities": "entity_type", "_warnings": "id"}


def refusal(exc: BaseException, table: str | None = None) -> ReadError:
    """The refusal for an exception raised while reading the container (in `table`, if known)."""
    if isinstance(exc, UnicodeDecodeError):
        # SQLite's message itself was not UTF-8: it quoted a damaged name from the schema.
        return ReadError(E.CORRUPT_DATABASE, E.MSG_DB_DAMAGED)
    name = getattr(exc, "sqlite_errorname", None) or ""
    if not name:
        found = DECODE.match(str(exc))
        if found and table:
            return ReadError(E.BAD_TEXT, E.MSG_BAD_TEXT_IN.format(table=table))
        if found:
            return ReadError(E.BAD_TEXT, E.MSG_BAD_TEXT_ANY)
        return ReadError(E.BAD_CONTAINER, E.MSG_UNREADABLE.format(detail=type(exc).__name__))
    if name.startswith(DAMAGE):
        if table:
            return ReadError(E.CORRUPT_DATABASE, E.MSG_DB_DAMAGED_IN.format(table=table))
        return ReadError(E.CORRUPT_DATABASE, E.MSG_DB_DAMAGED)
    message = str(exc)
    if NO_SUCH.fullmatch(message):
        return ReadError(E.BAD_CONTAINER, E.MSG_UNREADABLE.format(detail=message))
    # SQLite's own words ("disk I/O error", "integer overflow"…) hold no row values.
    detail = "".join(c for c in message if c.isprintable())[:120] or name
    return ReadError(E.BAD_CONTAINER, E.MSG_UNREADABLE.format(detail=detail))


def locate_bad_text(conn: sqlite3.Connection, table: str, columns: list[str]) -> ReadError | None:
    """Find the first value of `table` that is not UTF-8 and name its column and row.

    Runs only after a decoding failure: every value is read as bytes and
    decoded here. The row is counted in the order readers read the table
    (canonical id, key, id); the canonical id is named only when it is one.
    """
    order = ORDER.get(table, "canonical_uuid")
    key = "canonical_uuid" if "canonical_uuid" in columns else None
    picked = ", ".join(f"CAST({c} AS BLOB)" for c in columns)
    cursor = conn.execute(f'SELECT {picked} FROM "{table}" ORDER BY {order}')
    for position, values in enumerate(cursor, start=1):
        for column, value in zip(columns, values, strict=True):
            if value is None:
                continue
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                uuid = values[columns.index(key)] if key else None
                return _bad_text(table, column, position, uuid)
    return None


def _bad_text(table: str, column: str, row: int, uuid: bytes | None) -> ReadError:
    try:
        text = uuid.decode("utf-8") if uuid is not None else ""
    except UnicodeDecodeError:
        text = ""
    if UUID.match(text):
        return ReadError(
            E.BAD_TEXT,
            E.MSG_BAD_TEXT_ID.format(table=table, column=column, row=row, uuid=text),
        )
    return ReadError(E.BAD_TEXT, E.MSG_BAD_TEXT.format(table=table, column=column, row=row))
