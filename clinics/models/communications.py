"""Messages the clinic sent to, or received from, a patient or payer."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from clinics.models.base import ClinicOwned


class CommunicationChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone call")
    LETTER = "letter", _("Letter")
    WHATSAPP = "whatsapp", _("WhatsApp")
    OTHER = "other", _("Other")


class CommunicationDirection(models.TextChoices):
    OUTBOUND = "outbound", _("Sent by the clinic")
    INBOUND = "inbound", _("Received by the clinic")
    UNKNOWN = "unknown", _("Unknown")


class Communication(ClinicOwned):
    """One message; it concerns a patient, a payer, or both."""

    patient = models.ForeignKey(
        "clinics.Patient",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="communications",
        verbose_name=ngettext_lazy("patient", "patients", 1),
    )
    client = models.ForeignKey(
        "clinics.Client",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("client"),
    )
    channel = models.CharField(
        max_length=10,
        choices=CommunicationChannel.choices,
        default=CommunicationChannel.OTHER,
        verbose_name=_("channel"),
    )
    direction = models.CharField(
        max_length=10,
        choices=CommunicationDirection.choices,
        default=CommunicationDirection.UNKNOWN,
        verbose_name=_("direction"),
    )
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    subject = models.CharField(max_length=300, blank=True, verbose_name=_("subject"))
    body = models.TextField(blank=True, verbose_name=_("body"))
    status = models.CharField(max_length=40, blank=True, verbose_name=_("status"))
    # Payload keys this importer does not read (the spec's fields here are only
    # illustrative, FORMAT.md §14.21), kept verbatim so nothing of the row is lost.
    source_extra = models.JSONField(default=dict, blank=True, verbose_name=_("source extra"))

    class Meta:
        verbose_name = ngettext_lazy("message to a patient", "messages to patients", 1)
        verbose_name_plural = ngettext_lazy("message to a patient", "messages to patients", 2)
        ordering = ["-sent_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(patient__isnull=False) | models.Q(client__isnull=False),
                name="communication_has_a_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.sent_at or ''}".strip()
