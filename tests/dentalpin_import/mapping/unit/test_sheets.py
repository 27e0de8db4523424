"""Unit tests of the CSV sheet mappers: patients and staff, background, notes, medications."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from clinics.models import ClinicalNote, MedicalAlert, Medication, Patient, Professional
from dentalpin_import.mapping.sheet_common import staff_uuid
from tests.dentalpin_import.csv.sheets import (
    BACKGROUND_HEADER,
    MEDICATION_HEADER,
    NOTES_HEADER,
    PATIENT_HEADER,
    VALID_NHS,
    patient,
)

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")


def patients(h, *rows):
    return h.map_sheet("csv_patient", [PATIENT_HEADER, *rows])


def staff(h, *rows):
    return h.map_sheet("csv_staff", [PATIENT_HEADER, *rows])


# --- csv_patient ----------------------------------------------------------------------------


def test_a_patient_row_becomes_a_patient_with_its_legacy_id_and_nhs_number(sheet_harness):
    (mapped,) = patients(
        sheet_harness,
        patient(
            "P001",
            "José",
            "Muñoz Peña",
            nhs=VALID_NHS,
            email="Jose@Example.test",
            Gender="MALE",
            City="Cádiz",
            Postcode="11001",
            Emergency_Contact_Name="Rosa",
        ),
    )
    jose = mapped.row
    assert isinstance(jose, Patient) and jose.pk is None
    assert (jose.legacy_id, jose.given_name, jose.family_name) == ("P001", "José", "Muñoz Peña")
    assert (jose.national_id, jose.national_id_type) == ("9434765919", "nhs")
    assert (jose.date_of_birth, jose.sex, jose.email) == (
        dt.date(1980, 2, 3),
        "male",
        "jose@example.test",
    )
    assert (jose.city, jose.address_postal_code, jose.emergency_contact_name) == (
        "Cádiz",
        "11001",
        "Rosa",
    )
    assert jose.notes == "" and mapped.notes == []


@pytest.mark.parametrize(
    ("gender", "sex"), [("F", "female"), ("NOT STATED", "undisclosed"), ("UNKNOWN", "")]
)
def test_a_sheets_gender_is_read_into_the_patients_sex(sheet_harness, gender, sex):
    (mapped,) = patients(sheet_harness, patient("P1", "A", "B", Gender=gender))
    assert mapped.row.sex == sex


def test_an_invalid_nhs_number_is_left_out_and_noted_without_showing_it(sheet_harness):
    (mapped,) = patients(sheet_harness, patient("P1", "Ana", "Ruiz", nhs="123 456 7890"))
    assert (mapped.row.national_id, mapped.row.national_id_type) == ("", "")
    assert "123" not in mapped.row.notes  # never in clear text, not even a wrong one
    note = mapped.note("csv.invalid_nhs_number")
    assert note.severity == "warn" and note.raw_data["line"] == 2
    assert note.raw_data["value"] == "•••••••890"


def test_a_long_mobile_phone_is_cut_with_a_note_and_kept_whole_in_the_notes(sheet_harness):
    phone = "+44 7700 900123 (evenings only)"
    (mapped,) = patients(sheet_harness, patient("P1", "Ana", "Ruiz", Mobile_Phone=phone))
    assert mapped.row.phone == phone[:20]
    assert mapped.row.notes == f"Mobile Phone in the sheet: {phone}"
    assert mapped.codes == ["csv.phone_truncated"]


def test_a_row_without_a_required_name_is_refused_to_be_tried_again_once_fixed(sheet_harness):
    (mapped,) = patients(sheet_harness, patient("P1", "", "Ruiz"))
    warning = mapped.warning
    assert mapped.refused == "csv.missing_value"
    assert (warning.severity, warning.skip) == ("error", False)
    assert warning.raw_data["line"] == 2 and "First Name" in warning.message


def test_a_second_row_with_the_same_legacy_id_is_skipped_for_good(sheet_harness):
    first, second = patients(
        sheet_harness, patient("P1", "Ana", "Ruiz"), patient("P1", "Eva", "Ruiz")
    )
    assert first.row.given_name == "Ana"
    assert second.warning.code == "csv.duplicate_key" and second.warning.skip is True


def test_a_legacy_id_longer_than_its_column_is_refused(sheet_harness):
    (mapped,) = patients(sheet_harness, patient("P" * 61, "Ana", "Ruiz"))
    assert mapped.refused == "csv.legacy_id_too_long"


def test_a_patient_the_clinic_has_is_linked_by_legacy_id_then_by_nhs_number(sheet_harness):
    by_legacy = sheet_harness.existing(Patient, given_name="Ana", legacy_id="P1")
    by_nhs = sheet_harness.existing(Patient, given_name="José", national_id="9434765919")
    sheet_harness.existing(Patient, given_name="Otro", national_id="4010232137", legacy_id="X9")
    same, nhs, other = patients(
        sheet_harness,
        patient("P1", "Ana", "Ruiz"),
        patient("P2", "José", "Muñoz", nhs=VALID_NHS),
        patient("P3", "Eva", "Gil", nhs="401 023 2137"),
    )
    assert same.row == by_legacy and same.codes == ["csv.patient_linked"]
    assert nhs.row == by_nhs and "same national id" in nhs.note("csv.patient_linked").message
    # A patient with another legacy id is another record of the old system.
    assert other.row.pk is None and other.notes == []


def test_a_patient_linked_by_nhs_number_gets_the_sheets_legacy_id_after_the_rows(sheet_harness):
    known = sheet_harness.existing(Patient, given_name="José", national_id="9434765919")
    (mapped,) = patients(sheet_harness, patient("P2", "José", "Muñoz", nhs=VALID_NHS))
    assert mapped.linked and known.legacy_id == ""
    assert sheet_harness.finish("csv_patient", [mapped]) == []
    known.refresh_from_db()
    assert known.legacy_id == "P2"  # so the other sheets find him


def test_two_clinic_patients_sharing_the_legacy_id_are_a_warning_not_a_guess(sheet_harness):
    for name in ("Ana", "Eva"):
        sheet_harness.existing(Patient, given_name=name, legacy_id="P1")
    (mapped,) = patients(sheet_harness, patient("P1", "Ana", "Ruiz"))
    assert mapped.warning.code == "csv.patient_ambiguous" and mapped.warning.skip is False


# --- csv_staff ------------------------------------------------------------------------------


def test_a_staff_row_becomes_a_professional_coded_by_its_legacy_id(sheet_harness):
    clinician, manager = staff(
        sheet_harness,
        patient("S01", "Ana", "Núñez", born="", email="ana@example.test", role="CLINICIAN"),
        patient("S02", "Iñaki", "Goñi", born="", role="practice_manager", Mobile_Phone="07700"),
    )
    ana = clinician.row
    assert isinstance(ana, Professional) and ana.pk is None
    assert (ana.given_name, ana.family_name, ana.email, ana.code) == (
        "Ana",
        "Núñez",
        "ana@example.test",
        "S01",
    )
    assert (ana.role, ana.notes) == ("dentist", "Role in the sheet: CLINICIAN")
    assert (manager.row.role, manager.row.phone, manager.row.email) == ("admin", "07700", "")
    assert clinician.notes == [] and manager.notes == []


def test_an_unknown_staff_role_is_imported_as_assistant_with_a_note(sheet_harness):
    (mapped,) = staff(sheet_harness, patient("S03", "Leo", "Paz", born="", role="Astronaut"))
    assert mapped.row.role == "assistant" and mapped.codes == ["csv.staff_role_unknown"]


def test_a_staff_phone_too_long_is_cut_with_the_warning_a_patient_gets(sheet_harness):
    phone = "+34 600 000 000 ext. 1234"
    (dentist,) = staff(
        sheet_harness, patient("D1", "Doc", "Tor", born="", role="DENTIST", Mobile_Phone=phone)
    )
    (ana,) = patients(sheet_harness, patient("P1", "Ana", "Uno", Mobile_Phone=phone))
    assert dentist.row.phone == ana.row.phone == "+34 600 000 000 ext."
    assert dentist.codes == ana.codes == ["csv.phone_truncated"]
    assert f"Mobile Phone in the sheet: {phone}" in dentist.row.notes  # kept whole


STAFF_HEADER = [*PATIENT_HEADER, "National ID"]


def test_a_staff_members_national_id_is_kept_and_checked_as_a_patients_is(sheet_harness):
    valid, invalid = sheet_harness.map_sheet(
        "csv_staff",
        [
            STAFF_HEADER,
            [*patient("D1", "Doc", "Tor", born="", role="DENTIST"), "12345678-z"],
            [*patient("D2", "Eva", "Sol", born="", role="DENTIST"), "12345678A"],
        ],
    )
    assert (valid.row.national_id, valid.codes) == ("12345678Z", [])
    assert invalid.row.national_id == "" and invalid.codes == ["csv.invalid_national_id"]
    assert "12345678A" not in invalid.note("csv.invalid_national_id").message


def test_values_a_staff_member_has_no_field_for_are_named_in_a_warning(sheet_harness):
    (mapped,) = staff(
        sheet_harness,
        patient(
            "D1",
            "Doc",
            "Tor",
            born="1970-01-01",
            role="DENTIST",
            Street_Address="Calle Mayor 1",
            City="Madrid",
            Emergency_Contact_Name="Esposa",
        ),
    )
    note = mapped.note("csv.staff_values_not_imported")
    assert note.severity == "warn" and note.params["line"] == 2
    assert note.params["columns"] == "Date of Birth, Street Address, City, Emergency Contact Name"
    assert "Madrid" not in note.message  # named by column: the values stay out of warnings


def test_a_staff_member_the_clinic_has_is_linked_by_email_in_any_case(sheet_harness):
    known = sheet_harness.existing(
        Professional, given_name="Ana", email="Ana@Example.test", role="hygienist"
    )
    first, again = staff(
        sheet_harness,
        patient("S01", "Ana", "Núñez", born="", email="ANA@example.test", role="CLINICIAN"),
        patient("S09", "Ana", "N.", born="", email="ana@example.test", role="NURSE"),
    )
    assert first.row == known and again.row == known and known.role == "hygienist"


def test_two_new_staff_rows_with_one_email_become_one_professional(sheet_harness):
    first, second = staff(
        sheet_harness,
        patient("S01", "Ana", "Núñez", born="", email="ana@example.test", role="NURSE"),
        patient("S02", "Ana", "Núñez", born="", email="ana@example.test", role="NURSE"),
    )
    assert second.row is first.row and first.row.pk is None


def test_a_staff_row_without_a_legacy_id_is_refused(sheet_harness):
    (mapped,) = staff(sheet_harness, patient("", "Ana", "Núñez", born="", role="NURSE"))
    assert mapped.refused == "csv.missing_value"


# --- csv_clinical_background ----------------------------------------------------------------


@pytest.fixture
def jose(sheet_harness):
    """The clinic's patient P001, with his NHS number and e-mail."""
    return sheet_harness.existing(
        Patient,
        given_name="José",
        legacy_id="P001",
        national_id="9434765919",
        email="jose@example.test",
    )


def background(h, *rows):
    return h.map_sheet("csv_clinical_background", [BACKGROUND_HEADER, *rows])


def test_an_allergy_row_becomes_an_alert_with_its_severity_status_and_code(sheet_harness, jose):
    allergy, condition = background(
        sheet_harness,
        ["P001", "Penicillin", "ALLERGY", "2001-01-01", "SEVERE", "", "91936005"],
        ["P001", "Asthma", "MEDICAL CONDITION", "2010-06-01", "MILD", "RESOLVED", "j45"],
    )
    alert = allergy.row
    assert isinstance(alert, MedicalAlert) and alert.patient_id == jose.pk
    assert (alert.kind, alert.name, alert.text) == ("allergy", "Penicillin", "")
    assert (alert.severity, alert.status, alert.onset_date) == (
        "severe",
        "active",
        dt.date(2001, 1, 1),
    )
    assert (alert.clinical_code, alert.code_system) == ("91936005", "snomed")
    assert allergy.notes == []
    asthma = condition.row
    assert (asthma.kind, asthma.status, asthma.clinical_code, asthma.code_system) == (
        "disease",
        "resolved",
        "J45",
        "icd10",
    )


def test_an_allergy_is_kept_without_its_onset_date_and_severity_with_a_warning(sheet_harness, jose):
    (mapped,) = background(sheet_harness, ["P001", "Latex", "ALLERGY", "", "", "", ""])
    assert (mapped.row.onset_date, mapped.row.severity) == (None, "unspecified")
    assert mapped.note("csv.missing_value").message.startswith("line 2, OnsetDate")


def test_a_long_condition_name_is_cut_and_kept_whole_as_text(sheet_harness, jose):
    name = "Condition " * 40
    (mapped,) = background(
        sheet_harness, ["P001", name, "MEDICAL CONDITION", "2010-01-01", "", "", ""]
    )
    assert len(mapped.row.name) == 300 and mapped.row.text == name.strip()


def test_a_row_of_an_unknown_type_is_refused(sheet_harness, jose):
    (mapped,) = background(
        sheet_harness, ["P001", "Latex", "INTOLERANCE", "2010-01-01", "", "", ""]
    )
    assert mapped.refused == "csv.unknown_value"


@pytest.mark.parametrize(
    ("ref", "code"),
    [
        ("943-476-5919", "csv.patient_matched_by_national_id"),
        ("JOSE@example.test", "csv.patient_matched_by_email"),
    ],
)
def test_a_patient_found_by_something_weaker_than_the_legacy_id_is_noted(
    sheet_harness, jose, ref, code
):
    (mapped,) = background(sheet_harness, [ref, "Latex", "ALLERGY", "2010-01-01", "", "", ""])
    assert mapped.row.patient_id == jose.pk and mapped.codes == [code]


def test_a_row_whose_patient_is_not_in_the_clinic_waits_for_a_later_run(sheet_harness, jose):
    (mapped,) = background(sheet_harness, ["P404", "Latex", "ALLERGY", "2010-01-01", "", "", ""])
    assert mapped.warning.code == "csv.patient_not_found" and mapped.warning.skip is False


def test_a_row_matching_several_patients_waits_rather_than_guesses(sheet_harness, jose):
    sheet_harness.existing(Patient, given_name="Gemelo", email="jose@example.test")
    (mapped,) = background(
        sheet_harness, ["jose@example.test", "Latex", "ALLERGY", "2010-01-01", "", "", ""]
    )
    assert mapped.warning.code == "csv.patient_ambiguous" and mapped.warning.skip is False
    assert "matches 2 patients by e-mail" in mapped.warning.message


# --- csv_clinical_note ----------------------------------------------------------------------


def notes(h, *rows):
    return h.map_sheet("csv_clinical_note", [NOTES_HEADER, *rows])


def test_a_note_is_written_at_the_clinics_wall_clock_time_by_its_practitioner(sheet_harness, jose):
    sheet_harness.resolved_key("csv_staff", staff_uuid("S01"), 901)
    (mapped,) = notes(
        sheet_harness,
        ["P001", "2025-07-04 09:15", "Dolor en 36.", "S01", "DENTAL PROGRESS", "Caries", "K02.1"],
    )
    note = mapped.row
    assert isinstance(note, ClinicalNote)
    assert (note.patient_id, note.author_id, note.kind, note.note_type) == (
        jose.pk,
        901,
        "clinical",
        "dental_progress",
    )
    assert note.written_at == dt.datetime(2025, 7, 4, 9, 15, tzinfo=MADRID)
    assert note.written_at.astimezone(dt.UTC).hour == 7  # summer time
    assert (note.text, note.diagnosis, note.clinical_code, note.code_system) == (
        "Dolor en 36.",
        "Caries",
        "K02.1",
        "icd10",
    )
    assert mapped.notes == []


def test_a_clinic_with_an_unknown_time_zone_reads_sheet_times_as_utc(sheet_harness, jose):
    sheet_harness.clinic.timezone = "Mars/Olympus_Mons"
    (mapped,) = notes(sheet_harness, ["P001", "2025-07-04 09:15", "Revisión", "", "", "", ""])
    assert mapped.row.written_at == dt.datetime(2025, 7, 4, 9, 15, tzinfo=dt.UTC)


def test_a_practitioner_is_found_by_staff_code_or_email_else_noted(sheet_harness, jose):
    coded = sheet_harness.existing(Professional, given_name="Ana", code="D7")
    mailed = sheet_harness.existing(Professional, given_name="Eva", email="eva@example.test")
    by_code, by_email, nobody = notes(
        sheet_harness,
        ["P001", "2025-01-01", "Uno", "D7", "", "", ""],
        ["P001", "2025-01-02", "Dos", "EVA@example.test", "", "", ""],
        ["P001", "2025-01-03", "Tres", "X99", "", "", ""],
    )
    assert (by_code.row.author_id, by_email.row.author_id) == (coded.pk, mailed.pk)
    assert nobody.row.author_id is None and nobody.row.note_type == "other"
    assert nobody.note("csv.practitioner_not_found").severity == "warn"


def test_a_note_without_text_is_refused(sheet_harness, jose):
    (mapped,) = notes(sheet_harness, ["P001", "2025-01-01", "", "", "", "", ""])
    assert mapped.refused == "csv.missing_value"


# --- csv_medication -------------------------------------------------------------------------


def medications(h, *rows):
    return h.map_sheet("csv_medication", [MEDICATION_HEADER, *rows])


def test_a_medication_row_names_the_drug_with_its_strength(sheet_harness, jose):
    sheet_harness.resolved_key("csv_staff", staff_uuid("S01"), 901)
    (mapped,) = medications(
        sheet_harness,
        [
            "P001",
            "Amoxicillin",
            "500 mg",
            "Three times a day",
            "2025-02-03",
            "ACUTE",
            "21 capsules",
            "S01",
        ],
    )
    drug = mapped.row
    assert isinstance(drug, Medication)
    assert (drug.patient_id, drug.prescriber_id) == (jose.pk, 901)
    assert (drug.drug_name, drug.dose, drug.instructions) == (
        "Amoxicillin 500 mg",
        "500 mg",
        "Three times a day",
    )
    assert (drug.started_on, drug.status, drug.quantity, drug.notes) == (
        dt.date(2025, 2, 3),
        "acute",
        "21 capsules",
        "",
    )
    assert mapped.notes == []


def test_an_unknown_prescriber_stays_in_the_medications_notes(sheet_harness, jose):
    (mapped,) = medications(
        sheet_harness, ["P001", "Ibuprofen", "", "As needed", "2025-02-03", "", "", "Dr X"]
    )
    assert (mapped.row.prescriber_id, mapped.row.drug_name, mapped.row.status) == (
        None,
        "Ibuprofen",
        "active",
    )
    assert mapped.row.notes == "Prescriber in the sheet: Dr X"
    assert mapped.codes == ["csv.practitioner_not_found"]


def test_a_medication_of_a_patient_not_in_the_clinic_waits(sheet_harness):
    (mapped,) = medications(
        sheet_harness, ["P404", "Ibuprofen", "", "As needed", "2025-02-03", "", "", ""]
    )
    assert mapped.warning.code == "csv.patient_not_found" and mapped.warning.skip is False
