"""Delete what abandoned wizards left in the staging area (sweep_import_uploads).

A wizard is abandoned when its job was uploaded, validated or previewed but
never confirmed, and is older than the retention. Its staged files go (the
upload, or the re-wrapped copy) and the job is marked cancelled, so the
wizard cannot be resumed on a file that is no longer there. Confirmed jobs keep
their re-wrapped copy for `DPMF_RETENTION_DAYS` after they ended (so "Resume"
can use it), then lose it, each deletion written to the audit log (issue 7:
no copy of a clinic's history lingers). Also removed: job folders
whose job row no longer exists, and the plaintext work folders a killed
process left: those under `work/` as soon as no live process holds their
lock (`jobs.workarea`), older `dpmf-*`/`dpmr-*` folders once they are older
than the retention and no import is running. Running jobs whose process is
gone are marked interrupted first (`jobs.liveness`), so a crashed import
never keeps the sweep from cleaning. The preview's sample rows (names, the start
of alert texts) go with an abandoned wizard's files, and from ended jobs past the
retention, whether or not a folder was left, and so do the warnings of dry runs
(`jobs.rehearsal`): their job rows and figures stay.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from dentalpin_import.jobs import audit, liveness, rehearsal, retention, validation, workarea
from dentalpin_import.jobs.preview import SEALED
from dentalpin_import.jobs.retention import size_of
from dentalpin_import.models import AuditAction, ImportJob, JobStatus, TransitionError

UNCONFIRMED = (JobStatus.UPLOADED, JobStatus.VALIDATED, JobStatus.PREVIEWED)
ENDED = (
    JobStatus.SUCCEEDED,
    JobStatus.PROBLEMS,
    JobStatus.CANCELLED,
    JobStatus.UNDONE,
    JobStatus.FAILED,
    JobStatus.INTERRUPTED,
)
WORK_DIR_PREFIXES = ("dpmf-", "dpmr-")


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _abandoned_jobs(cutoff):
    jobs = ImportJob.objects.filter(status__in=UNCONFIRMED, created_at__lt=cutoff)
    return [job for job in jobs.order_by("created_at") if not validation.is_running(job)]


def sweep(*, older_than: timedelta, dry_run: bool = False) -> list[dict]:
    """Remove abandoned staged files; return one dict per removed path (path, bytes, job, why)."""
    cutoff = timezone.now() - older_than
    root = settings.DPMF_STAGING_DIR
    liveness.mark_dead_interrupted()
    removed: list[dict] = _dead_work_folders(dry_run)
    for job in _abandoned_jobs(cutoff):
        folder = root / "jobs" / str(job.pk)
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            removed.append(
                {"path": str(path), "bytes": size_of(path), "job": str(job.pk), "why": "abandoned"}
            )
        if dry_run:
            continue
        if folder.is_dir():
            _remove(folder)
        try:
            job.transition_to(
                JobStatus.CANCELLED,
                finished_at=timezone.now(),
                error="abandoned: the wizard was not confirmed, its staged file was deleted",
            )
        except TransitionError:
            continue  # confirmed meanwhile: nothing else to do
        retention.forget_samples(job)
        audit.record(
            action=AuditAction.RETENTION,
            job=job,
            outcome="swept",
            details={"older_than_hours": older_than.total_seconds() / 3600},
        )
    removed += _finished(root, dry_run)
    # A dry run's warnings are staged data too: they go with its copy of the file.
    ended_before = timezone.now() - timedelta(days=settings.DPMF_RETENTION_DAYS)
    removed += rehearsal.forget_old_rehearsals(ended_before, dry_run=dry_run)
    removed += _orphans(root, cutoff, dry_run)
    removed += _interrupted_uploads(cutoff, dry_run)
    return removed


def _interrupted_uploads(cutoff, dry_run: bool) -> list[dict]:
    """Files a web process killed mid-upload left where uploads arrive (FILE_UPLOAD_TEMP_DIR).

    Only the names Django gives them (`tmp….upload…`) and only untouched since the
    cutoff: an upload still arriving is written to all the time.
    """
    removed = []
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR or "")
    if not settings.FILE_UPLOAD_TEMP_DIR or not folder.is_dir():
        return removed  # the system's temporary folder is not ours to sweep
    for path in sorted(folder.glob("tmp*.upload*")):
        if path.is_file() and _old(path, cutoff):
            why = "interrupted upload"
            removed.append({"path": str(path), "bytes": size_of(path), "job": "", "why": why})
            if not dry_run:
                path.unlink(missing_ok=True)
    return removed


def _finished(root: Path, dry_run: bool) -> list[dict]:
    days = settings.DPMF_RETENTION_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    removed = []
    jobs = ImportJob.objects.filter(status__in=ENDED, finished_at__lt=cutoff)
    if not dry_run:  # with or without a folder left (a refused upload's went at once)
        for job in jobs.filter(meta__preview__has_key=SEALED):
            retention.forget_samples(job)
    for job in jobs.order_by("finished_at"):
        folder = root / "jobs" / str(job.pk)
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            removed.append(
                {"path": str(path), "bytes": size_of(path), "job": str(job.pk), "why": "retention"}
            )
        if not dry_run:
            retention.discard_job_files(job=job, reason=f"retention: ended over {days} days ago")
    return removed


def _old(path: Path, cutoff) -> bool:
    return path.stat().st_mtime < cutoff.timestamp()


def _orphans(root: Path, cutoff, dry_run: bool) -> list[dict]:
    removed = []
    jobs_dir = root / "jobs"
    known = {str(pk) for pk in ImportJob.objects.values_list("pk", flat=True)}
    for folder in sorted(jobs_dir.iterdir()) if jobs_dir.is_dir() else []:
        if folder.name not in known and _old(folder, cutoff):
            item = {"path": str(folder), "bytes": size_of(folder), "job": "", "why": "orphan"}
            removed.append(item)
            if not dry_run:
                _remove(folder)
    # Folders made straight under the root (older versions, inspect_dpmf) name no owner:
    # they wait until nothing runs. A job merely queued has not made any yet.
    busy = ImportJob.objects.filter(status=JobStatus.RUNNING).exists()
    busy = busy or any(
        validation.is_running(j) for j in ImportJob.objects.filter(status=JobStatus.UPLOADED)
    )
    if busy or not root.is_dir():
        return removed
    for work in sorted(root.iterdir()):
        if work.is_dir() and work.name.startswith(WORK_DIR_PREFIXES) and _old(work, cutoff):
            item = {"path": str(work), "bytes": size_of(work), "job": "", "why": "work dir"}
            removed.append(item)
            if not dry_run:
                _remove(work)
    return removed


def _dead_work_folders(dry_run: bool) -> list[dict]:
    """The work folders of processes that ended: a killed import's decrypted copy."""
    removed = []
    for folder in workarea.abandoned():
        item = {"path": str(folder), "bytes": size_of(folder), "job": "", "why": "dead process"}
        removed.append(item)
        if not dry_run:
            _remove(folder)
    return removed
