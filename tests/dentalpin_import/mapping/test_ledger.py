"""Debts, family splits by ledger, refunds and money totals on a small real DPMF file (§13)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from django_scopes import scope

from clinics.models import (
    AppliedTreatment,
    Client,
    DebtPaymentApplication,
    Invoice,
    LedgerEntry,
    Patient,
    Payment,
)
from dentalpin_import.models import EntityMapping, ImportWarning
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import

D = Decimal
TREATMENT = b.uid("applied_treatment", "t1")  # a performed filling (Gesdén type 22)
GHOST_TREATMENT = b.uid("applied_treatment", "gone")


def sorting_before(entity_type: str, other_sid: str, prefix: str) -> str:
    """A source id whose canonical id sorts before `other_sid`'s (rows are read in that order)."""
    target = b.uid(entity_type, other_sid)
    return next(f"{prefix}{k}" for k in range(1000) if b.uid(entity_type, f"{prefix}{k}") < target)


ORIGINAL = "pay-4"
REFUND = sorting_before("payment", ORIGINAL, "refund-")
BOOKED = "pay-t1"
REFUND_BY_TREATMENT = sorting_before("payment", BOOKED, "tr-refund-")


def debt(sid, patient_sid, amount, **kw):
    return b.row(
        "debt",
        sid,
        patient_uuid=b.uid("patient", patient_sid),
        owed_amount=amount,
        due_date="2025-10-01",
        **kw,
    )


def rows():
    return [
        b.client(1),  # pays for patients 1, 2 and 3
        b.client(2),  # pays for patient 4
        b.client(3),  # pays for patients 5 and 6, who owe nothing
        *[b.patient(n) for n in range(1, 7)],
        b.link(1, 1, 1),
        b.link(2, 2, 1),
        b.link(3, 3, 1),
        b.link(4, 4, 2),
        b.link(5, 5, 3),
        b.link(6, 6, 3),
        b.row(
            "applied_treatment",
            "t1",
            {"IdTipoOdg": 22},
            patient_uuid=b.uid("patient", 4),
            amount="80.00",
            status_code=5,
            start_date="2025-03-01",
        ),
        debt("d1", 1, "30.00", treatment_number="12", phase_number="1"),
        debt("d2", 2, "10.00", client_uuid=b.uid("client", 1)),
        debt("d3", 3, "5.00"),
        debt("d-zero", 1, "0.00"),
        debt("d-null", 1, None),
        debt("d-void", 2, "20.00", cancelled_by_uuid=b.uid("debt", "d2")),
        debt("d-bad", 3, "15.00", uncollectible=True, uncollectible_description="fallecido"),
        debt("d-ghost", 404, "5.00"),
        debt("d-orphan", 4, "12.50", applied_treatment_uuid=GHOST_TREATMENT),
        debt("d-treated", 4, "80.00", applied_treatment_uuid=TREATMENT),
        b.payment("pay-family", 1, "100.00"),
        b.payment("pay-even", 3, "35.75"),
        b.payment(ORIGINAL, 2, "60.00"),
        b.payment(REFUND, 2, "-20.00", related_payment_uuid=b.uid("payment", ORIGINAL)),
        b.payment(BOOKED, 2, "50.00", applied_treatment_uuid=TREATMENT),
        b.payment(REFUND_BY_TREATMENT, 2, "-50.00", applied_treatment_uuid=TREATMENT),
        b.payment("refund-family", 1, "-100.00"),  # same client, same whole amount
        b.payment("refund-nobody", 3, "-7.00"),
        b.row(
            "debt_payment_application",
            "x1",
            debt_uuid=b.uid("debt", "d2"),
            payment_uuid=b.uid("payment", "pay-family"),
            amount="10.00",
            applied_on="2026-03-05",
        ),
        b.row(
            "debt_payment_application",
            "x2",
            debt_uuid=b.uid("debt", "d-void"),
            payment_uuid=b.uid("payment", "pay-family"),
        ),
        b.row(
            "debt_payment_application",
            "x3",
            debt_uuid=b.uid("debt", "d1"),
            payment_uuid=b.uid("payment", "nowhere"),
        ),
        b.row(
            "fiscal_document",
            "f1",
            client_uuid=b.uid("client", 2),
            series="A",
            number=1,
            year=2026,
            total="121.00",
        ),
    ]


@pytest.fixture
def imported(tmp_path, clinic):
    status, out, report = run_import(
        b.build(tmp_path, rows()), clinic.slug, report=tmp_path / "r.json"
    )
    assert status == 0, out
    with scope(clinic=clinic):
        yield report


def mapped(model, entity_type, source_id):
    target = EntityMapping.objects.get(
        entity_type=entity_type, canonical_uuid=b.uid(entity_type, source_id)
    )
    return model.objects.get(pk=int(target.target_id))


def patient(n):
    return mapped(Patient, "patient", n)


def warnings(entity_type):
    return sorted(
        ImportWarning.objects.filter(entity_type=entity_type).values_list("source_id", "code")
    )


def test_the_ids_chosen_really_sort_refunds_before_their_payments():
    assert b.uid("payment", REFUND) < b.uid("payment", ORIGINAL)
    assert b.uid("payment", REFUND_BY_TREATMENT) < b.uid("payment", BOOKED)


def test_debts_become_earned_ledger_entries(imported):
    entry = mapped(LedgerEntry, "debt", "d1")
    assert entry.patient == patient(1) and entry.kind == "earned"
    assert entry.amount == D("30.00") and entry.entry_date == dt.date(2025, 10, 1)
    assert (entry.treatment_number, entry.phase_number) == ("12", "1")
    assert entry.label == "Tratamiento nº 12, fase 1"
    assert entry.session_key == "debt:" + b.uid("debt", "d1")
    assert mapped(LedgerEntry, "debt", "d2").client == mapped(Client, "client", 1)
    treated = mapped(LedgerEntry, "debt", "d-treated")
    assert treated.applied_treatment_uuid == TREATMENT
    assert treated.applied_treatment == mapped(AppliedTreatment, "applied_treatment", "t1")
    assert mapped(Payment, "payment", BOOKED).applied_treatment == treated.applied_treatment
    orphan = mapped(LedgerEntry, "debt", "d-orphan")
    assert orphan.amount == D("12.50") and orphan.applied_treatment_uuid == GHOST_TREATMENT


def test_voided_written_off_and_patientless_debts_are_warned_zero_ones_skipped_silently(imported):
    assert warnings("debt") == [
        ("d-bad", "debt.skipped_uncollectible"),
        ("d-ghost", "debt.unmapped_patient"),
        ("d-orphan", "debt.orphan_treatment"),
        ("d-void", "debt.skipped_anulado"),
    ]
    assert LedgerEntry.objects.count() == 5
    skipped = EntityMapping.objects.filter(entity_type="debt.__skipped__")
    assert {m.canonical_uuid for m in skipped} >= {b.uid("debt", "d-zero"), b.uid("debt", "d-null")}


def test_a_family_payment_is_split_in_proportion_to_each_patients_ledger(imported):
    # Earned: patient 1 30.00, patient 2 10.00, patient 3 5.00 → 100.00 × 30/45, 10/45, rest.
    shares = {p.patient_id: p.amount for p in Payment.objects.filter(split_total=D("100.00"))}
    assert shares == {
        patient(1).pk: D("66.67"),
        patient(2).pk: D("22.22"),
        patient(3).pk: D("11.11"),
    }
    first = mapped(Payment, "payment", "pay-family")
    assert first.patient == patient(1) and first.notes == "reparto familiar 1/3"
    assert set(first.other_shares.values_list("patient_id", flat=True)) == {
        patient(2).pk,
        patient(3).pk,
    }


def test_a_family_with_no_ledger_splits_evenly_rounding_half_up(imported):
    shares = Payment.objects.filter(split_total=D("35.75")).order_by("pk")
    assert [(p.patient_id, p.amount) for p in shares] == [
        (patient(5).pk, D("17.88")),
        (patient(6).pk, D("17.87")),
    ]


def test_refunds_find_their_payment_even_when_they_sort_before_it(imported):
    refund = mapped(Payment, "payment", REFUND)
    assert refund.is_refund and refund.amount == D("20.00")
    assert refund.refund_of == mapped(Payment, "payment", ORIGINAL)
    assert refund.patient == patient(4)
    by_treatment = mapped(Payment, "payment", REFUND_BY_TREATMENT)
    assert by_treatment.refund_of == mapped(Payment, "payment", BOOKED)
    by_amount = mapped(Payment, "payment", "refund-family")
    assert by_amount.refund_of == mapped(Payment, "payment", "pay-family")
    assert by_amount.patient == patient(1)
    assert warnings("payment") == [
        ("pay-even", "payment.split_across_family"),
        ("pay-family", "payment.split_across_family"),
        ("refund-nobody", "payment.refund_unmappable"),
    ]


def test_applications_link_a_debt_to_the_share_of_its_own_patient(imported):
    application = mapped(DebtPaymentApplication, "debt_payment_application", "x1")
    assert application.debt == mapped(LedgerEntry, "debt", "d2")
    assert application.payment.patient == patient(2)
    assert application.payment.split_of == mapped(Payment, "payment", "pay-family")
    assert (application.amount, application.applied_on) == (D("10.00"), dt.date(2026, 3, 5))
    # x2 was applied to a voided debt: left out by the same rule; x3 names a payment the
    # file does not have: a problem of the file.
    assert warnings("debt_payment_application") == [
        ("x2", "debt_payment_application.left_out_debt"),
        ("x3", "debt_payment_application.unmapped_payment"),
    ]
    counts = imported["entities"]["debt_payment_application"]
    assert (counts["created"], counts["skipped"], counts["failed"]) == (1, 1, 1)


def test_money_in_the_clinic_equals_the_files_to_the_cent(imported):
    money = imported["reconciliation"]["money"]
    assert money["payments"] == {
        "file": "245.75",
        "clinic": "245.75",
        "not_imported": "0.00",
        "matches": True,
    }
    assert money["refunds"] == {
        "file": "177.00",
        "clinic": "170.00",
        "not_imported": "7.00",
        "matches": True,
    }
    assert money["invoices"]["clinic"] == "121.00" and money["invoices"]["matches"]
    assert money["debts"] == {
        "file": "142.50",
        "clinic": "137.50",
        "not_imported": "5.00",
        "matches": True,
    }
    assert LedgerEntry.objects.aggregate(s=Sum("amount"))["s"] == D("137.50")
    receipts = Payment.objects.filter(is_refund=False).aggregate(s=Sum("amount"))["s"]
    refunds = Payment.objects.filter(is_refund=True).aggregate(s=Sum("amount"))["s"]
    assert (receipts, refunds) == (D("245.75"), D("170.00"))
    assert Invoice.objects.get().total == D("121.00")


def test_a_second_run_is_a_no_op_including_the_second_pass_links(imported, tmp_path, clinic):
    before = {
        m.__name__: sorted(m.objects.values_list("pk", flat=True))
        for m in (LedgerEntry, Payment, DebtPaymentApplication)
    }
    links = dict(Payment.objects.filter(is_refund=True).values_list("pk", "refund_of_id"))
    path = b.build(tmp_path, rows(), name="again")
    status, _, again = run_import(path, clinic.slug, report=tmp_path / "r2.json")
    assert status == 0 and again["warnings"] == 0
    assert all(c["created"] == 0 for c in again["entities"].values())
    after = {
        m.__name__: sorted(m.objects.values_list("pk", flat=True))
        for m in (LedgerEntry, Payment, DebtPaymentApplication)
    }
    assert after == before
    assert dict(Payment.objects.filter(is_refund=True).values_list("pk", "refund_of_id")) == links
    assert again["reconciliation"]["money"]["debts"]["matches"] is True


def test_a_debt_billing_a_treatment_imported_as_an_administrative_note_is_kept_unlinked():
    from clinics.models import ClinicalNote
    from dentalpin_import.mapping.base import MappingContext
    from dentalpin_import.mapping.debts import DebtMapper
    from dentalpin_import.reader.records_ledger import SourceDebt

    record = SourceDebt(
        canonical_uuid=b.uid("debt", "n1"),
        source_id="n1",
        source_system=b.SYSTEM,
        patient_uuid=b.uid("patient", 1),
        client_uuid=None,
        applied_treatment_uuid=TREATMENT,
        owed_amount=D("9.00"),
        owed_amount_text="9.00",
        due_date=None,
        cancelled_by_uuid=None,
        uncollectible=False,
        uncollectible_description="",
        treatment_number="",
        phase_number="",
    )
    ctx = MappingContext(clinic=None, job=None, source_system=b.SYSTEM, options={})
    ctx.keys.add("patient", b.uid("patient", 1), 1, "clinics_patient")
    ctx.chunk["treatments"] = {TREATMENT: ClinicalNote._meta.db_table}
    entry = DebtMapper().map(record, ctx)
    # The charge was billed: it stays in the ledger, unlinked, with a warning.
    assert entry.amount == D("9.00") and entry.applied_treatment_id is None
    assert [n.code for n in ctx.notes] == ["debt.no_clinical_target"]


@pytest.mark.django_db
def test_amounts_with_a_third_decimal_are_rounded_half_up_and_still_reconcile(tmp_path, clinic):
    rows = [
        b.client(1),
        b.patient(1),
        b.link(1, 1, 1),
        debt("d1", 1, "12.345"),
        b.payment("p1", 1, "35.755"),
        b.payment("p2", 1, "-0.005", related_payment_uuid=b.uid("payment", "p1")),
    ]
    status, out, report = run_import(
        b.build(tmp_path, rows), clinic.slug, report=tmp_path / "r.json"
    )
    assert status == 0, out
    with scope(clinic=clinic):
        assert mapped(LedgerEntry, "debt", "d1").amount == D("12.35")
        assert mapped(Payment, "payment", "p1").amount == D("35.76")
        assert mapped(Payment, "payment", "p2").amount == D("0.01")
    money = report["reconciliation"]["money"]
    assert money["debts"]["clinic"] == "12.35" and money["payments"]["clinic"] == "35.76"
    assert all(kind["matches"] for kind in money.values())
    assert {"debt.amount_rounded", "payment.amount_rounded"} <= set(
        ImportWarning.objects.values_list("code", flat=True)
    )
