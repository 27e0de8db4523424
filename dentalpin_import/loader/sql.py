"""Every statement of the project that bypasses the ORM.

The statements that read the same on every database are here; what needs a
database's own dialect is in `sql_postgres` and `sql_sqlite`, and the
functions here pick the one of the connection. No other module opens a
cursor, and no mapper imports the connection
(tests/architecture/test_raw_sql_home.py).

Plain SQL is kept for what the ORM does too slowly or cannot say: bulk
inserts with ids allocated up front, look-ups of thousands of source keys,
set-wise updates and checks whose subqueries the ORM would scope to the
clinic again (SQLite then walks every line of the clinic per budget).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from contextlib import contextmanager

from django.db import connection

from dentalpin_import.loader import sql_postgres, sql_sqlite

# Ids per IN list of the reconciliation checks: what every database accepts.
CHECK_BATCH = 500
# A table is analyzed after a run wrote this many rows to it, and a tenth of what it held:
# below 5,000 rows a plan misled by missing statistics cost 0.04 s at the most.
ANALYZE_MIN_ROWS, ANALYZE_GROWTH = 5000, 0.1
_BULK = {"postgresql": "COPY", "sqlite": "INSERT INTO"}  # how a bulk write is logged


def _dialect():
    return sql_postgres if connection.vendor == "postgresql" else sql_sqlite


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def write_rows(table: str, column_names: Sequence[str], rows: list) -> None:
    """Send rows to the table: COPY on PostgreSQL, multi-row INSERTs on SQLite, else executemany."""
    columns = ", ".join(q(c) for c in column_names)
    if connection.vendor in ("postgresql", "sqlite"):
        with _logged(f"{_BULK[connection.vendor]} {q(table)} ({columns}): {len(rows)} rows"):
            _dialect().write_rows(q(table), columns, rows)
        return
    marks = ", ".join(["%s"] * len(column_names))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {q(table)} ({columns}) VALUES ({marks})", rows)


def update_by_pk(table: str, pk_column: str, column_names: Sequence[str], rows: list) -> None:
    """Set `column_names` of each row (values..., pk).

    A cutover's changed rows: Django's `bulk_update` builds a CASE expression per row
    and field, which cost a millisecond a row. PostgreSQL takes the rows by COPY and
    updates them in one statement (`sql_postgres.update_by_pk`, inside a transaction: its
    temporary table is emptied at each commit); elsewhere, and for rows naming one key
    twice (each update then applies in turn), one prepared statement is run per row
    (executemany).
    """
    if not rows:
        return
    if (
        connection.vendor == "postgresql"
        and connection.in_atomic_block
        and len({row[-1] for row in rows}) == len(rows)
    ):
        with _logged(f"COPY to update {q(table)}: {len(rows)} rows"):
            sql_postgres.update_by_pk(table, pk_column, list(column_names), rows)
        return
    sets = ", ".join(f"{q(c)} = %s" for c in column_names)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {q(table)} SET {sets} WHERE {q(pk_column)} = %s", rows)


@contextmanager
def _logged(description: str):
    """Log a bulk write as one query where Django logs queries (DEBUG, CaptureQueriesContext).

    COPY and SQLite's multi-row INSERTs go past Django's cursor wrapper, which
    would otherwise leave them out of every query count.
    """
    if not connection.queries_logged:
        yield
        return
    began = time.monotonic()
    try:
        yield
    finally:
        elapsed = time.monotonic() - began
        connection.queries_log.append({"sql": description, "time": f"{elapsed:.3f}"})


def allocate_ids(table: str, pk_column: str, count: int) -> list[int]:
    """Reserve `count` new primary keys of `table` (inside the caller's transaction)."""
    return _dialect().allocate_ids(table, pk_column, count)


def rows_by_source_key(
    table: str, select: str, params: list, clinic_id, source_system: str, entity_types, uuids
) -> list[tuple]:
    """`select` (with its `params`) of `table`'s rows for these source keys of one clinic and
    source system.

    Plain SQL: Django's ORM spends more building a thousand-item IN and
    converting every value back than the database spends answering. On
    PostgreSQL the keys go as one array: psycopg splits a query at its
    placeholders in Python, and a thousand of them took a fifth of a re-run.
    """
    if not uuids or not entity_types:
        return []
    where = f"SELECT {select} FROM {q(table)} WHERE clinic_id = %s AND source_system = %s"
    sql, values = _dialect().rows_by_source_key(
        where, [*params, clinic_id, source_system], list(entity_types), list(uuids)
    )
    return fetch(sql, values)


def rows_in_key_span(
    table: str,
    select: str,
    params: list,
    clinic_id,
    source_system: str,
    entity_types,
    uuids,
    most: int,
) -> list[tuple] | None:
    """`rows_by_source_key` for keys that follow one another in the file (a chunk of a type's
    keys): every row of each type whose key lies between the least and the greatest of
    `uuids`, in the database's own order of text; None when a type has more than `most`
    rows there.

    One range of the unique index instead of a probe per key: a fifth of the database's
    time for a chunk of a re-run on PostgreSQL. Rows of keys the file no longer has come
    too (the caller keeps its own keys); many of them, or a database ordering text
    otherwise than the file, make it None, and the caller probes key by key.
    """
    if not uuids or not entity_types:
        return []
    # Each type's rows end with the type's position, `{n}`: counted apart.
    where = f"SELECT {select}, {{n}} FROM {q(table)} WHERE clinic_id = %s AND source_system = %s"
    sql, values = _dialect().rows_in_key_span(
        where, [*params, clinic_id, source_system], list(entity_types), list(uuids), most
    )
    rows = fetch(sql, values)
    counts = Counter(row[-1] for row in rows)
    if any(n > most for n in counts.values()):
        return None
    return [row[:-1] for row in rows]


def mappings_of_type(
    table: str, clinic_id, source_system: str, entity_type: str, job, after: str | None, page: int
) -> list[tuple]:
    """(canonical_uuid, target_table, target_id, true unless mapped by `job`) of up to `page`
    mappings of one type of this clinic and source, in key order, after the key `after`.

    Every mapping of the page comes back, the job's too: the next page starts after the
    last key whoever mapped it.
    """
    where = "clinic_id = %s AND source_system = %s AND entity_type = %s"
    params = [job, clinic_id, source_system, entity_type]
    if after is not None:
        where += " AND canonical_uuid > %s"
        params.append(after)
    return fetch(
        "SELECT canonical_uuid, target_table, target_id, COALESCE(job_id <> %s, 1 = 1) "
        f"FROM {q(table)} WHERE {where} ORDER BY canonical_uuid LIMIT %s",
        [*params, page],
    )


def types_with_rows(table: str, clinic_id, source_system: str, pairs: list[tuple]) -> set[int]:
    """The positions in `pairs` ((entity type, its skip-marker type), ...) of which `table` has a
    row of this clinic and source, each an index probe (an EXISTS), asked in one statement.
    """
    probe = (
        f"SELECT {{n}} WHERE EXISTS (SELECT 1 FROM {q(table)} WHERE clinic_id = %s"
        " AND source_system = %s AND entity_type IN (%s, %s))"
    )
    sql = " UNION ALL ".join(probe.format(n=n) for n in range(len(pairs)))
    params = []
    for entity_type, marker in pairs:
        params += [clinic_id, source_system, entity_type, marker]
    return {n for (n,) in fetch(sql, params)}


def refresh_statistics(written: dict[str, int]) -> list[str]:
    """Let PostgreSQL's planner see what a run has just written ({table: rows}); return the
    tables analyzed. SQLite plans without statistics.

    Until autovacuum comes round (a minute at the soonest), the planner takes a
    freshly filled table for a handful of rows. Linking budget lines to their
    treatments through the mappings then took a nested loop over every pair:
    1 s at 1,000 patients (112 s at 10,000 with autovacuum held off), against
    2 ms once analyzed; checking family payments took 2 s at 10,000 patients
    against a few milliseconds. As autovacuum does, only a table the rows grew
    by a tenth is analyzed (0.1 s for the mappings of 10,000 patients).
    """
    written = {t: n for t, n in written.items() if n >= ANALYZE_MIN_ROWS}
    if not written or connection.vendor != "postgresql":
        return []
    return sql_postgres.analyze_grown(written, ANALYZE_GROWTH)


# --- reconciliation (loader.reconcile, loader.derived) ------------------------------


def orphan_count(child_table: str, column: str, parent_table: str, clinic_id) -> int:
    """Rows of the clinic whose parent is missing or belongs to another clinic."""
    c, p = q(child_table), q(parent_table)
    sql = (
        f"SELECT COUNT(*) FROM {c} LEFT JOIN {p} ON {c}.{q(column)} = {p}.id "
        f"WHERE {c}.clinic_id = %s AND {c}.{q(column)} IS NOT NULL "
        f"AND ({p}.id IS NULL OR {p}.clinic_id <> {c}.clinic_id)"
    )
    return fetch(sql, [clinic_id])[0][0]


def _first_column_among(sql: str, clinic_id, ids: list) -> list:
    """The first column of `sql` (the clinic, then `{marks}` for ids) over `ids`, in batches."""
    found = []
    for start in range(0, len(ids), CHECK_BATCH):
        part = ids[start : start + CHECK_BATCH]
        marks = ", ".join(["%s"] * len(part))
        found += [value for (value, *_) in fetch(sql.format(marks=marks), [clinic_id, *part])]
    return found


def budgets_with_wrong_totals(budget_table, line_table, clinic_id, ids, totals: dict) -> list:
    """Numbers of the budgets among `ids` whose `totals` ({column: line column}) are not the
    rounded sums of their lines."""
    differs = " OR ".join(
        f"b.{q(column)} IS NULL OR b.{q(column)} <> "
        f"(SELECT ROUND(SUM(l.{q(source)}), 2) FROM {q(line_table)} l "
        f"WHERE l.{q('budget_id')} = b.{q('id')})"
        for column, source in totals.items()
    )
    sql = (
        f"SELECT b.{q('number')} FROM {q(budget_table)} b WHERE b.{q('clinic_id')} = %s "
        f"AND b.{q('id')} IN ({{marks}}) AND ({differs}) ORDER BY b.{q('number')}"
    )
    return _first_column_among(sql, clinic_id, ids)


def payments_not_adding_up(payment_table, clinic_id, ids) -> list:
    """Ids of the first payments of a family split among `ids` whose shares do not add up."""
    t = q(payment_table)
    sql = (
        f"SELECT p.{q('id')} FROM {t} p WHERE p.{q('clinic_id')} = %s "
        f"AND p.{q('id')} IN ({{marks}}) AND ROUND(p.{q('split_total')}, 2) <> "
        f"ROUND(p.{q('amount')} + COALESCE((SELECT SUM(s.{q('amount')}) FROM {t} s "
        f"WHERE s.{q('split_of_id')} = p.{q('id')}), 0), 2) ORDER BY p.{q('id')}"
    )
    return _first_column_among(sql, clinic_id, ids)


def mappings_without_row(mapping_table, job, entity_type, table, pk_column) -> list[str]:
    """Keys of the job's mappings of (type, table) whose row in `table` does not exist.

    Mapped ids are kept as text: compared as numbers, as the key is one.
    """
    sql = (
        f"SELECT m.{q('canonical_uuid')} FROM {q(mapping_table)} m "
        f"WHERE m.{q('job_id')} = %s AND m.{q('entity_type')} = %s "
        f"AND m.{q('target_table')} = %s AND NOT EXISTS (SELECT 1 FROM {q(table)} t "
        f"WHERE t.{q(pk_column)} = CAST(m.{q('target_id')} AS BIGINT)) "
        f"ORDER BY m.{q('canonical_uuid')}"
    )
    return [u for (u,) in fetch(sql, [job, entity_type, table])]


# --- budgets' second pass (mapping.budgets) ------------------------------------------


def accept_budgets_with_done_lines(budget, line, clinic_id, budget_ids, accepted, draft) -> None:
    """Drafts among `budget_ids` with a line that names the treatment that carried it out
    become `accepted`."""
    _update_budgets_with_lines(
        budget,
        line,
        clinic_id,
        budget_ids,
        f"{q('status')} = %s",
        [accepted],
        where=(f"AND {q('status')} = %s", [draft]),
        line_filter=f"AND l.{q('source_applied_treatment_uuid')} <> ''",
    )


def total_budgets_from_lines(budget, line, clinic_id, budget_ids, sums: dict) -> list[int]:
    """Set each budget's `sums` ({column: line column}) to the rounded sums of its lines; a
    budget without lines keeps its own.

    So does a budget whose sums a column cannot hold: PostgreSQL would refuse the
    whole statement and SQLite store them. Their ids are returned.
    """
    budgets, lines = q(budget._meta.db_table), q(line._meta.db_table)
    too_large = " OR ".join(
        f"ABS(ROUND(SUM({q(source)}), 2)) >= {_limit(budget, column)}"
        for column, source in sums.items()
    )
    overflowing = []
    for condition, ids in _dialect().among(q("budget_id"), sorted(budget_ids)):
        overflowing += fetch(
            f"SELECT {q('budget_id')} FROM {lines} WHERE {condition} "
            f"GROUP BY {q('budget_id')} HAVING {too_large} ORDER BY {q('budget_id')}",
            ids,
        )
    refused = [pk for (pk,) in overflowing]
    sets = ", ".join(
        f"{q(column)} = (SELECT ROUND(SUM(l.{q(source)}), 2) FROM {lines} l "
        f"WHERE l.{q('budget_id')} = {budgets}.{q('id')})"
        for column, source in sums.items()
    )
    kept = set(budget_ids).difference(refused)
    _update_budgets_with_lines(budget, line, clinic_id, kept, sets, [])
    return refused


def _limit(model, column: str) -> int:
    """The first whole number a decimal column of `model` cannot hold."""
    field = model._meta.get_field(column)
    return 10 ** (field.max_digits - field.decimal_places)


def _update_budgets_with_lines(
    budget,
    line,
    clinic_id,
    budget_ids,
    sets: str,
    set_params: list,
    *,
    where=("", []),
    line_filter="",
) -> None:
    """UPDATE the clinic's budgets among `budget_ids` that have a line matching `line_filter`."""
    budgets, lines = q(budget._meta.db_table), q(line._meta.db_table)
    exists = (
        f"EXISTS (SELECT 1 FROM {lines} l WHERE l.{q('budget_id')} = {budgets}.{q('id')} "
        f"{line_filter})"
    )
    # In batches on SQLite: one IN list of a clinic's budgets can pass its limit.
    with connection.cursor() as cursor:
        for condition, ids in _dialect().among(q("id"), sorted(budget_ids)):
            cursor.execute(
                f"UPDATE {budgets} SET {sets} WHERE {q('clinic_id')} = %s {where[0]} "
                f"AND {condition} AND {exists}",
                [*set_params, clinic_id, *where[1], *ids],
            )
