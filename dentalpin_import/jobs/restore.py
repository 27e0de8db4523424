"""Undo of a cutover: the rows and mappings it overwrote get their before-images back.

The job's updates are read newest first, 500 at a time. Each batch reads its
rows in one query, applies the before-images in that order in memory (a row
the job wrote twice ends with its oldest image, as when they were put back one
by one) and writes them as the cutover wrote its own (`merge.write_values`). A
row's time of change becomes the one the job found, so an earlier job undone next
tells its own rows from rows staff edited since; an image without one (jobs
from before it was kept) leaves the time of the undo.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from dentalpin_import.loader.changes import open_json
from dentalpin_import.loader.merge import after_updates, write_values
from dentalpin_import.models import EntityMapping, ImportJob, RowUpdate
from dentalpin_import.reader.batches import IN_LIST, batched

STAMP = "updated_at"


def restore(job: ImportJob, tables: dict) -> None:
    """Put back the values `job` overwrote, and what its mappings held before."""
    touched: dict[type, set[int]] = defaultdict(set)
    updates = RowUpdate.objects.filter(job=job, clinic=job.clinic, removed=False).order_by("-id")
    for batch in batched(updates.iterator(chunk_size=IN_LIST), IN_LIST):
        for model, pks in _rows_back(batch, tables).items():
            touched[model] |= pks
        _mappings_back(batch)
    after_updates(job.clinic, touched)


def _rows_back(batch, tables: dict) -> dict[type, set[int]]:
    wanted: dict[type, list[int]] = defaultdict(list)
    for update in batch:
        model = tables.get(update.target_table)
        if model is not None and not update.mapping_only:
            wanted[model].append(int(update.target_id))
    found = {model: model._base_manager.in_bulk(pks) for model, pks in wanted.items()}
    # model -> pk -> [row, fields put back, time of change the job found]
    back: dict[type, dict[int, list]] = defaultdict(dict)
    for update in batch:
        model = tables.get(update.target_table)
        row = found.get(model, {}).get(int(update.target_id))
        if row is None or update.mapping_only:
            continue
        entry = back[model].setdefault(row.pk, [row, set(), None])
        for name, value in (open_json(update.before) or {}).items():
            field = model._meta.get_field(name)
            setattr(row, field.attname, field.to_python(value))
            entry[1].add(field.name)
        entry[2] = update.row_updated_at
    now = timezone.now()
    for model, entries in back.items():
        stamped = hasattr(model, STAMP)
        by_fields: dict[tuple, list] = defaultdict(list)
        for row, fields, found_at in entries.values():
            if stamped:
                setattr(row, STAMP, found_at or now)
                fields = fields | {STAMP}
            by_fields[tuple(sorted(fields))].append(row)
        _write(model, by_fields)
    return {model: set(entries) for model, entries in back.items()}


def _mappings_back(batch) -> None:
    """Mappings get back their digest and written values, and whom their row was created
    by when the job handed it the row (`shared_rows.hand_over`)."""
    values: dict[int, dict] = {}
    for update in batch:  # newest first: the oldest image of a mapping is the one left
        if not update.mapping_id:
            continue
        image = {"source_digest": update.mapping_digest, "written": update.mapping_written}
        whole = (open_json(update.before) or {}).get("mapping") if update.mapping_only else None
        if whole:
            for name in ("created_row", "job_id", "created_at"):
                image[name] = EntityMapping._meta.get_field(name).to_python(whole[name])
        values[update.mapping_id] = image
    by_fields: dict[tuple, list] = defaultdict(list)
    for pk, image in values.items():
        by_fields[tuple(sorted(image))].append(EntityMapping(pk=pk, **image))
    _write(EntityMapping, by_fields)


def _write(model, by_fields: dict[tuple, list]) -> None:
    """Store each group's fields (a sorted tuple of names) of its rows."""
    for names, rows in by_fields.items():
        if names:
            write_values(model, [model._meta.get_field(n) for n in names], rows)
