"""Rows an earlier file of the source brought that a later file no longer has.

A cutover never deletes them: each is recorded for the job (`MissingRecord`)
and counted per type (`missing_from_file` in the report), so staff decide.
"""

from __future__ import annotations

from dentalpin_import.loader.source_keys import each_mapping
from dentalpin_import.models import MissingRecord


def record_missing(ctx, in_file: set[str], entity_type: str) -> int:
    """Record the clinic's rows of `entity_type` from this source whose keys are not `in_file`.

    The clinic's mappings of the type are walked once (`source_keys.each_mapping`);
    rows mapped by this very job are in the file by definition.
    """
    gone = [
        MissingRecord(
            job=ctx.job,
            clinic=ctx.clinic,
            entity_type=entity_type,
            canonical_uuid=key,
            target_table=target_table,
            target_id=target,
        )
        for key, target_table, target, theirs in each_mapping(ctx, entity_type)
        if theirs and key not in in_file
    ]
    # A resumed job records each row once.
    MissingRecord.objects.filter(job=ctx.job, entity_type=entity_type).delete()
    MissingRecord.objects.bulk_create(gone, batch_size=1000)
    return len(gone)
