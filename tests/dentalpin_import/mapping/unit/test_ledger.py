"""Unit tests of the receivables mappers: debts, payments and refunds, their applications."""

import datetime as dt
from decimal import Decimal

import pytest

from clinics.models import (
    Client,
    ClinicalNote,
    DebtPaymentApplication,
    LedgerEntry,
    Patient,
    PatientClientLink,
    Payment,
)
from dentalpin_import.models import RawEntity
from tests import dpmf_builder as b
from tests.dentalpin_import.mapping.unit.harness import GHOST

pytestmark = pytest.mark.django_db
D = Decimal
TREATMENT = b.uid("applied_treatment", "t1")


# --- debt -----------------------------------------------------------------------------------


def debt(sid, amount="30.00", **kw):
    return b.row(
        "debt",
        sid,
        patient_uuid=b.uid("patient", 1),
        owed_amount=amount,
        due_date="2025-10-01",
        **kw,
    )


def test_a_debt_becomes_an_earned_ledger_entry_of_its_patient(people):
    mapped = people.map(
        "debt", debt("d1", client_uuid=b.uid("client", 1), treatment_number="12", phase_number="1")
    )
    entry = mapped.row
    assert isinstance(entry, LedgerEntry) and entry.pk is None
    assert (entry.patient_id, entry.client_id, entry.kind) == (501, 601, "earned")
    assert entry.amount == D("30.00") and isinstance(entry.amount, Decimal)
    assert entry.entry_date == dt.date(2025, 10, 1)
    assert (entry.treatment_number, entry.phase_number) == ("12", "1")
    assert entry.label == "Tratamiento nº 12, fase 1"
    # One key per debt keeps several debts of one treatment apart.
    assert entry.session_key == "debt:" + b.uid("debt", "d1")
    assert (entry.applied_treatment_id, entry.applied_treatment_uuid) == (None, "")
    assert mapped.notes == []
    assert people.map("debt", debt("d2")).row.label == "Deuda importada"


def test_a_debt_with_a_third_decimal_is_rounded_half_up_with_a_note(people):
    mapped = people.map("debt", debt("d1", "12.345"))
    assert mapped.row.amount == D("12.35") and mapped.codes == ["debt.amount_rounded"]


@pytest.mark.parametrize("amount", ["0.00", None, ""])
def test_a_debt_of_nothing_is_skipped_silently(people, amount):
    mapped = people.map("debt", debt("d0", amount))
    assert mapped.rows == [] and mapped.warning is None and mapped.notes == []


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"owed_amount": "treinta"}, "debt.invalid_amount"),
        ({"cancelled_by_uuid": b.uid("debt", "d2")}, "debt.skipped_anulado"),
        (
            {"uncollectible": True, "uncollectible_description": "fallecido"},
            "debt.skipped_uncollectible",
        ),
        ({"owed_amount": "-5.00"}, "debt.negative_amount"),
        ({"patient_uuid": None}, "debt.no_patient"),
        ({"patient_uuid": GHOST}, "debt.unmapped_patient"),
    ],
)
def test_debts_that_are_no_charge_to_a_known_patient_are_refused(people, extra, code):
    mapped = people.map("debt", debt("d1"), **extra)
    assert mapped.refused == code


def test_a_written_off_debt_says_why(people):
    mapped = people.map(
        "debt", debt("d1", uncollectible=True, uncollectible_description="fallecido")
    )
    assert "fallecido" in mapped.warning.message


def test_a_debt_links_the_treatment_it_bills_and_keeps_the_files_key(people):
    people.stored("applied_treatment", "t1", 1601)
    mapped = people.map("debt", debt("d1", applied_treatment_uuid=TREATMENT))
    assert (mapped.row.applied_treatment_id, mapped.row.applied_treatment_uuid) == (1601, TREATMENT)
    assert mapped.notes == []


def test_a_debt_of_a_treatment_nobody_knows_is_kept_as_an_orphan(people):
    mapped = people.map("debt", debt("d1", applied_treatment_uuid=GHOST))
    assert (mapped.row.applied_treatment_id, mapped.row.applied_treatment_uuid) == (None, GHOST)
    assert mapped.note("debt.orphan_treatment").severity == "warn"


def test_a_debt_of_a_treatment_kept_raw_is_no_orphan(people):
    RawEntity.objects.create(
        clinic=people.clinic,
        job=people.job,
        source_system=b.SYSTEM,
        entity_type="applied_treatment",
        canonical_uuid=TREATMENT,
        source_id="t1",
    )
    mapped = people.map("debt", debt("d1", applied_treatment_uuid=TREATMENT))
    assert mapped.row.applied_treatment_id is None and mapped.notes == []


def test_a_debt_billing_an_entry_that_became_a_note_stays_in_the_ledger_unlinked(people):
    people.stored("applied_treatment", "t1", 1401, ClinicalNote)
    mapped = people.map("debt", debt("d1", applied_treatment_uuid=TREATMENT))
    assert mapped.row.amount == D("30.00") and mapped.row.applied_treatment_id is None
    assert mapped.codes == ["debt.no_clinical_target"]


# --- payment --------------------------------------------------------------------------------


def test_a_receipt_of_one_patient_keeps_its_amount_method_cashier_and_treatment(people):
    people.resolved("applied_treatment", "t1", 1601)
    mapped = people.map(
        "payment",
        b.payment(1, 1, "100.00", patient_uuid=b.uid("patient", 1), notes="Efectivo no"),
        user_uuid=b.uid("user", 1),
        applied_treatment_uuid=TREATMENT,
    )
    paid = mapped.row
    assert isinstance(paid, Payment) and paid.pk is None
    assert (paid.patient_id, paid.client_id, paid.cashier_id) == (501, 601, 702)
    assert (paid.amount, paid.paid_on, paid.method) == (D("100.00"), dt.date(2026, 3, 5), "card")
    assert (paid.applied_treatment_id, paid.applied_treatment_uuid) == (1601, TREATMENT)
    assert not paid.is_refund and paid.split_total is None and paid.notes == "Efectivo no"
    assert mapped.notes == []


@pytest.mark.parametrize(
    ("kind", "method"), [(1, "cash"), (2, "transfer"), (5, "insurance"), (9, "other")]
)
def test_a_payment_method_is_read_from_the_payment_kind(people, kind, method):
    mapped = people.map(
        "payment", b.payment(1, 1, "10.00", patient_uuid=b.uid("patient", 1), payment_kind=kind)
    )
    assert mapped.row.method == method


def test_a_cashier_who_is_a_professional_is_found_too(people):
    mapped = people.map(
        "payment",
        b.payment(
            1, 1, "10.00", patient_uuid=b.uid("patient", 1), user_uuid=b.uid("professional", 1)
        ),
    )
    assert mapped.row.cashier_id == 701


def test_a_payment_amount_with_a_third_decimal_is_rounded_half_up_with_a_note(people):
    mapped = people.map("payment", b.payment(1, 1, "35.755", patient_uuid=b.uid("patient", 1)))
    assert mapped.row.amount == D("35.76") and mapped.codes == ["payment.amount_rounded"]


def test_an_undated_payment_is_dated_today_with_a_warning(people):
    mapped = people.map(
        "payment", b.payment(1, 1, "10.00", patient_uuid=b.uid("patient", 1)), paid_on=None
    )
    assert mapped.row.paid_on == dt.date.today()
    assert mapped.note("payment.no_date").severity == "warn"


@pytest.mark.parametrize(
    ("amount", "code", "severity"),
    [("diez", "payment.invalid_amount", "warn"), ("0.00", "payment.zero_amount", "info")],
)
def test_a_payment_of_no_readable_amount_is_refused(people, amount, code, severity):
    mapped = people.map("payment", b.payment(1, 1, amount, patient_uuid=b.uid("patient", 1)))
    assert (mapped.refused, mapped.warning.severity) == (code, severity)


def test_a_receipt_nobody_imported_can_be_given_to_is_refused(people):
    mapped = people.map("payment", b.payment(1, 404, "10.00"))
    assert mapped.refused == "payment.no_patient_for_client"


def test_a_family_payment_is_split_in_proportion_to_each_patients_ledger(harness, family):
    payer, (one, two, three) = family
    mapped = harness.map("payment", b.payment("pay-family", 1, "100.00"))
    first, second, third = mapped.rows
    # 100.00 × 30/45, 10/45, and the rest: the shares add up exactly.
    assert [(p.patient_id, p.amount) for p in mapped.rows] == [
        (one.pk, D("66.67")),
        (two.pk, D("22.22")),
        (three.pk, D("11.11")),
    ]
    assert all(p.split_total == D("100.00") and p.client_id == payer.pk for p in mapped.rows)
    assert first.split_of is None and second.split_of is first and third.split_of is first
    assert [p.notes for p in mapped.rows] == [f"reparto familiar {i}/3" for i in (1, 2, 3)]
    assert mapped.note("payment.split_across_family").severity == "warn"


def test_a_family_with_no_ledger_splits_evenly_rounding_half_up(harness):
    payer = harness.existing(Client, given_name="Padre")
    harness.resolved("client", 3, payer.pk)
    for n in (5, 6):
        harness.existing(
            PatientClientLink, patient=harness.existing(Patient, given_name=f"P{n}"), client=payer
        )
    mapped = harness.map("payment", b.payment("pay-even", 3, "35.75"))
    assert [p.amount for p in mapped.rows] == [D("17.88"), D("17.87")]


def test_a_refund_waits_for_the_final_pass(people):
    mapped = people.map(
        "payment", b.payment(2, 1, "-20.00", related_payment_uuid=b.uid("payment", 1))
    )
    assert mapped.deferred and mapped.rows == []


@pytest.fixture
def paid(harness):
    """Payment 1 of 60.00 by client 1 for patient 1, booked against treatment t1."""
    patient = harness.existing(Patient, given_name="Ana")
    payer = harness.existing(Client, given_name="Ana")
    original = harness.existing(
        Payment,
        patient=patient,
        client=payer,
        amount=D("60.00"),
        paid_on=dt.date(2026, 3, 1),
        applied_treatment_uuid=TREATMENT,
    )
    harness.resolved("payment", 1, original.pk)
    harness.resolved("client", 1, payer.pk)
    return original


def test_a_refund_returns_the_payment_it_names_to_that_payments_patient(harness, paid):
    mapped = harness.map(
        "payment",
        b.payment(2, 404, "-20.00", related_payment_uuid=b.uid("payment", 1)),
        final_pass=True,
    )
    refund = mapped.row
    assert refund.is_refund and refund.amount == D("20.00")  # stored positive
    assert refund.refund_of == paid and refund.patient_id == paid.patient_id
    assert refund.client_id == paid.client_id  # its own client is unknown
    assert mapped.notes == []


def test_a_refund_finds_its_payment_by_treatment_or_by_client_and_whole_amount(harness, paid):
    # Each in its own chunk: together, the second would exceed what is left.
    by_treatment = harness.map(
        "payment", b.payment(3, 404, "-10.00", applied_treatment_uuid=TREATMENT), final_pass=True
    )
    by_amount = harness.map("payment", b.payment(4, 1, "-60.00"), final_pass=True)
    assert by_treatment.row.refund_of == paid and by_amount.row.refund_of == paid
    assert by_treatment.row.client_id == paid.client_id


def test_refunds_beyond_what_was_paid_are_refused_counting_those_of_the_same_chunk(harness, paid):
    harness.existing(
        Payment,
        patient=paid.patient,
        amount=D("20.00"),
        is_refund=True,
        refund_of=paid,
        paid_on=paid.paid_on,
    )
    key = b.uid("payment", 1)
    fits, beyond = harness.map_all(
        "payment",
        [
            b.payment(5, 1, "-30.00", related_payment_uuid=key),
            b.payment(6, 1, "-20.00", related_payment_uuid=key),
        ],
        final_pass=True,
    )
    assert fits.row.amount == D("30.00")  # 20 + 30 of 60
    assert beyond.refused == "payment.refund_exceeds"


def test_a_refund_of_nothing_known_is_refused(harness, paid):
    mapped = harness.map("payment", b.payment(7, 1, "-7.00"), final_pass=True)
    assert mapped.refused == "payment.refund_unmappable"


# --- debt_payment_application ---------------------------------------------------------------


def test_an_application_links_a_debt_and_a_payment_with_its_amount(harness):
    harness.resolved("debt", "d1", 1701)
    harness.resolved("payment", "p1", 1801)
    mapped = harness.map(
        "debt_payment_application",
        debt_uuid=b.uid("debt", "d1"),
        payment_uuid=b.uid("payment", "p1"),
        amount="10.005",
        applied_on="2026-03-05",
    )
    application = mapped.row
    assert isinstance(application, DebtPaymentApplication)
    assert (application.debt_id, application.payment_id) == (1701, 1801)
    assert (application.amount, application.applied_on) == (D("10.01"), dt.date(2026, 3, 5))
    unpriced = harness.map(
        "debt_payment_application",
        debt_uuid=b.uid("debt", "d1"),
        payment_uuid=b.uid("payment", "p1"),
    )
    assert unpriced.row.amount is None


def test_an_application_of_a_family_payment_goes_to_the_share_of_the_debts_patient(harness, family):
    payer, (one, two, _) = family
    first = harness.existing(
        Payment, patient=one, client=payer, amount=D("50"), paid_on=dt.date(2026, 3, 5)
    )
    share = harness.existing(
        Payment,
        patient=two,
        client=payer,
        amount=D("50"),
        paid_on=dt.date(2026, 3, 5),
        split_of=first,
    )
    owed = harness.existing(LedgerEntry, patient=two, amount=D("10"))
    harness.resolved("debt", "d2", owed.pk)
    harness.resolved("payment", "pay-family", first.pk)
    mapped = harness.map(
        "debt_payment_application",
        debt_uuid=b.uid("debt", "d2"),
        payment_uuid=b.uid("payment", "pay-family"),
    )
    assert (mapped.row.debt_id, mapped.row.payment_id) == (owed.pk, share.pk)


@pytest.mark.parametrize(
    ("debt", "payment", "code"),
    [
        (None, b.uid("payment", "p1"), "debt_payment_application.no_debt"),
        (GHOST, b.uid("payment", "p1"), "debt_payment_application.unmapped_debt"),
        (b.uid("debt", "d1"), None, "debt_payment_application.no_payment"),
        (b.uid("debt", "d1"), GHOST, "debt_payment_application.unmapped_payment"),
    ],
)
def test_an_application_missing_either_side_is_refused(harness, debt, payment, code):
    harness.resolved("debt", "d1", 1701)
    harness.resolved("payment", "p1", 1801)
    mapped = harness.map("debt_payment_application", debt_uuid=debt, payment_uuid=payment)
    assert mapped.refused == code
