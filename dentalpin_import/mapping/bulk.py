"""Plain parameterised UPDATEs of many rows of one clinic's table.

`QuerySet.bulk_update` compiles one CASE WHEN per field and row, which costs
far more than the database spends on the update. Here, on SQLite, each row is
one `executemany` of the same prepared UPDATE. On PostgreSQL a batch is one
UPDATE joined to the arrays of its values (`unnest`): executemany would send
each row as its own statement for the server to parse and plan. Values are
prepared by the fields themselves. Like `bulk_update`, it sends no signals and
leaves `auto_now` fields alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction

from dentalpin_import.batches import batched

BATCH = 1000


def update_rows(model: type[models.Model], clinic, field_names: Sequence[str], rows) -> int:
    """Set `field_names` of `model` rows of `clinic`: rows are (pk, value, value, ...).

    Rows of another clinic are never touched (the clinic is part of the WHERE).
    Returns how many rows were given.
    """
    rows = list(rows)
    if not rows:
        return 0
    conn = connections[DEFAULT_DB_ALIAS]
    fields = [model._meta.get_field(name) for name in field_names]
    pk_prep = model._meta.pk.get_db_prep_value
    params = [
        [
            *(f.get_db_prep_save(v, conn) for f, v in zip(fields, values, strict=True)),
            pk_prep(pk, conn),
        ]
        for pk, *values in rows
    ]
    # A row given twice keeps its last values, on either database.
    params = list({row[-1]: row for row in params}.values())
    sender = _update_postgres if conn.vendor == "postgresql" else _update_each
    send = sender(conn, model, fields)
    with transaction.atomic(savepoint=False), conn.cursor() as cursor:
        for part in batched(params, BATCH):
            send(cursor, part, clinic.pk)
    return len(rows)


def _where(conn, model) -> tuple[str, str, str]:
    quote, meta = conn.ops.quote_name, model._meta
    return quote(meta.db_table), quote(meta.pk.column), quote(meta.get_field("clinic").column)


def _update_each(conn, model, fields):
    """One prepared UPDATE per row: what SQLite is fast at."""
    table, pk, clinic = _where(conn, model)
    sets = ", ".join(f"{conn.ops.quote_name(f.column)} = %s" for f in fields)
    sql = f"UPDATE {table} SET {sets} WHERE {pk} = %s AND {clinic} = %s"

    def send(cursor, part, clinic_id) -> None:
        cursor.executemany(sql, [[*row, clinic_id] for row in part])

    return send


def _update_postgres(conn, model, fields):
    """One UPDATE for the whole batch, joined to its values sent as one array per column."""
    table, pk, clinic = _where(conn, model)
    sets = ", ".join(f"{conn.ops.quote_name(f.column)} = v.c{i}" for i, f in enumerate(fields))
    arrays = ", ".join(f"%s::{f.cast_db_type(conn)}[]" for f in (*fields, model._meta.pk))
    names = ", ".join([*(f"c{i}" for i in range(len(fields))), "pk"])
    sql = (
        f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS v({names}) "
        f"WHERE {table}.{pk} = v.pk AND {table}.{clinic} = %s"
    )

    def send(cursor, part, clinic_id) -> None:
        cursor.execute(sql, [*(list(column) for column in zip(*part, strict=True)), clinic_id])

    return send
