"""Celery tasks: load the job by id and hand it to the job layer; nothing else."""

from celery import shared_task

from dentalpin_import.jobs import services
from dentalpin_import.models import ImportJob


def execute(job_id: str) -> None:
    job = ImportJob.objects.select_related("clinic").get(pk=job_id)
    with services.open_for_run(job) as container:
        services.run_job(job=job, container=container)


@shared_task(name="dentalpin_import.run_import_job", acks_late=True)
def run_import_job(job_id: str) -> None:
    execute(job_id)
