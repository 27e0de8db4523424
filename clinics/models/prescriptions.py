"""Prescriptions a clinician wrote for a patient, and the drugs on each."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from clinics.models.base import ClinicOwned


class Prescription(ClinicOwned):
    """One prescription sheet: who wrote it, for whom, when and why."""

    patient = models.ForeignKey(
        "clinics.Patient",
        on_delete=models.CASCADE,
        related_name="prescriptions",
        verbose_name=ngettext_lazy("patient", "patients", 1),
    )
    prescriber = models.ForeignKey(
        "clinics.Professional",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("prescriber"),
    )
    prescribed_on = models.DateField(null=True, blank=True, verbose_name=_("prescribed on"))
    diagnosis = models.TextField(blank=True, verbose_name=_("diagnosis"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    # Payload keys this importer does not read (the spec's fields here are only
    # illustrative, FORMAT.md §14.21), kept verbatim so nothing of the row is lost.
    source_extra = models.JSONField(default=dict, blank=True, verbose_name=_("source extra"))

    class Meta:
        verbose_name = ngettext_lazy("prescription", "prescriptions", 1)
        verbose_name_plural = ngettext_lazy("prescription", "prescriptions", 2)
        ordering = ["patient", "-prescribed_on"]

    def __str__(self) -> str:
        return f"prescription of {self.prescribed_on or '—'}"


class PrescriptionItem(ClinicOwned):
    """One drug on a prescription, with how to take it."""

    prescription = models.ForeignKey(
        Prescription,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=ngettext_lazy("prescription", "prescriptions", 1),
    )
    drug_name = models.CharField(max_length=300, verbose_name=_("drug name"))
    frequency = models.CharField(max_length=200, blank=True, verbose_name=_("frequency"))
    duration_days = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("duration days")
    )
    units = models.CharField(max_length=60, blank=True, verbose_name=_("units"))
    route = models.CharField(max_length=60, blank=True, verbose_name=_("route"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    # Payload keys this importer does not read (the spec's fields here are only
    # illustrative, FORMAT.md §14.21), kept verbatim so nothing of the row is lost.
    source_extra = models.JSONField(default=dict, blank=True, verbose_name=_("source extra"))

    class Meta:
        verbose_name = ngettext_lazy("prescribed medicine", "prescribed medicines", 1)
        verbose_name_plural = ngettext_lazy("prescribed medicine", "prescribed medicines", 2)
        ordering = ["prescription", "pk"]

    def __str__(self) -> str:
        return self.drug_name
