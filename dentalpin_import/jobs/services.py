"""The public entry points of the importer: every command, view and task calls these.

Import the module, not the functions (`jobs.services.run_job`), so calls can
be grepped and never collide with task names.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from clinics.permissions import has_clinic_perm
from dentalpin_import import events
from dentalpin_import.jobs import (
    audit,
    diskfull,
    dispatch,
    liveness,
    notify,
    preflight,
    rehearsal,
    resuming,
    rewrap,
    sheet_upload,
    sweep,
    validation,
)

# The first steps of a job and the sheets' own live in their modules; commands, pages and
# tasks reach them here, by one name.
from dentalpin_import.jobs.arrival import (  # noqa: F401
    create_job,
    no_progress,
    open_job_file,
    open_job_file_at,
    record_preflight,
    refuse_job,
    sha256_of,
    stage_upload,
    staging_dir,
    validate_job,
)
from dentalpin_import.jobs.locks import LockLost
from dentalpin_import.jobs.preview import build_preview, cutover_preview, preview_json, seal
from dentalpin_import.jobs.sheet_upload import (  # noqa: F401
    open_sheet_file,
    stage_sheet_upload,
    submit_sheet_for_validation,
    validate_sheet_upload,
)
from dentalpin_import.jobs.workarea import work_folder
from dentalpin_import.loader.counts import TypeCounts
from dentalpin_import.loader.merge import (  # noqa: F401 (the commands' and pages' way in)
    KEEP_CLINIC,
    ON_CONFLICT,
    take_file_values,
)
from dentalpin_import.loader.runner import JobCancelled, Runner, RunResult, counter_fields
from dentalpin_import.mapping.registry import import_order
from dentalpin_import.models import (
    AgentToken,
    AuditAction,
    FileStaging,
    ImportJob,
    JobStatus,
    SourceKind,
    TransitionError,
)
from dentalpin_import.reader.errors import ReadError

log = logging.getLogger(__name__)


def run_job(*, job: ImportJob, container, progress=None, on_phase=None, user=None) -> RunResult:
    """Run the whole pipeline for a validated job; return its figures.

    The job moves queued → running → succeeded (or "completed with problems"
    when the reconciliation does not add up), or failed with the error kept on
    the row. Rows written before a failure stay: running the job again
    finishes the work without duplicates.

    The run holds its clinic's import lock from before it is marked running
    until after it ended (`jobs.liveness`). Raises `liveness.ClinicBusy`, and
    fails a job that had not started yet, when another import of the clinic
    is alive: two imports of one clinic never interleave.
    """
    with ExitStack() as stack:
        try:
            stack.enter_context(liveness.holding(job.clinic, job))
        except liveness.ClinicBusy as exc:
            _refuse_busy(job, exc, user)
            raise
        return _run_held(job, container, progress=progress, on_phase=on_phase, user=user)


def _refuse_busy(job: ImportJob, busy: liveness.ClinicBusy, user) -> None:
    try:
        job.transition_to(JobStatus.FAILED, error=str(busy), finished_at=timezone.now())
    except TransitionError:
        pass  # a failed or interrupted job asked to resume stays as it was
    running = str(busy.running.pk) if busy.running is not None else ""
    audit.record(
        action=AuditAction.EXECUTE,
        job=job,
        user=user,
        outcome="refused",
        details={"error": str(busy), "running_job": running},
    )


def failure_message(exc: BaseException) -> str:
    """What a job's error says when its run or its validation stopped on `exc`."""
    if isinstance(exc, LockLost):
        return liveness.MSG_LOCK_LOST
    if full := diskfull.describe(exc):
        return full
    if isinstance(exc, (ReadError, rewrap.RewrapError)):
        return str(exc)  # a refusal line as it was written: the pages translate it
    return f"{type(exc).__name__}: {exc}"


def _run_held(job: ImportJob, container, *, progress, on_phase, user) -> RunResult:
    resumed = job.status in (JobStatus.FAILED, JobStatus.INTERRUPTED) or bool(job.started_at)
    if job.status != JobStatus.QUEUED:
        job.transition_to(JobStatus.QUEUED)
    now = timezone.now()
    job.transition_to(
        JobStatus.RUNNING, started_at=now, heartbeat_at=now, finished_at=None, error=""
    )
    audit.record(
        action=AuditAction.RESUME if resumed else AuditAction.EXECUTE,
        job=job,
        user=user,
        outcome="started",
    )
    events.emit(
        "migration.job.started",
        {"job_id": str(job.pk), "clinic_id": job.clinic_id},
        dry_run=job.dry_run,
    )
    notify.job_mail(job, "started")
    try:
        # A dry run's warnings are read before its rollback and kept (jobs.rehearsal).
        make = rehearsal.RehearsalRunner if job.dry_run else Runner
        runner = make(job, container, progress=progress, on_phase=on_phase)
        runner.ctx.resumed = resumed
        result = runner.run()
        if job.dry_run:
            rehearsal.keep_warnings(runner)
    except JobCancelled:
        job.refresh_from_db()
        audit.record(action=AuditAction.EXECUTE, job=job, user=user, outcome="cancelled")
        raise
    except Exception as exc:
        error = failure_message(exc)
        try:
            job.transition_to(JobStatus.FAILED, error=error, finished_at=timezone.now())
            audit.record(
                action=AuditAction.EXECUTE,
                job=job,
                user=user,
                outcome="failed",
                details={"error": error},
            )
        except DatabaseError:
            # A full database may refuse even this; the job is found interrupted once
            # this process lets go of the clinic's lock.
            log.exception("could not record the failure of job %s", job.pk)
            raise exc from None
        events.emit(
            "migration.job.failed",
            {"job_id": str(job.pk), "clinic_id": job.clinic_id, "error": error},
            dry_run=job.dry_run,
        )
        notify.job_mail(job, "failed")
        raise
    ok = result.reconciliation.get("ok", True)
    job.transition_to(
        JobStatus.SUCCEEDED if ok else JobStatus.PROBLEMS,
        finished_at=timezone.now(),
        **counter_fields(result.counts),
        warnings_count=result.warnings,
        phase_log=result.phase_log,
        reconciliation=result.reconciliation,
    )
    audit.record(
        action=AuditAction.EXECUTE,
        job=job,
        user=user,
        outcome=job.status,
        details={"warnings": result.warnings, "adds_up": result.reconciliation.get("adds_up")},
    )
    events.emit(
        "migration.job.completed",
        {
            "job_id": str(job.pk),
            "clinic_id": job.clinic_id,
            "total_entities": job.total_entities,
            "warnings_count": result.warnings,
        },
        dry_run=job.dry_run,
    )
    notify.job_mail(job, "finished" if ok else "finished with problems")
    return result


def cancel_job(*, job: ImportJob, user=None) -> None:
    """Cancel a job that has not finished; a running one stops at its next progress save.

    That is the end of the first chunk that has warnings or that ends at least
    `runner.PROGRESS_EVERY_S` after the previous save; what was written stays whole.
    A job whose file is being checked in the background (DPMF or sheet) is
    cancelled too: the check stops when it notices and deletes the job's files
    (`validation.dropped_if_cancelled`). Raises TransitionError for a job that already ended.
    """
    was = job.status
    job.transition_to(JobStatus.CANCELLED, finished_at=timezone.now())
    audit.record(
        action=AuditAction.EXECUTE, job=job, user=user, outcome="cancelled", details={"was": was}
    )


def fail_job(*, job: ImportJob, error: str, user=None) -> bool:
    """Mark failed a job that stopped outside its run (while its file was read or staged).

    A job the run already ended keeps its state. Return whether it was marked.
    """
    job.refresh_from_db(fields=["status", "started_at"])
    if job.is_finished or job.status == JobStatus.RUNNING:
        return False
    try:
        job.transition_to(JobStatus.FAILED, error=error, finished_at=timezone.now())
    except TransitionError:
        return False
    audit.record(
        action=AuditAction.VALIDATION if job.started_at is None else AuditAction.EXECUTE,
        job=job,
        user=user,
        outcome="failed",
        details={"error": error},
    )
    return True


def report(job: ImportJob, *, elapsed_s: float | None = None, warnings: int | None = None) -> dict:
    """Return the job's report in the documented JSON shape (docs/cli.md)."""
    counts = {t: TypeCounts.from_dict(job.counters[t]) for t in import_order(job.counters)}
    elapsed = elapsed_s if elapsed_s is not None else job.elapsed_seconds()
    return {
        "job_id": str(job.pk),
        "clinic": job.clinic.slug,
        "dry_run": job.dry_run,
        "status": job.status,
        "warnings": job.warnings_count if warnings is None else warnings,
        "elapsed_s": round(elapsed or 0.0, 3),
        # A sheet's rows linked to the clinic's own patients or staff are not new rows.
        "entities": {t: c.report(job.source_kind == SourceKind.CSV) for t, c in counts.items()},
        # Rows earlier files brought that this one lacks (a cutover); never deleted.
        "missing_from_file": {t: c.missing for t, c in counts.items() if c.missing},
        "binaries": binaries_summary(job),
        "reconciliation": {
            key: job.reconciliation.get(key) for key in ("adds_up", "orphans", "money", "derived")
        },
    }


def binaries_summary(job: ImportJob) -> dict[str, int]:
    """Binaries the file listed for this job, by status: expected, received, missing, rejected."""

    by_status = dict(
        FileStaging.objects.filter(job=job, clinic_id=job.clinic_id)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {
        "expected": sum(by_status.values()),
        "received": by_status.get("received", 0),
        "pending": by_status.get("pending", 0),
        "missing": by_status.get("missing", 0),
        "rejected": by_status.get("rejected", 0),
    }


# --- the web flow: staged uploads, validation with re-wrapping, background runs -------------

ENCRYPTED_LAYERINGS = ("enc", "zstd-enc")
RETRYABLE = {"passphrase_required", "decrypt_failed"}


@sensitive_variables("passphrase")
def submit_for_validation(*, job: ImportJob, passphrase: str | None) -> bool:
    """Validate a staged upload now, or in the background when it is large.

    Files above DPMF_BACKGROUND_VALIDATE_BYTES are validated in the background
    (see `dispatch.validate_later` for where an encrypted file's validation
    runs and why). Return True when the validation was deferred.
    """

    if job.status != JobStatus.UPLOADED:
        return False  # it could not even be staged (a full disk): the job says why
    if job.layering not in ENCRYPTED_LAYERINGS:
        passphrase = None  # never carried further than needed
    if (job.file_size or 0) <= settings.DPMF_BACKGROUND_VALIDATE_BYTES:
        validate_upload(job=job, passphrase=passphrase, progress=no_progress)
        return False
    validation.mark_waiting(job)
    dispatch.validate_later(job, passphrase)
    return True


@sensitive_variables("passphrase")
def validate_upload(*, job: ImportJob, passphrase: str | None, progress=None) -> None:
    """Validate a staged upload, keep its preview, and re-wrap it under the server key.

    A wrong or missing passphrase leaves the job uploaded (the operator may
    retry); any other refusal fails the job and deletes the upload. The
    passphrase is only ever a local variable here. Progress goes to the job
    row (`meta["validation"]`) for the wizard's progress fragment.
    """

    job.refresh_from_db()
    if job.status != JobStatus.UPLOADED:
        validation.drop_cancelled(job)  # cancelled before its check began
        return  # validated meanwhile (a retried background validation): nothing to do
    record = progress or validation.Recorder(job)
    if job.source_kind == SourceKind.CSV:  # a large sheet (`submit_sheet_for_validation`)
        sheet_upload.validate_in_background(job, record)
        return
    with validation.dropped_if_cancelled(job):
        _validate_dpmf(job, passphrase, record)


@sensitive_variables("passphrase")
def _validate_dpmf(job: ImportJob, passphrase: str | None, record) -> None:
    upload_path = Path(job.stored_path)
    try:
        with open_job_file(job=job, passphrase=passphrase, progress=record) as container:
            record("preview", 0, 1)
            summary = seal(preview_json(build_preview(container)))  # samples encrypted
            summary["cutover"] = cutover_preview(container, job.clinic)  # a later export?
            record("preflight", 0, 1)
            problems = preflight.as_json(preflight.preflight(container, clinic=job.clinic))
            record("rewrap", 0, 1)
            packed = staging_dir(job) / "validated.dpmr"
            rewrap.rewrap(container.sqlite_path, packed)
            validate_job(
                job=job,
                container=container,
                preview=summary,
                stored_path=str(packed),
                options=dict(job.options, rewrapped=True),
                preflight=problems,
            )
    except ReadError as exc:
        if exc.code not in RETRYABLE:
            refuse_job(job=job, error=exc)
            upload_path.unlink(missing_ok=True)
            return
        ImportJob.objects.filter(pk=job.pk).update(
            error=str(exc), meta={"validation": validation.state_failed(exc.code)}
        )
        job.refresh_from_db()
        audit.record(
            action=AuditAction.VALIDATION,
            job=job,
            outcome="retry",
            details={"error": str(exc), "code": exc.code},
        )
        return
    except (OSError, DatabaseError) as exc:
        full = diskfull.describe(exc)
        if full is None:
            raise
        refuse_job(job=job, error=full)  # the wizard is over: the upload goes, space comes back
        upload_path.unlink(missing_ok=True)
        return
    upload_path.unlink(missing_ok=True)
    record_preflight(job=job, problems=problems)


def preview_job(*, job: ImportJob, import_verifactu: bool = False) -> None:
    """Record that the preview was seen, and the operator's Verifactu choice, on the job."""
    job.transition_to(
        JobStatus.PREVIEWED, options=dict(job.options, import_verifactu=import_verifactu)
    )


@contextmanager
def open_for_run(job: ImportJob):
    """Open a job's file for a (background) run: the re-wrapped copy, or the CLI's own file.

    A file that cannot be opened (a full disk, the copy gone) fails the job
    with the reason instead of leaving it queued.
    """
    with ExitStack() as stack:
        try:
            source = stack.enter_context(_open_for_run(job))
        except Exception as exc:
            fail_job(job=job, error=failure_message(exc))
            raise
        yield source


@contextmanager
def _open_for_run(job: ImportJob):

    if job.source_kind == SourceKind.CSV:
        with sheet_upload.open_sheet_for_run(job) as sheet:
            yield sheet
        return
    if not job.options.get("rewrapped"):
        with open_job_file(job=job) as container:
            yield container
        return
    with work_folder() as tmp_dir, rewrap.unwrapped(Path(job.stored_path), str(tmp_dir)) as plain:
        with open_job_file_at(plain, tmp_dir) as container:
            yield container


def start_job(*, job: ImportJob, user=None, import_verifactu: bool | None = None) -> str | None:
    """Queue a validated job for its background run (TransitionError if queued/running).

    `import_verifactu=None` keeps the choice recorded at the preview. Return a
    fresh sync-agent token (shown once) when the file lists binaries to upload.
    """

    if import_verifactu is not None:
        ImportJob.objects.filter(pk=job.pk).update(
            options=dict(job.options, import_verifactu=import_verifactu)
        )
        job.refresh_from_db()
    dispatch.enqueue(job)
    # The run itself happens in the background, with no user: who asked is recorded now.
    audit.record(action=AuditAction.EXECUTE, job=job, user=user, outcome=notify.QUEUED)
    if job.dry_run or not lists_documents(job):  # a rehearsal stages no file
        return None
    if user is not None and not has_clinic_perm(user, job.clinic, "binary_write"):
        return None  # a token of theirs could not upload (models.agents): the page says so
    return AgentToken.issue(job=job, user=user)[1]


def lists_documents(job: ImportJob) -> bool:
    """True when the job's file lists documents (radiographs, PDFs) for someone to upload."""
    return bool(job.meta.get("preview", {}).get("files", {}).get("with_sha256"))


def resume_job(*, job: ImportJob, user=None) -> None:
    """Run a failed or interrupted job again; idempotency finishes it without duplicates.

    Raises `resuming.NotResumable` for any other job (finished, never started,
    refused, a dry run, its file gone), saying why.
    """
    reason = resuming.why_not(job)
    if reason is not None:
        raise resuming.NotResumable(reason)
    dispatch.enqueue(job)
    audit.record(action=AuditAction.RESUME, job=job, user=user, outcome=notify.QUEUED)


def mark_stale_jobs_interrupted(*, clinic=None, job: ImportJob | None = None) -> int:
    """Mark running jobs (of `clinic`, or `job`) whose process is gone interrupted; count them.

    Gone means its clinic's import lock is free, or, where locks cannot be seen,
    no heartbeat for DPMF_HEARTBEAT_TIMEOUT (`jobs.liveness`).
    """
    return liveness.mark_dead_interrupted(clinic=clinic, job=job)


def sweep_abandoned_uploads(*, older_than: timedelta, dry_run: bool = False) -> list[dict]:
    """Delete the staged files of wizards never confirmed within `older_than`; say what went."""

    return sweep.sweep(older_than=older_than, dry_run=dry_run)
