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

    patient = models.ForeignKey(
        "clinics.Patient",
        on_delete=models.PROTECT,
        related_name="budgets",
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
    author = models.ForeignKey(
        "clinics.Professional",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    number = models.CharField(max_length=30, db_index=True, verbose_name=_("number"))
    source_number = models.IntegerField(null=True, blank=True, verbose_name=_("source number"))
    title = models.CharField(max_length=200, blank=True, verbose_name=_("title"))
    quoted_on = models.DateField(null=True, blank=True, verbose_name=_("quoted on"))
    accepted_on = models.DateField(null=True, blank=True, verbose_name=_("accepted on"))
    rejected_on = models.DateField(null=True, blank=True, verbose_name=_("rejected on"))
    status = models.CharField(
        max_length=10,
        choices=BudgetStatus.choices,
        default=BudgetStatus.DRAFT,
        verbose_name=_("status"),
    )
    rejection_notes = models.TextField(blank=True, verbose_name=_("rejection notes"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    subtotal = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, verbose_name=_("subtotal")
    )
    discount_total = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, verbose_name=_("discount total")
    )
    tax_total = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, verbose_name=_("tax total")
    )
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0, verbose_name=_("total"))

    class Meta:
        verbose_name = ngettext_lazy("budget", "budgets", 1)
        verbose_name_plural = ngettext_lazy("budget", "budgets", 2)
        ordering = ["-quoted_on", "number"]

    def __str__(self) -> str:
        return self.number


class BudgetLine(ClinicOwned):
    """One item of a budget, and the applied treatment that carried it out, once known."""

    budget = models.ForeignKey(
        Budget,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=ngettext_lazy("budget", "budgets", 1),
    )
    catalog_item = models.ForeignKey(
        "clinics.TreatmentCatalogItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("catalog item"),
    )
    variant = models.ForeignKey(
        "clinics.TreatmentCatalogVariant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("variant"),
    )
    # Filled in a second pass: the treatment is imported after its budget line.
    applied_treatment = models.ForeignKey(
        "clinics.AppliedTreatment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="executed_lines",
        verbose_name=_("applied treatment"),
    )
    # The source's forward reference, kept so a later pass or job can still link it.
    source_applied_treatment_uuid = models.CharField(
        max_length=36, blank=True, verbose_name=_("source applied treatment uuid")
    )
    position = models.PositiveIntegerField(default=0, verbose_name=_("position"))
    description = models.CharField(max_length=200, blank=True, verbose_name=_("description"))
    tooth = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("tooth"))
    teeth = models.JSONField(default=list, blank=True, verbose_name=_("teeth"))
    unit_price = models.DecimalField(
        max_digits=12, decimal_places=3, default=0, verbose_name=_("unit price")
    )
    units = models.PositiveIntegerField(default=1, verbose_name=_("units"))
    discount_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, verbose_name=_("discount amount")
    )
    discount_percent = models.DecimalField(
        max_digits=6, decimal_places=2, default=0, verbose_name=_("discount percent")
    )
    subtotal = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, verbose_name=_("subtotal")
    )
    vat_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, verbose_name=_("vat percent")
    )
    vat_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, verbose_name=_("vat amount")
    )
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0, verbose_name=_("total"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))

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
        "clinics.Patient",
        on_delete=models.PROTECT,
        related_name="applied_treatments",
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
    author = models.ForeignKey(
        "clinics.Professional",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    payer = models.ForeignKey(
        "clinics.Client",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=ngettext_lazy("payer", "payers", 1),
    )
    catalog_item = models.ForeignKey(
        "clinics.TreatmentCatalogItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("catalog item"),
    )
    variant = models.ForeignKey(
        "clinics.TreatmentCatalogVariant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("variant"),
    )
    budget_line = models.ForeignKey(
        BudgetLine,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=ngettext_lazy("budget line", "budget lines", 1),
    )
    description = models.CharField(max_length=200, verbose_name=_("description"))
    status = models.CharField(
        max_length=10, choices=TreatmentStatus.choices, verbose_name=_("status")
    )
    status_code = models.IntegerField(null=True, blank=True, verbose_name=_("status code"))
    started_on = models.DateField(null=True, blank=True, verbose_name=_("started on"))
    finished_on = models.DateField(null=True, blank=True, verbose_name=_("finished on"))
    # The catalogue price stamped on the act, not what was billed (FORMAT.md §13.3).
    amount = models.DecimalField(
        max_digits=12, decimal_places=3, null=True, blank=True, verbose_name=_("amount")
    )
    units = models.PositiveIntegerField(default=1, verbose_name=_("units"))
    scope = models.CharField(max_length=12, choices=TreatmentScope.choices, verbose_name=_("scope"))
    teeth = models.JSONField(
        default=list, blank=True, verbose_name=_("teeth")
    )  # FDI numbers; [] = whole mouth
    odontogram_type = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("odontogram type")
    )
    source_treatment_code = models.CharField(
        max_length=40, blank=True, verbose_name=_("source treatment code")
    )  # Gesdén IdTto
    note = models.ForeignKey(
        "clinics.ClinicalNote",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("note"),
    )

    class Meta:
        verbose_name = ngettext_lazy("treatment done", "treatments done", 1)
        verbose_name_plural = ngettext_lazy("treatment done", "treatments done", 2)
        ordering = ["patient", "-started_on"]

    def __str__(self) -> str:
        return self.description


class AppliedTreatmentPhase(ClinicOwned):
    """A billing or clinical stage of an applied treatment."""

    treatment = models.ForeignKey(
        AppliedTreatment,
        on_delete=models.CASCADE,
        related_name="phases",
        verbose_name=_("treatment"),
    )
    professional = models.ForeignKey(
        "clinics.Professional",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=ngettext_lazy("professional", "professionals", 1),
    )
    phase_number = models.PositiveIntegerField(default=1, verbose_name=_("phase number"))
    status = models.CharField(
        max_length=10, choices=TreatmentStatus.choices, verbose_name=_("status")
    )
    status_code = models.IntegerField(null=True, blank=True, verbose_name=_("status code"))
    executed_on = models.DateField(null=True, blank=True, verbose_name=_("executed on"))
    percent_to_bill = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True, verbose_name=_("percent to bill")
    )
    # The phase's share of the treatment's price (amount × percent / 100).
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, verbose_name=_("amount")
    )
    notes = EncryptedTextField(blank=True, verbose_name=_("notes"))

    class Meta:
        verbose_name = ngettext_lazy("session of a treatment", "sessions of treatments", 1)
        verbose_name_plural = ngettext_lazy("session of a treatment", "sessions of treatments", 2)
        ordering = ["treatment", "phase_number"]

    def __str__(self) -> str:
        return _("phase %(number)s") % {"number": self.phase_number}
