"""CSV sheets through the DPMF runner: rows, mappings, warnings, matching, re-runs, dry runs."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from clinics.models import ClinicalNote, MedicalAlert, Medication, Patient, Professional
from dentalpin_import.models import EntityMapping, ImportJob, ImportWarning
from tests.dentalpin_import.csv.sheets import (
    BACKGROUND_HEADER,
    MEDICATION_HEADER,
    NOTES_HEADER,
    PATIENT_HEADER,
    patient,
    patients_rows,
    run,
    write,
)

NOTE = 'Dolor en 36.\nCaries profunda; se pauta endodoncia, "urgente".'


def imported(command, path, clinic, *extra, tmp_path=None):
    status, out, report = run(command, path, clinic.slug, *extra, report=tmp_path / "r.json")
    assert status == 0, out
    return report


@pytest.fixture
def patients(tmp_path, clinic):
    return imported(
        "import_patients", write(tmp_path / "p.csv", patients_rows()), clinic, tmp_path=tmp_path
    )


def notes_sheet(tmp_path, *rows):
    return write(tmp_path / "n.csv", [NOTES_HEADER, *rows], encoding="utf-8-sig", delimiter=";")


@pytest.mark.django_db
def test_patients_and_staff_arrive_each_with_a_mapping(patients, clinic):
    assert patients["entities"]["csv_patient"] == {
        "in_file": 2,
        "created": 2,
        "linked": 0,
        "updated": 0,
        "conflicts": 0,
        "already_mapped": 0,
        "raw": 0,
        "failed": 0,
        "skipped": 0,
    }
    assert patients["entities"]["csv_staff"]["created"] == 2
    with scopes_disabled():
        jose = Patient.objects.get(clinic=clinic, legacy_id="P001")
        assert (jose.given_name, jose.family_name, jose.city) == ("José", "Muñoz Peña", "Cádiz")
        assert (jose.national_id, jose.national_id_type, jose.sex) == ("9434765919", "nhs", "male")
        assert Patient.objects.get(legacy_id="P002").email == "zoe@example.test"
        staff = {p.code: p for p in Professional.objects.filter(clinic=clinic)}
        assert (staff["S01"].role, staff["S02"].role) == ("dentist", "admin")
        assert staff["S01"].email == "ana.nunez@example.test"
        for model, table in ((Patient, "clinics_patient"), (Professional, "clinics_professional")):
            ids = {
                str(pk) for pk in model.objects.filter(clinic=clinic).values_list("pk", flat=True)
            }
            mapped = set(
                EntityMapping.objects.filter(
                    clinic=clinic, target_table=table, created_row=True
                ).values_list("target_id", flat=True)
            )
            assert ids == mapped


@pytest.mark.django_db
def test_reimporting_the_same_sheet_creates_nothing(patients, clinic, tmp_path):
    again = imported(
        "import_patients", write(tmp_path / "p.csv", patients_rows()), clinic, tmp_path=tmp_path
    )
    assert again["entities"]["csv_patient"]["created"] == 0
    assert again["entities"]["csv_patient"]["already_mapped"] == 2
    assert again["entities"]["csv_staff"]["already_mapped"] == 2
    assert again["warnings"] == 0
    with scopes_disabled():
        assert Patient.objects.count() == 2 and Professional.objects.count() == 2


@pytest.mark.django_db
def test_an_invalid_nhs_number_warns_with_line_and_hidden_value_and_the_patient_still_arrives(
    clinic, tmp_path
):
    rows = [PATIENT_HEADER, patient("P7", "Eva", "Ruiz", nhs="943 476 5918")]
    report = imported("import_patients", write(tmp_path / "p.csv", rows), clinic, tmp_path=tmp_path)
    assert report["entities"]["csv_patient"]["created"] == 1
    warning = ImportWarning.objects.get(code="csv.invalid_nhs_number")
    assert warning.severity == "warn" and warning.source_id == "P7"
    assert "line 2, NHS Number" in warning.message and "'•••••••918'" in warning.message
    with scopes_disabled():
        eva = Patient.objects.get(legacy_id="P7")
    # An identity number is never kept in clear text, not even a wrong one.
    assert eva.national_id == "" and "943" not in eva.notes + warning.message


@pytest.mark.django_db
def test_a_duplicate_legacy_id_imports_the_first_row_only_with_a_warning(clinic, tmp_path):
    rows = patients_rows() + [patient("P001", "Otro", "Duplicado")]
    report = imported("import_patients", write(tmp_path / "p.csv", rows), clinic, tmp_path=tmp_path)
    assert report["entities"]["csv_patient"] == {
        "in_file": 3,
        "created": 2,
        "linked": 0,
        "updated": 0,
        "conflicts": 0,
        "already_mapped": 0,
        "raw": 0,
        "failed": 1,
        "skipped": 0,
    }
    warning = ImportWarning.objects.get(code="csv.duplicate_key")
    assert "line 6" in warning.message and "line 2" in warning.message
    with scopes_disabled():
        assert Patient.objects.filter(legacy_id="P001").get().given_name == "José"


@pytest.mark.django_db
def test_note_text_and_diagnosis_are_encrypted_at_rest_and_read_back(patients, clinic, tmp_path):
    path = notes_sheet(
        tmp_path, ["P001", "2024-03-01 09:15", NOTE, "S01", "DENTAL PROGRESS", "Pulpitis", "K04.0"]
    )
    report = imported("import_clinical_notes", path, clinic, tmp_path=tmp_path)
    assert report["entities"]["csv_clinical_note"]["created"] == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT text, diagnosis FROM clinics_clinicalnote")
        ((text, diagnosis),) = cursor.fetchall()
    assert text.startswith("fernet:") and "Caries" not in text and "endodoncia" not in text
    assert "Pulpitis" not in diagnosis
    with scopes_disabled():
        note = ClinicalNote.objects.get()
        assert (note.text, note.diagnosis) == (NOTE, "Pulpitis")
        assert note.author.code == "S01" and note.patient.legacy_id == "P001"
        assert (note.note_type, note.code_system) == ("dental_progress", "icd10")
        madrid = zoneinfo.ZoneInfo("Europe/Madrid")  # the clinic's time zone
        assert note.written_at == dt.datetime(2024, 3, 1, 9, 15, tzinfo=madrid)


@pytest.mark.django_db
def test_a_patient_is_found_by_email_only_when_that_is_all_the_sheet_gives(
    patients, clinic, tmp_path
):
    path = notes_sheet(tmp_path, ["ZOE@example.test", "2024-03-02", "Limpieza", "", "", "", ""])
    report = imported("import_clinical_notes", path, clinic, tmp_path=tmp_path)
    assert report["entities"]["csv_clinical_note"]["created"] == 1
    with scopes_disabled():
        assert ClinicalNote.objects.get().patient.legacy_id == "P002"
    assert ImportWarning.objects.filter(code="csv.patient_matched_by_email").count() == 1


@pytest.mark.django_db
def test_matching_tries_legacy_id_then_nhs_number_then_email(patients, clinic, tmp_path):
    with scopes_disabled():
        # Another patient whose legacy id is José's NHS number: the legacy id wins.
        Patient.objects.create(clinic=clinic, given_name="Homónimo", legacy_id="9434765919")
    rows = [
        ["9434765919", "Penicillin", "ALLERGY", "2001-01-01", "SEVERE", "", "91936005"],
        ["943-476-5919", "Latex", "ALLERGY", "", "", "", ""],
        ["P002", "Asthma", "MEDICAL CONDITION", "2010-06-01", "MILD", "RESOLVED", "J45"],
    ]
    path = write(tmp_path / "b.csv", [BACKGROUND_HEADER, *rows], delimiter="\t")
    report = imported("import_clinical_background", path, clinic, tmp_path=tmp_path)
    assert report["entities"]["csv_clinical_background"]["created"] == 3
    with scopes_disabled():
        owners = {a.name: a.patient.given_name for a in MedicalAlert.objects.all()}
        penicillin = MedicalAlert.objects.get(name="Penicillin")
        asthma = MedicalAlert.objects.get(name="Asthma")
    assert owners == {"Penicillin": "Homónimo", "Latex": "José", "Asthma": "Zoë"}
    assert (penicillin.kind, penicillin.severity, penicillin.code_system) == (
        "allergy",
        "severe",
        "snomed",
    )
    assert (asthma.kind, asthma.status, asthma.code_system) == ("disease", "resolved", "icd10")
    # The allergy without an onset date is imported, with a warning saying so.
    assert ImportWarning.objects.get(code="csv.missing_value").message.startswith(
        "line 3, OnsetDate"
    )


@pytest.mark.django_db
def test_several_patients_matching_is_a_warning_not_a_guess(patients, clinic, tmp_path):
    with scopes_disabled():
        Patient.objects.create(clinic=clinic, given_name="Gemela", email="zoe@example.test")
    path = notes_sheet(tmp_path, ["zoe@example.test", "2024-03-02", "Limpieza", "", "", "", ""])
    report = imported("import_clinical_notes", path, clinic, tmp_path=tmp_path)
    assert report["entities"]["csv_clinical_note"]["failed"] == 1
    assert (
        "matches 2 patients by e-mail"
        in ImportWarning.objects.get(code="csv.patient_ambiguous").message
    )


@pytest.mark.django_db
def test_sheets_imported_before_their_patients_warn_and_import_later(clinic, tmp_path):
    path = write(
        tmp_path / "m.csv",
        [
            MEDICATION_HEADER,
            ["P001", "Amoxicilina", "500 mg", "1 cada 8 h", "2024-02-01", "ACUTE", "21", "S01"],
        ],
        encoding="mac_roman",
        delimiter="|",
    )
    early = imported("import_medications", path, clinic, tmp_path=tmp_path)
    assert early["status"] == "succeeded"
    assert early["entities"]["csv_medication"]["failed"] == 1
    assert "P001" in ImportWarning.objects.get(code="csv.patient_not_found").message
    imported(
        "import_patients", write(tmp_path / "p.csv", patients_rows()), clinic, tmp_path=tmp_path
    )
    late = imported("import_medications", path, clinic, tmp_path=tmp_path)
    assert late["entities"]["csv_medication"]["created"] == 1
    with scopes_disabled():
        medication = Medication.objects.get()
    assert (medication.drug_name, medication.dose, medication.status) == (
        "Amoxicilina 500 mg",
        "500 mg",
        "acute",
    )
    assert medication.prescriber.code == "S01" and medication.quantity == "21"
    again = imported("import_medications", path, clinic, tmp_path=tmp_path)
    assert again["entities"]["csv_medication"]["already_mapped"] == 1 and again["warnings"] == 0


@pytest.mark.django_db
def test_a_dry_run_writes_nothing_but_reports_what_it_would_do(clinic, tmp_path):
    report = imported(
        "import_patients",
        write(tmp_path / "p.csv", patients_rows(), encoding="latin-1"),
        clinic,
        "--dry-run",
        tmp_path=tmp_path,
    )
    assert report["dry_run"] is True and report["entities"]["csv_patient"]["created"] == 2
    with scopes_disabled():
        assert Patient.objects.count() == 0 and Professional.objects.count() == 0
    assert EntityMapping.objects.count() == 0 and ImportWarning.objects.count() == 0
    assert ImportJob.objects.get().dry_run


@pytest.mark.django_db
def test_a_patient_already_in_the_clinic_is_linked_by_nhs_number_and_gets_the_legacy_id(
    clinic, tmp_path
):
    with scopes_disabled():
        existing = Patient.objects.create(
            clinic=clinic, given_name="José", family_name="Muñoz", national_id="9434765919"
        )
    report = imported(
        "import_patients", write(tmp_path / "p.csv", patients_rows()), clinic, tmp_path=tmp_path
    )
    # Linked, not created: created are the new rows only (as the preview tells them apart).
    figures = report["entities"]["csv_patient"]
    assert (figures["created"], figures["linked"]) == (1, 1)
    with scopes_disabled():
        assert Patient.objects.count() == 2
        existing.refresh_from_db()
    assert existing.legacy_id == "P001"
    mapping = EntityMapping.objects.get(target_table="clinics_patient", target_id=str(existing.pk))
    assert mapping.created_row is False  # undo leaves the clinic's own patient alone


@pytest.mark.django_db
def test_other_clinics_patients_are_never_matched(clinic, other_clinic, tmp_path):
    imported(
        "import_patients",
        write(tmp_path / "p.csv", patients_rows()),
        other_clinic,
        tmp_path=tmp_path,
    )
    path = notes_sheet(tmp_path, ["P001", "2024-03-02", "Limpieza", "", "", "", ""])
    report = imported("import_clinical_notes", path, clinic, tmp_path=tmp_path)
    assert report["entities"]["csv_clinical_note"]["failed"] == 1
    with scopes_disabled():
        assert ClinicalNote.objects.count() == 0


@pytest.mark.django_db
def test_a_row_spilling_into_extra_columns_is_refused_without_copying_the_note(
    patients, clinic, tmp_path
):
    path = tmp_path / "n.csv"
    path.write_text(
        ",".join(NOTES_HEADER) + "\n"
        "P001,2024-03-02,Dolor,,,,,secreto clínico sin comillas\n"
        "P002,2024-03-02,Revisión,,,,\n"
    )
    report = imported("import_clinical_notes", path, clinic, tmp_path=tmp_path)
    assert report["entities"]["csv_clinical_note"]["created"] == 1
    assert report["entities"]["csv_clinical_note"]["failed"] == 1
    warning = ImportWarning.objects.get(code="csv.extra_values")
    assert warning.message.startswith("line 2, (row): the row has more values than the header")
    assert "secreto" not in warning.message and "secreto" not in str(warning.raw_data)


@pytest.mark.django_db
def test_undoing_a_sheet_job_removes_exactly_its_rows(patients, clinic, tmp_path):
    from dentalpin_import.jobs.undo import undo_job

    path = notes_sheet(tmp_path, ["P001", "2024-03-02", "Limpieza", "", "", "", ""])
    report = imported("import_clinical_notes", path, clinic, tmp_path=tmp_path)
    undo_job(job=ImportJob.objects.get(pk=report["job_id"]))
    with scopes_disabled():
        assert ClinicalNote.objects.count() == 0 and Patient.objects.count() == 2
    again = imported("import_clinical_notes", path, clinic, tmp_path=tmp_path)
    assert again["entities"]["csv_clinical_note"]["created"] == 1


def clinic_sheets(tmp_path, n, name):
    people = [PATIENT_HEADER] + [
        patient(f"P{i}", "Ana", f"Gil {i}", email=f"p{i}@example.test") for i in range(n)
    ]
    people.append(patient("S01", "Ana", "Núñez", born="", role="CLINICIAN"))
    notes = [NOTES_HEADER] + [
        [f"P{i}" if i % 2 else f"p{i}@example.test", "2024-01-01", f"nota {i}", "S01", "", "", ""]
        for i in range(n)
    ]
    return write(tmp_path / f"{name}-p.csv", people), write(tmp_path / f"{name}-n.csv", notes)


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_rows_of_a_sheet(
    tmp_path, clinic, other_clinic
):
    counts = []
    for target, n in ((clinic, 4), (other_clinic, 90)):
        people, notes = clinic_sheets(tmp_path, n, target.slug)
        with CaptureQueriesContext(connection) as queries:
            assert run("import_patients", people, target.slug)[0] == 0
            assert run("import_clinical_notes", notes, target.slug)[0] == 0
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
    with scopes_disabled():
        assert ClinicalNote.objects.filter(clinic=other_clinic, author__isnull=False).count() == 90


@pytest.mark.django_db
def test_rows_sharing_an_nhs_number_stay_separate_patients_whatever_the_chunk(
    clinic, tmp_path, settings
):
    settings.DPMF_CHUNK_SIZE = 2  # the second and third rows fall in later chunks
    rows = [PATIENT_HEADER] + [
        patient(f"P{i}", "Ana", f"Gil {i}", nhs="943 476 5919") for i in range(5)
    ]
    report = imported("import_patients", write(tmp_path / "p.csv", rows), clinic, tmp_path=tmp_path)
    assert report["entities"]["csv_patient"]["created"] == 5 and report["warnings"] == 0
    with scopes_disabled():
        assert Patient.objects.filter(national_id="9434765919").count() == 5


@pytest.mark.django_db
def test_a_staff_member_already_in_the_clinic_is_linked_by_email_in_any_case(clinic, tmp_path):
    with scopes_disabled():
        ana = Professional.objects.create(
            clinic=clinic, given_name="Ana", email="Ana.Nunez@Example.test", role="hygienist"
        )
    report = imported(
        "import_patients", write(tmp_path / "p.csv", patients_rows()), clinic, tmp_path=tmp_path
    )
    figures = report["entities"]["csv_staff"]
    assert (figures["created"], figures["linked"]) == (1, 1)
    with scopes_disabled():
        assert Professional.objects.count() == 2
        ana.refresh_from_db()
    assert ana.role == "hygienist"  # an existing staff member keeps their role
    path = notes_sheet(tmp_path, ["P001", "2024-03-02", "Limpieza", "S01", "", "", ""])
    imported("import_clinical_notes", path, clinic, tmp_path=tmp_path)
    with scopes_disabled():
        assert ClinicalNote.objects.get().author == ana
