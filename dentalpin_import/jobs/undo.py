"""Undo a job: delete exactly the clinic rows it created, newest dependency first.

Rows are found through the job's own mappings (`created_row` only: rows the
job merely linked to, such as existing staff or the clinic itself, stay).
A cutover job (a later export) also put back what it overwrote on rows earlier
jobs created: its before-images (`RowUpdate`) are restored, newest first, and
the mappings get back the digest and values they held.
A row edited after the import is not deleted unless forced, and a row that
something newer depends on stops the undo with a clear list.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import CASCADE, ProtectedError
from django_scopes import scope

from dentalpin_import.jobs import audit, liveness, retention
from dentalpin_import.jobs.restore import restore
from dentalpin_import.loader import retired
from dentalpin_import.loader.changes import models_by_table
from dentalpin_import.mapping.registry import ENTITY_ORDER
from dentalpin_import.models import (
    EXTRA_SUFFIX,
    SKIP_SUFFIX,
    AuditAction,
    EntityMapping,
    FileStaging,
    ImportJob,
    JobStatus,
    RawEntity,
    RowUpdate,
)
from dentalpin_import.reader.batches import IN_LIST, batched

IMPORTER = "dentalpin_import"
# An edit within this margin of the import is the import itself.
EDIT_MARGIN = dt.timedelta(seconds=2)

# Why an undo is refused: one English line, shared by the command and the pages
# (which translate it through web/refusals.py).
MSG_UNDONE = "job {job} was already undone"
MSG_REHEARSAL = "job {job} was a dry run: it saved nothing in the clinic, there is nothing to undo"
MSG_NOT_RUN = "job {job} has not run yet: nothing was imported, so there is nothing to undo"
MSG_RUNNING = (
    "job {job} is {status}; cancel it first (python manage.py cancel_import {job_id}, or Cancel "
    "on the job page)"
)
MSG_DEPENDENTS = (
    "{count} rows this import did not create depend on its rows and would be deleted with "
    "them ({listed}); undo the later import first"
)
MSG_EDITED = (
    "{count} rows were edited after the import ({listed}); to delete them anyway, use "
    "--force (on the page: “Delete edited rows too”)"
)
MSG_EDITED_MORE = (
    "{count} rows were edited after the import ({listed} and {more} more); to delete them "
    "anyway, use --force (on the page: “Delete edited rows too”)"
)
MSG_PROTECTED = "rows created after this import depend on its rows: {blockers}"


# Still in the wizard: nothing of the file is in the clinic yet.
NOT_RUN = (JobStatus.UPLOADED, JobStatus.VALIDATED, JobStatus.PREVIEWED)


class UndoRefused(Exception):
    """The undo would delete rows edited since, or rows others depend on."""


@dataclass
class UndoPlan:
    job: ImportJob
    rows: dict[str, list[int]] = field(default_factory=dict)  # table → ids, deletion order
    changed: list[tuple[str, int]] = field(default_factory=list)
    # Rows the job did not create that deleting its rows would take along (cascade).
    dependents: list[tuple[str, int]] = field(default_factory=list)
    mappings: int = 0
    restored: int = 0  # rows whose overwritten values are put back (a cutover)
    raw_entities: int = 0
    staged_files: int = 0
    stored_files: list[str] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(len(ids) for ids in self.rows.values())


def _order_key(entity_type: str) -> int:
    base = entity_type.removesuffix(EXTRA_SUFFIX)
    position = ENTITY_ORDER.index(base) if base in ENTITY_ORDER else len(ENTITY_ORDER)
    # Extra rows of a type (legal records, family shares) go before its main rows.
    return -(position * 2 + (0 if entity_type.endswith(EXTRA_SUFFIX) else -1))


def plan_undo(job: ImportJob) -> UndoPlan:
    """Work out what undoing `job` deletes, and which of those rows were edited since."""
    plan = UndoPlan(job)
    mappings = EntityMapping.objects.filter(job=job, clinic=job.clinic)
    plan.mappings = mappings.count()
    created = mappings.filter(created_row=True).exclude(entity_type__endswith=SKIP_SUFFIX)
    by_type: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for entity_type, table, target, at in created.values_list(
        "entity_type", "target_table", "target_id", "created_at"
    ):
        by_type[entity_type][table].append((int(target), at))
    tables = models_by_table()
    with scope(clinic=job.clinic):
        for entity_type in sorted(by_type, key=_order_key):
            for table, pairs in by_type[entity_type].items():
                model = tables[table]
                plan.rows.setdefault(table, []).extend(pk for pk, _ in pairs)
                imported_at = dict(pairs)
                for part in batched(imported_at, IN_LIST):
                    rows = model.objects.filter(pk__in_ids=part)
                    # A row last written within the margin of the batch's earliest import
                    # cannot count as edited: only the others are read and compared.
                    since = min(imported_at[pk] for pk in part) + EDIT_MARGIN
                    plan.changed += [
                        (table, pk)
                        for pk, updated in rows.filter(updated_at__gt=since).values_list(
                            "pk", "updated_at"
                        )
                        if updated > imported_at[pk] + EDIT_MARGIN
                    ]
                    if hasattr(model, "file"):
                        plan.stored_files += [
                            name for name in rows.values_list("file", flat=True) if name
                        ]
    with scope(clinic=job.clinic):
        plan.dependents = _cascade_victims(plan.rows, tables)
        _plan_restores(plan, tables)
    plan.raw_entities = RawEntity.objects.filter(job=job, clinic=job.clinic).count()
    plan.staged_files = FileStaging.objects.filter(job=job, clinic=job.clinic).count()
    return plan


def _plan_restores(plan: UndoPlan, tables) -> None:
    """Count the rows a cutover job overwrote; those edited since it are `changed`."""
    updates = RowUpdate.objects.filter(job=plan.job, clinic=plan.job.clinic, mapping_only=False)
    by_table: dict[str, dict[int, dt.datetime]] = defaultdict(dict)
    for table, target, at in updates.values_list("target_table", "target_id", "created_at"):
        by_table[table][int(target)] = max(at, by_table[table].get(int(target), at))
    for table, written_at in by_table.items():
        model = tables.get(table)
        if model is None:
            continue
        plan.restored += len(written_at)
        if not hasattr(model, "updated_at"):
            continue
        for part in batched(written_at, IN_LIST):
            since = min(written_at[pk] for pk in part) + EDIT_MARGIN  # as in plan_undo
            found = model._base_manager.filter(pk__in_ids=part, updated_at__gt=since).values_list(
                "pk", "updated_at"
            )
            plan.changed += [
                (table, pk) for pk, updated in found if updated > written_at[pk] + EDIT_MARGIN
            ]


def undo_job(*, job: ImportJob, force: bool = False, dry_run: bool = False, user=None) -> UndoPlan:
    """Delete what `job` created (or, with `dry_run`, only say so); return the plan.

    Raises `UndoRefused` when the job cannot be undone (running, already
    undone), when rows were edited after the import (unless `force`), when
    rows created later depend on the job's rows, or while an import of the
    clinic runs (the undo holds the clinic's import lock, so the two never
    interleave). A job whose process died is marked interrupted and undone.
    The staged upload goes at once; the outcome is in the audit log either way.
    """
    liveness.mark_dead_interrupted(job=job)
    job.refresh_from_db()
    if job.status == JobStatus.UNDONE:
        raise UndoRefused(MSG_UNDONE.format(job=job.pk))
    if job.dry_run:  # its rows were rolled back; only its warnings stay (jobs.rehearsal)
        raise UndoRefused(MSG_REHEARSAL.format(job=job.pk))
    if job.status in NOT_RUN:
        raise UndoRefused(MSG_NOT_RUN.format(job=job.pk))
    if job.status in (JobStatus.RUNNING, JobStatus.QUEUED):
        raise UndoRefused(MSG_RUNNING.format(job=job.pk, status=job.status, job_id=job.pk))
    with ExitStack() as stack:
        try:
            if not dry_run:
                stack.enter_context(_clinic_lock(job))
            plan = _undo(job, force=force, dry_run=dry_run)
        except UndoRefused as exc:
            if not dry_run:
                audit.record(
                    action=AuditAction.UNDO,
                    job=job,
                    user=user,
                    outcome="refused",
                    details={"reason": str(exc)},
                )
            raise
        if not dry_run:
            audit.record(
                action=AuditAction.UNDO,
                job=job,
                user=user,
                outcome="undone",
                details={"rows": plan.total_rows, "forced": force, "edited": len(plan.changed)},
            )
    if not dry_run:
        retention.discard_job_files(job=job, reason="undo", user=user)
    return plan


@contextmanager
def _clinic_lock(job: ImportJob):
    """The clinic's import lock, for the undo's length; UndoRefused while an import runs."""
    try:
        with liveness.holding(job.clinic):
            yield
    except liveness.ClinicBusy as exc:
        raise UndoRefused(str(exc)) from None


def _cascade_victims(rows: dict[str, list[int]], tables) -> list[tuple[str, int]]:
    """Rows outside `rows` that a cascading delete of `rows` would remove too.

    A later import (or a person) may have added, say, notes to a patient this job
    created; deleting the patient would silently take them. Those are listed so
    the undo can refuse instead.
    """
    planned = {table: set(ids) for table, ids in rows.items()}
    victims: list[tuple[str, int]] = []
    for table, ids in rows.items():
        for rel in tables[table]._meta.related_objects:
            if rel.on_delete is not CASCADE or rel.related_model._meta.app_label == IMPORTER:
                continue  # the importer's own rows of this job go with it by design
            child = rel.related_model
            mine = planned.get(child._meta.db_table, set())
            for part in batched(ids, IN_LIST):
                found = child._base_manager.filter(
                    **{f"{rel.field.name}__in_ids": part}
                ).values_list("pk", flat=True)
                victims += [(child._meta.db_table, pk) for pk in found if pk not in mine]
    return sorted(set(victims))


def _undo(job: ImportJob, *, force: bool, dry_run: bool) -> UndoPlan:
    plan = plan_undo(job)
    if dry_run:
        # A dry run lists everything, edited rows included, so the operator can decide.
        return plan
    if plan.dependents:
        listed = ", ".join(f"{t}#{pk}" for t, pk in plan.dependents[:20])
        raise UndoRefused(MSG_DEPENDENTS.format(count=len(plan.dependents), listed=listed))
    if plan.changed and not force:
        listed = ", ".join(f"{t}#{pk}" for t, pk in plan.changed[:20])
        count, more = len(plan.changed), len(plan.changed) - 20
        raise UndoRefused(
            MSG_EDITED_MORE.format(count=count, listed=listed, more=more)
            if more > 0
            else MSG_EDITED.format(count=count, listed=listed)
        )
    tables = models_by_table()
    try:
        with transaction.atomic(), scope(clinic=job.clinic):
            restore(job, tables)
            for table, ids in plan.rows.items():
                model = tables[table]
                for part in batched(ids, IN_LIST):
                    model.objects.filter(pk__in_ids=part).only("pk").delete()
            FileStaging.objects.filter(job=job, clinic=job.clinic).delete()
            RawEntity.objects.filter(job=job, clinic=job.clinic).delete()
            EntityMapping.objects.filter(job=job, clinic=job.clinic).delete()
            # Rows and mappings a later file retired, once the job's own are gone.
            retired.reinstate(job, tables)
            job.transition_to(JobStatus.UNDONE)
    except ProtectedError as exc:
        blockers = sorted({f"{o._meta.db_table}#{o.pk}" for o in exc.protected_objects})[:20]
        raise UndoRefused(MSG_PROTECTED.format(blockers=", ".join(blockers))) from None
    _delete_stored_files(plan)
    return plan


def _delete_stored_files(plan: UndoPlan) -> None:
    from django.core.files.storage import default_storage

    for name in plan.stored_files:
        default_storage.delete(name)
