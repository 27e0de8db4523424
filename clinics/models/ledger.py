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
        "clinics.Patient", on_delete=models.PROTECT, related_name="ledger_entries"
    )
    client = models.ForeignKey(
        "clinics.Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=EntryKind.choices, default=EntryKind.EARNED)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    entry_date = models.DateField(null=True, blank=True)
    # The treatment this charge bills: the row when it was imported as a treatment,
    # and always the file's own key. One key per debt keeps several debts of one
    # treatment apart.
    applied_treatment = models.ForeignKey(
        "clinics.AppliedTreatment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ledger_entries",
    )
    applied_treatment_uuid = models.CharField(max_length=64, blank=True, db_index=True)
    session_key = models.CharField(max_length=80, blank=True)
    treatment_number = models.CharField(max_length=40, blank=True)
    phase_number = models.CharField(max_length=40, blank=True)
    label = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = ngettext_lazy("debt", "debts", 1)
        verbose_name_plural = ngettext_lazy("debt", "debts", 2)
        ordering = ["patient", "entry_date", "pk"]

    def __str__(self) -> str:
        return f"{self.label or self.get_kind_display()}: {self.amount}"


class DebtPaymentApplication(ClinicOwned):
    """How much of a payment went to settle one debt."""

    debt = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, related_name="applications")
    payment = models.ForeignKey(
        "clinics.Payment", on_delete=models.CASCADE, related_name="applications"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    applied_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = ngettext_lazy("payment applied to a debt", "payments applied to debts", 1)
        verbose_name_plural = ngettext_lazy(
            "payment applied to a debt", "payments applied to debts", 2
        )
        ordering = ["debt", "applied_on"]

    def __str__(self) -> str:
        return f"{self.amount} of payment #{self.payment_id} to debt #{self.debt_id}"
