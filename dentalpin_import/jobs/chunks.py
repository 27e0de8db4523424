"""One chunk of one entity type: resolve, map, insert in bulk, record mappings.

The fast path inserts the whole chunk with `bulk_create` inside a savepoint.
If the database refuses it (a value too long, a constraint), the chunk is
redone row by row, each in its own savepoint, so only the bad row fails.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from dentalpin_import import events
from dentalpin_import.jobs import inserts
from dentalpin_import.jobs.counts import TypeCounts
from dentalpin_import.jobs.typing_process import TypedChunk
from dentalpin_import.mapping.base import BaseMapper, Defer, MappingContext, MappingWarning
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.registry import REFERENCED_TYPES
from dentalpin_import.models import (
    EXTRA_SUFFIX,
    SKIP_SUFFIX,
    SKIP_TABLE,
    SKIP_TARGET_ID,
    EntityMapping,
    ImportJob,
    ImportWarning,
    RawEntity,
)
from dentalpin_import.reader.typed_stream import Unreadable, Waiting
from dentalpin_import.reader.values import Payload

log = logging.getLogger(__name__)
MAPPING_COLUMNS = (
    "clinic",
    "source_system",
    "entity_type",
    "canonical_uuid",
    "target_table",
    "target_id",
    "created_row",
    "job",
    "created_at",
)
RAW_COLUMNS = (
    "clinic",
    "job",
    "source_system",
    "entity_type",
    "canonical_uuid",
    "source_id",
    "payload",
    "raw_data",
    "created_at",
)


@dataclass
class Outcome:
    record: Any
    instances: list[models.Model]
    notes: list = field(default_factory=list)
    created: bool = True


@dataclass
class ChunkResult:
    warnings: list[ImportWarning] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)  # canonical_uuids for the final pass


def _by_source_key(model, select: str, params: list, ctx, entity_types, uuids) -> list[tuple]:
    """Rows of `model`'s table for these source keys of the run's clinic and source system.

    Plain SQL: Django's ORM spends more building a thousand-item IN and
    converting every value back than the database spends answering. On
    PostgreSQL the keys go as one array: psycopg splits a query at its
    placeholders in Python, and a thousand of them took a fifth of a re-run.
    """
    if not uuids:
        return []
    table = connection.ops.quote_name(model._meta.db_table)
    where = f"SELECT {select} FROM {table} WHERE clinic_id = %s AND source_system = %s AND"
    keys = [*params, ctx.clinic.pk, ctx.source_system]
    if connection.vendor == "postgresql":
        sql = f"{where} entity_type = ANY(%s) AND canonical_uuid = ANY(%s)"
        keys += [list(entity_types), list(uuids)]
    else:
        types = ", ".join(["%s"] * len(entity_types))
        marks = ", ".join(["%s"] * len(uuids))
        sql = f"{where} entity_type IN ({types}) AND canonical_uuid IN ({marks})"
        keys += [*entity_types, *uuids]
    with connection.cursor() as cursor:
        cursor.execute(sql, keys)
        return cursor.fetchall()


def _already_there(model, ctx: MappingContext, entity_types, uuids) -> list[tuple]:
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
    table = connection.ops.quote_name(EntityMapping._meta.db_table)
    probe = (
        f"SELECT {{n}} WHERE EXISTS (SELECT 1 FROM {table} WHERE clinic_id = %s"
        " AND source_system = %s AND entity_type IN (%s, %s))"
    )
    found = set()
    for start in range(0, len(entity_types), 100):  # SQLite allows 500 SELECTs in one compound
        batch = entity_types[start : start + 100]
        sql = " UNION ALL ".join(probe.format(n=n) for n in range(len(batch)))
        params = []
        for entity_type in batch:
            params += [ctx.clinic.pk, ctx.source_system, entity_type, entity_type + SKIP_SUFFIX]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found.update(batch[n] for (n,) in cursor.fetchall())
    return found


def resolve_references(ctx: MappingContext, pairs) -> None:
    """Load the mappings of every referenced source key, one query per entity type."""
    keys = ctx.keys
    for entity_type, uuids in keys.missing(pairs).items():
        select = "canonical_uuid, target_id, target_table"
        rows = _by_source_key(EntityMapping, select, [], ctx, (entity_type,), list(uuids))
        for uuid, target, target_table in rows:
            keys.add(entity_type, uuid, int(target), target_table)


class ChunkWriter:
    """Maps and writes chunks of one entity type for one run."""

    def __init__(
        self,
        mapper: BaseMapper,
        ctx: MappingContext,
        counts: TypeCounts,
        look_up: bool | None = None,
    ):
        self.mapper = mapper
        self.ctx = ctx
        self.counts = counts
        self.entity = mapper.entity
        # The keys this writer maps stay in the run's key cache only when a later
        # row may look them up.
        self.keep_keys = self.entity in REFERENCED_TYPES
        # A type this clinic has never had from this source needs no look-up of
        # mapped rows per chunk (a first import). Another job importing the same
        # rows meanwhile is caught when the mappings are inserted (save_one_by_one).
        # A runner that asked for every type at its start says so (`look_up`).
        self.look_up = has_mappings(ctx, self.entity) if look_up is None else look_up

    def warning(self, record_or_row, code, message, severity="warn", raw_data=None):
        return build(
            ImportWarning,
            job=self.ctx.job,
            clinic=self.ctx.clinic,
            entity_type=self.entity,
            source_id=str(getattr(record_or_row, "source_id", ""))[:200],
            canonical_uuid=getattr(record_or_row, "canonical_uuid", ""),
            severity=severity,
            code=code[:120],
            message=message,
            raw_data=raw_data,
        )

    def process(self, rows) -> ChunkResult:
        """Import one chunk of source rows; return its warnings and the keys of deferred rows."""
        result = ChunkResult()
        return self.process_records(self.new_records(rows, result), result)

    def process_records(self, records, result: ChunkResult | None = None) -> ChunkResult:
        """Map and write already-typed records."""
        result = result or ChunkResult()
        self.ctx.chunk = {}
        if len(self.ctx.keys) > settings.DPMF_ID_CACHE_SIZE:
            self.ctx.keys.clear()  # what this chunk refers to is loaded again below
        resolve_references(self.ctx, (p for r in records for p in self.mapper.references(r)))
        self.mapper.prepare(records, self.ctx)
        before = self.counts.snapshot()
        warned, deferred = len(result.warnings), len(result.deferred)
        outcomes, markers = self.map_all(records, result)
        try:
            with transaction.atomic():
                self.save(outcomes, markers)
        except DatabaseError as exc:
            log.info("bulk insert of %s refused (%s); retrying row by row", self.entity, exc)
            # The rows are mapped again, one by one: what mapping them counted and
            # warned the first time is taken back, so nothing is counted twice.
            self.counts.restore(before)
            del result.warnings[warned:]
            del result.deferred[deferred:]
            self.save_one_by_one(records, result)
            return result
        self.count_saved(outcomes, markers, result)
        return result

    def process_keys(self, keys: list[str], container) -> ChunkResult:
        """Import one chunk given by its keys: only rows not mapped yet are read from the file.

        For a type the clinic already has rows of (a re-run, a resumed job), most
        rows are skipped; reading their payloads only to skip them was a third of
        a re-run.
        """
        result = ChunkResult()
        known = existing_mappings(self.ctx, self.entity, keys)
        for key in keys:
            if key in known:
                self.count_known(*known[key])
        missing = [key for key in keys if key not in known]
        if not missing:
            return result
        rows = container.rows_among(self.entity, missing)
        return self.process_records(self.new_records(rows, result, known={}), result)

    def count_known(self, mine: bool, is_marker: bool, linked: bool = False) -> None:
        """Count a row that is mapped already, by this job (an earlier attempt) or before it."""
        if not mine:
            self.counts.already_mapped += 1
        elif is_marker:
            self.counts.skipped += 1  # this job's own earlier attempt
        else:
            self.counts.created += 1
            self.counts.linked += linked

    def new_records(self, rows, result: ChunkResult, known: dict | None = None) -> list:
        """The typed records of the rows not mapped yet; unreadable rows become warnings.

        `rows` are source rows, or a `TypedChunk` already typed by the helper
        process: it held back the rows `waits` defers when that is a reader function
        (`Waiting`), otherwise `map()` defers them.
        `known` is given when the caller already looked the rows' mappings up.
        """
        if known is None:
            known = {}
            if self.look_up:
                keys = [r.canonical_uuid for r in rows]
                known = existing_mappings(self.ctx, self.entity, keys)
        typed = isinstance(rows, TypedChunk)
        waits = None
        if not (typed or self.ctx.final_pass) and type(self.mapper).waits is not BaseMapper.waits:
            waits = self.mapper.waits
        records = []
        for row in rows:
            if row.canonical_uuid in known:
                self.count_known(*known[row.canonical_uuid])
                continue
            if typed:
                if type(row) is Unreadable:
                    result.warnings.append(self.warning(row, row.code, row.message, "error"))
                    self.counts.failed += 1
                elif type(row) is Waiting:
                    result.deferred.append(row.canonical_uuid)
                else:
                    records.append(row)
                continue
            if row.decode_error:
                result.warnings.append(
                    self.warning(row, "payload.decode_error", row.decode_error, "error")
                )
                self.counts.failed += 1
                continue
            if waits and waits(Payload(row.payload)):
                result.deferred.append(row.canonical_uuid)  # not typed twice
                continue
            try:
                records.append(self.mapper.record.from_row(row))
            except Exception as exc:  # a malformed payload must not stop the job
                result.warnings.append(self.warning(row, "mapper.failed", repr(exc), "error"))
                self.counts.failed += 1
        return records

    def map_all(self, records, result: ChunkResult):
        outcomes, markers = [], []
        for record in records:
            outcome = self.map_one(record, result)
            if outcome is None:
                continue
            if outcome.instances:
                outcomes.append(outcome)
            else:
                markers.append(outcome)
        return outcomes, markers

    def map_one(self, record, result: ChunkResult) -> Outcome | None:
        """Map one record; None means it failed or was deferred (already counted)."""
        ctx = self.ctx
        ctx.notes = []
        try:
            mapped = self.mapper.map(record, ctx)
        except Defer:
            if not ctx.final_pass:
                result.deferred.append(record.canonical_uuid)
                return None
            result.warnings.append(
                self.warning(record, "mapper.failed", "row could not be resolved", "error")
            )
            self.counts.failed += 1
            return None
        except MappingWarning as w:
            result.warnings.append(self.warning(record, w.code, w.message, w.severity, w.raw_data))
            if not w.skip:
                self.counts.failed += 1
                return None
            return Outcome(record, [], [])
        except Exception as exc:
            log.exception("mapper %s failed on %s", self.entity, record.canonical_uuid)
            result.warnings.append(self.warning(record, "mapper.failed", repr(exc), "error"))
            self.counts.failed += 1
            return None
        instances = mapped if isinstance(mapped, list) else ([mapped] if mapped else [])
        notes = list(ctx.notes)
        for key, what, value in record.problems:
            notes.append(_problem_note(self.entity, key, what, value))
        return Outcome(record, instances, notes)

    def save(self, outcomes: list[Outcome], markers: list[Outcome]) -> None:
        """Insert new instances model by model, then their mappings and skip markers."""
        groups: dict[type, list] = {}
        seen: set[int] = set()
        for outcome in outcomes:
            for obj in outcome.instances:
                if obj.pk is None and id(obj) not in seen:
                    seen.add(id(obj))
                    groups.setdefault(type(obj), []).append(obj)
        for model in parents_first(groups):
            objs = groups[model]
            inserts.insert_instances(objs)
            events.emit_many(
                events.domain_events(objs, self.ctx.clinic.pk), dry_run=self.ctx.job.dry_run
            )
        # The job and the time are the same on every mapping row: prepared once.
        now = inserts.db_value(EntityMapping, "created_at", timezone.now())
        job = inserts.db_value(EntityMapping, "job", self.ctx.job.pk)
        rows = []
        extras = set()
        for o in outcomes:
            target = o.instances[0]
            o.created = id(target) in seen
            rows.append(
                self.mapping_values(o, target._meta.db_table, str(target.pk), o.created, now, job)
            )
            # Further rows one source row produced (family shares, legal records) are
            # mapped too, so undo finds every row the job created.
            for i, extra in enumerate(o.instances[1:], 1):
                if id(extra) in seen and id(extra) not in extras:
                    extras.add(id(extra))
                    key = f"{o.record.canonical_uuid}:{i}"
                    rows.append(
                        self.mapping_values(
                            o,
                            extra._meta.db_table,
                            str(extra.pk),
                            True,
                            now,
                            job,
                            self.entity + EXTRA_SUFFIX,
                            key,
                        )
                    )
        rows += [
            self.mapping_values(
                o, SKIP_TABLE, SKIP_TARGET_ID, False, now, job, self.entity + SKIP_SUFFIX
            )
            for o in markers
        ]
        inserts.insert_values(EntityMapping, MAPPING_COLUMNS, rows, prepared=True)

    def mapping_values(
        self, outcome, table, target_id, created, now, job, entity_type=None, key=None
    ) -> tuple:
        ctx = self.ctx
        return (
            ctx.clinic.pk,
            ctx.source_system,
            entity_type or self.entity,
            key or outcome.record.canonical_uuid,
            table,
            target_id,
            created,
            job,
            now,
        )

    def note_warnings(self, outcomes: list[Outcome]) -> list[ImportWarning]:
        return [
            self.warning(outcome.record, n.code, n.message, n.severity, n.raw_data)
            for outcome in outcomes
            for n in outcome.notes
        ]

    def count_saved(self, outcomes, markers, result: ChunkResult) -> None:
        """Count saved rows, keep their keys and add their notes to the chunk's warnings."""
        keys = self.ctx.keys
        for outcome in outcomes:
            self.counts.created += 1
            self.counts.linked += 0 if outcome.created else 1
            if self.keep_keys:
                row = outcome.instances[0]
                keys.add(self.entity, outcome.record.canonical_uuid, row.pk, row._meta.db_table)
        result.warnings += self.note_warnings(outcomes)
        self.counts.skipped += len(markers)

    def save_one_by_one(self, records, result: ChunkResult) -> None:
        """Slow path: map and save each record alone so one bad row fails alone."""
        self.ctx.chunk = {}
        self.mapper.prepare(records, self.ctx)
        raced = False
        for record in records:
            warned = len(result.warnings)
            outcome = self.map_one(record, result)
            if outcome is None:
                continue
            try:
                with transaction.atomic():
                    if outcome.instances:
                        self.save([outcome], [])
                    else:
                        self.save([], [outcome])
            except DatabaseError as exc:
                if not self.look_up and existing_mappings(
                    self.ctx, self.entity, [record.canonical_uuid]
                ):
                    # Mapped by another job since this type started: counted as if
                    # looked up, and the next chunks look up again.
                    raced = True
                    self.counts.already_mapped += 1
                    del result.warnings[warned:]
                    continue
                result.warnings.append(self.warning(record, "mapper.failed", str(exc), "error"))
                self.counts.failed += 1
                continue
            if outcome.instances:
                self.count_saved([outcome], [], result)
            else:
                self.count_saved([], [outcome], result)
        if raced:
            self.look_up = True


def parents_first(groups: dict[type, list]) -> list[type]:
    """Order the models of a chunk so a row's foreign-key targets are inserted before it.

    One source row may produce rows pointing at each other (a treatment and its
    note); inserting the child first would store a null link.
    """
    ordered: list[type] = []
    for model in groups:
        _visit(model, groups, ordered, ())
    return ordered


def _visit(model: type, groups: dict[type, list], ordered: list[type], path: tuple) -> None:
    # A module-level function, not a closure: a closure that calls itself is a
    # reference cycle holding `groups`, and with it every instance of the chunk
    # until the garbage collector runs.
    if model in ordered or model in path:
        return
    for f in model._meta.concrete_fields:
        if f.is_relation and f.related_model in groups and f.related_model is not model:
            _visit(f.related_model, groups, ordered, (*path, model))
    ordered.append(model)


def _problem_note(entity, key, what, value):
    from dentalpin_import.mapping.base import Note

    return Note(f"{entity}.unreadable_value", f"{key}: {what} ({value!r}); left empty", "info")


class RawWriter:
    """Keeps rows of types without a mapper verbatim, once per clinic."""

    def __init__(self, entity_type: str, ctx: MappingContext, counts: TypeCounts):
        self.entity = entity_type
        self.ctx = ctx
        self.counts = counts

    def process(self, rows) -> ChunkResult:
        uuids = [r.canonical_uuid for r in rows]
        known = {
            u: mine for u, mine, _ in _already_there(RawEntity, self.ctx, (self.entity,), uuids)
        }
        fresh = [r for r in rows if r.canonical_uuid not in known]
        mine = sum(1 for flag in known.values() if flag)
        self.counts.raw += mine
        self.counts.already_mapped += len(known) - mine
        now = timezone.now()
        ctx = self.ctx
        inserts.insert_values(
            RawEntity,
            RAW_COLUMNS,
            [
                [
                    ctx.clinic.pk,
                    ctx.job.pk,
                    ctx.source_system,
                    self.entity,
                    r.canonical_uuid,
                    r.source_id[:200],
                    r.payload,
                    r.raw_source_data,
                    now,
                ]
                for r in fresh
            ],
        )
        self.counts.raw += len(fresh)
        return ChunkResult()
