"""The legal tamper-evidence data of an imported invoice, never recomputed or re-signed."""

from django.db import models

from clinics.models.base import ClinicOwned


class FiscalLegalRecord(ClinicOwned):
    """Spanish Verifactu and Portuguese certification fields, exactly as the source had them."""

    invoice = models.OneToOneField(
        "clinics.Invoice", on_delete=models.CASCADE, related_name="legal_record"
    )
    legal_hash = models.TextField(blank=True)
    hash = models.TextField(blank=True)
    hash_control = models.CharField(max_length=20, blank=True)
    atcud = models.CharField(max_length=100, blank=True)
    qr_code = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"legal record of invoice #{self.invoice_id}"
