"""Unit tests of the fiscal mappers: invoices, their legal fields, and their lines."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps

from clinics.models import Invoice, InvoiceLine
from dentalpin_import.mapping import invoices
from tests import dpmf_builder as b
from tests.dentalpin_import.mapping.unit.harness import GHOST, pick

pytestmark = pytest.mark.django_db
D = Decimal


# --- fiscal_document ------------------------------------------------------------------------


SMALL_INVOICE = pick(b.small_clinic_rows(), "fiscal_document", 1)  # A-2026-7, with legal fields
LEGAL = {k: SMALL_INVOICE.payload[k] for k in ("legal_hash", "atcud")}


def invoice(sid, **kw):
    """The small clinic's invoice as billed to patient 1 and client 1 by user 1, no legal fields."""
    payload = {k: v for k, v in SMALL_INVOICE.payload.items() if k not in LEGAL}
    people = dict(
        patient_uuid=b.uid("patient", 1), client_uuid=b.uid("client", 1), user_uuid=b.uid("user", 1)
    )
    return b.row("fiscal_document", sid, **{**payload, **people, "status": "PAID", **kw})


def test_an_invoice_keeps_its_legal_number_totals_and_people(people):
    mapped = people.map("fiscal_document", invoice(1))
    bill = mapped.row
    assert isinstance(bill, Invoice) and mapped.rows == [bill]
    assert (bill.patient_id, bill.client_id, bill.issuer_id) == (501, 601, 702)
    assert (bill.number, bill.series, bill.kind, bill.issued_on) == (
        "A-2026-7",
        "A",
        "F",
        dt.date(2026, 3, 6),
    )
    assert (bill.subtotal, bill.tax_total, bill.total) == (D("82.64"), D("17.36"), D("100.00"))
    assert bill.status == "paid" and mapped.notes == []


def test_an_invoice_without_series_or_number_is_numbered_mig_with_its_source_id(people):
    mapped = people.map(
        "fiscal_document", invoice("f9", series="", number=None, year=None, status="odd")
    )
    assert (mapped.row.number, mapped.row.status) == ("MIG-0000-f9", "issued")


def test_an_invoice_without_a_total_is_kept_at_zero_with_a_warning_and_stray_cents_rounded(people):
    mapped = people.map("fiscal_document", invoice(1, total=None, subtotal="82.645"))
    assert (mapped.row.total, mapped.row.subtotal) == (D("0.00"), D("82.65"))
    assert mapped.note("fiscal_document.no_total").severity == "warn"


def test_every_header_total_rounded_to_the_cent_is_said(people):
    mapped = people.map(
        "fiscal_document", invoice(1, subtotal="82.645", tax_total="17.355", total="100.005")
    )
    bill = mapped.row
    assert (bill.subtotal, bill.tax_total, bill.total) == (D("82.65"), D("17.36"), D("100.01"))
    assert [(n.code, n.params) for n in mapped.notes] == [
        ("number.rounded", {"field": "Invoice.subtotal"}),
        ("number.rounded", {"field": "Invoice.tax_total"}),
        ("number.rounded", {"field": "Invoice.total"}),
    ]


def test_a_total_of_1_comma_234_is_not_read_as_1_23(people):
    # A thousands separator or a decimal comma: a thousand times apart, so not guessed.
    mapped = people.map("fiscal_document", invoice(1, total="1,234"))
    assert mapped.row.total == D("0.00")
    assert mapped.note("fiscal_document.no_total").severity == "warn"
    assert [k for k, _, _ in mapped.record.problems] == ["total"]


def test_an_invoice_of_a_payer_goes_to_the_guardians_or_the_family_patient(harness, family):
    payer, (one, _, _) = family
    mapped = harness.map(
        "fiscal_document",
        invoice(1, patient_uuid=None, client_uuid=None, guardian_client_uuid=b.uid("client", 1)),
    )
    assert (mapped.row.patient_id, mapped.row.client_id) == (one.pk, payer.pk)
    assert mapped.note("fiscal_document.family_billing").message == "billed to 3 patients"


def test_an_invoice_nobody_known_was_billed_is_kept_without_a_patient(people):
    mapped = people.map("fiscal_document", invoice(1, patient_uuid=GHOST, client_uuid=GHOST))
    assert (mapped.row.patient_id, mapped.row.client_id) == (None, None)
    assert mapped.note("fiscal_document.no_patient").severity == "warn"


LEGAL_AND_MORE = {**LEGAL, "previous_hash": "CD" * 32}


def test_an_invoices_legal_fields_are_dropped_with_a_note_unless_opted_in(people):
    mapped = people.map("fiscal_document", invoice(1, **LEGAL_AND_MORE))
    assert mapped.rows == [mapped.row]
    assert mapped.note("verifactu.opt_out").raw_data == LEGAL_AND_MORE


def test_an_invoices_legal_fields_are_dropped_when_the_module_is_missing(people, monkeypatch):
    monkeypatch.setattr(invoices, "verifactu_installed", lambda: False)
    people.ctx.options["import_verifactu"] = True
    mapped = people.map("fiscal_document", invoice(1, **LEGAL_AND_MORE))
    assert mapped.rows == [mapped.row] and mapped.codes == ["verifactu.skipped"]


@pytest.mark.skipif(not apps.is_installed("verifactu"), reason="the verifactu app is off")
def test_an_opted_in_invoice_keeps_its_legal_fields_verbatim_in_a_legal_record(people):
    people.ctx.options["import_verifactu"] = True
    bill, record = people.map("fiscal_document", invoice(1, **LEGAL_AND_MORE)).rows
    assert record.invoice is bill and record.regime == "mixed"  # a Spanish hash, a Portuguese ATCUD
    assert (record.legal_hash, record.atcud) == (LEGAL["legal_hash"], LEGAL["atcud"])
    assert record.extra == {"previous_hash": "CD" * 32}


# --- fiscal_document_line -------------------------------------------------------------------


def test_an_invoice_line_keeps_its_money_and_derives_the_unit_price(harness):
    document = harness.resolved("fiscal_document", 1, 1901)
    mapped = harness.map(
        "fiscal_document_line",
        document_uuid=document,
        line_number=2,
        concept="Limpieza",
        units=3,
        amount="121.00",
        base_amount="100.00",
        vat_percent="21",
        vat_amount="21.00",
        discount_amount="5.00",
    )
    line = mapped.row
    assert isinstance(line, InvoiceLine)
    assert (line.invoice_id, line.line_number, line.concept, line.units) == (1901, 2, "Limpieza", 3)
    assert (line.base_amount, line.unit_price, line.amount) == (
        D("100.00"),
        D("33.33"),
        D("121.00"),
    )
    assert (line.vat_percent, line.vat_amount, line.discount_amount) == (
        D("21"),
        D("21.00"),
        D("5.00"),
    )


def test_an_invoice_line_without_a_base_takes_its_amount_and_one_unit(harness):
    document = harness.resolved("fiscal_document", 1, 1901)
    mapped = harness.map("fiscal_document_line", document_uuid=document, units=0, amount="50.00")
    line = mapped.row
    assert (line.units, line.line_number, line.base_amount, line.unit_price) == (
        1,
        1,
        D("50.00"),
        D("50.00"),
    )
    assert (line.vat_percent, line.vat_amount, line.discount_amount) == (0, 0, 0)


@pytest.mark.parametrize(
    ("document", "code"),
    [(None, "fiscal_document_line.no_document"), (GHOST, "fiscal_document_line.unmapped_document")],
)
def test_an_invoice_line_without_its_invoice_is_refused(harness, document, code):
    mapped = harness.map("fiscal_document_line", document_uuid=document, amount="1")
    assert mapped.refused == code
