"""The append-only audit log of everything done to an import (issue: trust)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class AuditAction(models.TextChoices):
    UPLOAD = "upload", _("Upload")
    VALIDATION = "validation", _("Validation")
    PREVIEW = "preview", _("Preview")
    EXECUTE = "execute", _("Execute")
    RESUME = "resume", _("Resume")
    UNDO = "undo", _("Undo")
    BINARIES = "binaries", _("Binaries")
    RETENTION = "retention", _("Retention")


class AppendOnlyError(Exception):
    """Audit entries are never changed or deleted."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("the audit log is append-only")

    def delete(self):
        raise AppendOnlyError("the audit log is append-only")


class AuditEntry(models.Model):
    """Who did what to which import, when, with which file and options, and the outcome."""

    at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("when"))
    action = models.CharField(max_length=12, choices=AuditAction.choices, verbose_name=_("action"))
    clinic = models.ForeignKey(
        "clinics.Clinic",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=ngettext_lazy("clinic", "clinics", 1),
    )
    job = models.ForeignKey(
        "dentalpin_import.ImportJob",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
        db_constraint=False,
        verbose_name=_("import"),
    )
    job_ref = models.CharField(
        max_length=40, blank=True, verbose_name=_("import reference")
    )  # survives the job row
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    file_sha256 = models.CharField(
        max_length=64, blank=True, verbose_name=_("file fingerprint (SHA-256)")
    )
    options = models.JSONField(default=dict, blank=True, verbose_name=_("options"))
    outcome = models.CharField(max_length=40, verbose_name=_("outcome"))
    details = models.JSONField(default=dict, blank=True, verbose_name=_("details"))

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log entries")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("the audit log is append-only")
