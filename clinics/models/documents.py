"""Patient documents whose bytes live in Django storage."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from clinics.models.base import ClinicOwned


class DocumentStatus(models.TextChoices):
    AWAITING_BINARY = "awaiting", _("Awaiting file")
    STORED = "stored", _("Stored")


class Document(ClinicOwned):
    """A radiograph, photo, scan or report belonging to a patient.

    Imported documents exist before their bytes: the sync agent delivers the
    file later, matched by sha256.
    """

    patient = models.ForeignKey(
        "clinics.Patient",
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=ngettext_lazy("patient", "patients", 1),
    )
    title = models.CharField(max_length=255, verbose_name=_("title"))
    kind = models.CharField(max_length=40, blank=True, verbose_name=_("kind"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    captured_on = models.DateField(null=True, blank=True, verbose_name=_("captured on"))
    file = models.FileField(
        upload_to="documents/", max_length=500, blank=True, verbose_name=_("file")
    )
    thumbnail = models.FileField(
        upload_to="thumbnails/", max_length=500, blank=True, verbose_name=_("thumbnail")
    )
    mime_type = models.CharField(max_length=100, blank=True, verbose_name=_("mime type"))
    size_bytes = models.BigIntegerField(null=True, blank=True, verbose_name=_("size bytes"))
    sha256 = models.CharField(max_length=64, blank=True, db_index=True, verbose_name=_("sha256"))
    status = models.CharField(
        max_length=10,
        choices=DocumentStatus.choices,
        default=DocumentStatus.AWAITING_BINARY,
        verbose_name=_("status"),
    )

    class Meta:
        verbose_name = ngettext_lazy("patient document", "patient documents", 1)
        verbose_name_plural = ngettext_lazy("patient document", "patient documents", 2)
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title
