"""Field-by-field checks of the level-4 clinical mappers on a small real DPMF file (§8.6)."""

import datetime as dt

import pytest
from django_scopes import scope

from clinics.models import (
    ClinicalNote,
    Communication,
    Consent,
    MedicalAlert,
    Medication,
    Patient,
    Prescription,
    PrescriptionItem,
    Professional,
)
from dentalpin_import.models import EntityMapping, FileStaging, ImportWarning, RawEntity
from dentalpin_import.sample.writer import FileRow
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import

GHOST = b.uid("patient", 404)
NOTES = "ALERGIA: LÁTEX\nPrefiere mañanas\nToma Sintrom 4 mg"


def alert(sid, patient_sid, text, **kw):
    patient = b.uid("patient", patient_sid) if patient_sid else None
    return b.row("patient_alert", sid, patient_uuid=patient, text=text, **kw)


def rows():
    return [
        b.professional(1),
        b.client(1),
        b.patient(1, client_sid=1, notes=NOTES),
        b.patient(2),
        b.link(1, 1, 1),
        alert("a1", 1, "Allergie : pénicilline", flagged=False, created_on="2024-05-06"),
        alert("a2", 1, "SINTROM 4MG", flagged=False),
        alert("a3", 2, "PRESU. PENDIENTE ENVIAR"),
        alert("a4", 2, "Paciente ansioso"),
        b.row("patient_alert", "a5", patient_uuid=GHOST, text="ALERGIA: AINES"),
        alert("a6", None, "Asma"),
        alert("a7", 1, "ALERGIA: LÁTEX"),
        alert("a8", 2, "Grávida de 5 meses"),
        b.row(
            "pharmacological_history",
            "m1",
            patient_uuid=b.uid("patient", 1),
            professional_uuid=b.uid("professional", 1),
            drug_description="Amoxicilina 500 mg",
            dose="1 comprimido",
            dosage="500 mg",
            frequency="cada 8 horas",
            administration_route="oral",
            observations="7 días",
            record_kind=2,
            start_date="2025-01-02",
        ),
        b.row("pharmacological_history", "m2", drug_description="Ibuprofeno"),
        b.row("pharmacological_history", "m3", patient_uuid=GHOST, drug_description="Ibuprofeno"),
        b.row("pharmacological_history", "m4", patient_uuid=b.uid("patient", 1)),
        b.row(
            "prescription",
            "p1",
            patient_uuid=b.uid("patient", 1),
            professional_uuid=b.uid("professional", 1),
            prescribed_on="2025-10-02",
            diagnosis="Postoperatorio",
            notes="Tras extracción",
            pharmacy_code="RX-77",
        ),
        b.row("prescription", "p2", patient_uuid=GHOST),
        b.row(
            "prescription_item",
            "i1",
            prescription_uuid=b.uid("prescription", "p1"),
            drug_description="Ibuprofeno 600 mg",
            frequency="cada 8 horas",
            duration_days=5,
            units="1 caja",
            administration_route="oral",
        ),
        b.row("prescription_item", "i2", prescription_uuid=b.uid("prescription", "p2")),
        b.row(
            "consent",
            "c1",
            patient_uuid=b.uid("patient", 1),
            professional_uuid=b.uid("professional", 1),
            template_code="IMP",
            title="Consentimiento implantes",
            signed_on="2025-09-15",
            revoked_on="2026-01-10",
        ),
        b.row("consent", "c2", patient_uuid=GHOST, title="Consentimiento"),
        b.row(
            "communication",
            "k1",
            patient_uuid=b.uid("patient", 1),
            client_uuid=b.uid("client", 1),
            channel="WhatsApp",
            direction="outbound",
            sent_at="2026-01-10T10:00:00+00:00",
            subject="Recordatorio",
            body="Le recordamos su cita ✔",
            status="delivered",
        ),
        b.row("communication", "k2", client_uuid=b.uid("client", 1), channel="fax", body="x"),
        b.row("communication", "k3", patient_uuid=GHOST, body="nadie"),
        b.row("communication", "k4", patient_uuid=GHOST, client_uuid=b.uid("client", 1)),
        b.row("communication", "k5", body="sin destinatario"),
    ]


def files():
    return [
        FileRow(
            b.uid("file", 1),
            "consent",
            b.uid("consent", "c1"),
            "Consentimientos/c1.pdf",
            10,
            "b" * 64,
            "application/pdf",
        )
    ]


@pytest.fixture
def imported(tmp_path, clinic):
    path = b.build(tmp_path, rows(), files=files())
    status, out, report = run_import(path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0, out
    with scope(clinic=clinic):
        yield report


def mapped(model, entity_type, source_id):
    target = EntityMapping.objects.get(
        entity_type=entity_type, canonical_uuid=b.uid(entity_type, source_id)
    )
    return model.objects.get(pk=int(target.target_id))


def codes(entity_type):
    return sorted(
        ImportWarning.objects.filter(entity_type=entity_type).values_list("source_id", "code")
    )


def test_alerts_are_classified_into_alerts_or_notes(imported):
    allergy = mapped(MedicalAlert, "patient_alert", "a1")
    assert (allergy.kind, allergy.name, allergy.text) == (
        "allergy",
        "pénicilline",
        "Allergie : pénicilline",
    )
    assert allergy.patient == mapped(Patient, "patient", 1)
    assert allergy.recorded_on == dt.date(2024, 5, 6) and not allergy.flagged
    anticoagulant = mapped(MedicalAlert, "patient_alert", "a2")
    assert anticoagulant.kind == "anticoagulant" and anticoagulant.flagged  # always flagged
    assert mapped(MedicalAlert, "patient_alert", "a8").kind == "pregnancy"
    admin = mapped(ClinicalNote, "patient_alert", "a3")
    assert (admin.kind, admin.text) == ("administrative", "PRESU. PENDIENTE ENVIAR")
    general = mapped(ClinicalNote, "patient_alert", "a4")
    assert (general.kind, general.text) == ("general", "Paciente ansioso")
    assert general.patient == mapped(Patient, "patient", 2)


def test_an_alert_whose_patient_is_missing_is_a_warning_not_a_silent_drop(imported):
    assert codes("patient_alert") == [
        ("a4", "patient_alert.unknown_category"),
        ("a5", "patient_alert.unmapped_patient"),
        ("a6", "patient_alert.no_patient"),
    ]
    assert not RawEntity.objects.filter(entity_type="patient_alert").exists()


def test_medical_lines_of_patient_notes_become_alerts_and_the_notes_stay_whole(imported):
    patient = mapped(Patient, "patient", 1)
    assert patient.notes == NOTES
    from_notes = {
        (a.kind, a.text)
        for a in MedicalAlert.objects.filter(patient=patient).exclude(text__in=["SINTROM 4MG"])
    }
    assert from_notes == {
        ("allergy", "ALERGIA: LÁTEX"),
        ("anticoagulant", "Toma Sintrom 4 mg"),
        ("allergy", "Allergie : pénicilline"),
    }
    # The alert row repeating a line of the notes is linked to that alert, not duplicated.
    assert MedicalAlert.objects.filter(patient=patient, text="ALERGIA: LÁTEX").count() == 1
    same = EntityMapping.objects.get(canonical_uuid=b.uid("patient_alert", "a7"))
    assert same.created_row is False


def test_pharmacological_history_becomes_medications(imported):
    drug = mapped(Medication, "pharmacological_history", "m1")
    assert drug.patient == mapped(Patient, "patient", 1)
    assert drug.prescriber == mapped(Professional, "professional", 1)
    assert (drug.drug_name, drug.dose, drug.instructions, drug.route) == (
        "Amoxicilina 500 mg",
        "1 comprimido 500 mg",
        "cada 8 horas",
        "oral",
    )
    assert drug.started_on == dt.date(2025, 1, 2) and drug.status == "active"
    assert drug.notes == "7 días\nTipo de registro (origen): 2"
    assert codes("pharmacological_history") == [
        ("m2", "pharm.no_patient"),
        ("m3", "pharm.unmapped_patient"),
        ("m4", "pharm.no_drug_name"),
    ]


def test_prescriptions_and_their_items(imported):
    sheet = mapped(Prescription, "prescription", "p1")
    assert sheet.patient == mapped(Patient, "patient", 1)
    assert sheet.prescriber == mapped(Professional, "professional", 1)
    assert (sheet.prescribed_on, sheet.diagnosis, sheet.notes) == (
        dt.date(2025, 10, 2),
        "Postoperatorio",
        "Tras extracción",
    )
    assert sheet.source_extra == {"pharmacy_code": "RX-77"}  # unknown keys kept verbatim
    item = mapped(PrescriptionItem, "prescription_item", "i1")
    assert item.prescription == sheet
    assert (item.drug_name, item.frequency, item.duration_days, item.units, item.route) == (
        "Ibuprofeno 600 mg",
        "cada 8 horas",
        5,
        "1 caja",
        "oral",
    )
    assert codes("prescription") == [("p2", "prescription.unmapped_patient")]
    assert codes("prescription_item") == [("i2", "prescription_item.unmapped_prescription")]


def test_consents_and_their_scans_land_on_the_patient(imported):
    consent = mapped(Consent, "consent", "c1")
    assert consent.patient == mapped(Patient, "patient", 1)
    assert consent.professional == mapped(Professional, "professional", 1)
    assert (consent.template_code, consent.title) == ("IMP", "Consentimiento implantes")
    assert consent.signed_on == dt.date(2025, 9, 15)
    assert consent.revoked_on == dt.date(2026, 1, 10) and not consent.is_in_force
    scan = FileStaging.objects.get(parent_entity_type="consent")
    assert scan.patient_id == consent.patient_id and scan.status == "pending"
    assert codes("consent") == [("c2", "consent.unmapped_patient")]


def test_communications_keep_whichever_recipient_exists(imported):
    message = mapped(Communication, "communication", "k1")
    assert message.patient == mapped(Patient, "patient", 1) and message.client_id is not None
    assert (message.channel, message.direction, message.status) == (
        "whatsapp",
        "outbound",
        "delivered",
    )
    assert message.sent_at == dt.datetime(2026, 1, 10, 10, tzinfo=dt.UTC)
    assert (message.subject, message.body) == ("Recordatorio", "Le recordamos su cita ✔")
    fax = mapped(Communication, "communication", "k2")
    assert fax.patient is None and fax.channel == "other" and fax.source_extra == {"channel": "fax"}
    kept = mapped(Communication, "communication", "k4")
    assert kept.patient is None and kept.client_id == message.client_id
    assert codes("communication") == [
        ("k3", "communication.unmapped_recipient"),
        ("k4", "communication.unmapped_recipient"),
        ("k5", "communication.no_recipient"),
    ]


def test_a_second_run_creates_nothing_and_warns_nothing(imported, tmp_path, clinic):
    before = {m: m.objects.count() for m in (MedicalAlert, ClinicalNote, Communication, Consent)}
    path = b.build(tmp_path, rows(), files=files(), name="again")
    status, _, again = run_import(path, clinic.slug, report=tmp_path / "r2.json")
    assert status == 0 and again["warnings"] == 0
    assert all(c["created"] == 0 for c in again["entities"].values())
    assert {m: m.objects.count() for m in before} == before
