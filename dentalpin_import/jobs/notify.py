"""E-mail to the operator when a job starts and when it ends."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail

from clinics.permissions import has_clinic_perm
from dentalpin_import.models import AuditAction, AuditEntry

log = logging.getLogger(__name__)
QUEUED = "queued"  # the audit outcome naming who asked for a run (jobs.services)


def _summary(job) -> str:
    rec = job.reconciliation or {}
    lines = [
        f"Job {job.pk}: {job.original_name} → {job.clinic.name} ({job.clinic.slug})",
        f"Status: {job.get_status_display()}",
        f"Entities processed: {job.processed_entities} of {job.total_entities}",
        f"Warnings: {job.warnings_count}",
    ]
    if rec:
        lines.append(f"Figures add up: {'yes' if rec.get('adds_up') else 'NO'}")
        lines.append("Orphans: " + ", ".join(f"{k} {v}" for k, v in rec.get("orphans", {}).items()))
        for kind, m in rec.get("money", {}).items():
            lines.append(
                f"Money {kind}: file {m['file']}, clinic {m['clinic']}, "
                f"not imported {m['not_imported']} ({'ok' if m['matches'] else 'MISMATCH'})"
            )
    if job.error:
        lines.append(f"Error: {job.error}")
    return "\n".join(lines)


def recipients(job) -> list[str]:
    """Who hears about `job`: its uploader and whoever last started or resumed it.

    Only people who may still read the clinic's imports: a mail about a job
    carries its figures, and someone who left the clinic must not get them.
    """
    people = [job.created_by]
    starter = (
        AuditEntry.objects.filter(
            job=job,
            action__in=(AuditAction.EXECUTE, AuditAction.RESUME),
            outcome=QUEUED,
            user__isnull=False,
        )
        .select_related("user")
        .order_by("-at", "-id")
        .first()
    )
    if starter is not None:
        people.append(starter.user)
    found: list[str] = []
    for user in people:
        if user is None or not user.email or user.email in found:
            continue
        if has_clinic_perm(user, job.clinic, "job_read"):
            found.append(user.email)
    return found


def job_mail(job, event: str) -> None:
    """Tell the operators that `job` started or ended; a mail failure never breaks the job."""
    if job.dry_run:
        return
    to = recipients(job)
    if not to:
        return
    subject = f"[DentalPin import] {job.original_name}: {event}"
    try:
        send_mail(subject, _summary(job), settings.DEFAULT_FROM_EMAIL, to)
    except Exception:  # the import matters more than the mail about it
        log.exception("could not e-mail %s about job %s", ", ".join(to), job.pk)
