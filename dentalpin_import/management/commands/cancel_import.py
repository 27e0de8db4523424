"""`cancel_import JOB_ID [--clinic SLUG]`: cancel an import that has not finished."""

from django.core.management.base import BaseCommand, CommandError

from dentalpin_import.jobs import services
from dentalpin_import.management import job_lookup
from dentalpin_import.management.passphrase import REFUSED
from dentalpin_import.models import JobStatus, TransitionError

MSG_UNKNOWN = job_lookup.MSG_UNKNOWN_JOB
MSG_ENDED = (
    "job {job} has already ended ({status}): there is nothing to cancel. To remove what it "
    "imported: python manage.py undo_import {job_id}"
)
MSG_UNDOING = (
    "job {job} is being undone: an undo is not cancelled, it deletes everything or nothing; "
    "wait for it to end (python manage.py import_jobs shows it)"
)
MSG_INTERRUPTED = (
    "job {job} is not running: its process ended ({status}). To finish it, run the same "
    "command again; to remove what it imported: python manage.py undo_import {job_id}"
)


class Command(BaseCommand):
    help = (
        "Cancel an import that has not finished. A running import stops at its next progress "
        "save (within a chunk or two); what it wrote so far stays whole, and undo_import "
        "removes it. A job waiting in the wizard or in the queue never starts. Exit status 2 "
        "for an unknown job or one that has already ended, and, with --clinic, for a job of "
        "another clinic (nothing is changed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("job_id")
        job_lookup.add_clinic_option(parser)

    def handle(self, *args, job_id, **opts):
        job = job_lookup.job_named(job_id, clinic=opts.get("clinic"))
        if job.status == JobStatus.RUNNING and services.mark_stale_jobs_interrupted(job=job):
            job.refresh_from_db()
        was = job.status
        try:
            services.cancel_job(job=job)
        except TransitionError:
            job.refresh_from_db()
            template = {
                JobStatus.INTERRUPTED: MSG_INTERRUPTED,
                JobStatus.UNDOING: MSG_UNDOING,
            }.get(job.status, MSG_ENDED)
            message = template.format(job=job.pk, status=job.status, job_id=job.pk)
            raise CommandError(message, returncode=REFUSED) from None
        if was == JobStatus.RUNNING:
            self.stdout.write(
                f"job {job.pk} ({job.original_name}, clinic {job.clinic.slug}) is cancelled: "
                "it stops at its next progress save; what it wrote so far stays"
            )
        else:
            self.stdout.write(
                f"job {job.pk} ({job.original_name}, clinic {job.clinic.slug}) is cancelled "
                f"(it was {was}): it will not run"
            )
