"""The public entry points of the importer: every command, view and task calls these.

Import the module, not the functions (`jobs.services.run_job`), so calls can
be grepped and never collide with task names.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from functools import partial
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
    sheet_columns,
    sheet_preview,
    sheet_rows,
    sweep,
    validation,
)
from dentalpin_import.jobs.locks import LockLost
from dentalpin_import.jobs.preview import build_preview, cutover_preview, preview_json, seal
from dentalpin_import.jobs.workarea import work_folder
from dentalpin_import.loader.counts import TypeCounts
from dentalpin_import.loader.merge import (  # noqa: F401 (the commands' and pages' way in)
    KEEP_CLINIC,
    ON_CONFLICT,
    take_file_values,
)
from dentalpin_import.loader.runner import JobCancelled, Runner, RunResult, counter_fields
from dentalpin_import.loader.source_keys import mapped_keys
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
from dentalpin_import.reader import workbooks
from dentalpin_import.reader.container import detect_layering, open_dpmf
from dentalpin_import.reader.crypto import hidden
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.sheet_source import read_sheet

log = logging.getLogger(__name__)


def create_job(
    *,
    clinic,
    user=None,
    path,
    original_name: str = "",
    source_kind: str = "dpmf",
    options: dict | None = None,
    dry_run: bool = False,
) -> ImportJob:
    """Record a new job for `path` in `clinic` (the clinic always comes from the caller)."""
    path = Path(path)
    job = ImportJob.objects.create(
        clinic=clinic,
        created_by=user if user is not None and user.is_authenticated else None,
        source_kind=source_kind,
        original_name=(original_name or path.name)[:255],
        stored_path=str(path.resolve()),
        file_size=path.stat().st_size if path.exists() else None,
        options=options or {},
        dry_run=dry_run,
    )
    _audit_upload(job, user)
    return job


def _audit_upload(job: ImportJob, user) -> None:
    """The audit line every way a file arrives (command or web upload) leaves."""
    audit.record(
        action=AuditAction.UPLOAD,
        job=job,
        user=user,
        outcome="recorded",
        details={"name": job.original_name, "size": job.file_size},
    )


@contextmanager
def open_job_file(
    *, job: ImportJob, passphrase: str | None = None, verify: bool = True, progress=None
):
    """Open the job's DPMF file (decrypting/decompressing into a private work folder)."""
    passphrase = hidden(passphrase)  # shown as stars on error pages and in reports
    with (
        work_folder() as tmp_dir,
        open_dpmf(
            job.stored_path,
            passphrase=passphrase,
            max_unpacked_bytes=settings.DPMF_MAX_UNPACKED_BYTES,
            tmp_dir=str(tmp_dir),
            verify=verify,
            progress=progress,
        ) as container,
    ):
        yield container


def validate_job(
    *,
    job: ImportJob,
    container,
    preview: dict | None = None,
    more_meta: dict | None = None,
    **fields,
) -> None:
    """Store what validation learnt about the file on the job and mark it validated.

    `preview` (the wizard's summary) and `more_meta` join the file's meta; other
    `fields` are written in the same conditional UPDATE, so nobody sees a
    half-validated job.
    """
    meta = dict(container.meta)
    meta["integrity_hash_computed"] = container.computed_hash
    if preview is not None:
        meta["preview"] = preview
    meta.update(more_meta or {})
    job.transition_to(
        JobStatus.VALIDATED,
        meta=meta,
        layering=str(container.layering),
        file_sha256=container.file_sha256,
        file_size=container.file_size,
        source_system=container.source_system,
        total_entities=sum(t.actual_count for t in container.entity_types),
        error="",
        phase_log=[
            {
                "at": timezone.now().isoformat(timespec="seconds"),
                "phase": "validation",
                "processed": sum(t.actual_count for t in container.entity_types),
                "errors": 0,
                "warnings": len(container.notes),
                "elapsed_s": None,
            }
        ],
        **fields,
    )
    audit.record(
        action=AuditAction.VALIDATION,
        job=job,
        outcome="valid",
        details={
            "layering": job.layering,
            "format_version": container.format_version,
            "notes": container.notes,
        },
    )


def refuse_job(*, job: ImportJob, error: ReadError | str) -> None:
    """Mark a job failed because its file or request was refused."""

    refused = (
        ImportJob.objects.filter(pk=job.pk)
        .exclude(status=JobStatus.CANCELLED)  # cancelled while its file was checked: it stays so
        .update(
            status=JobStatus.FAILED,
            error=str(error),
            finished_at=timezone.now(),
            meta=dict(job.meta, validation=validation.state_failed(getattr(error, "code", ""))),
        )
    )
    job.refresh_from_db()
    if not refused:
        return
    audit.record(
        action=AuditAction.VALIDATION,
        job=job,
        outcome="refused",
        details={"error": str(error), "code": getattr(error, "code", "")},
    )


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


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def record_preflight(*, job: ImportJob, problems: list[dict]) -> None:
    """Keep the pre-flight problems on the job and in the audit log."""
    ImportJob.objects.filter(pk=job.pk).update(preflight=problems)
    job.preflight = problems
    audit.record(
        action=AuditAction.PREVIEW,
        job=job,
        outcome="previewed",
        details={"preflight_problems": len(problems)},
    )


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


def staging_dir(job: ImportJob) -> Path:
    """The job's private folder under DPMF_STAGING_DIR, named by the job id only."""
    path = settings.DPMF_STAGING_DIR / "jobs" / str(job.pk)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def stage_upload(*, clinic, user, uploaded) -> ImportJob:
    """Move an uploaded file into the job's private staging folder under a server-made name.

    The browser's file name is kept only as a label (`original_name`); it never
    becomes part of a path. The layering is read from the first bytes.
    """

    job = ImportJob.objects.create(
        clinic=clinic,
        created_by=user,
        original_name=Path(uploaded.name).name[:255],
        file_size=uploaded.size,
        file_sha256=getattr(uploaded, "sha256", ""),
    )
    target = None
    try:
        target = staging_dir(job) / "upload.bin"
        if hasattr(uploaded, "temporary_file_path"):
            shutil.move(uploaded.temporary_file_path(), target)
        else:
            with open(target, "wb") as out:
                for chunk in uploaded.chunks():
                    out.write(chunk)
    except OSError as exc:
        full = diskfull.describe(exc)
        if full is None:
            raise
        if target is not None:
            target.unlink(missing_ok=True)  # a partial copy is of no use, and takes space
        refuse_job(job=job, error=full)
        return job
    os.chmod(target, 0o600)
    try:
        layering = str(detect_layering(target))
    except (ReadError, OSError):
        layering = ""  # validation names the problem
    ImportJob.objects.filter(pk=job.pk).update(stored_path=str(target), layering=layering)
    job.stored_path, job.layering = str(target), layering
    _audit_upload(job, user)
    return job


def _no_progress(phase: str, done: int, total: int) -> None:
    """In-request validation: the browser waits for the answer, nobody polls."""


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
        validate_upload(job=job, passphrase=passphrase, progress=_no_progress)
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
        _validate_sheet_or_refuse(job, record)
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
        with open_sheet_for_run(job) as sheet:
            yield sheet
        return
    if not job.options.get("rewrapped"):
        with open_job_file(job=job) as container:
            yield container
        return
    with work_folder() as tmp_dir, rewrap.unwrapped(Path(job.stored_path), str(tmp_dir)) as plain:
        with open_job_file_at(plain, tmp_dir) as container:
            yield container


@contextmanager
def open_job_file_at(path: Path, tmp_dir: Path):
    with open_dpmf(
        path, max_unpacked_bytes=settings.DPMF_MAX_UNPACKED_BYTES, tmp_dir=str(tmp_dir)
    ) as container:
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


# --- CSV sheets: another kind of source for the same runner (docs/manual.en.md) -------------


@contextmanager
def open_sheet_file(*, job: ImportJob, path: str | Path | None = None):
    """Read the job's CSV sheet with the sheet type and encoding recorded in its options.

    Raises `ReadError` (missing columns, undecodable, unknown encoding) to refuse it.
    """

    sheet = read_sheet(
        path or job.stored_path,
        sheet=job.options.get("sheet") or None,
        encoding=job.options.get("encoding") or None,
        max_bytes=settings.CSV_MAX_SHEET_BYTES,
        # The column mapping staff chose, the workbook's sheet (jobs.sheet_columns).
        **sheet_columns.read_options(job),
    )
    # Rows the clinic has under the key an earlier version gave them are those rows.
    sheet.take_former_keys(partial(mapped_keys, job.clinic_id, sheet.source_system))
    yield sheet


@contextmanager
def open_sheet_for_run(job: ImportJob):
    """Open a sheet job's file for its run: the re-wrapped web copy, or the CLI's own file."""

    if not job.options.get("rewrapped"):
        with open_sheet_file(job=job) as sheet:
            yield sheet
        return
    with work_folder() as tmp_dir, rewrap.unwrapped(Path(job.stored_path), str(tmp_dir)) as plain:
        with open_sheet_file(job=job, path=plain) as sheet:
            yield sheet


def stage_sheet_upload(
    *, clinic, user, uploaded, sheet: str | None, encoding: str | None
) -> ImportJob:
    """Stage an uploaded CSV sheet in the job's private folder, recording its sheet type."""
    job = stage_upload(clinic=clinic, user=user, uploaded=uploaded)
    options = {"sheet": sheet or "", "encoding": encoding or ""}
    ImportJob.objects.filter(pk=job.pk).update(source_kind=SourceKind.CSV, options=options)
    job.source_kind, job.options = SourceKind.CSV, options
    return job


def submit_sheet_for_validation(*, job: ImportJob) -> bool:
    """Read a staged sheet now, or in the background when it is large; True when deferred.

    Sheets above CSV_BACKGROUND_VALIDATE_BYTES go the way large DPMF uploads go
    (`dispatch.validate_later` → the validation task → `validate_upload`), so a
    long read never outlives the request; their preview page polls the progress.
    The size is what the reader reads (`workbooks.read_size`): a workbook's
    unpacked size, not its zip's, and one that cannot be told goes to the background.
    """
    if job.status != JobStatus.UPLOADED:
        return False  # it could not even be staged (a full disk): the job says why
    size = workbooks.read_size(job.stored_path)
    if size is not None and size <= settings.CSV_BACKGROUND_VALIDATE_BYTES:
        validate_sheet_upload(job=job)
        return False
    validation.mark_waiting(job)
    dispatch.validate_later(job, None)  # a sheet has no passphrase
    return True


def _validate_sheet_or_refuse(job: ImportJob, record) -> None:
    """Read a sheet in the background; a crash refuses it in staff words and deletes the upload.

    Nobody waits on this read to see a 500: without the refusal the sheet would
    look checked forever, and the plain upload would stay on disk.
    """
    upload_path = Path(job.stored_path)
    try:
        with validation.kept_alive(record):
            validate_sheet_upload(job=job, progress=record)
    except Exception:
        job.refresh_from_db()
        if job.status == JobStatus.UPLOADED:
            refuse_job(job=job, error=validation.SHEET_STOPPED)
            shutil.rmtree(sheet_rows.pages_folder(job), ignore_errors=True)
        upload_path.unlink(missing_ok=True)
        raise  # the task's log keeps the traceback


def validate_sheet_upload(*, job: ImportJob, progress=_no_progress) -> None:
    """Read a staged sheet, keep its preview, and re-wrap it under the server key.

    A refused sheet fails the job with the reason (and the missing columns in
    `meta`); its upload is deleted either way. The options then name the sheet
    type and the encoding found, so the background run reads it identically.
    The job turns validated only once its preview and row pages are kept, in one
    UPDATE: a page polling a background read never sees half a preview.
    """

    job.refresh_from_db()
    if job.status != JobStatus.UPLOADED:
        return  # it could not even be staged (a full disk): the job says why
    with validation.dropped_if_cancelled(job):
        _read_sheet(job, progress)


def _read_sheet(job: ImportJob, progress) -> None:
    upload_path = Path(job.stored_path)
    try:
        progress("read", 0, 1)
        with open_sheet_file(job=job) as sheet:
            progress("preview", 0, 1)
            summary = sheet_preview.preview_json(sheet, clinic=job.clinic)
            mapping = sheet_columns.mapping_of(job)
            verdicts = sheet_rows.judge_rows(sheet, job.clinic, mapping=mapping)
            row_totals = sheet_rows.keep_pages(job, _counted(verdicts, sheet, progress))
            progress("rewrap", 0, 1)
            packed = staging_dir(job) / "validated.dpmr"
            rewrap.rewrap(upload_path, packed)
            options = dict(
                job.options,
                rewrapped=True,
                sheet=sheet.spec.name,
                encoding=sheet.parsed.decoded.encoding,
            )
            validate_job(
                job=job,
                container=sheet,
                preview=sheet_preview.seal(summary),
                more_meta={"row_preview": row_totals},
                stored_path=str(packed),
                options=options,
            )
    except ReadError as exc:
        missing = getattr(exc, "missing", None)
        if missing:
            job.meta = dict(job.meta, missing_columns=missing)
            ImportJob.objects.filter(pk=job.pk).update(meta=job.meta)
        refuse_job(job=job, error=exc)
        upload_path.unlink(missing_ok=True)
        return
    except (OSError, DatabaseError) as exc:
        full = diskfull.describe(exc)
        if full is None:
            raise
        refuse_job(job=job, error=full)
        upload_path.unlink(missing_ok=True)
        return
    upload_path.unlink(missing_ok=True)
    record_preflight(job=job, problems=summary["problem_groups"])


def _counted(verdicts, sheet, progress):
    """Pass the row verdicts on, telling `progress` how many rows were judged so far."""
    total = sum(sheet.count(t) for t in sheet.spec.entity_types)
    for done, verdict in enumerate(verdicts, start=1):
        if done % sheet_rows.CHUNK == 0:
            progress("rows", done, total)
        yield verdict
    progress("rows", total, total)
