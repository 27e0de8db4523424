"""The follow-up call queue: patients to call back for a check-up."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from clinics.models import labels
from clinics.models.base import ClinicOwned


class RecallStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONTACTED_NO_ANSWER = "no_answer", _("Contacted, no answer")
    CONTACTED_SCHEDULED = "scheduled", _("Contacted, appointment booked")
    DONE = "done", _("Done")


class Recall(ClinicOwned):
    """A patient due for a call on `due_on`, why, and how the last call went."""

    patient = models.ForeignKey(
        "clinics.Patient",
        on_delete=models.CASCADE,
        related_name="recalls",
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
    due_on = models.DateField(null=True, blank=True, verbose_name=_("due on"))
    last_contact_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last contact at"))
    status = models.CharField(
        max_length=12,
        choices=RecallStatus.choices,
        default=RecallStatus.PENDING,
        verbose_name=_("status"),
    )
    reason = models.ForeignKey(
        "clinics.CatalogItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reason"),
    )
    result = models.ForeignKey(
        "clinics.CatalogItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("result"),
    )
    comments = models.TextField(blank=True, verbose_name=_("comments"))
    observations = models.TextField(blank=True, verbose_name=_("observations"))

    class Meta:
        verbose_name = ngettext_lazy("recall", "recalls", 1)
        verbose_name_plural = ngettext_lazy("recall", "recalls", 2)
        ordering = ["due_on"]

    def __str__(self) -> str:
        return _("recall due %(day)s") % {"day": labels.day(self.due_on)}
