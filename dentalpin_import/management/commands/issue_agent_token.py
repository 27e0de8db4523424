"""`issue_agent_token JOB_ID`: print a fresh token for the sync agent of one job."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dentalpin_import.management.passphrase import REFUSED
from dentalpin_import.models import AgentToken, ImportJob


class Command(BaseCommand):
    help = (
        "Issue a token that lets the sync agent upload binaries for JOB_ID (and only that "
        "job, in its clinic). The token is printed once and stored only as a hash. "
        "--revoke-all revokes every token of the job first."
    )

    def add_arguments(self, parser):
        parser.add_argument("job_id")
        parser.add_argument("--hours", type=int, default=None, help="validity (default 72)")
        parser.add_argument("--revoke-all", action="store_true")

    def handle(self, *args, job_id, hours, revoke_all, **opts):
        try:
            job = ImportJob.objects.filter(pk=job_id).first()
        except ValidationError:
            job = None
        if job is None:
            raise CommandError(f"no import job {job_id}", returncode=REFUSED)
        if hours is not None and hours < 1:
            raise CommandError("--hours must be at least 1", returncode=REFUSED)
        if revoke_all:
            n = job.agent_tokens.live().update(revoked_at=timezone.now())  # spent ones too
            self.stderr.write(f"revoked {n} tokens")
        row, token = AgentToken.issue(job=job, hours=hours)
        self.stderr.write(
            f"token for job {job.pk} (clinic {job.clinic.slug}), valid until "
            f"{row.expires_at:%Y-%m-%d %H:%M %Z}:"
        )
        self.stdout.write(token)
