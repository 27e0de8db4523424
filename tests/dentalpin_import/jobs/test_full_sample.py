"""A whole sample clinic: money reconciles to the cent and a second run is a no-op."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django_scopes import scope

from clinics.models import Invoice, LedgerEntry, Payment
from dentalpin_import.mapping.registry import ENTITY_ORDER
from dentalpin_import.models import EntityMapping, ImportWarning, RawEntity
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
    with scope(clinic=clinic):
        earned = LedgerEntry.objects.aggregate(s=Sum("amount"))["s"]
    assert earned == sample.expected.debts_total
    money = report["reconciliation"]["money"]
    assert all(kind["matches"] for kind in money.values())
    assert money["debts"]["clinic"] == str(sample.expected.debts_total)
    # Refunds sorting before their payment still found it (a second pass).
    assert money["refunds"]["clinic"] == str(sample.expected.refunds_total)
    # Every one of the 32 v0.1 types lands in a clinic table: nothing is left raw.
    assert set(report["entities"]) == set(ENTITY_ORDER)
    assert not RawEntity.objects.exists()
    assert all(report["entities"][t]["raw"] == 0 for t in ENTITY_ORDER)
    with scope(clinic=clinic):
        linked = LedgerEntry.objects.exclude(applied_treatment=None)
        assert linked.exists()
        for entry in linked.select_related("applied_treatment")[:20]:
            mapping = EntityMapping.objects.get(
                clinic=clinic,
                entity_type="applied_treatment",
                canonical_uuid=entry.applied_treatment_uuid,
            )
            assert int(mapping.target_id) == entry.applied_treatment.pk
    codes = set(ImportWarning.objects.values_list("code", flat=True))
    assert {
        "appointment.unmapped_actor",
        "payment.zero_amount",
        "payment.refund_unmappable",
        "payment.no_patient_for_client",
        "file.sha256_missing",
        "patient_alert.unmapped_patient",
        "debt.skipped_anulado",
        "debt.skipped_uncollectible",
        "payment.split_across_family",
    } <= codes
    status, _, again = run_import(sample.path, clinic.slug, report=tmp_path / "r2.json")
    assert again["warnings"] == 0
    assert all(c["created"] == 0 for c in again["entities"].values())
