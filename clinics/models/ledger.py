"""Each patient's ledger: what the clinic earned, and which payment settled which debt.

Balance = Σ earned − Σ payments + Σ refunds (FORMAT.md §13.3): positive, the
patient owes the clinic; negative, the clinic holds a credit. A treatment's
catalogue price is never booked here, only what was really charged.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from clinics.models.base import ClinicOwned


class EntryKind(models.TextChoices):
    EARNED = "earned", _("Earned (charged to the patient)")


class LedgerEntry(ClinicOwned):
    """A charge to one patient (one imported debt), dated when it fell due."""

    patient = models.ForeignKey(
        "clinics.Patient",
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=ngettext_lazy("patient", "patients", 1),
    )
    client = models.ForeignKey(
        "clinics.Client",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("client"),
    )
    kind = models.CharField(
        max_length=10, choices=EntryKind.choices, default=EntryKind.EARNED, verbose_name=_("kind")
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("amount"))
    entry_date = models.DateField(null=True, blank=True, verbose_name=_("entry date"))
    # The treatment this charge bills: the row when it was imported as a treatment,
    # and always the file's own key. One key per debt keeps several debts of one
    # treatment apart.
    applied_treatment = models.ForeignKey(
        "clinics.AppliedTreatment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ledger_entries",
        verbose_name=_("applied treatment"),
    )
    applied_treatment_uuid = models.CharField(
        max_length=64, blank=True, db_index=True, verbose_name=_("applied treatment uuid")
    )
    session_key = models.CharField(max_length=80, blank=True, verbose_name=_("session key"))
    treatment_number = models.CharField(
        max_length=40, blank=True, verbose_name=_("treatment number")
    )
    phase_number = models.CharField(max_length=40, blank=True, verbose_name=_("phase number"))
    label = models.CharField(max_length=300, blank=True, verbose_name=_("label"))

    class Meta:
        verbose_name = ngettext_lazy("debt", "debts", 1)
        verbose_name_plural = ngettext_lazy("debt", "debts", 2)
        ordering = ["patient", "entry_date", "pk"]

    def __str__(self) -> str:
        return f"{self.label or self.get_kind_display()}: {self.amount}"


class DebtPaymentApplication(ClinicOwned):
    """How much of a payment went to settle one debt."""

    debt = models.ForeignKey(
        LedgerEntry,
        on_delete=models.CASCADE,
        related_name="applications",
        verbose_name=ngettext_lazy("debt", "debts", 1),
    )
    payment = models.ForeignKey(
        "clinics.Payment",
        on_delete=models.CASCADE,
        related_name="applications",
        verbose_name=ngettext_lazy("payment", "payments", 1),
    )
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, verbose_name=_("amount")
    )
    applied_on = models.DateField(null=True, blank=True, verbose_name=_("applied on"))

    class Meta:
        verbose_name = ngettext_lazy("payment applied to a debt", "payments applied to debts", 1)
        verbose_name_plural = ngettext_lazy(
            "payment applied to a debt", "payments applied to debts", 2
        )
        ordering = ["debt", "applied_on"]

    def __str__(self) -> str:
        return f"{self.amount} of payment #{self.payment_id} to debt #{self.debt_id}"
