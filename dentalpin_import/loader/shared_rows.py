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

When the later file's notes no longer have the line while its alert stays, the
reshape would remove a row the file still has: the row is handed over instead
(`hand_over`), when nobody edited it. The notes' mapping is retired as above,
the alert's becomes the row's creator with the values the row holds (what its
creator wrote), so a later file merges into it field by field; its before-image
keeps the mapping whole for undo (`jobs/restore.py`).
"""

from __future__ import annotations

from collections import defaultdict

from dentalpin_import.loader import inserts
from dentalpin_import.loader.changes import WrittenValues, json_text, models_by_table, seal_batch
from dentalpin_import.loader.merge import UPDATED, link_to_saved
from dentalpin_import.loader.reshape import (
    LINKED,
    M_ID,
    M_TABLE,
    M_TARGET,
    M_WRITTEN,
    MAPPING_FIELDS,
    Shaped,
    Unit,
    all_further,
    create_rows,
    edited_units,
    not_as_written,
    pointed_at,
)
from dentalpin_import.loader.retired import retire_mappings
from dentalpin_import.models import EXTRA_SUFFIX, EntityMapping, RowUpdate
from dentalpin_import.reader.batches import batched


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
    tables = models_by_table()
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


def hand_over(ctx, units: list[Unit]) -> None:
    """Hand the further rows these units' shapes would remove to the source rows of the file
    linked to them (an alert of the file once also a line of the notes); such positions
    leave the units, nothing to remove there.

    Only where the unit's rows are as written (staff edited none), nothing points at them
    and the file still has every linked source row: else the unit stays a conflict.
    """
    links = _links(ctx, units)
    candidates = [u for u in units if any((u.key, i) in links for i in u.removed())]
    if not candidates:
        return
    kept = edited_units(ctx, candidates) | pointed_at(candidates)
    present = _in_file(ctx, links.values())
    handed = []
    for u in candidates:
        mine = [(i, links[(u.key, i)]) for i in u.removed() if (u.key, i) in links]
        if u.key not in kept and all(_key(link) in present for _, link in mine):
            handed += [(u, i, link) for i, link in mine]
    if not handed:
        return
    _own(ctx, handed)
    by_type: dict[str, list] = defaultdict(list)
    for u, i, _ in handed:
        by_type[u.entity_type + EXTRA_SUFFIX].append(u.old[i])
    for entity_type, mappings in by_type.items():
        retire_mappings(ctx, entity_type, mappings)
    for u, i, _ in handed:
        del u.old[i]


def _links(ctx, units: list[Unit]) -> dict[tuple[str, int], dict]:
    """{(unit key, position): the first mapping of another source row linked to the further
    row the unit created there, which its shape would remove}."""
    wanted: dict[str, dict[str, tuple]] = defaultdict(dict)
    for u in units:
        for i in u.removed():
            m = u.old[i]
            if i and not m[LINKED]:
                wanted[m[M_TABLE]][str(m[M_TARGET])] = (u.key, i)
    found: dict[tuple[str, int], dict] = {}
    for table, targets in wanted.items():
        for part in batched(list(targets), 500):
            linked = EntityMapping.objects.filter(
                clinic=ctx.clinic,
                source_system=ctx.source_system,
                created_row=False,
                target_table=table,
                target_id__in=part,
            ).order_by("id")
            for m in linked.values("id", *MAPPING_FIELDS):
                found.setdefault(targets[m["target_id"]], m)
    return found


def _key(mapping: dict) -> tuple[str, str]:
    return mapping["entity_type"], mapping["canonical_uuid"]


def _in_file(ctx, links) -> set[tuple[str, str]]:
    """The (type, key) of these mappings whose source rows the file has."""
    if ctx.source is None:
        return set()
    wanted: dict[str, set[str]] = defaultdict(set)
    for m in links:
        wanted[m["entity_type"]].add(m["canonical_uuid"])
    present = set()
    for entity_type, keys in wanted.items():
        try:
            rows = ctx.source.rows_among(entity_type, keys)
        except KeyError:  # the file has no rows of that type
            continue
        present.update((entity_type, r.canonical_uuid) for r in rows)
    return present


def _own(ctx, handed: list[tuple[Unit, int, dict]]) -> None:
    """The linked mappings become their rows' creators: the job and time of the mapping
    that created each row (undoing that job removes it, as before), and the values the row
    holds, as its creator wrote them, for a later file to merge into."""
    creators = {
        m["id"]: m
        for m in EntityMapping.objects.filter(pk__in=[u.old[i][M_ID] for u, i, _ in handed]).values(
            "id", "job_id", "created_at"
        )
    }
    tables = models_by_table()
    rows: dict[str, dict[int, object]] = defaultdict(dict)
    for _, _, link in handed:
        rows[link["target_table"]][int(link["target_id"])] = None
    for table, found in rows.items():
        found.update((obj.pk, obj) for obj in tables[table]._base_manager.filter(pk__in=found))
    by_type: dict[str, list] = defaultdict(list)
    for _, _, link in handed:
        obj = rows[link["target_table"]][int(link["target_id"])]
        by_type[link["entity_type"]].append((link["canonical_uuid"], obj))
    batches = {t: seal_batch(ctx, t, written) for t, written in by_type.items()}
    images = []
    for u, i, link in handed:
        creator = creators[u.old[i][M_ID]]
        images.append(
            RowUpdate(
                job=ctx.job,
                clinic=ctx.clinic,
                entity_type=link["entity_type"],
                canonical_uuid=link["canonical_uuid"],
                target_table=link["target_table"],
                target_id=link["target_id"],
                before=json_text({"mapping": link}),
                after="",
                mapping_id=link["id"],
                mapping_digest=link["source_digest"] or "",
                mapping_written=link["written"] or "",
                mapping_only=True,
            )
        )
        # One statement a row: a row two source rows share is rare.
        EntityMapping.objects.filter(pk=link["id"]).update(
            created_row=True,
            job_id=creator["job_id"],
            created_at=creator["created_at"],
            written=batches[link["entity_type"]],
        )
    inserts.insert_instances(images)
