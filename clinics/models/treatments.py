"""Treatment plans and clinical work: budgets and their lines, applied treatments, phases.

Money is decimal throughout. Unit prices keep three decimals (sources carry
prices such as 49.995); computed totals are rounded half-up to the cent.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from clinics.fields import EncryptedTextField
from clinics.models.base import ClinicOwned


class BudgetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Budget(ClinicOwned):
    """A quote given to a patient; totals are recomputed from its lines."""

    patient = models.ForeignKey("clinics.Patient", on_delete=models.PROTECT, related_name="budgets")
    professional = models.ForeignKey(
        "clinics.Professional", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author = models.ForeignKey(
        "clinics.Professional", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    number = models.CharField(max_length=30, db_index=True)
    source_number = models.IntegerField(null=True, blank=True)
    title = models.CharField(max_length=200, blank=True)
    quoted_on = models.DateField(null=True, blank=True)
    accepted_on = models.DateField(null=True, blank=True)
    rejected_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=BudgetStatus.choices, default=BudgetStatus.DRAFT
    )
    rejection_notes = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    discount_total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    tax_total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        verbose_name = ngettext_lazy("budget", "budgets", 1)
        verbose_name_plural = ngettext_lazy("budget", "budgets", 2)
        ordering = ["-quoted_on", "number"]

    def __str__(self) -> str:
        return self.number


class BudgetLine(ClinicOwned):
    """One item of a budget, and the applied treatment that carried it out, once known."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="lines")
    catalog_item = models.ForeignKey(
        "clinics.TreatmentCatalogItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    variant = models.ForeignKey(
        "clinics.TreatmentCatalogVariant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Filled in a second pass: the treatment is imported after its budget line.
    applied_treatment = models.ForeignKey(
        "clinics.AppliedTreatment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="executed_lines",
    )
    # The source's forward reference, kept so a later pass or job can still link it.
    source_applied_treatment_uuid = models.CharField(max_length=36, blank=True)
    position = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=200, blank=True)
    tooth = models.PositiveSmallIntegerField(null=True, blank=True)
    teeth = models.JSONField(default=list, blank=True)
    unit_price = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    units = models.PositiveIntegerField(default=1)
    discount_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    discount_percent = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    vat_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    vat_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    notes = models.TextField(blank=True)

    class Meta:
        verbose_name = ngettext_lazy("budget line", "budget lines", 1)
        verbose_name_plural = ngettext_lazy("budget line", "budget lines", 2)
        ordering = ["budget", "position", "id"]

    def __str__(self) -> str:
        return _("line %(number)s") % {"number": self.position + 1}


class TreatmentStatus(models.TextChoices):
    PERFORMED = "performed", _("Performed")
    PLANNED = "planned", _("Planned")
    UNCLEAR = "unclear", _("Unclear (legacy status)")


class TreatmentScope(models.TextChoices):
    WHOLE_MOUTH = "whole_mouth", _("Whole mouth")
    TEETH = "teeth", _("Per tooth")


class AppliedTreatment(ClinicOwned):
    """A treatment performed on, or planned for, a patient."""

    patient = models.ForeignKey(
        "clinics.Patient", on_delete=models.PROTECT, related_name="applied_treatments"
    )
    professional = models.ForeignKey(
        "clinics.Professional", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author = models.ForeignKey(
        "clinics.Professional", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payer = models.ForeignKey(
        "clinics.Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    catalog_item = models.ForeignKey(
        "clinics.TreatmentCatalogItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    variant = models.ForeignKey(
        "clinics.TreatmentCatalogVariant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    budget_line = models.ForeignKey(
        BudgetLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=TreatmentStatus.choices)
    status_code = models.IntegerField(null=True, blank=True)
    started_on = models.DateField(null=True, blank=True)
    finished_on = models.DateField(null=True, blank=True)
    # The catalogue price stamped on the act, not what was billed (FORMAT.md §13.3).
    amount = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    units = models.PositiveIntegerField(default=1)
    scope = models.CharField(max_length=12, choices=TreatmentScope.choices)
    teeth = models.JSONField(default=list, blank=True)  # FDI numbers; [] = whole mouth
    odontogram_type = models.PositiveSmallIntegerField(null=True, blank=True)
    source_treatment_code = models.CharField(max_length=40, blank=True)  # Gesdén IdTto
    note = models.ForeignKey(
        "clinics.ClinicalNote", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = ngettext_lazy("treatment done", "treatments done", 1)
        verbose_name_plural = ngettext_lazy("treatment done", "treatments done", 2)
        ordering = ["patient", "-started_on"]

    def __str__(self) -> str:
        return self.description


class AppliedTreatmentPhase(ClinicOwned):
    """A billing or clinical stage of an applied treatment."""

    treatment = models.ForeignKey(AppliedTreatment, on_delete=models.CASCADE, related_name="phases")
    professional = models.ForeignKey(
        "clinics.Professional", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    phase_number = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=TreatmentStatus.choices)
    status_code = models.IntegerField(null=True, blank=True)
    executed_on = models.DateField(null=True, blank=True)
    percent_to_bill = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    # The phase's share of the treatment's price (amount × percent / 100).
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    notes = EncryptedTextField(blank=True)

    class Meta:
        verbose_name = ngettext_lazy("session of a treatment", "sessions of treatments", 1)
        verbose_name_plural = ngettext_lazy("session of a treatment", "sessions of treatments", 2)
        ordering = ["treatment", "phase_number"]

    def __str__(self) -> str:
        return _("phase %(number)s") % {"number": self.phase_number}
