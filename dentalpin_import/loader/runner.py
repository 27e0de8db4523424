"""The import pipeline: every entity type in order, in chunks committed in groups.

A dry run does the very same work inside one outer transaction and rolls it
back at the end; only the job row keeps the resulting figures.
"""

from __future__ import annotations

import gc
import logging
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django_scopes import scope

from dentalpin_import.jobs import liveness
from dentalpin_import.loader import inserts, resume, sql, sql_sqlite
from dentalpin_import.loader.chunks import ChunkWriter, RawWriter, mapped_types
from dentalpin_import.loader.counts import TypeCounts
from dentalpin_import.loader.missing import record_missing
from dentalpin_import.loader.reconcile import reconcile
from dentalpin_import.loader.source_files import copy_file_warnings, stage_files
from dentalpin_import.mapping.base import MappingContext
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.registry import (
    LEVELS,
    import_order,
    mapper_for,
    referenced_after,
)
from dentalpin_import.models import EntityMapping, ImportJob, ImportWarning, JobStatus

log = logging.getLogger(__name__)
PROGRESS_EVERY_S = 0.5
Progress = Callable[[str, int, int], None]


class JobCancelled(Exception):
    """The operator cancelled the job while it ran."""


class _RollBack(Exception):
    """Raised at the end of a dry run to undo everything it wrote."""


@dataclass
class RunResult:
    counts: dict[str, TypeCounts] = field(default_factory=dict)
    warnings: int = 0
    elapsed_s: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    phase_log: list[dict] = field(default_factory=list)
    reconciliation: dict = field(default_factory=dict)


@contextmanager
def old_objects_left_alone():
    """Keep the cyclic garbage collector off the run's objects, old and new.

    A full collection scans every live object: Django, its models and modules
    included, and an import triggers several. That was a tenth of a run. The
    objects that existed before the run are frozen: freed by reference counting
    as usual and handed back to the collector afterwards, so a long-lived worker
    leaks nothing.

    Automatic collection is off for the run, too: its passes over the live rows
    of each chunk took about 5% of a 1,000-patient import (79 ms, against 13 ms
    for a collection at each commit). What a chunk builds is freed by reference
    counting once the chunk is written (a test holds an import to leaving no
    reference cycle behind); `Runner.commit` collects whatever a cycle kept.
    """
    gc.freeze()
    collecting = gc.isenabled()  # another run in this process may have turned it off
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
        gc.unfreeze()


@contextmanager
def sqlite_page_cache():
    """Give the importing connection a larger SQLite page cache for the run, then restore it.

    Every row probes the unique index of the source keys at a random place; with
    SQLite's default 2 MiB most probes at 10,000 patients read their page back
    from the operating system. Only the run's connection is affected.
    """
    mib = settings.DPMF_SQLITE_CACHE_MIB
    if connection.vendor != "sqlite" or mib <= 0:
        yield
        return
    before = sql_sqlite.page_cache_size()
    sql_sqlite.set_page_cache_size(-1024 * int(mib))
    try:
        yield
    finally:
        try:
            sql_sqlite.set_page_cache_size(before)
        except DatabaseError:  # the error that ended the run matters more
            log.warning("could not restore the SQLite page cache size", exc_info=True)


def counter_fields(counts: dict[str, TypeCounts]) -> dict:
    """The job row's `counters` and `processed_entities` for these per-type counts."""
    return {
        "counters": {t: c.as_dict() for t, c in counts.items()},
        "processed_entities": sum(c.processed for c in counts.values()),
    }


class Runner:
    """Runs one job's pipeline against an open DPMF container."""

    def __init__(
        self,
        job: ImportJob,
        container,
        *,
        progress: Progress | None = None,
        chunk_size: int | None = None,
        on_phase: Callable[[dict], None] | None = None,
    ):
        self.on_phase = on_phase
        self.job = job
        self.container = container
        self.progress = progress
        self.chunk_size = chunk_size or settings.DPMF_CHUNK_SIZE
        self.result = RunResult(phase_log=list(job.phase_log or []))
        self.saved_at = 0.0  # when the job row's progress was last written
        self.uncounted = 0  # warnings stored but not yet added to the job row's count
        self.committed: dict[str, TypeCounts] = {}  # the counters as of the last commit
        self.group: ExitStack | None = None  # the open transaction of uncommitted chunks
        self.group_rows, self.group_began = 0, 0.0
        self.source = container  # what the types' rows are read from
        self.mapped: set[str] = set()  # types the clinic had mappings of when the run began
        self.later = False  # earlier jobs imported this source: rows may be missing
        self.ctx = MappingContext(
            clinic=job.clinic,
            job=job,
            source_system=container.source_system,
            options=dict(job.options),
            source=container,
            on_conflict=job.options.get("on_conflict") or "keep-clinic",
        )

    def run(self) -> RunResult:
        started = time.monotonic()
        with scope(clinic=self.job.clinic), old_objects_left_alone(), sqlite_page_cache():
            if self.job.dry_run:
                try:
                    with transaction.atomic():
                        self.pipeline()
                        raise _RollBack()
                except _RollBack:
                    pass
            else:
                try:
                    self.pipeline()
                except BaseException:
                    self.keep_committed_counters()
                    raise
        self.result.elapsed_s = time.monotonic() - started
        return self.result

    @contextmanager
    def chunk(self, rows: int = 0):
        """One chunk of `rows` source rows, in the transaction of its commit group.

        Chunks are committed together, every DPMF_COMMIT_ROWS rows or
        DPMF_COMMIT_SECONDS and at the end of every phase: each chunk's rows
        dirty pages all over the source-key indexes, and a commit per chunk
        wrote most of those pages again (at 10,000 patients, 3 GB of WAL and
        checkpoint writes for a 212 MB database). A group is whole or absent:
        an error rolls back every chunk since the last commit (see `phase`).
        """
        if self.group is None:
            self.group = ExitStack()
            self.group.enter_context(transaction.atomic())
            self.group_rows, self.group_began = 0, time.monotonic()
        yield
        self.group_rows += rows
        if (
            self.group_rows >= settings.DPMF_COMMIT_ROWS
            or time.monotonic() - self.group_began >= settings.DPMF_COMMIT_SECONDS
        ):
            self.commit()

    def commit(self) -> None:
        """Commit the open group; its counters are remembered as committed."""
        if self.group is None:
            return
        if self.uncounted:
            try:  # the group's warnings are counted in its own transaction
                self.save_progress()
            except BaseException as exc:  # cancelled meanwhile: the group goes
                self.roll_back(exc)
                raise
        group, self.group = self.group, None
        group.close()
        self.committed = {t: c.snapshot() for t, c in self.result.counts.items()}
        # Automatic collection is off for the run (see old_objects_left_alone):
        # a reference cycle made since the last commit is freed here.
        gc.collect()

    def roll_back(self, exc: BaseException) -> None:
        """Roll back the open group: none of its chunks stays."""
        if self.group is None:
            return
        group, self.group = self.group, None
        self.uncounted = 0  # the warnings go with the group
        group.__exit__(type(exc), exc, exc.__traceback__)

    def keep_committed_counters(self) -> None:
        """Store the counters of what was committed, on the way out of a stopped run.

        Progress is saved at most every PROGRESS_EVERY_S and a cancelled job's
        saves are refused, so the job row could otherwise show fewer rows than
        the run committed; the in-memory counters would show more (they include
        the chunk that was rolled back).
        """
        if not self.committed:
            return
        try:
            ImportJob.objects.filter(pk=self.job.pk).update(**counter_fields(self.committed))
        except DatabaseError:  # the database that stopped the run may still be away
            log.exception("could not store the counters of stopped job %s", self.job.pk)

    def pipeline(self) -> None:
        self.start_counts()
        self.ctx.finishing_jobs = resume.finishing_jobs(self.job, self.ctx.source_system)
        if not self.job.dry_run and (self.ctx.resumed or len(self.ctx.finishing_jobs) > 1):
            gone = resume.forget_warnings_to_redo(self.ctx)
            log.info("job %s: %d warnings of rows to map again removed", self.job.pk, gone)
        mappers = []
        order = import_order(self.result.counts)
        still_needed = dict(zip(order, referenced_after(order), strict=True))
        # Only this run writes a type's mappings before the type's turn, so the
        # answer at the start holds for each type.
        self.mapped = mapped_types(self.ctx, order)
        # A later export of the clinic: each type then records what earlier files had
        # and this one lacks.
        self.later = bool(self.mapped) and self.later_export()
        for level in dict.fromkeys(LEVELS.get(t, "9 unknown types (raw)") for t in order):
            types = [t for t in order if LEVELS.get(t, "9 unknown types (raw)") == level]
            with self.phase(f"level {level}", types):
                for entity_type in types:
                    mapper = mapper_for(entity_type)
                    began = time.monotonic()
                    self.run_type(entity_type, mapper)
                    self.ctx.keys.keep_only(still_needed[entity_type])
                    self.result.timings[entity_type] = time.monotonic() - began
                    if mapper is not None:
                        mappers.append(mapper)
        self.refresh_statistics(mappers)
        with self.phase("binaries and file warnings", []), self.chunk():
            # A file staged is never staged again, but one refused is: said once per job.
            staged = stage_files(self.container, self.ctx)
            self.flush(resume.notes_not_stored(self.ctx.finishing_jobs, staged))
            self.flush(copy_file_warnings(self.container, self.ctx))
            for mapper in mappers:
                self.finish(mapper)
        with self.phase("reconciliation", []):
            self.result.reconciliation = reconcile(self.container, self.ctx, self.result.counts)
        # What the job row says at the end: every warning stored for the job, those an
        # earlier attempt of it stored included.
        self.result.warnings = ImportWarning.objects.filter(job=self.job).count()

    def later_export(self) -> bool:
        """True when earlier jobs (not attempts of this one) imported rows of this source.

        Only then can rows be missing from the file; a resumed first import keeps the
        phases of an uninterrupted one.
        """
        earlier = EntityMapping.objects.filter(
            clinic=self.job.clinic, source_system=self.ctx.source_system
        ).exclude(job__in=self.ctx.finishing_jobs or (self.job.pk,))
        return earlier.exists()

    def refresh_statistics(self, mappers) -> None:
        """Statistics of the tables the levels filled, for the second passes and the checks.

        The rows each type created went to its mapper's table (roughly: a few
        go elsewhere), and each row mapped or skipped to the mappings.
        """
        written = Counter()
        for mapper in mappers:
            counts = self.result.counts[mapper.entity]
            written[mapper.model._meta.db_table] += counts.created - counts.linked
            written[EntityMapping._meta.db_table] += counts.created + counts.skipped
        analyzed = sql.refresh_statistics(written)
        if analyzed:
            log.info("job %s: statistics refreshed for %s", self.job.pk, ", ".join(analyzed))

    @contextmanager
    def phase(self, name: str, types: list[str]):
        """Time a phase and append its line to the job's phase log."""
        began = time.monotonic()
        warnings_before = self.result.warnings
        try:
            yield
        except BaseException as exc:
            self.roll_back(exc)
            raise
        counts = [self.result.counts[t] for t in types]
        entry = {
            "at": timezone.now().isoformat(timespec="seconds"),
            "phase": name,
            "processed": sum(c.processed for c in counts),
            "errors": sum(c.failed for c in counts),
            "warnings": self.result.warnings - warnings_before,
            "elapsed_s": round(time.monotonic() - began, 3),
        }
        self.result.phase_log.append(entry)
        # The counters as they stand at the end of the phase, with its line: one update,
        # committed with the phase's last rows, so the log never shows a phase a crash
        # took back.
        try:
            self.save_progress(phase_log=self.result.phase_log)
        except BaseException as exc:
            self.roll_back(exc)
            raise
        self.commit()
        if self.on_phase:
            self.on_phase(entry)

    def start_counts(self) -> None:
        for info in self.container.entity_types:
            self.result.counts[info.entity_type] = TypeCounts(in_file=info.actual_count)

    def run_type(self, entity_type: str, mapper) -> None:
        counts = self.result.counts[entity_type]
        if mapper is None:
            writer = RawWriter(entity_type, self.ctx, counts)
        else:
            writer = ChunkWriter(mapper, self.ctx, counts, look_up=entity_type in self.mapped)
        deferred: set[str] = set()
        source, size = self.source, self.chunk_size
        if isinstance(writer, ChunkWriter) and writer.look_up:
            # The clinic has rows of this type already: read keys first, rows only if new.
            parts = source.key_chunks(entity_type, chunk_size=size)
            process = partial(writer.process_keys, source=source)
        else:
            parts, process = source.chunks(entity_type, chunk_size=size), writer.process
        self.in_groups(entity_type, parts, process, deferred)
        if deferred:
            # Rows that wait for every other row of their type (planned treatments,
            # refunds before their payment): a second pass. Only the keys were kept;
            # the rows are read again by key, so a file with many deferred rows does
            # not hold them all in memory.
            self.ctx.final_pass = True
            try:
                parts = source.final_chunks(entity_type, deferred, chunk_size=size)
                self.in_groups(entity_type, parts, writer.process, set())
            finally:
                self.ctx.final_pass = False
        self.keyless_rows(entity_type)
        if self.later and isinstance(writer, ChunkWriter) and writer.look_up:
            with self.chunk():
                # The keys the type's chunks were read by: the file's keys of the type.
                counts.missing = record_missing(self.ctx, writer.seen, entity_type)

    def keyless_rows(self, entity_type: str) -> None:
        """Rows without a canonical id fail, one warning each (by source id, no payload).

        Reads go by canonical id, so they never see these rows; with no key they
        cannot be imported idempotently. Counted here, the type's figures add up.
        """
        rows = self.source.keyless_source_ids(entity_type)
        if not rows:
            return
        self.result.counts[entity_type].failed += len(rows)
        warnings = [
            build(
                ImportWarning,
                job=self.job,
                clinic=self.job.clinic,
                entity_type=entity_type,
                source_id=str(source_id if source_id is not None else "")[:200],
                severity="error",
                code="row.missing_canonical_id",
                params={},
                message="this row has no canonical id in the file, so it cannot be imported; "
                "ask for a new export",
            )
            for source_id in rows
        ]
        with self.chunk():
            self.flush(resume.notes_not_stored(self.ctx.finishing_jobs, warnings), entity_type)

    def in_groups(self, entity_type: str, parts, process, deferred: set) -> None:
        """Import `parts` chunk by chunk in commit groups; keep the keys of deferred rows."""
        for part in parts:
            with self.chunk(len(part)):
                chunk = process(part)
                self.flush(chunk.warnings, entity_type)
            deferred.update(chunk.deferred)

    def finish(self, mapper) -> None:
        self.ctx.notes = []
        mapper.finish(self.ctx)
        notes = [
            build(
                ImportWarning,
                job=self.job,
                clinic=self.job.clinic,
                entity_type=mapper.entity,
                severity=n.severity,
                code=n.code,
                message=n.message,
                raw_data=n.raw_data,
                params=n.params or {},
            )
            for n in self.ctx.notes
        ]
        self.flush(resume.notes_not_stored(self.ctx.finishing_jobs, notes))

    def flush(self, warnings: list[ImportWarning], entity_type: str | None = None) -> None:
        """Store warnings and the job's progress; stop when the job was cancelled.

        The job row is updated only every PROGRESS_EVERY_S: on a re-run every
        chunk is a chunk without warnings, and each update is a commit (a WAL
        flush on PostgreSQL) that otherwise outweighs the chunk itself. Inside a
        commit group the warnings are counted at the latest when the group
        commits, in its transaction; outside one, at once.
        """
        if warnings:  # outside a commit group, an empty transaction would still take the lock
            with transaction.atomic(savepoint=False):
                inserts.insert_instances(warnings)
        self.result.warnings += len(warnings)
        self.uncounted += len(warnings)
        if self.progress and entity_type:
            counts = self.result.counts[entity_type]
            self.progress(entity_type, counts.processed, counts.in_file)
        if (self.uncounted and self.group is None) or (
            time.monotonic() - self.saved_at >= PROGRESS_EVERY_S
        ):
            self.save_progress(entity_type)

    def save_progress(self, entity_type: str | None = None, **also) -> None:
        """Write the counters, the warnings not counted yet and the heartbeat to the job row."""
        self.saved_at = time.monotonic()
        fields = dict(
            **counter_fields(self.result.counts),
            warnings_count=F("warnings_count") + self.uncounted,
            heartbeat_at=timezone.now(),
            **also,
        )
        if entity_type:
            fields["current_entity_type"] = entity_type
        running = ImportJob.objects.filter(pk=self.job.pk).exclude(status=JobStatus.CANCELLED)
        if not running.update(**fields):
            raise JobCancelled(f"job {self.job.pk} was cancelled")
        self.uncounted = 0
        # A run whose clinic lock was lost (its session ended) stops: another import of
        # the clinic may start now and must not interleave with this one.
        liveness.check_lock(self.job)
