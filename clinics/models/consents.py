"""Informed consents a patient signed (and perhaps revoked)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from clinics.models.base import ClinicOwned


class Consent(ClinicOwned):
    """A consent form: which template, who signed it and when; the scan is a `Document`."""

    patient = models.ForeignKey(
        "clinics.Patient",
        on_delete=models.CASCADE,
        related_name="consents",
        verbose_name=ngettext_lazy("patient", "patients", 1),
    )
    professional = models.ForeignKey(
        "clinics.Professional",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=ngettext_lazy("professional", "professionals", 1),
    )
    template_code = models.CharField(max_length=60, blank=True, verbose_name=_("template code"))
    title = models.CharField(max_length=300, verbose_name=_("title"))
    signed_on = models.DateField(null=True, blank=True, verbose_name=_("signed on"))
    revoked_on = models.DateField(null=True, blank=True, verbose_name=_("revoked on"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    # Payload keys this importer does not read (the spec's fields here are only
    # illustrative, FORMAT.md §14.21), kept verbatim so nothing of the row is lost.
    source_extra = models.JSONField(default=dict, blank=True, verbose_name=_("source extra"))

    class Meta:
        verbose_name = ngettext_lazy("consent", "consents", 1)
        verbose_name_plural = ngettext_lazy("consent", "consents", 2)
        ordering = ["patient", "-signed_on"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_in_force(self) -> bool:
        return self.signed_on is not None and self.revoked_on is None
