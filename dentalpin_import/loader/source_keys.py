"""Clinic rows and mappings looked up by source key, a chunk's keys at a time."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection

from dentalpin_import.loader import sql
from dentalpin_import.mapping.base import MappingContext
from dentalpin_import.models import SKIP_SUFFIX, EntityMapping, ImportJob

# A range of keys is read for at least this many adjacent keys, and given up for a probe per
# key when a type has more than this many times as many mappings in it (rows the file no
# longer has, or a database that orders text otherwise than the file).
SPAN_MIN_KEYS, SPAN_SLACK = 50, 2
# Mappings read per query when a type's are walked whole: a page of the unique index, so
# memory stays flat.
PAGE = 10_000


def _by_source_key(model, select: str, params: list, ctx, entity_types, uuids) -> list[tuple]:
    """Rows of `model`'s table for these source keys of the run's clinic and source system."""
    return sql.rows_by_source_key(
        model._meta.db_table, select, params, ctx.clinic.pk, ctx.source_system, entity_types, uuids
    )


def already_there(model, ctx: MappingContext, entity_types, uuids) -> list[tuple]:
    """Return (canonical_uuid, mine, entity_type) for `uuids` already stored in `model`'s table.

    `mine` is true for rows written by this very job (a resumed run).
    """
    job = ImportJob._meta.pk.get_db_prep_value(ctx.job.pk, connection)
    select = "canonical_uuid, CASE WHEN job_id = %s THEN 1 ELSE 0 END, entity_type"
    return _by_source_key(model, select, [job], ctx, entity_types, uuids)


def existing_mappings(ctx: MappingContext, entity_type: str, uuids: list[str]) -> dict[str, tuple]:
    """Return {canonical_uuid: (mapped by this job, is_skip_marker, linked)} for mapped rows.

    `linked` is true when the row was matched to a clinic row rather than created:
    a resumed job counts it as linked again, as its first attempt did.
    """
    job = ImportJob._meta.pk.get_db_prep_value(ctx.job.pk, connection)
    select = (
        "canonical_uuid, CASE WHEN job_id = %s THEN 1 ELSE 0 END, entity_type, "
        "CASE WHEN created_row THEN 0 ELSE 1 END"
    )
    types = (entity_type, entity_type + SKIP_SUFFIX)
    rows = _by_source_key(EntityMapping, select, [job], ctx, types, uuids)
    return {
        uuid: (bool(mine), et.endswith(SKIP_SUFFIX), bool(linked))
        for uuid, mine, et, linked in rows
    }


def mapped_keys(clinic_id, source_system: str, entity_type: str, uuids: list[str]) -> set[str]:
    """The keys among `uuids` a clinic has a row (or a skip marker) of `entity_type` under."""
    types = (entity_type, entity_type + SKIP_SUFFIX)
    table = EntityMapping._meta.db_table
    rows = sql.rows_by_source_key(
        table, "canonical_uuid", [], clinic_id, source_system, types, uuids
    )
    return {uuid for (uuid,) in rows}


def mappings_to_compare(
    ctx: MappingContext, entity_type: str, uuids: list[str], *, adjacent: bool = False
) -> dict:
    """`existing_mappings`, with what a cutover compares: {canonical_uuid: (mine, is_marker,
    linked, mapping id, source digest, written batch, target table, target id)}.

    `adjacent` keys follow one another in the file (a chunk of its keys): their mappings
    are read as one range of keys (`sql.rows_in_key_span`), unless too many other keys
    lie between them.
    """
    job = ImportJob._meta.pk.get_db_prep_value(ctx.job.pk, connection)
    select = (
        "canonical_uuid, CASE WHEN job_id = %s THEN 1 ELSE 0 END, entity_type, "
        "CASE WHEN created_row THEN 0 ELSE 1 END, id, source_digest, written, target_table, "
        "target_id"
    )
    types = (entity_type, entity_type + SKIP_SUFFIX)
    rows = None
    if adjacent and len(uuids) >= SPAN_MIN_KEYS:
        table = EntityMapping._meta.db_table
        most = SPAN_SLACK * len(uuids)
        args = (table, select, [job], ctx.clinic.pk, ctx.source_system, types, uuids, most)
        rows = sql.rows_in_key_span(*args)
        if rows is not None:
            wanted = set(uuids)
            rows = [row for row in rows if row[0] in wanted]
    if rows is None:
        rows = _by_source_key(EntityMapping, select, [job], ctx, types, uuids)
    return {
        uuid: (bool(mine), et.endswith(SKIP_SUFFIX), bool(linked), *rest)
        for uuid, mine, et, linked, *rest in rows
    }


def has_mappings(ctx: MappingContext, entity_type: str) -> bool:
    """True when the clinic has a row of `entity_type` mapped (or skipped) from this source."""
    return entity_type in mapped_types(ctx, [entity_type])


def mapped_types(ctx: MappingContext, entity_types) -> set[str]:
    """The types among `entity_types` the clinic has rows of mapped (or skipped) from this
    source, asked in one query.

    A run asks this of every type before it starts; a query per type cost
    more than a small import's largest post-pass. Each type is still its own
    index probe (an EXISTS), however many rows the clinic has.
    """
    entity_types = list(dict.fromkeys(entity_types))
    found = set()
    for start in range(0, len(entity_types), 100):  # SQLite allows 500 SELECTs in one compound
        batch = entity_types[start : start + 100]
        pairs = [(t, t + SKIP_SUFFIX) for t in batch]
        table = EntityMapping._meta.db_table
        found.update(
            batch[n] for n in sql.types_with_rows(table, ctx.clinic.pk, ctx.source_system, pairs)
        )
    return found


def resolve_references(ctx: MappingContext, pairs, left_out: str | None = None) -> None:
    """Load the mappings of every referenced source key, one query per entity type.

    With `left_out` (the `written` of a rule's skip marker), the keys still unresolved
    are then looked up among the type's skip markers, one more query per type with
    such keys: a reference to a row the rules left out is told from one to a row
    absent from the file or failed (`MappingContext.check_left_out`).
    """
    keys = ctx.keys
    for entity_type, uuids in keys.missing(pairs).items():
        select = "canonical_uuid, target_id, target_table"
        rows = _by_source_key(EntityMapping, select, [], ctx, (entity_type,), list(uuids))
        keys.add_many(entity_type, [(uuid, int(target), table) for uuid, target, table in rows])
        unresolved = uuids.difference(row[0] for row in rows)
        if left_out is None or not unresolved:
            continue
        marker = (entity_type + SKIP_SUFFIX,)
        select = "canonical_uuid, written"
        for uuid, written in _by_source_key(
            EntityMapping, select, [], ctx, marker, list(unresolved)
        ):
            if written == left_out:
                keys.leave_out(entity_type, uuid)


def each_mapping(ctx: MappingContext, entity_type: str) -> Iterator[tuple]:
    """Every mapping of `entity_type` of the run's clinic and source, in key order:
    (canonical_uuid, target table, target id, true unless this job mapped it).

    Read a page of keys at a time in plain SQL: the ORM built a model row for each
    mapping, a tenth of a re-run.
    """
    job = ImportJob._meta.pk.get_db_prep_value(ctx.job.pk, connection)
    table = EntityMapping._meta.db_table
    after = None
    while True:
        page = sql.mappings_of_type(
            table, ctx.clinic.pk, ctx.source_system, entity_type, job, after, PAGE
        )
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1][0]
