"""The legal tamper-evidence data of an imported invoice, never recomputed or re-signed."""

from django.db import models

from clinics.models.base import ClinicOwned


class FiscalLegalRecord(ClinicOwned):
    """Spanish Verifactu and Portuguese certification fields, exactly as the source had them.

    The five keys FORMAT.md §11 names have columns; every other legal key the
    file carried for the document (a previous-record hash, a SAF-T or AEAT
    field, a source column such as `Huella`) is kept verbatim in `extra`.
    """

    class Regime(models.TextChoices):
        SPAIN = "es", "Spain (Verifactu)"
        PORTUGAL = "pt", "Portugal (certified software)"
        MIXED = "mixed", "Both"
        UNKNOWN = "", "Unknown"

    invoice = models.OneToOneField(
        "clinics.Invoice", on_delete=models.CASCADE, related_name="legal_record"
    )
    regime = models.CharField(max_length=5, choices=Regime.choices, blank=True, default="")
    legal_hash = models.TextField(blank=True)
    hash = models.TextField(blank=True)
    # Text, not short strings: a legal value is kept whole or not at all.
    hash_control = models.TextField(blank=True)
    atcud = models.TextField(blank=True)
    qr_code = models.TextField(blank=True)
    extra = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"legal record of invoice #{self.invoice_id}"
