"""The statements past the ORM that PostgreSQL needs in its own dialect (see `sql`).

Inserts go by COPY, ids come from the table's sequence, key look-ups send
their keys as one array, and the clinic import lock is a session-level
advisory lock on a connection of its own (`jobs.locks`).
"""

from __future__ import annotations

import hashlib

from django.db import DatabaseError, connection, connections


def write_rows(table: str, columns: str, rows: list) -> None:
    """COPY `rows` into the table: one statement, however many rows."""
    with connection.cursor() as cursor:
        # The raw psycopg cursor: wrap its errors so callers see Django's DatabaseError.
        with connection.wrap_database_errors:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


def allocate_ids(table: str, pk_column: str, count: int) -> list[int]:
    """`count` values of the table's sequence.

    The sequence is looked up once: `pg_get_serial_sequence` per value took
    2.6 ms of the server's time per 1,000 ids, against 0.4 ms for `nextval` itself.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq) "
            "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
            [connection.ops.quote_name(table), pk_column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def rows_by_source_key(where: str, params: list, entity_types, uuids) -> tuple[str, list]:
    """`where` narrowed to these types and keys: one branch per type, the keys as one array.

    Each branch names its type with `=`, so the unique index's first three
    columns always narrow the scan. With `entity_type = ANY(...)` a table the
    planner has no statistics of yet (a first import, a re-run just after it)
    was scanned over the whole clinic per chunk: 8 ms a look-up at 1,000 patients.
    """
    keys, key_params = _key_array(list(uuids))
    branch = f"{where} AND entity_type = %s AND canonical_uuid = ANY({keys})"
    sql = " UNION ALL ".join([branch] * len(entity_types))
    values = []
    for entity_type in entity_types:
        values += [*params, entity_type, *key_params]
    return sql, values


def rows_in_key_span(
    where: str, params: list, entity_types, uuids: list, most: int
) -> tuple[str, list]:
    """`where` (with `{n}`) narrowed to these types and to the keys from the least of `uuids`
    to the greatest, at most `most` + 1 rows a type.

    The least and greatest are the server's: in the column's own order of text (its
    collation), whatever Python's order of the keys.
    """
    keys, key_params = _key_array(uuids)
    span = (
        f"WITH span AS MATERIALIZED (SELECT min(k) AS lo, max(k) AS hi FROM unnest({keys}) AS k) "
    )
    branch = (
        f"({where} AND entity_type = %s AND canonical_uuid >= (SELECT lo FROM span) "
        "AND canonical_uuid <= (SELECT hi FROM span) LIMIT %s)"
    )
    sql = span + " UNION ALL ".join(branch.format(n=n) for n in range(len(entity_types)))
    values = list(key_params)
    for entity_type in entity_types:
        values += [*params, entity_type, most + 1]
    return sql, values


# No usable key holds it (keys are printable): keys joined by it are one text to send.
KEY_SEPARATOR = "\x1f"


def _key_array(keys: list[str]) -> tuple[str, list]:
    """SQL for `keys` as one text array, and its parameters.

    Sent as one text the server splits: psycopg writes a list as an array literal
    element by element in Python, a third of a re-run's look-ups. Keys holding the
    separator, or an empty key, go as a list.
    """
    text = KEY_SEPARATOR.join(keys)
    if all(keys) and text.count(KEY_SEPARATOR) == len(keys) - 1:
        return "string_to_array(%s, %s)", [text, KEY_SEPARATOR]
    return "%s::text[]", [keys]


def update_by_pk(table: str, pk_column: str, columns: list[str], rows: list) -> None:
    """Set `columns` of each row (values..., primary key, each key once): the rows go by COPY
    into a temporary table of the same columns, and one UPDATE takes them from there.

    `executemany` sent a statement per row: at 10,000 patients a cutover's updates took
    a quarter of its time. The temporary table lasts the session, emptied by the UPDATE
    that reads it (and at each commit, should a statement fail in between); one rolled
    back with a savepoint is made again.
    """
    quote = connection.ops.quote_name
    name = hashlib.blake2b(f"{table}:{','.join(columns)}".encode(), digest_size=8).hexdigest()
    temp = quote(f"dpmf_update_{name}")
    names = ", ".join(quote(c) for c in (*columns, pk_column))
    sets = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns)
    pk = quote(pk_column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {temp} ON COMMIT DELETE ROWS "
            f"AS SELECT {names} FROM {quote(table)} WITH NO DATA"
        )
        with connection.wrap_database_errors:
            with cursor.cursor.copy(f"COPY {temp} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        cursor.execute(
            f"WITH v AS (DELETE FROM {temp} RETURNING *) "
            f"UPDATE {quote(table)} AS t SET {sets} FROM v WHERE t.{pk} = v.{pk}"
        )


def among(column: str, values: list) -> list[tuple[str, list]]:
    """`column = ANY(...)` over `values`: one array, one statement."""
    return [(f"{column} = ANY(%s)", [list(values)])] if values else []


def analyze_grown(written: dict[str, int], growth: float) -> list[str]:
    """ANALYZE the tables of `written` ({table: rows just written}) that the rows outgrew: never
    analyzed, or grown by `growth` of the rows the planner counts; return them."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t, c.reltuples FROM unnest(%s::text[]) AS t "
            "JOIN pg_class c ON c.oid = to_regclass(quote_ident(t))",
            [sorted(written)],
        )
        grown = [
            t for t, tuples in cursor.fetchall() if tuples < 0 or written[t] >= growth * tuples
        ]
        if grown:
            cursor.execute(f"ANALYZE {', '.join(quote(t) for t in grown)}")
    return grown


# --- the clinic import lock (jobs.locks) ----------------------------------------------

HOLDER_SQL = """
    SELECT a.application_name
    FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid::bigint = %s AND l.objid::bigint = %s
"""


def lock_session(alias: str, settings: tuple[str, ...], name: str, key: int):
    """A new session of `alias` holding advisory lock `key`, named `name`; None if taken.

    Each of `settings` (SET statements) is tried alone: an older server or a
    Unix socket may not know one, and the session goes on without it.
    """
    conn = connections[alias].copy()
    try:
        conn.ensure_connection()
        with conn.cursor() as cursor:
            for statement in settings:
                try:
                    cursor.execute(statement)
                except DatabaseError:
                    pass  # autocommit: nothing to roll back
            cursor.execute("SELECT set_config('application_name', %s, false)", [name])
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            taken = cursor.fetchone()[0]
    except BaseException:
        conn.close()
        raise
    if not taken:
        conn.close()
        return None
    return conn


def name_session(conn, name: str) -> None:
    with conn.cursor() as cursor:
        cursor.execute("SELECT set_config('application_name', %s, false)", [name])


def unlock(conn, key: int) -> None:
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def ping(conn) -> None:
    """Raise DatabaseError when the session is gone."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1")


def lock_holder_name(alias: str, key: int) -> str | None:
    """The application_name of the session holding advisory lock `key`; None if nobody holds it.

    Empty when the holder's name cannot be read.
    """
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    with connections[alias].cursor() as cursor:
        # pg_stat_activity is read once per transaction unless told otherwise: a probe
        # inside one would keep seeing the holder's name as it was the first time.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(HOLDER_SQL, [unsigned >> 32, unsigned & 0xFFFF_FFFF])
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] or ""
