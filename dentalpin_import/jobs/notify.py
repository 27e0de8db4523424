"""E-mail to the operator when a job starts and when it ends."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail

log = logging.getLogger(__name__)


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


def job_mail(job, event: str) -> None:
    """Tell the operator that `job` started or ended; a mail failure never breaks the job."""
    user = job.created_by
    if job.dry_run or user is None or not user.email:
        return
    subject = f"[DentalPin import] {job.original_name}: {event}"
    try:
        send_mail(subject, _summary(job), settings.DEFAULT_FROM_EMAIL, [user.email])
    except Exception:  # the import matters more than the mail about it
        log.exception("could not e-mail %s about job %s", user.email, job.pk)
