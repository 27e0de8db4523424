"""Plain parameterised UPDATEs of many rows of one clinic's table.

`QuerySet.bulk_update` compiles one CASE WHEN per field and row, which costs
far more than the database spends on the update. Here each row is one
`executemany` of the same UPDATE, with values prepared by the fields
themselves, so it works on SQLite and PostgreSQL alike. Like `bulk_update`, it
sends no signals and leaves `auto_now` fields alone.
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
    quote = conn.ops.quote_name
    meta = model._meta
    fields = [meta.get_field(name) for name in field_names]
    clinic_column = meta.get_field("clinic").column
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {sets} "
        f"WHERE {quote(meta.pk.column)} = %s AND {quote(clinic_column)} = %s"
    )
    pk_prep = meta.pk.get_db_prep_value
    params = [
        [
            *(f.get_db_prep_save(v, conn) for f, v in zip(fields, values, strict=True)),
            pk_prep(pk, conn),
            clinic.pk,
        ]
        for pk, *values in rows
    ]
    with transaction.atomic(savepoint=False), conn.cursor() as cursor:
        for part in batched(params, BATCH):
            cursor.executemany(sql, part)
    return len(rows)
