"""Field-by-field checks of the engine's mappers on a small real DPMF file."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope

from clinics.models import (
    Appointment,
    Client,
    Document,
    Invoice,
    InvoiceLine,
    Patient,
    PatientClientLink,
    Payment,
    Professional,
)
from dentalpin_import.models import EntityMapping, ImportWarning
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import


@pytest.fixture
def imported(tmp_path, clinic):
    status, out, _ = run_import(b.small_clinic(tmp_path), clinic.slug)
    assert status == 0, out
    with scope(clinic=clinic):
        yield clinic


def mapped(model, entity_type, source_id):
    target = EntityMapping.objects.get(
        entity_type=entity_type, canonical_uuid=b.uid(entity_type, source_id)
    )
    return model.objects.get(pk=int(target.target_id))


def test_patients_get_names_ids_and_fallbacks(imported):
    ana = mapped(Patient, "patient", 1)
    assert (ana.given_name, ana.family_name) == ("Paciente1", "Ibáñez")
    assert ana.national_id == "00000001Z" and ana.national_id_type == "dni"
    assert ana.date_of_birth == dt.date(1980, 2, 3) and ana.sex == "female"
    assert ana.phone == "600000000"  # from the paying client: the patient had none
    blank = mapped(Patient, "patient", 3)
    assert (blank.given_name, blank.family_name) == ("Sin nombre", "—")
    assert blank.date_of_birth is None  # 1899-12-30 is a placeholder, not a birthday
    assert blank.billing_name == "Seguros Norte SA" and blank.billing_tax_id == "A00000001"
    assert ImportWarning.objects.filter(code="patient.unreadable_value", source_id="3").exists()


def test_staff_are_matched_by_role_and_never_get_a_login(imported):
    dentist = mapped(Professional, "professional", 1)
    assert dentist.role == "dentist" and dentist.email == "prof1@clinic.test"
    assert dentist.user is None and dentist.is_active
    assert mapped(Professional, "professional", 2).role == "hygienist"
    assert mapped(Professional, "user", 1).role == "receptionist"


def test_clients_and_links(imported):
    insurer = mapped(Client, "client", 2)
    assert insurer.legal_name == "Seguros Norte SA"
    family = PatientClientLink.objects.filter(client=mapped(Client, "client", 1))
    assert family.count() == 2
    assert ImportWarning.objects.filter(code="patient_client_link.ambiguous_payer").count() == 1


def test_appointments_are_read_in_the_clinics_time_zone(imported):
    visit = mapped(Appointment, "appointment", 1)
    assert visit.starts_at == dt.datetime(2026, 3, 4, 9, 30, tzinfo=ZoneInfo("Europe/Madrid"))
    assert visit.duration_minutes == 45 and visit.status == "completed"
    assert visit.patient == mapped(Patient, "patient", 1)
    other = mapped(Appointment, "appointment", 2)
    assert other.status == "no_show"
    # The visit's notes become an administrative note on it, encrypted at rest.
    assert other.notes == ""
    note = other.clinical_notes.get()
    assert (note.kind, note.text, note.patient) == (
        "administrative",
        "llamar | antes 😀",
        other.patient,
    )
    assert note.author == other.professional and note.written_at == other.starts_at


def test_family_payments_are_split_and_refunds_find_their_payment(imported):
    shares = Payment.objects.filter(client=mapped(Client, "client", 1), is_refund=False)
    assert sorted(p.amount for p in shares) == [Decimal("45.00"), Decimal("45.00")]
    original = mapped(Payment, "payment", 1)
    refund = mapped(Payment, "payment", 3)  # sorts before or after its payment: either works
    assert refund.is_refund and refund.amount == Decimal("40.00")
    assert refund.refund_of == original and refund.patient == original.patient
    assert ImportWarning.objects.filter(code="payment.split_across_family").count() == 1


def test_invoices_keep_their_legal_totals_and_lines(imported):
    invoice = mapped(Invoice, "fiscal_document", 1)
    assert invoice.number == "A-2026-7" and invoice.status == "paid"
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
        Decimal("82.64"),
        Decimal("17.36"),
        Decimal("100.00"),
    )
    assert invoice.patient == mapped(Patient, "patient", 3)
    line = InvoiceLine.objects.get(invoice=invoice)
    assert (line.concept, line.units, line.amount, line.vat_percent) == (
        "Limpieza",
        1,
        Decimal("100.00"),
        Decimal("21"),
    )
    dropped = ImportWarning.objects.get(code="verifactu.opt_out")
    assert dropped.raw_data["atcud"] == "CSDF7T5H-7"


def test_documents_wait_for_their_binary(imported):
    document = mapped(Document, "patient_document", 1)
    assert document.title == "Ortopantomografía" and document.status == "awaiting"
    assert document.patient == mapped(Patient, "patient", 1) and not document.file


def test_the_centre_fills_only_blank_clinic_fields(imported):
    imported.refresh_from_db()
    assert imported.tax_id == "B12345678"
    assert imported.name == "Clínica Alba"  # never renamed by the file
    assert EntityMapping.objects.get(entity_type="center").created_row is False


@pytest.mark.django_db
def test_verifactu_fields_are_kept_only_when_opted_in(tmp_path, clinic):
    from verifactu.models import FiscalLegalRecord

    run_import(b.small_clinic(tmp_path), clinic.slug, "--import-verifactu")
    with scope(clinic=clinic):
        record = FiscalLegalRecord.objects.get()
        assert record.legal_hash == "AB" * 32 and record.atcud == "CSDF7T5H-7"
        assert record.invoice.number == "A-2026-7"
    assert not ImportWarning.objects.filter(code__startswith="verifactu.").exists()


def test_every_created_row_has_a_mapping_even_family_shares(imported):
    from dentalpin_import.models import EXTRA_SUFFIX

    shares = Payment.objects.filter(client=mapped(Client, "client", 1), is_refund=False)
    mapped_ids = set(
        EntityMapping.objects.filter(
            target_table="clinics_payment", entity_type__in=["payment", "payment" + EXTRA_SUFFIX]
        ).values_list("target_id", flat=True)
    )
    assert {str(p.pk) for p in Payment.objects.all()} == mapped_ids
    assert len(shares) == 2
