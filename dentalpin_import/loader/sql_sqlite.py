"""The statements past the ORM that SQLite needs in its own dialect (see `sql`).

Inserts go as multi-row INSERTs on the plain sqlite3 cursor, ids are taken
after the highest ever used, key look-ups are IN lists, and a run gets a
larger page cache.
"""

from __future__ import annotations

import sqlite3
from itertools import chain

from django.db import connection

from dentalpin_import.reader.batches import IN_LIST, batched

# Rows per INSERT: the fewest instructions per row in a 1,000-patient import
# (15: +1.4%, 200: +0.6% against 50).
ROWS_PER_STATEMENT = 50


def write_rows(table: str, columns: str, rows: list) -> None:
    """INSERT `rows` on the plain sqlite3 cursor: `?` placeholders, none of Django's rewriting."""
    raw = connection.connection.cursor()
    try:
        with connection.wrap_database_errors:
            insert_blocks(raw, f"INSERT INTO {table} ({columns}) VALUES ", rows)
    finally:
        raw.close()


def insert_blocks(cursor, head: str, rows: list) -> None:
    """INSERT `rows` with statements of ROWS_PER_STATEMENT rows each, the rest one by one.

    `executemany` runs its one-row statement once per row, with SQLite's
    per-statement work every time: 5% of the instructions of an `import_dpmf`
    of 1,000 patients. Every full statement has the same text, so SQLite prepares it once
    per table (sqlite3's statement cache). SQLite inserts the VALUES rows in
    order, so ids given by AUTOINCREMENT keep the rows' order.
    """
    if not rows:
        return
    width = len(rows[0])
    # Rows are flattened into one parameter list: a row of another width would
    # shift every value after it into the wrong column instead of failing.
    if set(map(len, rows)) != {width}:
        raise ValueError(f"rows of different widths for {head!r}")
    one = "(" + ", ".join(["?"] * width) + ")"
    per = min(ROWS_PER_STATEMENT, variable_limit(cursor.connection) // width)
    whole = len(rows) - len(rows) % per if per > 1 else 0
    if whole:
        sql = head + ", ".join([one] * per)
        for start in range(0, whole, per):
            cursor.execute(sql, list(chain.from_iterable(rows[start : start + per])))
    if whole < len(rows):
        cursor.executemany(head + one, rows[whole:])


def variable_limit(conn: sqlite3.Connection) -> int:
    """How many `?` one statement may hold on this SQLite build (999 before 3.32)."""
    return conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


def allocate_ids(table: str, pk_column: str, count: int) -> list[int]:
    """`count` ids after the highest ever used, as the write lock of the caller's transaction
    holds them; both figures in one statement."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(MAX({quote(pk_column)}), 0), "
            "(SELECT seq FROM sqlite_sequence WHERE name = %s) "
            f"FROM {quote(table)}",
            [table],
        )
        highest, seq = cursor.fetchone()
    start = max(highest, seq or 0) + 1
    return list(range(start, start + count))


def rows_by_source_key(where: str, params: list, entity_types, uuids) -> tuple[str, list]:
    """`where` narrowed to these types and keys: SQLite walks the unique index for IN lists."""
    types = ", ".join(["%s"] * len(entity_types))
    marks = ", ".join(["%s"] * len(uuids))
    sql = f"{where} AND entity_type IN ({types}) AND canonical_uuid IN ({marks})"
    return sql, [*params, *entity_types, *uuids]


def rows_in_key_span(
    where: str, params: list, entity_types, uuids: list, most: int
) -> tuple[str, list]:
    """`where` (with `{n}`) narrowed to these types and to the keys from the least of `uuids`
    to the greatest, at most `most` + 1 rows a type. SQLite compares text byte by byte
    (BINARY), in the order of Python's `min` and `max`."""
    branch = (
        f"SELECT * FROM ({where} AND entity_type = %s AND canonical_uuid >= %s "
        "AND canonical_uuid <= %s LIMIT %s)"
    )
    sql = " UNION ALL ".join(branch.format(n=n) for n in range(len(entity_types)))
    low, high = min(uuids), max(uuids)
    values = []
    for entity_type in entity_types:
        values += [*params, entity_type, low, high, most + 1]
    return sql, values


def among(column: str, values: list) -> list[tuple[str, list]]:
    """`column IN (...)` over `values`, cut into statements of `IN_LIST` values."""
    return [
        (f"{column} IN ({', '.join(['%s'] * len(part))})", part)
        for part in batched(values, IN_LIST)
    ]


def page_cache_size() -> int:
    """The connection's `cache_size` pragma (negative: KiB; positive: pages)."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return int(cursor.fetchone()[0])


def set_page_cache_size(size: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA cache_size = {int(size)}")
