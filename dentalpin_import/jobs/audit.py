"""Writing the audit log: one call per thing done to an import."""

from __future__ import annotations

from dentalpin_import.models import AuditEntry, ImportJob


def record(*, action: str, job: ImportJob, outcome: str, user=None, details: dict | None = None):
    """Append an audit entry for `job` (its clinic, file sha256 and options come along)."""
    if user is None or not getattr(user, "is_authenticated", False):
        user = job.created_by
    return AuditEntry.objects.create(
        action=action,
        clinic_id=job.clinic_id,
        job=job,
        job_ref=str(job.pk),
        user=user,
        file_sha256=job.file_sha256,
        options=dict(job.options, dry_run=job.dry_run),
        outcome=outcome[:40],
        details=details or {},
    )
