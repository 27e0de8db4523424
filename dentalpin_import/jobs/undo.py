"""Undo a job: delete exactly the clinic rows it created, newest dependency first.

What goes is worked out by `undo_plan.plan_undo`. A cutover job (a later
export) also put back what it overwrote on rows earlier jobs created: its
before-images (`RowUpdate`) are restored, newest first, and the mappings get
back the digest and values they held. A row edited after the import is not
deleted unless forced, and a row that something newer depends on stops the
undo with a clear list. Everything is deleted in one transaction, with the
job's move to "undone": an undo that dies deletes nothing. The received
documents' files go after the commit, their names written in the transaction
(jobs/undo_files.py), so the sweep deletes those a killed undo left.

The command undoes at once (`undo_job`); the job page asks (`ask_undo`) and a
background task runs the undo (`undo_asked`, by job id). Either way the job
is "undoing" meanwhile, and how the undo ended is written on the job
(jobs/undoing.py), where the job page shows it.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from django.db import transaction
from django.db.models import ProtectedError
from django_scopes import scope

from dentalpin_import.jobs import (
    audit,
    dispatch,
    liveness,
    locks,
    retention,
    undo_files,
    undoing,
)
from dentalpin_import.jobs.restore import restore
from dentalpin_import.jobs.undo_plan import EDIT_MARGIN, UndoPlan, plan_undo
from dentalpin_import.loader import retired
from dentalpin_import.loader.changes import models_by_table
from dentalpin_import.models import (
    AuditAction,
    EntityMapping,
    FileStaging,
    ImportJob,
    JobStatus,
    RawEntity,
    StagingStatus,
)
from dentalpin_import.reader.batches import IN_LIST, batched

__all__ = ["EDIT_MARGIN", "UndoPlan", "UndoRefused", "ask_undo", "plan_undo", "undo_asked"]
log = logging.getLogger(__name__)

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
MSG_ARRIVED = (
    "{count} documents arrived while the undo was being prepared; nothing was deleted: ask for "
    "the undo again"
)


MSG_UNDOING = (
    "an undo of job {job} is already under way; wait for it to end (the job page shows when it has)"
)
# How an undo ended without deleting anything, written on the job for its page.
MSG_UNDO_STOPPED = (
    "the undo stopped before it finished (its process ended); nothing was deleted: ask for it again"
)
MSG_UNDO_NOT_STARTED = (
    "the undo did not start within {minutes} minutes (the background worker may be stopped "
    "or busy); nothing was deleted: ask for it again"
)
MSG_UNDO_FAILED = (
    "the undo stopped on an unexpected error; nothing was deleted: ask for it again, and if "
    "it stops again, tell your support (the server log has the details)"
)

# Still in the wizard: nothing of the file is in the clinic yet.
NOT_RUN = (JobStatus.UPLOADED, JobStatus.VALIDATED, JobStatus.PREVIEWED)


class UndoRefused(Exception):
    """The undo would delete rows edited since, or rows others depend on."""


def undo_job(*, job: ImportJob, force: bool = False, dry_run: bool = False, user=None) -> UndoPlan:
    """Delete what `job` created (or, with `dry_run`, only say so); return the plan.

    Raises `UndoRefused` when the job cannot be undone (running, already
    undone, being undone), when rows were edited after the import (unless
    `force`), when rows created later depend on the job's rows, or while an
    import of the clinic runs (the undo holds the clinic's import lock, so the
    two never interleave). A job whose process died is marked interrupted and
    undone. The staged upload goes at once; the outcome is in the audit log
    and on the job either way.
    """
    check(job)
    if dry_run:
        # A dry run lists everything, edited rows included, so the operator can decide.
        return plan_undo(job)
    with _clinic_lock(job, user):
        if not undoing.ask(job, force=force, user=user, by_command=True):
            refusal = MSG_UNDOING.format(job=job.pk)  # asked on the job page meanwhile
            _audit(job, user, "refused", reason=refusal)
            raise UndoRefused(refusal)
        plan = _run(job, force=force, user=user)
    retention.discard_job_files(job=job, reason="undo", user=user)
    return plan


def ask_undo(*, job: ImportJob, force: bool = False, user=None) -> None:
    """Ask for `job`'s undo: it runs in the background once this transaction commits.

    Raises `UndoRefused` for what refuses at once: the job's status (as
    `undo_job`), an undo of it already asked or under way, an import of the
    clinic running. What the undo itself finds (rows edited since, rows
    depending on the job's) refuses in the background: the job page shows it.
    """
    _look(job)
    _refuse_by_status(job)
    _refuse_busy_clinic(job)
    if not undoing.ask(job, force=force, user=user):
        raise UndoRefused(MSG_UNDOING.format(job=job.pk))
    _audit(job, user, "asked", forced=force)
    dispatch.undo_later(job)


def undo_asked(*, job: ImportJob) -> UndoPlan | None:
    """Run the undo asked for `job` (the background task); None when it did not undo.

    Refused or failed, the job goes back to the status it had, with the reason
    written on it (and audited). Only an ask not started yet runs: one started
    by a worker that died is left to `recover_dead`, never run twice.
    """
    job.refresh_from_db()
    if job.status != JobStatus.UNDOING or job.undo.get("started_at"):
        log.warning("job %s has no undo waiting to start (%s): task ignored", job.pk, job.status)
        return None
    user = undoing.asker(job)
    try:
        with liveness.holding(job.clinic, job):
            if not undoing.start(job):
                return None
            plan = _run(job, force=bool(job.undo.get("force")), user=user)
    except liveness.ClinicBusy as exc:
        if exc.running is not None and exc.running.pk == job.pk:
            return None  # the same undo runs elsewhere (its message was delivered twice)
        if undoing.end(job, outcome=undoing.REFUSED, reason=str(exc)):
            _audit(job, user, "refused", reason=str(exc))
        return None
    except UndoRefused:
        return None  # written on the job and audited by `_run`
    retention.discard_job_files(job=job, reason="undo", user=user)
    return plan


def recover_dead(*, job: ImportJob | None = None, clinic=None) -> int:
    """End the undos (of `job`, or of `clinic`'s jobs) nobody runs any more; count them.

    Their job goes back to the status it had, with the reason on it, so the
    undo can be asked again (jobs/undoing.py says when an undo is dead).
    """
    found = ImportJob.objects.filter(status=JobStatus.UNDOING)
    if job is not None:
        found = found.filter(pk=job.pk)
    if clinic is not None:
        found = found.filter(clinic=clinic)
    count = 0
    for undone in found:
        why = undoing.dead(undone)
        if why is None:
            continue
        reason = MSG_UNDO_STOPPED
        if why == undoing.NOT_STARTED:
            minutes = int(undoing.START_LIMIT.total_seconds() // 60)
            reason = MSG_UNDO_NOT_STARTED.format(minutes=minutes)
        if undoing.end(undone, outcome=why, reason=reason):
            _audit(undone, undoing.asker(undone), why, reason=reason)
            count += 1
    return count


def notice_dead(*, clinic=None, job: ImportJob | None = None) -> int:
    """Mark runs whose process died interrupted, and end undos nobody runs any more
    (of `clinic`, or `job` alone); count both. Every look at jobs does this first."""
    return recover_dead(job=job, clinic=clinic) + liveness.mark_dead_interrupted(
        clinic=clinic, job=job
    )


def check(job: ImportJob) -> None:
    """Raise `UndoRefused` for what refuses `job`'s undo at once: its status (the undo page)."""
    _look(job)
    _refuse_by_status(job)


def _look(job: ImportJob) -> None:
    """Refresh `job`, once a dead undo or run of it is marked as such."""
    notice_dead(job=job)
    job.refresh_from_db()


def _refuse_by_status(job: ImportJob) -> None:
    if job.status == JobStatus.UNDONE:
        raise UndoRefused(MSG_UNDONE.format(job=job.pk))
    if job.dry_run:  # its rows were rolled back; only its warnings stay (jobs.rehearsal)
        raise UndoRefused(MSG_REHEARSAL.format(job=job.pk))
    if job.status in NOT_RUN:
        raise UndoRefused(MSG_NOT_RUN.format(job=job.pk))
    if job.status in (JobStatus.RUNNING, JobStatus.QUEUED):
        raise UndoRefused(MSG_RUNNING.format(job=job.pk, status=job.status, job_id=job.pk))
    if job.status == JobStatus.UNDOING:
        raise UndoRefused(MSG_UNDOING.format(job=job.pk))


def _refuse_busy_clinic(job: ImportJob) -> None:
    """UndoRefused, naming the import, while a process holds the clinic's import lock."""
    holder = locks.holder(job.clinic_id)
    if holder is None:
        return
    running = ImportJob.objects.filter(pk=holder, clinic=job.clinic).first() if holder else None
    raise UndoRefused(str(liveness.ClinicBusy(running)))


@contextmanager
def _clinic_lock(job: ImportJob, user):
    """The clinic's import lock, bound to `job`, for the undo's length.

    UndoRefused (audited) while an import of the clinic runs.
    """
    try:
        with liveness.holding(job.clinic, job):
            yield
    except liveness.ClinicBusy as exc:
        _audit(job, user, "refused", reason=str(exc))
        raise UndoRefused(str(exc)) from None


def _run(job: ImportJob, *, force: bool, user) -> UndoPlan:
    """Undo `job`, undoing and its clinic's lock held here; write and audit how it ended."""
    try:
        plan = _delete(job, force=force)
    except UndoRefused as exc:
        undoing.end(job, outcome=undoing.REFUSED, reason=str(exc))
        _audit(job, user, "refused", reason=str(exc))
        raise
    except BaseException as exc:
        # Killed on the command line (Ctrl-C) or a crash: the transaction rolled back.
        stopped = not isinstance(exc, Exception)
        outcome = undoing.STOPPED if stopped else undoing.FAILED
        reason = MSG_UNDO_STOPPED if stopped else MSG_UNDO_FAILED
        try:
            if undoing.end(job, outcome=outcome, reason=reason):
                _audit(job, user, outcome, reason=reason, error=type(exc).__name__)
        except Exception:  # the database went too: the dead undo is noticed later
            log.exception("could not record how the undo of job %s ended", job.pk)
        raise
    _audit(job, user, "undone", rows=plan.total_rows, forced=force, edited=len(plan.changed))
    return plan


def _received(job: ImportJob) -> int:
    """How many of the clinic's staged files are received: while an undo holds the clinic's
    lock nothing else receives a file, rejects one or stages one, so only an arrival moves it."""
    with scope(clinic=job.clinic):
        received = FileStaging.objects.filter(clinic=job.clinic, status=StagingStatus.RECEIVED)
        return received.count()


def _refuse_arrived(job: ImportJob, before: int) -> None:
    """Refuse when a document of the clinic was stored after the plan was made.

    Uploads wait while an undo of the clinic runs (binaries/store.py), but one
    whose store began before the undo was asked may land while the plan is
    read. Its document is not in the plan: deleted with its patient, its file
    would stay in storage unnamed. Asking again plans it. On SQLite the
    transaction already holds the write lock here; on PostgreSQL a store that
    commits later finds the job undoing or its rows gone.
    """
    arrived = _received(job) - before
    if arrived > 0:
        raise UndoRefused(MSG_ARRIVED.format(count=arrived))


def _hand_over(plan: UndoPlan) -> None:
    """Give the job's received files that filled an earlier import's documents to that import.

    The documents stay, with their files; the staged rows go with them, so the
    earlier import's undo still knows when each file arrived (undo_plan._arrived).
    """
    for creator, staged in plan.handed_over.items():
        for part in batched(staged, IN_LIST):
            FileStaging.objects.filter(pk__in_ids=part, clinic=plan.job.clinic).update(
                job_id=creator
            )


def _audit(job: ImportJob, user, outcome: str, **details) -> None:
    audit.record(action=AuditAction.UNDO, job=job, user=user, outcome=outcome, details=details)


def _delete(job: ImportJob, *, force: bool) -> UndoPlan:
    received = _received(job)
    plan = plan_undo(job)
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
    undoing.phase(job, undoing.DELETING, rows=plan.total_rows)
    tables = models_by_table()
    try:
        with transaction.atomic(), scope(clinic=job.clinic):
            _refuse_arrived(job, received)
            restore(job, tables)
            for table, ids in plan.rows.items():
                model = tables[table]
                for part in batched(ids, IN_LIST):
                    model.objects.filter(pk__in_ids=part).only("pk").delete()
            _hand_over(plan)
            FileStaging.objects.filter(job=job, clinic=job.clinic).delete()
            RawEntity.objects.filter(job=job, clinic=job.clinic).delete()
            EntityMapping.objects.filter(job=job, clinic=job.clinic).delete()
            # Rows and mappings a later file retired, once the job's own are gone.
            retired.reinstate(job, tables)
            # Files go after the commit; their names are written with it (jobs/undo_files.py).
            undo_files.remember(job, plan.stored_files + plan.thumbnails)
            # In the same transaction: the job is undone exactly when its rows are gone.
            record = undoing.ended(job, undoing.UNDONE, rows=plan.total_rows)
            job.transition_to(JobStatus.UNDONE, only_from=JobStatus.UNDOING, undo=record)
    except ProtectedError as exc:
        blockers = sorted({f"{o._meta.db_table}#{o.pk}" for o in exc.protected_objects})[:20]
        raise UndoRefused(MSG_PROTECTED.format(blockers=", ".join(blockers))) from None
    try:
        left = undo_files.delete_left(job=job)
    except Exception:  # the undo is done: the files left wait for the sweep, by name
        log.exception("undo of job %s: its documents' files are left for the sweep", job.pk)
        return plan
    if left.failed:
        log.warning("undo of job %s: %d files left for the sweep", job.pk, left.failed)
    return plan
