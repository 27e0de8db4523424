"""Rows an earlier file of the source brought that a later file no longer has.

A cutover never deletes them: each is recorded for the job (`MissingRecord`)
and counted per type (`missing_from_file` in the report), so staff decide.
"""

from __future__ import annotations

from django.db import connection

from dentalpin_import.loader import sql
from dentalpin_import.models import EntityMapping, ImportJob, MissingRecord

# Mappings read per query: a page of the unique index, so memory stays flat.
PAGE = 10_000


def record_missing(ctx, in_file: set[str], entity_type: str) -> int:
    """Record the clinic's rows of `entity_type` from this source whose keys are not `in_file`.

    The clinic's mappings of the type are walked once, a page of keys at a time in
    plain SQL (the ORM built a model row for each: a tenth of a re-run); rows mapped
    by this very job are in the file by definition.
    """
    job = ImportJob._meta.pk.get_db_prep_value(ctx.job.pk, connection)
    table = EntityMapping._meta.db_table
    gone, after = [], None
    while True:
        page = sql.mappings_of_type(
            table, ctx.clinic.pk, ctx.source_system, entity_type, job, after, PAGE
        )
        gone += [
            MissingRecord(
                job=ctx.job,
                clinic=ctx.clinic,
                entity_type=entity_type,
                canonical_uuid=key,
                target_table=target_table,
                target_id=target,
            )
            for key, target_table, target, theirs in page
            if theirs and key not in in_file
        ]
        if len(page) < PAGE:
            break
        after = page[-1][0]
    # A resumed job records each row once.
    MissingRecord.objects.filter(job=ctx.job, entity_type=entity_type).delete()
    MissingRecord.objects.bulk_create(gone, batch_size=1000)
    return len(gone)
