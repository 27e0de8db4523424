"""One chunk of one entity type: resolve, map, insert in bulk, record mappings.

The fast path maps and inserts the whole chunk inside one savepoint. If
anything about its rows goes wrong there (the database refuses a value, a
value cannot be encoded, a mapper trips on a row: see `row_errors` for what
counts as the row's fault and what stops the job), the chunk is redone row by
row, each row mapped and inserted in its own savepoint, so only the bad row
fails, with a warning naming its source id. The slow path counts and warns
exactly as the fast path would have for every other row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from dentalpin_import import events
from dentalpin_import.loader import fit, inserts
from dentalpin_import.loader.changes import record_digest, seal_batch
from dentalpin_import.loader.counts import TypeCounts
from dentalpin_import.loader.raw_rows import RawWriter  # noqa: F401 (the runner's import)
from dentalpin_import.loader.row_errors import (
    BAD_KEY_MESSAGE,
    DECODE_ERROR,
    MAX_KEY,
    ROW_BAD_KEY,
    ROW_DUPLICATE,
    ROW_FAILED,
    ROW_UNRESOLVED,
    ChunkResult,
    Copies,
    duplicate_message,
    failure_message,
    failure_params,
    problem_notes,
    row_warning,
    stops_the_job,
    usable_key,
)
from dentalpin_import.loader.source_keys import (  # noqa: F401 (imported from here elsewhere)
    already_there,
    existing_mappings,
    has_mappings,
    mapped_types,
    mappings_to_compare,
    resolve_references,
)
from dentalpin_import.loader.updates import RULED_OUT, ChunkUpdates
from dentalpin_import.mapping.base import BaseMapper, Defer, MappingContext, MappingWarning
from dentalpin_import.mapping.registry import REFERENCED_TYPES
from dentalpin_import.models import (
    EXTRA_SUFFIX,
    SKIP_SUFFIX,
    SKIP_TABLE,
    SKIP_TARGET_ID,
    EntityMapping,
    ImportWarning,
)
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
    "source_digest",
    "written",
)


@dataclass
class Outcome:
    record: Any
    instances: list[models.Model]
    notes: list = field(default_factory=list)
    created: bool = True
    ruled_out: bool = False  # a row the rules leave out on purpose (`deliberate`)


@dataclass
class Saved:
    """What one chunk inserted so far: instances (by id) and further rows mapped."""

    # By id(), holding the instance: an id is only unique while its object lives, and
    # the slow path lets each row's other objects go before the next row is mapped.
    inserted: dict[int, models.Model] = field(default_factory=dict)
    extras: set[int] = field(default_factory=set)
    latest: list = field(default_factory=list)  # the instances of the last save, in order

    def forget_latest(self) -> None:
        """The last save was rolled back: its instances are new again, for a later row.

        A mapper may hand the same instance to a later row of the chunk (a chair
        named twice); it must be inserted then, not taken for a row that exists.
        """
        for obj in self.latest:
            self.inserted.pop(id(obj), None)
            self.extras.discard(id(obj))
            obj.pk = None
            obj._state.adding = True
        self.latest = []


class ChunkWriter(ChunkUpdates):
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
        self.copies = Copies()
        self.seen: set[str] = set()  # the keys of a type read by key (`process_keys`)

    def warning(self, record_or_row, code, message, severity="warn", raw_data=None, params=None):
        return row_warning(
            self.ctx, self.entity, record_or_row, code, message, severity, raw_data, params
        )

    def fail(self, result: ChunkResult, row, code: str, message: str, params=None) -> None:
        """Count `row` as failed, with its warning."""
        result.warnings.append(self.warning(row, code, message, "error", params=params))
        self.counts.failed += 1

    def process(self, rows) -> ChunkResult:
        """Import one chunk of source rows; return its warnings and the keys of deferred rows."""
        result = ChunkResult()
        if self.look_up and self.ctx.final_pass:
            return self.process_known(rows, result)
        return self.process_records(self.new_records(rows, result), result)

    def process_records(self, records, result: ChunkResult | None = None) -> ChunkResult:
        """Map and write already-typed records: the whole chunk at once, else row by row."""
        result = result or ChunkResult()
        self.ctx.chunk = {}
        if len(self.ctx.keys) > settings.DPMF_ID_CACHE_SIZE:
            self.ctx.keys.clear()  # what this chunk refers to is loaded again below
        mark = self.mark(result)
        try:
            # Mapping happens inside the savepoint too: a query a mapper makes can
            # fail on a row's value, and on PostgreSQL that spoils the transaction.
            with transaction.atomic():
                self.prepare(records)
                outcomes, markers = self.map_all(records, result)
                self.save(outcomes, markers)
        except Exception as exc:
            if stops_the_job(exc):
                raise
            log.info("chunk of %s refused (%s); retrying row by row", self.entity, type(exc))
            # The rows are mapped again, one by one: what mapping them counted and
            # warned the first time is taken back, so nothing is counted twice.
            self.take_back(mark, result)
            self.save_one_by_one(records, result)
            return result
        self.count_saved(outcomes, markers, result)
        return result

    def mark(self, result: ChunkResult) -> tuple:
        """Where the counts, warnings and deferred rows stand before an attempt."""
        return self.counts.snapshot(), len(result.warnings), len(result.deferred)

    def take_back(self, mark: tuple, result: ChunkResult) -> None:
        """Return the counts, warnings and deferred rows to `mark`: a refused attempt's
        rows are counted and warned again by whatever handles them next."""
        counts, warned, deferred = mark
        self.counts.restore(counts)
        del result.warnings[warned:]
        del result.deferred[deferred:]

    def prepare(self, records) -> None:
        """Resolve the records' references and let the mapper load what it needs.

        A reference that resolves to no clinic row may name a row the rules left
        out: the mapper then leaves its row out by the same rule (`require`).
        """
        mapper = self.mapper
        pairs = (p for r in records for p in mapper.references(r))
        resolve_references(self.ctx, pairs, left_out=RULED_OUT)
        mapper.prepare(records, self.ctx)

    def count_known(
        self,
        mine: bool,
        is_marker: bool,
        linked: bool = False,
        copy: str | None = None,
        ruled_out: bool = False,
    ) -> None:
        """Count a row that is mapped already, by this job (an earlier attempt) or before it.

        A `copy` of a row (`Copies`) this job mapped was skipped by its earlier attempt;
        a skip marker says whether a rule left the row out (`RULED_OUT`).
        """
        if not mine:
            self.counts.already_mapped += 1
        elif is_marker and ruled_out and not copy:
            self.counts.ruled_out += 1  # this job's own earlier attempt
        elif is_marker or copy:
            self.counts.skipped += 1  # this job's own earlier attempt
        else:
            self.counts.created += 1
            self.counts.linked += linked

    def new_records(
        self, rows, result: ChunkResult, known: dict | None = None, checked: bool = False
    ) -> list:
        """The typed records of the rows not mapped yet; unreadable rows become warnings.

        `known` is given when the caller already looked the rows' mappings up.
        A row whose id is unusable fails, and a second row of the same id is a
        copy: skipped with a warning (`Copies`). `checked` rows were past both already.
        """
        if known is None:
            known = {}
            if self.look_up:
                keys = [r.canonical_uuid for r in rows if usable_key(r.canonical_uuid)]
                known = existing_mappings(self.ctx, self.entity, keys)
        final = self.ctx.final_pass
        waits = None
        if not final and type(self.mapper).waits is not BaseMapper.waits:
            waits = self.mapper.waits
        records = []
        copies = self.copies
        record_cls = self.mapper.record
        for row in rows:
            key = row.canonical_uuid
            if not (0 < len(key) <= MAX_KEY and key.isprintable()):  # usable_key, inlined
                self.fail(result, row, ROW_BAD_KEY, BAD_KEY_MESSAGE)
                continue
            # Copies.check, the common case of a first pass inlined (it runs for every row).
            if checked:
                copy = None
            elif final or key == copies.last:
                copy = copies.check(key, final)
            else:
                copies.last, copy = key, None
            if key in known:
                self.count_known(*known[key], copy=copy)
                continue
            if copy == Copies.WARN:
                result.warnings.append(self.warning(row, ROW_DUPLICATE, duplicate_message()))
                self.counts.skipped += 1
                continue
            if copy == Copies.DROP:
                continue
            try:
                if row.decode_error:
                    self.fail(result, row, DECODE_ERROR, row.decode_error)
                elif waits and waits(Payload(row.payload)):
                    result.deferred.append(key)  # not typed twice
                else:
                    records.append(record_cls.from_row(row))
            except Exception as exc:  # typing needs no database: whatever it is, it is the row's
                log.info("could not type %s row %s: %s", self.entity, key, type(exc).__name__)
                params = failure_params("read", exc)
                self.fail(result, row, ROW_FAILED, failure_message("read", exc), params)
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
        """Map one record; None means it failed or was deferred (already counted).

        A database error is not the mapper's to swallow: the transaction may be
        spoilt (PostgreSQL), so it goes up to the savepoint around the chunk, or
        around the row on the slow path.
        """
        ctx = self.ctx
        ctx.notes = []
        try:
            mapped = self.mapper.map(record, ctx)
        except Defer:
            if not ctx.final_pass:
                result.deferred.append(record.canonical_uuid)
                return None
            message = "This row refers to another row of its type that was not imported."
            self.fail(result, record, ROW_UNRESOLVED, message)
            return None
        except MappingWarning as w:
            result.warnings.append(
                self.warning(record, w.code, w.message, w.severity, w.raw_data, w.params)
            )
            if not w.skip:
                self.counts.failed += 1
                return None
            return Outcome(record, [], [], ruled_out=deliberate(w))
        except DatabaseError:
            raise
        except Exception as exc:
            if stops_the_job(exc):
                raise
            log.exception("mapper %s failed on %s", self.entity, record.canonical_uuid)
            params = failure_params("map", exc)
            self.fail(result, record, ROW_FAILED, failure_message("map", exc), params)
            return None
        instances = mapped if isinstance(mapped, list) else ([mapped] if mapped else [])
        notes = list(ctx.notes)
        if record.problems:
            notes += problem_notes(self.entity, record.problems)
        # A mapper that returns nothing without a warning leaves the row out by a rule of
        # the format (a debt of 0 is "skipped silently", FORMAT.md §8.7), not for a problem.
        return Outcome(record, instances, notes, ruled_out=mapped is None)

    def save(self, outcomes: list[Outcome], markers: list[Outcome], saved: Saved | None = None):
        """Insert new instances model by model, then their mappings and skip markers.

        `saved` holds what earlier rows of the chunk inserted (the slow path saves
        one row at a time): a row mapped to an instance an earlier row of its
        chunk created counts as created, as it does when the chunk is saved whole.
        """
        saved = saved or Saved()
        groups: dict[type, list] = {}
        for outcome in outcomes:
            for obj in outcome.instances:
                if obj.pk is None and id(obj) not in saved.inserted:
                    saved.inserted[id(obj)] = obj
                    saved.latest.append(obj)
                    groups.setdefault(type(obj), []).append(obj)
        for model in inserts.parents_first(groups):
            objs = groups[model]
            self.fit(objs, outcomes)
            inserts.insert_instances(objs)
            events.emit_many(
                events.domain_events(objs, self.ctx.clinic.pk), dry_run=self.ctx.job.dry_run
            )
        # The job and the time are the same on every mapping row: prepared once.
        now = inserts.db_value(EntityMapping, "created_at", timezone.now())
        job = inserts.db_value(EntityMapping, "job", self.ctx.job.pk)
        # Further rows one source row produced (family shares, legal records) are
        # mapped too, so undo finds every row the job created.
        extras = []
        for o in outcomes:
            o.created = id(o.instances[0]) in saved.inserted
            for i, extra in enumerate(o.instances[1:], 1):
                if id(extra) in saved.inserted and id(extra) not in saved.extras:
                    saved.extras.add(id(extra))
                    extras.append((o, f"{o.record.canonical_uuid}:{i}", extra))
        # What each created row was written with: one sealed batch for the chunk.
        written = [(o.record.canonical_uuid, o.instances[0]) for o in outcomes if o.created]
        batch = seal_batch(self.ctx, self.entity, written + [(k, x) for _, k, x in extras])
        rows = []
        for o in outcomes:
            target = o.instances[0]
            values = (record_digest(o.record), batch if o.created else "")
            rows.append(
                self.mapping_values(
                    o, target._meta.db_table, str(target.pk), o.created, now, job, written=values
                )
            )
        extra_type = self.entity + EXTRA_SUFFIX
        for o, key, extra in extras:
            table = extra._meta.db_table
            rows.append(
                self.mapping_values(
                    o, table, str(extra.pk), True, now, job, extra_type, key, ("", batch)
                )
            )
        rows += [
            self.mapping_values(
                o,
                SKIP_TABLE,
                SKIP_TARGET_ID,
                False,
                now,
                job,
                self.entity + SKIP_SUFFIX,
                # The row's digest: the preview tells a left-out row the later file
                # changed (looked at again, maybe imported) from one it left as it was.
                written=(record_digest(o.record), RULED_OUT if o.ruled_out else ""),
            )
            for o in markers
        ]
        inserts.insert_values(EntityMapping, MAPPING_COLUMNS, rows, prepared=True)

    def mapping_values(
        self,
        outcome,
        table,
        target_id,
        created,
        now,
        job,
        entity_type=None,
        key=None,
        written=("", ""),
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
            *written,
        )

    def fit(self, objs: list[models.Model], outcomes: list[Outcome]) -> None:
        """Bring new rows to their columns (`fit.fit`); each change is a note on its row."""
        if changes := fit.fit(objs):
            fit.note_changes(changes, {id(obj): o for o in outcomes for obj in o.instances})

    def note_warnings(self, outcomes: list[Outcome]) -> list[ImportWarning]:
        return [
            self.warning(outcome.record, n.code, n.message, n.severity, n.raw_data, n.params)
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
        if self.keep_keys:
            for marker in markers:
                if marker.ruled_out:
                    keys.leave_out(self.entity, marker.record.canonical_uuid)
        ruled_out = sum(1 for m in markers if m.ruled_out)
        self.counts.ruled_out += ruled_out
        self.counts.skipped += len(markers) - ruled_out

    def save_one_by_one(self, records, result: ChunkResult) -> None:
        """Slow path: map and save each record in its own savepoint, so a bad row fails alone.

        The chunk's references and the mapper's look-ups are loaded once, as on
        the fast path; only if that fails (a row's value spoils a query) is each
        row prepared alone.
        """
        self.ctx.chunk = {}
        together = True
        try:
            with transaction.atomic():
                self.prepare(records)
        except Exception as exc:
            if stops_the_job(exc):
                raise
            together = False
        raced = False
        saved = Saved()
        for record in records:
            warned = len(result.warnings)
            saved.latest = []
            try:
                with transaction.atomic():
                    if not together:
                        self.ctx.chunk = {}
                        self.prepare([record])
                    outcome = self.map_one(record, result)
                    if outcome is not None:
                        both = ([outcome], []) if outcome.instances else ([], [outcome])
                        self.save(*both, saved=saved)
            except Exception as exc:
                if stops_the_job(exc):
                    raise
                saved.forget_latest()
                del result.warnings[warned:]
                if isinstance(exc, fit.RowRefused):
                    self.fail(result, record, exc.code, exc.message, {"field": exc.field})
                    continue
                if not self.look_up and existing_mappings(
                    self.ctx, self.entity, [record.canonical_uuid]
                ):
                    # Mapped by another job since this type started: counted as if
                    # looked up, and the next chunks look up again.
                    raced = True
                    self.counts.already_mapped += 1
                    continue
                name = type(exc).__name__
                log.info("row %s of %s failed: %s", record.canonical_uuid, self.entity, name)
                params = failure_params("save", exc)
                self.fail(result, record, ROW_FAILED, failure_message("save", exc), params)
                continue
            if outcome is None:
                continue
            if outcome.instances:
                self.count_saved([outcome], [], result)
            else:
                self.count_saved([], [outcome], result)
        if raced:
            self.look_up = True


def deliberate(w: MappingWarning) -> bool:
    """True for a row a rule leaves out on purpose (a voided or written-off debt, a
    payment of 0, an empty alert, a payment applied to a voided debt): as the mapper
    says (`by_rule`), else an informative warning or a `*.skipped_*` code.
    Any other skipped row was left out for a problem and is reported as failed."""
    if w.by_rule is not None:
        return w.by_rule
    return w.severity == "info" or ".skipped_" in w.code
