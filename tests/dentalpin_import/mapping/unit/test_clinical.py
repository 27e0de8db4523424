"""Unit tests of the clinical mappers: alerts, recalls, consents, medications, prescriptions,
communications and documents."""

import datetime as dt

import pytest

from clinics.models import (
    CatalogItem,
    Chair,
    ClinicalNote,
    Communication,
    Consent,
    Document,
    MedicalAlert,
    Medication,
    Patient,
    Prescription,
    PrescriptionItem,
    Recall,
)
from tests import dpmf_builder as b
from tests.dentalpin_import.mapping.test_clinical_mappers import rows as clinical_rows
from tests.dentalpin_import.mapping.unit.harness import GHOST, pick

pytestmark = pytest.mark.django_db
PATIENT = b.uid("patient", 1)
PROFESSIONAL = b.uid("professional", 1)


def shared(entity_type, sid):
    """A row of the clinical file the command tests import (test_clinical_mappers.py)."""
    return pick(clinical_rows(), entity_type, sid)


def refusals(entity_type, what="patient", code=None):
    """The two refusals of a required reference: not given, and given but not imported."""
    code = code or entity_type
    return pytest.mark.parametrize(
        ("reference", "expected"),
        [(None, f"{code}.no_{what}"), (GHOST, f"{code}.unmapped_{what}")],
    )


# --- patient_alert --------------------------------------------------------------------------


def test_a_medical_alert_is_classified_named_and_dated(people):
    mapped = people.map(
        "patient_alert",
        patient_uuid=PATIENT,
        text="Allergie : pénicilline",
        created_on="2024-05-06",
    )
    allergy = mapped.row
    assert isinstance(allergy, MedicalAlert) and allergy.pk is None
    assert (allergy.patient_id, allergy.kind, allergy.name, allergy.text) == (
        501,
        "allergy",
        "pénicilline",
        "Allergie : pénicilline",
    )
    assert allergy.recorded_on == dt.date(2024, 5, 6) and not allergy.flagged
    assert mapped.notes == []


def test_an_anticoagulant_is_always_flagged_whatever_the_source_said(people):
    mapped = people.map("patient_alert", patient_uuid=PATIENT, text="SINTROM 4MG", flagged=False)
    assert (mapped.row.kind, mapped.row.flagged) == ("anticoagulant", True)


def test_administrative_and_unrecognised_texts_become_notes_of_their_kind(people):
    admin = people.map(
        "patient_alert",
        patient_uuid=PATIENT,
        text="PRESU. PENDIENTE ENVIAR",
        created_on="2024-05-06",
    )
    assert isinstance(admin.row, ClinicalNote)
    assert (admin.row.kind, admin.row.text, admin.row.patient_id) == (
        "administrative",
        "PRESU. PENDIENTE ENVIAR",
        501,
    )
    assert admin.row.written_at == dt.datetime(2024, 5, 6, tzinfo=dt.UTC)
    assert admin.notes == []
    general = people.map("patient_alert", patient_uuid=PATIENT, text="Paciente ansioso")
    assert (general.row.kind, general.row.written_at) == ("general", None)
    assert general.codes == ["patient_alert.unknown_category"]


def test_an_alert_the_patients_notes_already_gave_is_linked_not_repeated(harness):
    patient = harness.existing(Patient, given_name="Ana")
    known = harness.existing(
        MedicalAlert, patient=patient, kind="allergy", name="LÁTEX", text="ALERGIA: LÁTEX"
    )
    harness.resolved("patient", 1, patient.pk)
    mapped = harness.map("patient_alert", patient_uuid=PATIENT, text="alergia: latex")
    assert mapped.row == known and not mapped.row._state.adding


def test_an_alert_without_text_is_skipped_with_an_info_warning(people):
    mapped = people.map("patient_alert", patient_uuid=PATIENT, text="  ")
    assert mapped.warning.code == "patient_alert.empty_text" and mapped.warning.severity == "info"


@refusals("patient_alert")
def test_an_alert_without_its_patient_is_refused(people, reference, expected):
    mapped = people.map("patient_alert", patient_uuid=reference, text="Asma")
    assert mapped.refused == expected


# --- recall ---------------------------------------------------------------------------------


def test_a_recall_keeps_dates_texts_people_reason_and_result(people):
    people.resolved("catalog_item", "reason-1", 811, CatalogItem)
    people.resolved("catalog_item", "result-1", 812, CatalogItem)
    mapped = people.map(
        "recall",
        patient_uuid=PATIENT,
        professional_uuid=PROFESSIONAL,
        scheduled_date="2026-09-01",
        attended=True,
        contact_date="2026-05-04T10:00:00+00:00",
        comments="Revisión anual",
        observations="Prefiere tardes",
        reason_uuid=b.uid("catalog_item", "reason-1"),
        result_uuid=b.uid("catalog_item", "result-1"),
    )
    recall = mapped.row
    assert isinstance(recall, Recall)
    assert (recall.patient_id, recall.professional_id, recall.reason_id, recall.result_id) == (
        501,
        701,
        811,
        812,
    )
    assert recall.due_on == dt.date(2026, 9, 1)
    assert recall.last_contact_at == dt.datetime(2026, 5, 4, 10, tzinfo=dt.UTC)
    assert (recall.status, recall.comments, recall.observations) == (
        "done",
        "Revisión anual",
        "Prefiere tardes",
    )
    assert mapped.notes == []


@pytest.mark.parametrize(
    ("payload", "raw", "status"),
    [
        ({"status_code": 1}, {}, "done"),
        ({"scheduled": True}, {}, "scheduled"),
        ({}, {"FechaContacto": "2026-04-01T09:00:00+00:00"}, "no_answer"),
        ({"attended": False}, {}, "pending"),
    ],
)
def test_a_recalls_status_follows_attendance_booking_and_the_last_call(
    people, payload, raw, status
):
    mapped = people.map("recall", raw=raw, patient_uuid=PATIENT, **payload)
    assert mapped.row.status == status


def test_a_recall_whose_reason_or_result_is_not_a_catalogue_value_is_kept_without_it(people):
    people.resolved("catalog_item", "chair-1", 801, Chair)
    mapped = people.map(
        "recall",
        patient_uuid=PATIENT,
        reason_uuid=GHOST,
        result_uuid=b.uid("catalog_item", "chair-1"),
    )
    assert (mapped.row.reason_id, mapped.row.result_id) == (None, None)
    assert mapped.codes == ["recall.unmapped_reason", "recall.unmapped_result"]


@pytest.mark.parametrize(
    ("reference", "expected"),
    [(None, "recall.missing_patient"), (GHOST, "recall.unmapped_patient")],
)
def test_a_recall_without_its_patient_is_skipped_with_an_info_warning(people, reference, expected):
    mapped = people.map("recall", patient_uuid=reference)
    assert mapped.refused == expected
    assert mapped.warning.severity == "info"


# --- consent --------------------------------------------------------------------------------


def test_a_consent_keeps_its_template_dates_and_unread_fields(people):
    mapped = people.map(
        "consent",
        raw={"IdCons": 7},
        patient_uuid=PATIENT,
        professional_uuid=PROFESSIONAL,
        template_code="IMP",
        title="Consentimiento implantes",
        signed_on="2025-09-15",
        revoked_on="2026-01-10",
        notes="Firmado en papel",
        witness="María",
    )
    consent = mapped.row
    assert isinstance(consent, Consent)
    assert (consent.patient_id, consent.professional_id) == (501, 701)
    assert (consent.template_code, consent.title, consent.notes) == (
        "IMP",
        "Consentimiento implantes",
        "Firmado en papel",
    )
    assert (consent.signed_on, consent.revoked_on) == (dt.date(2025, 9, 15), dt.date(2026, 1, 10))
    assert consent.source_extra == {"witness": "María", "raw_source_data": {"IdCons": 7}}
    assert mapped.notes == []


def test_a_consent_is_titled_by_its_template_or_a_default(people):
    by_code = people.map("consent", patient_uuid=PATIENT, template_code="IMP")
    assert by_code.row.title == "IMP" and by_code.row.source_extra == {}
    bare = people.map("consent", patient_uuid=PATIENT, professional_uuid=GHOST)
    assert bare.row.title == "Consentimiento informado" and bare.row.professional_id is None


def test_a_consent_revoked_before_it_was_signed_is_kept_with_a_warning(people):
    mapped = people.map(
        "consent", patient_uuid=PATIENT, signed_on="2026-01-10", revoked_on="2025-09-15"
    )
    assert mapped.row.revoked_on == dt.date(2025, 9, 15)
    assert mapped.note("consent.revoked_before_signed").severity == "warn"


@refusals("consent")
def test_a_consent_without_its_patient_is_refused(people, reference, expected):
    mapped = people.map("consent", patient_uuid=reference, title="Consentimiento")
    assert mapped.refused == expected


# --- pharmacological_history ----------------------------------------------------------------


def test_a_medication_joins_dose_and_dosage_and_keeps_the_record_kind_in_its_notes(people):
    mapped = people.map("pharmacological_history", shared("pharmacological_history", "m1"))
    drug = mapped.row
    assert isinstance(drug, Medication)
    assert (drug.patient_id, drug.prescriber_id) == (501, 701)
    assert (drug.drug_name, drug.dose, drug.instructions, drug.route) == (
        "Amoxicilina 500 mg",
        "1 comprimido 500 mg",
        "cada 8 horas",
        "oral",
    )
    assert (drug.started_on, drug.status) == (dt.date(2025, 1, 2), "active")
    assert drug.notes == "7 días\nTipo de registro (origen): 2"


def test_a_long_dose_and_drug_name_are_cut_and_kept_whole_in_the_notes(people):
    dose, drug = "D" * 130, "F" * 310
    mapped = people.map(
        "pharmacological_history", patient_uuid=PATIENT, drug_description=drug, dose=dose
    )
    assert (len(mapped.row.dose), len(mapped.row.drug_name)) == (120, 300)
    assert mapped.row.notes == f"Dosis (origen): {dose}\nFármaco (origen): {drug}"


def test_a_medication_without_a_drug_name_is_refused(people):
    mapped = people.map("pharmacological_history", patient_uuid=PATIENT, dose="1")
    assert mapped.refused == "pharm.no_drug_name"


@refusals("pharmacological_history", code="pharm")
def test_a_medication_without_its_patient_is_refused(people, reference, expected):
    mapped = people.map(
        "pharmacological_history", patient_uuid=reference, drug_description="Ibuprofeno"
    )
    assert mapped.refused == expected


# --- prescription ---------------------------------------------------------------------------


def test_a_prescription_keeps_its_fields_and_every_key_it_does_not_read(people):
    p1 = shared("prescription", "p1")  # with an unknown key, `pharmacy_code`
    mapped = people.map("prescription", p1, tenant_label="fake-clinic")
    sheet = mapped.row
    assert isinstance(sheet, Prescription)
    assert (sheet.patient_id, sheet.prescriber_id) == (501, 701)
    assert (sheet.prescribed_on, sheet.diagnosis, sheet.notes) == (
        dt.date(2025, 10, 2),
        "Postoperatorio",
        "Tras extracción",
    )
    # The envelope keys are not the prescription's: only the unknown one is kept.
    assert sheet.source_extra == {"pharmacy_code": "RX-77"}


@refusals("prescription")
def test_a_prescription_without_its_patient_is_refused(people, reference, expected):
    mapped = people.map("prescription", patient_uuid=reference)
    assert mapped.refused == expected


# --- prescription_item ----------------------------------------------------------------------


@pytest.fixture
def prescription(harness):
    return harness.resolved("prescription", "p1", 1501)


def test_a_prescribed_item_keeps_its_dosage(harness, prescription):
    i1 = shared("prescription_item", "i1")
    mapped = harness.map("prescription_item", i1, notes="Con comida")
    item = mapped.row
    assert isinstance(item, PrescriptionItem)
    assert (item.prescription_id, item.drug_name, item.frequency, item.duration_days) == (
        1501,
        "Ibuprofeno 600 mg",
        "cada 8 horas",
        5,
    )
    assert (item.units, item.route, item.notes, item.source_extra) == (
        "1 caja",
        "oral",
        "Con comida",
        {},
    )


def test_a_long_item_drug_and_frequency_are_cut_and_kept_whole_in_the_notes(harness, prescription):
    drug, frequency = "F" * 310, "cada " * 50
    mapped = harness.map(
        "prescription_item",
        prescription_uuid=prescription,
        drug_description=drug,
        frequency=frequency,
        duration_days=0,
    )
    item = mapped.row
    assert (len(item.drug_name), len(item.frequency), item.duration_days) == (300, 200, None)
    assert item.notes == f"Fármaco (origen): {drug}\nFrecuencia (origen): {frequency.strip()}"


def test_an_item_without_a_drug_is_refused(harness, prescription):
    mapped = harness.map("prescription_item", prescription_uuid=prescription, units="1 caja")
    assert mapped.refused == "prescription_item.no_drug_name"


@refusals("prescription_item", what="prescription")
def test_an_item_without_its_prescription_is_refused(harness, reference, expected):
    mapped = harness.map("prescription_item", prescription_uuid=reference, drug_description="X")
    assert mapped.refused == expected


# --- communication --------------------------------------------------------------------------


def test_a_message_keeps_its_recipients_channel_direction_and_time(people):
    mapped = people.map(
        "communication",
        patient_uuid=PATIENT,
        client_uuid=b.uid("client", 1),
        channel="WhatsApp",
        direction="outbound",
        sent_at="2026-01-10T11:00:00+01:00",
        subject="Recordatorio",
        body="Le recordamos su cita ✔",
        status="Delivered",
    )
    message = mapped.row
    assert isinstance(message, Communication)
    assert (message.patient_id, message.client_id) == (501, 601)
    assert (message.channel, message.direction, message.status) == (
        "whatsapp",
        "outbound",
        "delivered",
    )
    assert message.sent_at == dt.datetime(2026, 1, 10, 10, tzinfo=dt.UTC)
    assert (message.subject, message.body, message.source_extra) == (
        "Recordatorio",
        "Le recordamos su cita ✔",
        {},
    )
    assert mapped.notes == []


@pytest.mark.parametrize(
    ("channel", "direction", "stored"),
    [("carta", "entrante", ("letter", "inbound")), ("telefono", "", ("phone", "unknown"))],
)
def test_a_messages_channel_and_direction_are_read_in_either_language(
    people, channel, direction, stored
):
    mapped = people.map("communication", patient_uuid=PATIENT, channel=channel, direction=direction)
    assert (mapped.row.channel, mapped.row.direction) == stored


def test_an_unknown_channel_is_shown_as_other_and_the_sources_word_kept(people):
    mapped = people.map("communication", client_uuid=b.uid("client", 1), channel="fax", body="x")
    fax = mapped.row
    assert (fax.patient_id, fax.client_id, fax.channel) == (None, 601, "other")
    assert fax.source_extra == {"channel": "fax"}


def test_a_message_is_kept_with_the_recipient_that_exists_and_a_warning(people):
    mapped = people.map("communication", patient_uuid=GHOST, client_uuid=b.uid("client", 1))
    assert (mapped.row.patient_id, mapped.row.client_id) == (None, 601)
    note = mapped.note("communication.unmapped_recipient")
    assert note.severity == "warn" and GHOST in note.message


def test_a_message_for_nobody_known_is_refused(people):
    nobody = people.map("communication", patient_uuid=GHOST, body="nadie")
    assert nobody.refused == "communication.unmapped_recipient"
    unaddressed = people.map("communication", body="sin destinatario")
    assert unaddressed.warning.code == "communication.no_recipient"


# --- patient_document -----------------------------------------------------------------------


def test_a_document_waits_for_its_binary_on_its_patient(people):
    mapped = people.map(
        "patient_document",
        b.row(
            "patient_document",
            1,
            patient_uuid=PATIENT,
            kind="radiograph",
            title="Ortopantomografía",
            captured_on="2025-02-03",
            description="Control",
        ),
    )
    document = mapped.row
    assert isinstance(document, Document) and not document.file
    assert (document.patient_id, document.title, document.kind, document.status) == (
        501,
        "Ortopantomografía",
        "radiograph",
        "awaiting",
    )
    assert (document.captured_on, document.description) == (dt.date(2025, 2, 3), "Control")


def test_an_untitled_document_is_named_by_its_kind(people):
    assert (
        people.map("patient_document", patient_uuid=PATIENT, kind="xray").row.title
        == "Documento (xray)"
    )
    assert people.map("patient_document", patient_uuid=PATIENT).row.title == "Documento"


@refusals("patient_document")
def test_a_document_without_its_patient_is_refused(people, reference, expected):
    mapped = people.map("patient_document", patient_uuid=reference, title="Rx")
    assert mapped.refused == expected
