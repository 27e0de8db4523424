"""Retention: a job's staged upload, and the sample rows of its preview, do not outlive their use.

A job's staging folder (`DPMF_STAGING_DIR/jobs/<job id>/`: the upload, or its
re-wrapped copy) is deleted at once when the job is undone, and
`DPMF_RETENTION_DAYS` after the job ended by `sweep_import_uploads` (jobs/sweep.py).
Files outside the staging folder (a CLI user's own file) are never touched.
Each deletion is written to the audit log. The preview's sample rows (kept
encrypted on the job) go at the same moments, and when an abandoned wizard is swept.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from dentalpin_import.jobs import audit
from dentalpin_import.models import AuditAction, ImportJob

# The parts of a stored preview taken from the file's rows: encrypted (jobs.preview,
# jobs.sheet_preview) or, on jobs validated before they were, in clear.
SAMPLE_KEYS = ("samples_sealed", "samples")


def job_folder(job: ImportJob) -> Path:
    return Path(settings.DPMF_STAGING_DIR) / "jobs" / str(job.pk)


def size_of(path: Path) -> int:
    """Bytes in a file, or in every file below a folder."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def forget_samples(job: ImportJob) -> bool:
    """Drop the sample rows of `job`'s stored preview; True when there were any.

    The counts, warnings and the rest of the preview stay: only the rows taken
    from the file (names, the start of alert texts) go, encrypted or not.
    """
    job.refresh_from_db(fields=["meta"])
    _forget_waiting_samples(job)
    preview = job.meta.get("preview")
    if not isinstance(preview, dict):
        return False
    kept = {k: v for k, v in preview.items() if k not in SAMPLE_KEYS}
    if isinstance(kept.get("types"), list):
        kept["types"] = [
            {k: v for k, v in t.items() if k != "samples"} if isinstance(t, dict) else t
            for t in kept["types"]
        ]
    if kept == preview:
        return False
    job.meta = dict(job.meta, preview=kept)
    ImportJob.objects.filter(pk=job.pk).update(meta=job.meta)
    return True


def _forget_waiting_samples(job: ImportJob) -> None:
    """Drop the first values a sheet waiting for its columns kept (jobs.sheet_columns)."""
    waiting = job.meta.get("waiting")
    if isinstance(waiting, dict) and waiting.get("samples_sealed"):
        job.meta = dict(
            job.meta, waiting={k: v for k, v in waiting.items() if k != "samples_sealed"}
        )
        ImportJob.objects.filter(pk=job.pk).update(meta=job.meta)


def discard_job_files(*, job: ImportJob, reason: str, user=None) -> int:
    """Delete `job`'s staging folder and preview samples now; return the bytes freed.

    0 when there was no folder (the samples go all the same).
    """
    forget_samples(job)
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
