"""A job's file arriving: recorded, staged in the job's private folder, then checked or refused.

The first steps every way in shares (commands, the web upload, sheets and DPMF
files alike). Callers reach them through `jobs.services`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from dentalpin_import.jobs import audit, diskfull, validation
from dentalpin_import.jobs.workarea import work_folder
from dentalpin_import.models import AuditAction, ImportJob, JobStatus
from dentalpin_import.reader.container import detect_layering, open_dpmf
from dentalpin_import.reader.crypto import hidden
from dentalpin_import.reader.errors import ReadError


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


def staging_dir(job: ImportJob) -> Path:
    """The job's private folder under DPMF_STAGING_DIR, named by the job id only."""
    path = settings.DPMF_STAGING_DIR / "jobs" / str(job.pk)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


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


@contextmanager
def open_job_file_at(path: Path, tmp_dir: Path):
    with open_dpmf(
        path, max_unpacked_bytes=settings.DPMF_MAX_UNPACKED_BYTES, tmp_dir=str(tmp_dir)
    ) as container:
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


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def no_progress(phase: str, done: int, total: int) -> None:
    """In-request validation: the browser waits for the answer, nobody polls."""
