"""A whole sample clinic: money reconciles to the cent and a second run is a no-op."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django_scopes import scope

from clinics.models import Invoice, Payment
from dentalpin_import.models import ImportWarning
from dentalpin_import.sample.generator import generate_sample
from tests.dentalpin_import.commands.helpers import run_import


@pytest.mark.django_db
def test_a_sample_clinic_imports_with_money_totals_equal_to_the_files(tmp_path, clinic):
    sample = generate_sample(tmp_path / "s.dpm.zst", patients=60, seed=3, layer="zstd")
    status, out, report = run_import(sample.path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0, out
    assert report["entities"]["patient"]["created"] == 60
    with scope(clinic=clinic):
        receipts = Payment.objects.filter(is_refund=False).aggregate(s=Sum("amount"))["s"]
        refunds = Payment.objects.filter(is_refund=True).aggregate(s=Sum("amount"))["s"]
        invoices = Invoice.objects.aggregate(s=Sum("total"))["s"]
    assert receipts == sample.expected.payments_total
    assert (refunds or Decimal(0)) == sample.expected.refunds_total
    assert invoices == sample.expected.invoices_total
    codes = set(ImportWarning.objects.values_list("code", flat=True))
    assert {
        "appointment.unmapped_actor",
        "payment.zero_amount",
        "payment.refund_unmappable",
        "payment.no_patient_for_client",
        "file.sha256_missing",
    } <= codes
    status, _, again = run_import(sample.path, clinic.slug, report=tmp_path / "r2.json")
    assert again["warnings"] == 0
    assert all(c["created"] == 0 for c in again["entities"].values())
