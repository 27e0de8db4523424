"""Clinic rows two source rows share, and a later file that changes one of them.

An alert of the file with the very text of a line of its patient's notes is linked
to the alert that line became (`PatientAlertMapper`): two mappings, one clinic
row, and only the row's creator knows what was written into it. When a later file
changes the linked source row, the row is no longer what both say: merging it
would overwrite what the other source row still says, and with no values of its
own to compare with, every field would be a conflict nobody made.

So the changed source row takes a row of its own: when the shared row is exactly
what its creator wrote (staff did not edit it), the file's rows are created as
this job's, mapped, and the linked mapping is retired with a before-image
(`RowUpdate.removed` and `mapping_only`: no row was removed) that undo puts back
once the new rows are gone (`retired.reinstate`). A shared row staff edited is
merged as before, its differences conflicts.
"""

from __future__ import annotations

from collections import defaultdict

from django.apps import apps

from dentalpin_import.loader.changes import WrittenValues
from dentalpin_import.loader.merge import UPDATED, link_to_saved
from dentalpin_import.loader.reshape import (
    LINKED,
    M_TABLE,
    M_TARGET,
    M_WRITTEN,
    Shaped,
    Unit,
    all_further,
    create_rows,
    not_as_written,
)
from dentalpin_import.loader.retired import retire_mappings


def split_off(ctx, mapper, live: list, known: dict) -> tuple[Shaped, list]:
    """Give the changed source rows linked to a shared, unedited row rows of their own.

    `live` is the chunk's (record, outcome) pairs to merge; returns what was split off
    (counted as updated) and the pairs left to merge.
    """
    shaped = Shaped()
    owners = _owners(ctx, mapper, live, known)
    if not owners:
        return shaped, live
    written = ctx.state.setdefault("written_values", WrittenValues())
    written.load(m[M_WRITTEN] for _, m in owners.values())
    tables = {m._meta.db_table: m for m in apps.get_models()}
    wanted: dict[type, list] = defaultdict(list)
    for key, (owner_key, m) in owners.items():
        base = written.of(m[M_WRITTEN], owner_key, m[M_TABLE])
        model = tables.get(m[M_TABLE])
        if base is not None and model is not None:
            wanted[model].append((key, int(m[M_TARGET]), base))
    unedited = {key for rows in wanted.values() for key, _, _ in rows} - not_as_written(wanted)
    split = [(r, o) for r, o in live if r.canonical_uuid in unedited]
    if not split:
        return shaped, live
    retire_mappings(ctx, mapper.entity, [known[r.canonical_uuid] for r, _ in split])
    units = [Unit(r, o, mapper.entity, {0: known[r.canonical_uuid]}) for r, o in split]
    create_rows(ctx, mapper.entity, [(u, i, obj) for u in units for i, obj in enumerate(u.new)])
    for u in units:
        link_to_saved(u.new)
        shaped.outcomes[u.key] = UPDATED
        shaped.notes.append(u.outcome)
    return shaped, [(r, o) for r, o in live if r.canonical_uuid not in unedited]


def _owners(ctx, mapper, live: list, known: dict) -> dict[str, tuple[str, tuple]]:
    """{source key: (owner's key, owner's mapping)} of the linked rows another source row
    created (with the values it wrote)."""
    owners = {}
    for record, _ in live:
        m = known[record.canonical_uuid]
        shared = mapper.shares_row_with(record) if m[LINKED] else None
        if shared is None:
            continue
        entity_type, key = shared
        for i, other in all_further(ctx, entity_type, key).items():
            same = (other[M_TABLE], other[M_TARGET]) == (m[M_TABLE], m[M_TARGET])
            if same and not other[LINKED] and other[M_WRITTEN]:
                owners[record.canonical_uuid] = (f"{key}:{i}", other)
                break
    return owners
