"""Retention: a job's staged upload does not outlive its use.

A job's staging folder (`DPMF_STAGING_DIR/jobs/<job id>/`: the upload, or its
re-wrapped copy) is deleted at once when the job is undone, and
`DPMF_RETENTION_DAYS` after the job ended by `sweep_import_uploads` (jobs/sweep.py).
Files outside the staging folder (a CLI user's own file) are never touched.
Each deletion is written to the audit log.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from dentalpin_import.jobs import audit
from dentalpin_import.models import AuditAction, ImportJob


def job_folder(job: ImportJob) -> Path:
    return Path(settings.DPMF_STAGING_DIR) / "jobs" / str(job.pk)


def size_of(path: Path) -> int:
    """Bytes in a file, or in every file below a folder."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def discard_job_files(*, job: ImportJob, reason: str, user=None) -> int:
    """Delete `job`'s staging folder now; return the bytes freed (0 when there was none)."""
    folder = job_folder(job)
    if not folder.exists():
        return 0
    freed = size_of(folder)
    shutil.rmtree(folder, ignore_errors=True)
    options = dict(job.options, files_purged_at=timezone.now().isoformat(), purge_reason=reason)
    ImportJob.objects.filter(pk=job.pk).update(options=options)
    job.options = options
    audit.record(
        action=AuditAction.RETENTION,
        job=job,
        user=user,
        outcome="files deleted",
        details={"reason": reason, "bytes": freed},
    )
    return freed
