"""Retention: staged uploads and leftover plaintext copies do not outlive their use.

A job's staging folder (`DPMF_STAGING_DIR/jobs/<job id>/`: the upload, or its
re-wrapped copy) is deleted `DPMF_RETENTION_DAYS` after the job ended, and at
once when the job is undone. Private temporary folders the reader and the
re-wrapper make (`dpmf-*`, `dpmr-*`) are wiped on every exit path; any left by
a killed process are removed once they are older than a day. Files outside the
staging folder (a CLI user's own file) are never touched. Each deletion is
written to the audit log.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from dentalpin_import.jobs import audit
from dentalpin_import.models import FINISHED, AuditAction, ImportJob

LEFTOVER_PREFIXES = ("dpmf-", "dpmr-")
LEFTOVER_AGE = timedelta(days=1)


@dataclass
class Purge:
    jobs: list[str] = field(default_factory=list)
    bytes_freed: int = 0
    leftovers: list[str] = field(default_factory=list)


def job_folder(job: ImportJob) -> Path:
    return Path(settings.DPMF_STAGING_DIR) / "jobs" / str(job.pk)


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def discard_job_files(*, job: ImportJob, reason: str, user=None) -> int:
    """Delete `job`'s staging folder now; return the bytes freed (0 when there was none)."""
    folder = job_folder(job)
    if not folder.exists():
        return 0
    freed = _size(folder)
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


def expire(*, now=None, days: int | None = None) -> Purge:
    """Delete staging folders of jobs that ended more than `days` ago, and stale temp folders."""
    now = now or timezone.now()
    days = settings.DPMF_RETENTION_DAYS if days is None else days
    purge = Purge()
    ended = ImportJob.objects.filter(
        status__in=FINISHED, finished_at__lt=now - timedelta(days=days)
    ).select_related("clinic")
    for job in ended.iterator():
        freed = discard_job_files(job=job, reason=f"retention: ended over {days} days ago")
        if freed:
            purge.jobs.append(str(job.pk))
            purge.bytes_freed += freed
    purge.leftovers = _remove_leftovers(now.timestamp())
    return purge


def _remove_leftovers(now_ts: float) -> list[str]:
    root = Path(settings.DPMF_STAGING_DIR)
    if not root.exists():
        return []
    cutoff = now_ts - LEFTOVER_AGE.total_seconds()
    removed = []
    for child in root.iterdir():
        if child.is_dir() and child.name.startswith(LEFTOVER_PREFIXES):
            if child.stat().st_mtime < min(cutoff, time.time()):
                shutil.rmtree(child, ignore_errors=True)
                removed.append(child.name)
    return removed
