"""`ImportJob`: one import of one file into one clinic, and its state machine."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class JobStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    VALIDATED = "validated", _("Validated")
    PREVIEWED = "previewed", _("Previewed")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    PROBLEMS = "problems", _("Completed with problems")
    UNDOING = "undoing", _("Undo under way")
    UNDONE = "undone", _("Undone")
    FAILED = "failed", _("Failed")
    INTERRUPTED = "interrupted", _("Interrupted")
    CANCELLED = "cancelled", _("Cancelled")


S = JobStatus
# The only moves a job may make. A failed or interrupted job may run again:
# idempotency makes the second run finish the first one's work. An undo passes
# through "undoing" (asked, then under way: jobs/undo.py), where nothing but the
# undo moves the job: to "undone", or, refused or stopped before its one
# transaction committed, back to the status it had (UNDO_RETURNS, a move only
# `transition_to(status, only_from=UNDOING)` makes).
ENDED_RUN = {S.SUCCEEDED, S.PROBLEMS, S.FAILED, S.INTERRUPTED, S.CANCELLED}
UNDO_RETURNS = ENDED_RUN
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    S.UPLOADED: {S.VALIDATED, S.FAILED, S.CANCELLED},
    S.VALIDATED: {S.VALIDATED, S.PREVIEWED, S.QUEUED, S.FAILED, S.CANCELLED},
    S.PREVIEWED: {S.PREVIEWED, S.QUEUED, S.FAILED, S.CANCELLED},
    S.QUEUED: {S.RUNNING, S.FAILED, S.CANCELLED},
    S.RUNNING: {S.SUCCEEDED, S.PROBLEMS, S.FAILED, S.INTERRUPTED, S.CANCELLED},
    S.SUCCEEDED: {S.QUEUED, S.UNDOING},
    S.PROBLEMS: {S.QUEUED, S.UNDOING},
    S.FAILED: {S.QUEUED, S.UNDOING},
    S.INTERRUPTED: {S.QUEUED, S.UNDOING},
    S.CANCELLED: {S.UNDOING},
    S.UNDOING: {S.UNDONE},
    S.UNDONE: set(),
}
# "undoing" is not finished: the job page keeps polling until the undo ends.
FINISHED = {*ENDED_RUN, S.UNDONE}


class TransitionError(Exception):
    """The job was not in a state from which the requested move is allowed."""


class SourceKind(models.TextChoices):
    DPMF = "dpmf", "DPMF"
    CSV = "csv", "CSV"


class ImportJobQuerySet(models.QuerySet):
    def for_clinic(self, clinic):
        return self.filter(clinic=clinic)


class ImportJob(models.Model):
    """An import of one file into one clinic; counters and state live on this row."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(
        "clinics.Clinic",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=ngettext_lazy("clinic", "clinics", 1),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("started by"),
    )
    source_kind = models.CharField(
        max_length=10, choices=SourceKind.choices, default="dpmf", verbose_name=_("kind of file")
    )
    original_name = models.CharField(max_length=255, blank=True, verbose_name=_("file name"))
    stored_path = models.CharField(max_length=500, blank=True, verbose_name=_("stored at"))
    file_sha256 = models.CharField(
        max_length=64, blank=True, verbose_name=_("file fingerprint (SHA-256)")
    )
    file_size = models.BigIntegerField(null=True, blank=True, verbose_name=_("file size (bytes)"))
    layering = models.CharField(
        max_length=10, blank=True, verbose_name=_("compression and encryption")
    )
    meta = models.JSONField(default=dict, blank=True, verbose_name=_("file details"))
    source_system = models.CharField(max_length=40, blank=True, verbose_name=_("old system"))
    status = models.CharField(
        max_length=12, choices=JobStatus.choices, default=S.UPLOADED, verbose_name=_("status")
    )
    dry_run = models.BooleanField(default=False, verbose_name=_("dry run"))
    options = models.JSONField(default=dict, blank=True, verbose_name=_("options"))
    # {entity_type: {in_file, created, already_mapped, raw, skipped, failed}}
    counters = models.JSONField(default=dict, blank=True, verbose_name=_("counts by record kind"))
    total_entities = models.PositiveBigIntegerField(
        default=0, verbose_name=_("records in the file")
    )
    processed_entities = models.PositiveBigIntegerField(
        default=0, verbose_name=_("records processed")
    )
    warnings_count = models.PositiveIntegerField(default=0, verbose_name=_("number of warnings"))
    current_entity_type = models.CharField(
        max_length=64, blank=True, verbose_name=_("record kind in progress")
    )
    # Time-stamped lines: validation, each dependency level, binaries, reconciliation.
    phase_log = models.JSONField(default=list, blank=True, verbose_name=_("steps log"))
    reconciliation = models.JSONField(default=dict, blank=True, verbose_name=_("reconciliation"))
    # Problems found before importing: dangling references, empty required fields, duplicates.
    preflight = models.JSONField(
        default=list, blank=True, verbose_name=_("problems found before importing")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    heartbeat_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last sign of life"))
    # The last undo asked: who, when, forced or not, the status it started from, its
    # phase, and how it ended (jobs/undoing.py). Kept after a refusal for the job page.
    undo = models.JSONField(default=dict, blank=True, verbose_name=_("undo"))
    # What undoing a large job would delete, counted in the background for the undo page
    # (jobs/undo_count.py): only shown there, never trusted by the undo itself.
    undo_count = models.JSONField(default=dict, blank=True, verbose_name=_("undo count"))

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]
        permissions = [
            ("job_read", "Can read import jobs"),
            ("job_write", "Can upload and validate import files"),
            ("job_execute", "Can execute imports"),
            ("binary_write", "Can upload binaries for an import"),
        ]

    def __str__(self) -> str:
        # Staff pick an import by its file and when it was uploaded; the clinic's internal
        # number and the status's code name told them nothing (admin lists and filters).
        name = self.original_name or str(self.id)
        if self.created_at is None:
            return f"{name} ({self.get_status_display()})"
        when = timezone.localtime(self.created_at).strftime("%Y-%m-%d %H:%M")
        return f"{name} · {when} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    def transition_to(
        self, new_status: str, *, only_from: str | None = None, where=None, **fields
    ) -> None:
        """Move to `new_status` atomically, also writing `fields`.

        Uses a conditional UPDATE so two workers can never both start a job;
        raises `TransitionError` when the row was not in an allowed state (or
        not in `only_from`, one of them, or does not match the lookups `where`).
        `only_from=UNDOING` also allows an undo's way back (UNDO_RETURNS).
        """
        allowed_from = [s for s, targets in ALLOWED_TRANSITIONS.items() if new_status in targets]
        if only_from is not None:
            back = only_from == S.UNDOING and new_status in UNDO_RETURNS
            allowed_from = [only_from] if only_from in allowed_from or back else []
        updated = ImportJob.objects.filter(
            pk=self.pk, status__in=allowed_from, **(where or {})
        ).update(status=new_status, **fields)
        if updated != 1:
            current = ImportJob.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            raise TransitionError(
                f"job {self.pk} cannot go from {current or 'nowhere'} to {new_status}"
            )
        self.status = new_status
        for name, value in fields.items():
            setattr(self, name, value)

    def elapsed_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or timezone.now()
        return (end - self.started_at).total_seconds()
