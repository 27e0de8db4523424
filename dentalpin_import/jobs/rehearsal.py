"""Dry runs as rehearsals: the warnings outlive the rollback, and "Import for real" follows.

A dry run does the whole import inside one transaction and rolls it back
(`loader.runner`). Its warnings are what the operator wants to read, so they are
read out just before the rollback and written again, under the same job, right
after it: the job stays, marked `dry_run`, with its report and warnings, and no
clinic row. Such a job is never resumed, never undone and never counted as an
import; its warnings go with its staged file at the end of the retention
(`jobs.sweep`).

"Import for real" makes a new job from a web rehearsal's validated copy (the
file re-wrapped under the server key: no upload again, no passphrase again)
and queues it; the rehearsal names the real job, so a second click goes there.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dentalpin_import.jobs import audit, cutover_rehearsal
from dentalpin_import.loader.runner import Runner
from dentalpin_import.models import AuditAction, ImportJob, ImportWarning, JobStatus

# The fields of a warning that are its content (the job is the rehearsal's, the id new).
WARNING_FIELDS = (
    "clinic_id",
    "entity_type",
    "source_id",
    "canonical_uuid",
    "severity",
    "code",
    "message",
    "params",
    "raw_data",
)
KEEP_BATCH = 2000
REHEARSED = (JobStatus.SUCCEEDED, JobStatus.PROBLEMS)
# What the validation learnt about the file, which the real job takes over as it is.
CARRIED = (
    "source_kind",
    "original_name",
    "file_sha256",
    "file_size",
    "layering",
    "meta",
    "source_system",
    "total_entities",
    "preflight",
)
# Options of a rehearsal that are about its own run or its files, not the file's import.
NOT_CARRIED = ("files_purged_at", "purge_reason", "real_import", "rehearsal_of")

MSG_NOT_A_REHEARSAL = _("Only a dry run that finished can be imported for real.")
MSG_FILE_GONE = _(
    "The validated copy of this file is no longer kept (it is deleted some days after a dry "
    "run ends). Upload the file again to import it."
)
MSG_NOT_FROM_BROWSER = _(
    "This dry run was started from the command line: run the same command again without "
    "--dry-run to import the file."
)


class NotRehearsable(Exception):
    """The job cannot be imported for real from here; the message says why and what to do."""


class RehearsalRunner(Runner):
    """The runner of a dry run: what it warned about is read before everything rolls back."""

    kept: list[tuple] = []

    def pipeline(self) -> None:
        super().pipeline()
        # Still inside the dry run's transaction: the warnings are there to be read.
        rows = ImportWarning.objects.filter(job=self.job).order_by("id")
        self.kept = list(rows.values_list(*WARNING_FIELDS).iterator(chunk_size=KEEP_BATCH))
        self.cutover = cutover_rehearsal.read_out(self.job)  # what it would overwrite


def keep_warnings(runner: Runner) -> int:
    """Write the warnings a rolled-back dry run read out again; return how many."""
    kept = getattr(runner, "kept", None) or []
    job = runner.job
    with transaction.atomic():
        for start in range(0, len(kept), KEEP_BATCH):
            ImportWarning.objects.bulk_create(
                ImportWarning(job=job, **dict(zip(WARNING_FIELDS, row, strict=True)))
                for row in kept[start : start + KEEP_BATCH]
            )
        cutover_rehearsal.keep(job, getattr(runner, "cutover", None))
    return len(kept)


def ask_for_rehearsal(job: ImportJob) -> None:
    """Make a job the wizard is about to start a dry run (only before it starts)."""
    ImportJob.objects.filter(
        pk=job.pk, status__in=(JobStatus.VALIDATED, JobStatus.PREVIEWED)
    ).update(dry_run=True)
    job.refresh_from_db(fields=["dry_run"])


def top_codes(job: ImportJob, n: int = 10) -> list[tuple[str, int]]:
    """The `n` most frequent warning codes of a job, most frequent first."""
    return Counter(job.warnings.values_list("code", flat=True)).most_common(n)


def rehearsal_problem(job: ImportJob) -> str | None:
    """Why "Import for real" is not offered for `job` (None when it is)."""
    if not job.dry_run or job.status not in REHEARSED:
        return str(MSG_NOT_A_REHEARSAL)
    if not job.options.get("rewrapped"):
        return str(MSG_NOT_FROM_BROWSER)
    if job.options.get("files_purged_at") or not Path(job.stored_path).is_file():
        return str(MSG_FILE_GONE)
    return None


def real_import_of(job: ImportJob) -> ImportJob | None:
    """The job "Import for real" made of this rehearsal, if it was made."""
    real = job.options.get("real_import")
    return ImportJob.objects.filter(pk=real, clinic_id=job.clinic_id).first() if real else None


def import_for_real(*, job: ImportJob, user, staging_dir) -> ImportJob:
    """A new job, not a dry run, on the rehearsal's validated copy, ready to be started.

    Raises `NotRehearsable` with the reason. Two clicks make one job: the
    rehearsal row is locked while the new job is made and named on it.
    `staging_dir(job)` is the new job's private folder (`services.staging_dir`).
    """
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        existing = real_import_of(locked)
        if existing is not None:
            return existing
        problem = rehearsal_problem(locked)
        if problem:
            raise NotRehearsable(problem)
        options = {k: v for k, v in locked.options.items() if k not in NOT_CARRIED}
        real = ImportJob.objects.create(
            clinic_id=locked.clinic_id,
            created_by=user if user is not None and user.is_authenticated else None,
            **{name: getattr(locked, name) for name in CARRIED},
            phase_log=[p for p in locked.phase_log or [] if p.get("phase") == "validation"],
            status=JobStatus.PREVIEWED,
            options=dict(options, rehearsal_of=str(locked.pk)),
        )
        target = staging_dir(real) / Path(locked.stored_path).name
        _link_or_copy(Path(locked.stored_path), target)
        ImportJob.objects.filter(pk=real.pk).update(stored_path=str(target))
        real.stored_path = str(target)
        ImportJob.objects.filter(pk=locked.pk).update(
            options=dict(locked.options, real_import=str(real.pk))
        )
    audit.record(
        action=AuditAction.UPLOAD,
        job=real,
        user=user,
        outcome="recorded",
        details={"name": real.original_name, "size": real.file_size, "rehearsal": str(job.pk)},
    )
    return real


def _link_or_copy(source: Path, target: Path) -> None:
    """The rehearsal's copy for the new job: a second name for the same bytes where it can."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
    os.chmod(target, 0o600)


def forget_old_rehearsals(cutoff, *, dry_run: bool = False) -> list[dict]:
    """Delete the warnings of dry runs that ended before `cutoff`; one line per job.

    They are staged data like the rehearsal's copy of the file (which
    `retention.discard_job_files` removes at the same moment): the job row and
    its figures stay, saying when its warnings went.
    """
    removed = []
    kept = Q(warnings__isnull=False) | Q(conflicts__isnull=False)  # conflicts: cutover_rehearsal
    old = ImportJob.objects.filter(kept, dry_run=True, finished_at__lt=cutoff)
    for job in old.distinct().order_by("finished_at"):
        count = job.warnings.count()
        removed.append(
            {"path": f"{count} warnings", "bytes": 0, "job": str(job.pk), "why": "dry run ended"}
        )
        if dry_run:
            continue
        job.warnings.all().delete()
        job.conflicts.all().delete()  # their values are the clinic's and the file's
        options = dict(job.options, warnings_purged_at=timezone.now().isoformat())
        ImportJob.objects.filter(pk=job.pk).update(options=options)
        audit.record(
            action=AuditAction.RETENTION,
            job=job,
            outcome="dry-run warnings deleted",
            details={"warnings": count},
        )
    return removed
