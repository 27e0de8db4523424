"""Rows an earlier file of the source brought that a later file no longer has.

A cutover never deletes them: each is recorded for the job (`MissingRecord`)
and counted per type (`missing_from_file` in the report), so staff decide.
"""

from __future__ import annotations

from dentalpin_import.models import EntityMapping, MissingRecord


def record_missing(ctx, in_file: set[str], entity_type: str) -> int:
    """Record the clinic's rows of `entity_type` from this source whose keys are not `in_file`.

    The clinic's mappings of the type are walked once; rows mapped by this very job
    are in the file by definition.
    """
    mappings = (
        EntityMapping.objects.filter(
            clinic=ctx.clinic, source_system=ctx.source_system, entity_type=entity_type
        )
        .exclude(job=ctx.job)
        .values_list("canonical_uuid", "target_table", "target_id")
        .order_by()
    )
    gone = [
        MissingRecord(
            job=ctx.job,
            clinic=ctx.clinic,
            entity_type=entity_type,
            canonical_uuid=key,
            target_table=table,
            target_id=target,
        )
        for key, table, target in mappings.iterator(chunk_size=2000)
        if key not in in_file
    ]
    # A resumed job records each row once.
    MissingRecord.objects.filter(job=ctx.job, entity_type=entity_type).delete()
    MissingRecord.objects.bulk_create(gone, batch_size=1000)
    return len(gone)
