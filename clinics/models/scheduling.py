"""The agenda: appointments (in a chair, possibly part of a recurrence)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from clinics.models import labels
from clinics.models.base import ClinicOwned


class AppointmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CONFIRMED = "confirmed", _("Confirmed")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


class Appointment(ClinicOwned):
    """A booked visit of a patient with a professional."""

    patient = models.ForeignKey(
        "clinics.Patient", on_delete=models.PROTECT, related_name="appointments"
    )
    professional = models.ForeignKey(
        "clinics.Professional", on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(default=30)
    status = models.CharField(
        max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.SCHEDULED
    )
    notes = models.TextField(blank=True)
    chair = models.ForeignKey(
        "clinics.Chair",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
    )
    recurrence = models.ForeignKey(
        "clinics.AppointmentRecurrence",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
    )

    class Meta:
        verbose_name = ngettext_lazy("appointment", "appointments", 1)
        verbose_name_plural = ngettext_lazy("appointment", "appointments", 2)
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return _("appointment on %(when)s") % {"when": labels.moment(self.starts_at)}
