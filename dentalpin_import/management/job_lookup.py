"""The clinic a command names by slug; the import job by id (with `--clinic`, of that clinic)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from clinics.models import Clinic
from dentalpin_import.management.passphrase import REFUSED
from dentalpin_import.models import ImportJob

MSG_UNKNOWN_JOB = "no import job {job}"
MSG_UNKNOWN_CLINIC = "unknown clinic '{clinic}'"
# Said alike for a job of another clinic and for no job at all: the line never tells
# whether the id is another clinic's import, let alone which clinic's.
MSG_NOT_OF_CLINIC = (
    "job {job} is not an import of clinic {clinic}; check the id with: "
    "python manage.py import_jobs --clinic {clinic}"
)


def add_clinic_option(parser) -> None:
    parser.add_argument(
        "--clinic",
        metavar="SLUG",
        help="the clinic the job must belong to; a job of another clinic is refused",
    )


def clinic_named(slug: str) -> Clinic:
    """The clinic `slug` names; CommandError (exit status 2) when there is none."""
    chosen = Clinic.objects.filter(slug=slug).first()
    if chosen is None:
        raise CommandError(MSG_UNKNOWN_CLINIC.format(clinic=slug), returncode=REFUSED)
    return chosen


def job_named(job_id: str, *, clinic: str | None) -> ImportJob:
    """Return the job `job_id`, of clinic `clinic` when a slug is given.

    Raise CommandError (exit status 2) for an unknown clinic, an unknown job, or, with
    `clinic`, a job of another clinic.
    """
    jobs = ImportJob.objects.select_related("clinic")
    if clinic is not None:
        jobs = jobs.filter(clinic=clinic_named(clinic))
    try:
        job = jobs.filter(pk=job_id).first()
    except ValidationError:  # not an id at all
        job = None
    if job is not None:
        return job
    if clinic is None:
        raise CommandError(MSG_UNKNOWN_JOB.format(job=job_id), returncode=REFUSED)
    raise CommandError(MSG_NOT_OF_CLINIC.format(job=job_id, clinic=clinic), returncode=REFUSED)
