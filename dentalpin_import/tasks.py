"""Celery tasks: load the job by id and hand it to the job layer; nothing else."""

import logging

from celery import shared_task

from dentalpin_import.jobs import services, undo, undo_count
from dentalpin_import.models import ImportJob, JobStatus

log = logging.getLogger(__name__)


def execute(job_id: str) -> None:
    job = ImportJob.objects.select_related("clinic").get(pk=job_id)
    if job.status != JobStatus.QUEUED:
        # A message delivered twice (a worker died before acknowledging it, and the
        # broker handed it out again later) must not run a job that moved on.
        log.warning("job %s is %s, not queued: task ignored", job_id, job.status)
        return
    with services.open_for_run(job) as container:
        services.run_job(job=job, container=container)


def execute_validation(job_id: str, passphrase: str | None = None) -> None:
    """Validate a staged upload; an unexpected crash refuses the job instead of hanging it."""
    job = ImportJob.objects.select_related("clinic").get(pk=job_id)
    try:
        services.validate_upload(job=job, passphrase=passphrase)
    except Exception as exc:
        job.refresh_from_db()
        if job.status == JobStatus.UPLOADED:
            services.refuse_job(job=job, error=f"validation stopped: {type(exc).__name__}")
        raise


def execute_undo(job_id: str) -> None:
    """Run the undo asked on the job page; its outcome is written on the job."""
    job = ImportJob.objects.select_related("clinic").get(pk=job_id)
    undo.undo_asked(job=job)


def execute_undo_count(job_id: str) -> None:
    """Count what undoing the job would delete, for its undo page; the figures go on the job."""
    job = ImportJob.objects.select_related("clinic").get(pk=job_id)
    undo_count.count_asked(job)


@shared_task(name="dentalpin_import.validate_import_upload", acks_late=True)
def validate_import_upload(job_id: str, passphrase: str | None = None) -> None:
    """Validate an upload. Through a broker only unencrypted ones come here, by id alone.

    An encrypted upload's passphrase is passed only when the task object runs on
    a thread of the web process that received it (`dispatch.validate_later`).
    """
    execute_validation(job_id, passphrase)


@shared_task(name="dentalpin_import.run_import_job", acks_late=True)
def run_import_job(job_id: str) -> None:
    execute(job_id)


@shared_task(name="dentalpin_import.undo_import_job", acks_late=True)
def undo_import_job(job_id: str) -> None:
    """Undo a job asked on the job page: by its id alone, like a run."""
    execute_undo(job_id)


@shared_task(name="dentalpin_import.count_undo_job", acks_late=True)
def count_undo_job(job_id: str) -> None:
    """Count, for the undo page of a large job, what its undo would delete: by its id alone."""
    execute_undo_count(job_id)
