"""Mappings and rows a later file retires, kept whole, and undo putting them back.

A cutover retires a mapping when its source row takes a row of its own
(`shared_rows`) or when a row an earlier import left out is imported now (its skip
marker, `updates`); it removes a row the later file reshapes (`reshape`). Each is
kept whole in a before-image (`RowUpdate.removed`; `mapping_only` when the row
stays), which `reinstate` puts back once undo has removed the job's own rows. A
mapping handed a row (`shared_rows.hand_over`) is kept whole too, and given back
as it was by undo (`jobs/restore.py`).
"""

from __future__ import annotations

from django.db import models

from dentalpin_import.loader import inserts
from dentalpin_import.loader.changes import json_text, open_json
from dentalpin_import.loader.reshape import M_ID, M_TABLE, M_TARGET, MAPPING_FIELDS
from dentalpin_import.models import EntityMapping, RowUpdate


def retire_mappings(ctx, entity_type: str, mappings: list[tuple]) -> None:
    """Delete these mappings (compared mappings), each kept whole for undo
    (`RowUpdate.removed` and `mapping_only`); their rows, if any, stay."""
    if not mappings:
        return
    ids = [m[M_ID] for m in mappings]
    whole = {
        m["id"]: m for m in EntityMapping.objects.filter(pk__in=ids).values("id", *MAPPING_FIELDS)
    }
    images = [
        RowUpdate(
            job=ctx.job,
            clinic=ctx.clinic,
            entity_type=entity_type,
            canonical_uuid=whole[m[M_ID]]["canonical_uuid"],
            target_table=m[M_TABLE],
            target_id=str(m[M_TARGET]),
            before=json_text({"mapping": whole[m[M_ID]]}),
            after="",
            mapping_id=m[M_ID],
            mapping_digest=whole[m[M_ID]]["source_digest"] or "",
            mapping_written=whole[m[M_ID]]["written"] or "",
            removed=True,
            mapping_only=True,
        )
        for m in mappings
    ]
    EntityMapping.objects.filter(pk__in=ids).delete()
    inserts.insert_instances(images)


def reinstate(job, tables: dict) -> int:
    """Put back the rows a cutover job removed, and their mappings (undo); return how many.

    Runs once the job's own rows and mappings are gone: a row put back takes its
    old id, its mapping its old source key.
    """
    count = 0
    removed = RowUpdate.objects.filter(job=job, clinic=job.clinic, removed=True).order_by("-id")
    for update in removed.iterator():
        image = open_json(update.before) or {}
        model = tables.get(update.target_table)
        if image.get("row"):
            if model is None:
                continue
            _insert_as_it_was(model, image["row"])
        elif not image.get("mapping"):
            continue
        # A mapping alone: the source row was given a row of its own (`shared_rows`), the
        # row it shared stayed where it was.
        if image.get("mapping"):
            _insert_as_it_was(EntityMapping, image["mapping"])
        count += 1
    return count


def _insert_as_it_was(model: type[models.Model], values: dict) -> None:
    fields = [model._meta.get_field(name) for name in values]
    row = tuple(f.to_python(v) for f, v in zip(fields, values.values(), strict=True))
    inserts.insert_values(model, [f.name for f in fields], [row])
