"""Money: payments (refunds included), invoices and their lines."""

from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from clinics.models import labels
from clinics.models.base import ClinicOwned


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    TRANSFER = "transfer", _("Bank transfer")
    CARD = "card", _("Card")
    DIRECT_DEBIT = "direct_debit", _("Direct debit")
    INSURANCE = "insurance", _("Insurance")
    OTHER = "other", _("Other")


class Payment(ClinicOwned):
    """Money received from (or, for a refund, returned to) a patient's payer.

    `amount` is always positive; `is_refund` tells the direction, and a refund
    points at the payment it returns.
    """

    patient = models.ForeignKey(
        "clinics.Patient",
        on_delete=models.PROTECT,
        related_name="payments",
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
    amount = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("amount"))
    is_refund = models.BooleanField(default=False, verbose_name=_("is refund"))
    refund_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="refunds",
        verbose_name=_("refund of"),
    )
    paid_on = models.DateField(verbose_name=_("paid on"))
    method = models.CharField(
        max_length=20,
        choices=PaymentMethod.choices,
        default=PaymentMethod.OTHER,
        verbose_name=_("method"),
    )
    cashier = models.ForeignKey(
        "clinics.Professional",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("cashier"),
    )
    invoice = models.ForeignKey(
        "clinics.Invoice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payments",
        verbose_name=ngettext_lazy("invoice", "invoices", 1),
    )
    # A family payment split over several patients keeps the whole amount on
    # each share, so a refund can be checked against what was really paid.
    split_total = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, verbose_name=_("split total")
    )
    # The other shares of a family payment point at the first one.
    split_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="other_shares",
        verbose_name=_("split of"),
    )
    # The treatment the payment was booked against (the row, when imported as a
    # treatment, and the file's key, through which a refund of that treatment
    # finds its payment: FORMAT.md §13.2).
    applied_treatment = models.ForeignKey(
        "clinics.AppliedTreatment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payments",
        verbose_name=_("applied treatment"),
    )
    applied_treatment_uuid = models.CharField(
        max_length=64, blank=True, db_index=True, verbose_name=_("applied treatment uuid")
    )
    notes = models.TextField(blank=True, verbose_name=_("notes"))

    class Meta:
        verbose_name = ngettext_lazy("payment", "payments", 1)
        verbose_name_plural = ngettext_lazy("payment", "payments", 2)
        ordering = ["-paid_on"]

    def __str__(self) -> str:
        values = {"amount": formats.number_format(self.amount, 2), "day": labels.day(self.paid_on)}
        if self.is_refund:
            return _("refund of %(amount)s on %(day)s") % values
        return _("payment of %(amount)s on %(day)s") % values


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    SENT = "sent", _("Sent")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class Invoice(ClinicOwned):
    """An issued invoice; header totals are a legal record and kept verbatim."""

    patient = models.ForeignKey(
        "clinics.Patient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
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
    issuer = models.ForeignKey(
        "clinics.Professional",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("issuer"),
    )
    number = models.CharField(max_length=50, verbose_name=_("number"))
    series = models.CharField(max_length=20, blank=True, verbose_name=_("series"))
    kind = models.CharField(max_length=10, default="F", verbose_name=_("kind"))
    issued_on = models.DateField(null=True, blank=True, verbose_name=_("issued on"))
    subtotal = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, verbose_name=_("subtotal")
    )
    tax_total = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, verbose_name=_("tax total")
    )
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0, verbose_name=_("total"))
    status = models.CharField(
        max_length=12,
        choices=InvoiceStatus.choices,
        default=InvoiceStatus.ISSUED,
        verbose_name=_("status"),
    )

    class Meta:
        verbose_name = ngettext_lazy("invoice", "invoices", 1)
        verbose_name_plural = ngettext_lazy("invoice", "invoices", 2)
        ordering = ["-issued_on", "number"]

    def __str__(self) -> str:
        return self.number


class InvoiceLine(ClinicOwned):
    """One line of an invoice; `amount` is the line total including VAT."""

    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=ngettext_lazy("invoice", "invoices", 1),
    )
    line_number = models.PositiveIntegerField(default=1, verbose_name=_("line number"))
    concept = models.CharField(max_length=500, blank=True, verbose_name=_("concept"))
    units = models.PositiveIntegerField(default=1, verbose_name=_("units"))
    unit_price = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, verbose_name=_("unit price")
    )
    base_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, verbose_name=_("base amount")
    )
    vat_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, verbose_name=_("vat percent")
    )
    vat_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, verbose_name=_("vat amount")
    )
    discount_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, verbose_name=_("discount amount")
    )
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, verbose_name=_("amount")
    )

    class Meta:
        verbose_name = ngettext_lazy("invoice line", "invoice lines", 1)
        verbose_name_plural = ngettext_lazy("invoice line", "invoice lines", 2)
        ordering = ["invoice", "line_number"]

    def __str__(self) -> str:
        return _("line %(number)s") % {"number": self.line_number}
