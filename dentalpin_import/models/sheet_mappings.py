"""Column mappings of spreadsheets, saved per clinic and offered again for the same headers.

A mapping says, for one set of column headers (its `signature`, as the reader
computes it from the normalised headers), which field of which sheet type each
column fills, or that the column is ignored. It holds header names and field
names only, never a value of the sheet. The same content is the JSON file the
import commands take with `--mapping` (`as_mapping().to_json()`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from dentalpin_import.reader.sheet_headers import SheetMapping


class SheetColumnMappingQuerySet(models.QuerySet):
    def for_clinic(self, clinic):
        return self.filter(clinic=clinic)


class SheetColumnMapping(models.Model):
    """How one clinic's sheets with one set of headers are read, column by column."""

    clinic = models.ForeignKey(
        "clinics.Clinic",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=ngettext_lazy("clinic", "clinics", 1),
    )
    sheet_type = models.CharField(_("kind of sheet"), max_length=40)
    signature = models.CharField(_("headers signature"), max_length=64)
    # {"Header as written": "field" or null (ignored)}, in the sheet's column order.
    columns = models.JSONField(_("columns"), default=dict)
    headers = models.JSONField(_("headers"), default=list)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("saved by"),
    )
    updated_at = models.DateTimeField(_("saved at"), auto_now=True)

    objects = SheetColumnMappingQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("saved column mapping")
        verbose_name_plural = _("saved column mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "signature"], name="sheet_mapping_one_per_headers"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sheet_type}: {', '.join(self.headers)[:80]}"

    def as_mapping(self) -> SheetMapping:
        """The mapping as the reader takes it; `.to_json()` is the file `--mapping` reads."""
        return SheetMapping(self.sheet_type, self.columns)
