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
        "clinics.Patient",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=ngettext_lazy("patient", "patients", 1),
    )
    professional = models.ForeignKey(
        "clinics.Professional",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=ngettext_lazy("professional", "professionals", 1),
    )
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    duration_minutes = models.PositiveIntegerField(default=30, verbose_name=_("duration minutes"))
    status = models.CharField(
        max_length=12,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.SCHEDULED,
        verbose_name=_("status"),
    )
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    chair = models.ForeignKey(
        "clinics.Chair",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
        verbose_name=ngettext_lazy("chair", "chairs", 1),
    )
    recurrence = models.ForeignKey(
        "clinics.AppointmentRecurrence",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
        verbose_name=_("recurrence"),
    )

    class Meta:
        verbose_name = ngettext_lazy("appointment", "appointments", 1)
        verbose_name_plural = ngettext_lazy("appointment", "appointments", 2)
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return _("appointment on %(when)s") % {"when": labels.moment(self.starts_at)}
