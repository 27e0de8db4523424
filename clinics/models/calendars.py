"""Working hours (calendars, their days and shifts) and recurring appointments."""

from django.db import models
from django.utils import dates
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from clinics.models import labels
from clinics.models.base import ClinicOwned


class WorkCalendar(ClinicOwned):
    """A professional's (or the centre's) working calendar over a validity period."""

    professional = models.ForeignKey(
        "clinics.Professional",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="work_calendars",
        verbose_name=ngettext_lazy("professional", "professionals", 1),
    )
    name = models.CharField(max_length=200, verbose_name=_("name"))
    valid_from = models.DateField(null=True, blank=True, verbose_name=_("valid from"))
    valid_to = models.DateField(null=True, blank=True, verbose_name=_("valid to"))

    class Meta:
        verbose_name = ngettext_lazy("work calendar", "work calendars", 1)
        verbose_name_plural = ngettext_lazy("work calendar", "work calendars", 2)
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WorkCalendarDay(ClinicOwned):
    """One weekday of a calendar (1 = Monday … 7 = Sunday)."""

    calendar = models.ForeignKey(
        WorkCalendar, on_delete=models.CASCADE, related_name="days", verbose_name=_("calendar")
    )
    weekday = models.PositiveSmallIntegerField(verbose_name=_("weekday"))
    is_working_day = models.BooleanField(default=True, verbose_name=_("is working day"))

    class Meta:
        verbose_name = ngettext_lazy("working day", "working days", 1)
        verbose_name_plural = ngettext_lazy("working day", "working days", 2)
        ordering = ["calendar", "weekday"]

    def __str__(self) -> str:
        return str(dates.WEEKDAYS.get(self.weekday - 1, self.weekday))


class WorkCalendarShift(ClinicOwned):
    """A span of working time on a calendar day, optionally in one chair."""

    day = models.ForeignKey(
        WorkCalendarDay, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("day")
    )
    starts_at = models.TimeField(verbose_name=_("starts at"))
    ends_at = models.TimeField(verbose_name=_("ends at"))
    chair = models.ForeignKey(
        "clinics.Chair",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shifts",
        verbose_name=ngettext_lazy("chair", "chairs", 1),
    )

    class Meta:
        verbose_name = ngettext_lazy("work shift", "work shifts", 1)
        verbose_name_plural = ngettext_lazy("work shift", "work shifts", 2)
        ordering = ["day", "starts_at"]

    def __str__(self) -> str:
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class AppointmentRecurrence(ClinicOwned):
    """A repeating booking (RFC 5545 RRULE); its appointments point back at it."""

    patient = models.ForeignKey(
        "clinics.Patient",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="appointment_recurrences",
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
    rule = models.CharField(max_length=500, blank=True, verbose_name=_("rule"))
    starts_on = models.DateField(null=True, blank=True, verbose_name=_("starts on"))
    ends_on = models.DateField(null=True, blank=True, verbose_name=_("ends on"))
    duration_minutes = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("duration minutes")
    )

    class Meta:
        verbose_name = ngettext_lazy("repeating appointment rule", "repeating appointment rules", 1)
        verbose_name_plural = ngettext_lazy(
            "repeating appointment rule", "repeating appointment rules", 2
        )
        ordering = ["starts_on"]

    def __str__(self) -> str:
        return _("repeated appointments from %(day)s") % {"day": labels.day(self.starts_on)}
