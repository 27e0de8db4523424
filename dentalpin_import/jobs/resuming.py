"""Which jobs may run again from the job page, and what staff read for the others.

Resuming finishes what a run left: only a run that stopped part-way has
anything left. Any other job is refused with what to do instead, never run
again (a finished import would repeat its events and its audit trail).
"""

from pathlib import Path

from django.utils.translation import gettext as _

from dentalpin_import.jobs import validation
from dentalpin_import.models import ImportJob, JobStatus

STOPPED = (JobStatus.FAILED, JobStatus.INTERRUPTED)


class NotResumable(Exception):
    """The job may not run again; the message says why and what to do instead."""


def why_not(job: ImportJob) -> str | None:
    """None when `job` may be resumed; else the reason, in the active language."""
    if job.status not in STOPPED:
        return _(
            "This import is “%(status)s”: only an import that stopped part-way (failed or "
            "interrupted) can be resumed."
        ) % {"status": job.get_status_display()}
    if job.dry_run:
        return _("A dry run is never resumed: start a new one from the upload page.")
    if job.started_at is None and validation.state_of(job).get("state") == "failed":
        return _(
            "This file was refused before anything was imported, so there is nothing to "
            "resume: upload the file again once it is fixed."
        )
    if not job.stored_path or not Path(job.stored_path).is_file():
        return _(
            "The file of this import is no longer kept, so it cannot be resumed: upload it "
            "again; what was already imported stays and is not imported twice."
        )
    return None
