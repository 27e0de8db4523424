"""Celery tasks: load the job by id and hand it to the job layer; nothing else."""

from celery import shared_task

from dentalpin_import.jobs import services
from dentalpin_import.models import ImportJob, JobStatus


def execute(job_id: str) -> None:
    job = ImportJob.objects.select_related("clinic").get(pk=job_id)
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


@shared_task(name="dentalpin_import.validate_import_upload", acks_late=True)
def validate_import_upload(job_id: str) -> None:
    """Validate an unencrypted upload (encrypted ones never come here: no passphrase in args)."""
    execute_validation(job_id)


@shared_task(name="dentalpin_import.run_import_job", acks_late=True)
def run_import_job(job_id: str) -> None:
    execute(job_id)
