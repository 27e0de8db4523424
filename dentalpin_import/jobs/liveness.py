"""Which running jobs are alive, and the rule that one clinic imports one file at a time.

A job runs while holding its clinic's lock (`jobs.locks`), taken before it
becomes running and given back after it ended. So a job marked running is
dead when its clinic's lock is free, or held for another job: the process
that ran it ended without saying so (killed, out of memory, the machine
stopped). Where a database's locks cannot be seen, a heartbeat older than
DPMF_HEARTBEAT_TIMEOUT says the same. A dead job is marked interrupted, with
an audit line, by whoever notices first: the next import of the clinic, an
undo, the sweep, `import_jobs`, the job pages.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from dentalpin_import.jobs import audit, locks
from dentalpin_import.models import AuditAction, ImportJob, JobStatus

# Stored on the job (in English, translated by the pages like the refusals).
# In the options of a job a command created: it holds its clinic's lock from the start.
COMMAND = "command"
UNSTARTED = (JobStatus.UPLOADED, JobStatus.VALIDATED, JobStatus.PREVIEWED)
MSG_STOPPED = (
    "the import stopped unexpectedly (its process ended); run the same command again to "
    "finish it (on the job page: Resume)"
)
MSG_BUSY = (
    "another import of this clinic is still running (job {job}, {status}); wait for it to "
    "end, or stop it with: python manage.py cancel_import {job_id}"
)
MSG_BUSY_STARTING = "another import of this clinic is starting; wait for it to end, then try again"
MSG_BUSY_UNDOING = (
    "an import of this clinic is being undone (job {job}); wait for the undo to end, then try again"
)
MSG_LOCK_LOST = (
    "the import stopped: the database ended the session that marked it as running, so another "
    "import could have started; run the same command again to finish it (on the job page: Resume)"
)


class ClinicBusy(Exception):
    """Another process is importing into this clinic right now."""

    def __init__(self, running: ImportJob | None):
        self.running = running
        if running is None:
            message = MSG_BUSY_STARTING
        elif running.status == JobStatus.UNDOING:  # an undo cannot be cancelled: only waited
            message = MSG_BUSY_UNDOING.format(job=running.pk)
        else:
            message = MSG_BUSY.format(job=running.pk, status=running.status, job_id=running.pk)
        super().__init__(message)


@contextmanager
def holding(clinic, job: ImportJob | None = None):
    """Hold `clinic`'s import lock for the block (for `job`, once known); yield the lock.

    Raises ClinicBusy, naming the live job, when another process holds it.
    Taking the lock proves every other job of the clinic still marked running
    is dead, so they are marked interrupted here.
    """
    nested = locks.held_here(clinic.pk) is not None
    held = locks.acquire(clinic.pk)
    if held is None:
        raise ClinicBusy(_holder_job(clinic))
    try:
        if job is not None:
            _bind(held, job)
        if not nested:
            _clear_the_way(clinic, job)
        yield held
    finally:
        locks.release(held)


def _clear_the_way(clinic, job: ImportJob | None) -> None:
    """Mark the clinic's dead running jobs interrupted; ClinicBusy if one is alive."""
    running = ImportJob.objects.filter(clinic=clinic, status=JobStatus.RUNNING)
    if locks.visible():
        interrupt(running)  # this process holds the lock: no other run is alive
        stop_unstarted_commands(clinic, but=job)
        return
    mark_dead_interrupted(clinic=clinic)
    alive = running.exclude(pk=job.pk if job is not None else None).first()
    if alive is not None:
        raise ClinicBusy(alive)


def stop_unstarted_commands(
    clinic, *, but: ImportJob | None = None, only: ImportJob | None = None
) -> int:
    """Fail the clinic's command-line jobs whose process ended before their run began.

    A command holds the clinic's lock from before it records its job, so while
    this process holds it, such a job still uploaded or validated (killed while
    its file was read or checked) has nobody behind it. Marked failed, it is
    resumed by the same command when it had been validated.
    """
    stuck = ImportJob.objects.filter(
        clinic=clinic, status__in=UNSTARTED, **{f"options__{COMMAND}": True}
    )
    if only is not None:
        stuck = stuck.filter(pk=only.pk)
    count = 0
    for job in stuck.exclude(pk=but.pk if but is not None else None):
        now = timezone.now()
        updated = ImportJob.objects.filter(pk=job.pk, status=job.status).update(
            status=JobStatus.FAILED, error=MSG_STOPPED, finished_at=now
        )
        if updated:
            job.status, job.error, job.finished_at = JobStatus.FAILED, MSG_STOPPED, now
            audit.record(
                action=AuditAction.VALIDATION,
                job=job,
                outcome="interrupted",
                details={"error": MSG_STOPPED, "noticed_by": "lock"},
            )
            count += 1
    return count


def _bind(held: locks.Held, job: ImportJob) -> None:
    if held.job_id not in (locks.UNBOUND, str(job.pk)):
        # This thread holds the lock for another job of the clinic: it is busy too.
        raise ClinicBusy(ImportJob.objects.filter(pk=held.job_id).first())
    held.bind(job.pk)


def _holder_job(clinic) -> ImportJob | None:
    job_id = locks.holder(clinic.pk)
    if not job_id:
        return None
    return ImportJob.objects.filter(pk=job_id, clinic=clinic).first()


def check_lock(job: ImportJob) -> None:
    """Raise `locks.LockLost` when the running `job` no longer holds its clinic's lock.

    For the runner's progress saves: an import whose lock session was ended
    under it must stop, or a second import of the clinic could start.
    """
    locks.check(job.clinic_id)


def is_dead(job: ImportJob) -> bool:
    """Whether a job marked running has no live process behind it."""
    return bool(dead_among([job]))


def dead_among(jobs) -> list[ImportJob]:
    """The jobs of `jobs` (marked running) whose process is gone; one look per clinic."""
    jobs = list(jobs)
    if not locks.visible():
        stale = timezone.now() - timedelta(seconds=settings.DPMF_HEARTBEAT_TIMEOUT)
        return [j for j in jobs if (j.heartbeat_at or j.started_at or j.created_at) < stale]
    holders: dict[int, str | None] = {}
    dead = []
    for job in jobs:
        if job.clinic_id not in holders:
            holders[job.clinic_id] = locks.holder(job.clinic_id)
        holder = holders[job.clinic_id]
        # A lock held but not yet said for which job is taken as held for this one.
        if holder is None or (holder != locks.UNBOUND and holder != str(job.pk)):
            dead.append(job)
    return dead


def mark_dead_interrupted(*, clinic=None, job: ImportJob | None = None) -> int:
    """Mark running jobs (of `clinic`, or `job` alone) with no live process interrupted.

    Command-line jobs a killed command left before their run (of clinics whose
    lock nobody holds) are marked failed too. Return how many jobs were marked.
    """
    running = ImportJob.objects.filter(status=JobStatus.RUNNING)
    if clinic is not None:
        running = running.filter(clinic=clinic)
    if job is not None:
        running = running.filter(pk=job.pk)
    count = interrupt(dead_among(running))
    if locks.visible():
        count += _stop_dead_commands(clinic, job)
    return count


def _stop_dead_commands(clinic, job: ImportJob | None) -> int:
    """Command-line jobs left before their run, in clinics whose lock nobody holds."""
    stuck = ImportJob.objects.filter(status__in=UNSTARTED, **{f"options__{COMMAND}": True})
    if clinic is not None:
        stuck = stuck.filter(clinic=clinic)
    if job is not None:
        stuck = stuck.filter(pk=job.pk)
    free: dict[int, bool] = {}
    count = 0
    for found in stuck.select_related("clinic"):
        if found.clinic_id not in free:
            free[found.clinic_id] = locks.holder(found.clinic_id) is None
        if free[found.clinic_id]:
            count += stop_unstarted_commands(found.clinic, only=found)
    return count


def interrupt(jobs) -> int:
    """Mark `jobs` interrupted, each only if it is still in the run that was found dead.

    The UPDATE names the run's `started_at` too: a job resumed meanwhile is a
    new run, alive, and keeps going.
    """
    count = 0
    for job in jobs:
        ended = job.heartbeat_at or timezone.now()
        updated = ImportJob.objects.filter(
            pk=job.pk, status=JobStatus.RUNNING, started_at=job.started_at
        ).update(status=JobStatus.INTERRUPTED, error=MSG_STOPPED, finished_at=ended)
        if not updated:
            continue
        job.status, job.error, job.finished_at = JobStatus.INTERRUPTED, MSG_STOPPED, ended
        audit.record(
            action=AuditAction.EXECUTE,
            job=job,
            outcome="interrupted",
            details={
                "error": MSG_STOPPED,
                "last_sign_of_life": ended.isoformat(timespec="seconds"),
                "noticed_by": "lock" if locks.visible() else "heartbeat",
            },
        )
        count += 1
    return count
