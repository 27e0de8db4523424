"""A note's or a medication's key holds its date as read, not as written: a re-saved sheet is
the same rows, and rows imported under the keys earlier versions gave them stay those rows."""

import hashlib

import pytest
from django_scopes import scopes_disabled

from clinics.models import ClinicalNote, Medication, Patient
from dentalpin_import.reader import sheet_rows, sheet_specs
from dentalpin_import.reader.csv_sheets import SOURCE_SYSTEM, parse
from dentalpin_import.reader.records import canonical_uuid
from tests.dentalpin_import.csv.sheets import (
    MEDICATION_HEADER,
    NOTES_HEADER,
    PATIENT_HEADER,
    patient,
    patients_rows,
    run,
    write,
)

ISO_NOTES = [("2024-01-15 10:30", "Extracción 38"), ("2024-02-20", "Limpieza")]
# The same rows as a spreadsheet saves them again: day first, no leading zero on the hour.
RESAVED_NOTES = [("15/01/2024 10:30", "Extracción 38"), ("20/02/2024", "Limpieza")]


def notes(tmp_path, name, rows):
    lines = [NOTES_HEADER] + [["P001", day, text, "", "", "", ""] for day, text in rows]
    return write(tmp_path / name, lines)


def medications(tmp_path, name, day):
    row = ["P001", "Ibuprofeno", "600 mg", "1/8h", day, "", "", ""]
    return write(tmp_path / name, [MEDICATION_HEADER, row])


def imported(command, path, clinic, tmp_path) -> dict:
    status, out, report = run(command, path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0, out
    return report["entities"][
        {
            "import_clinical_notes": "csv_clinical_note",
            "import_medications": "csv_medication",
            "import_patients": "csv_patient",
        }[command]
    ]


@pytest.fixture
def patients(clinic, tmp_path):
    run("import_patients", write(tmp_path / "p.csv", patients_rows()), clinic.slug)


def former_keys(monkeypatch):
    """Key the rows by their dates as written, as versions before this one did."""
    monkeypatch.setattr(sheet_specs, "written_key", lambda when, written: written)
    monkeypatch.setattr(sheet_specs, "day_key", lambda day, written: written)


def note_key(day: str, text: str) -> str:
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"P001|{day}|{digest}"


def test_a_sheet_written_with_iso_dates_keeps_the_keys_earlier_versions_gave_it():
    lines = [",".join(NOTES_HEADER[:3])] + [f"P001,{day},{text}" for day, text in ISO_NOTES]
    records = list(parse(("\r\n".join(lines) + "\r\n").encode()).records)
    assert [r.source_id for r in records] == [note_key(*row) for row in ISO_NOTES]
    assert [r.canonical_uuid for r in records] == [
        canonical_uuid(SOURCE_SYSTEM, "clinical_notes", note_key(*row)) for row in ISO_NOTES
    ]
    assert [r.former_key for r in records] == ["", ""]
    data = ",".join(MEDICATION_HEADER[:5]) + "\r\nP001,Ibuprofeno,600 mg,1/8h,2024-01-15\r\n"
    (medication,) = parse(data.encode()).records
    assert medication.source_id == "P001|ibuprofeno|600 mg|2024-01-15"


def test_the_same_dates_written_otherwise_give_the_same_keys():
    written = ["P001,15/01/2024 10:30,Extracción 38", "P001,2024-01-15T10:30:00,Extracción 38"]
    for line in written:
        data = ",".join(NOTES_HEADER[:3]) + "\r\n" + line + "\r\n"
        (record,) = parse(data.encode()).records
        assert record.source_id == note_key(*ISO_NOTES[0])
        assert record.former_key == note_key(line.split(",")[1], "Extracción 38")


@pytest.mark.django_db
def test_notes_saved_again_with_their_dates_written_otherwise_are_not_imported_twice(
    patients, clinic, tmp_path
):
    first = imported("import_clinical_notes", notes(tmp_path, "n.csv", ISO_NOTES), clinic, tmp_path)
    again = notes(tmp_path, "resaved.csv", RESAVED_NOTES)
    second = imported("import_clinical_notes", again, clinic, tmp_path)
    assert (first["created"], second["created"], second["already_mapped"]) == (2, 0, 2)
    with scopes_disabled():
        assert ClinicalNote.objects.filter(clinic=clinic).count() == 2


@pytest.mark.django_db
def test_medications_saved_again_with_their_dates_written_otherwise_are_not_imported_twice(
    patients, clinic, tmp_path
):
    first = medications(tmp_path, "m.csv", "2024-01-15")
    assert imported("import_medications", first, clinic, tmp_path)["created"] == 1
    second = imported(
        "import_medications", medications(tmp_path, "r.csv", "15/01/2024"), clinic, tmp_path
    )
    assert (second["created"], second["already_mapped"]) == (0, 1)
    with scopes_disabled():
        assert Medication.objects.filter(clinic=clinic).count() == 1


@pytest.mark.django_db
def test_rows_imported_under_their_former_keys_are_not_imported_again(
    patients, clinic, tmp_path, monkeypatch
):
    resaved = notes(tmp_path, "resaved.csv", RESAVED_NOTES)
    meds = medications(tmp_path, "r.csv", "15/01/2024")
    with monkeypatch.context() as earlier:
        former_keys(earlier)
        assert imported("import_clinical_notes", resaved, clinic, tmp_path)["created"] == 2
        assert imported("import_medications", meds, clinic, tmp_path)["created"] == 1
    # The same sheets again (twice: a run keeps the former keys of the rows it passes by).
    for _ in range(2):
        counts = imported("import_clinical_notes", resaved, clinic, tmp_path)
        assert (counts["created"], counts["already_mapped"], counts["failed"]) == (0, 2, 0)
        counts = imported("import_medications", meds, clinic, tmp_path)
        assert (counts["created"], counts["already_mapped"]) == (0, 1)
    with scopes_disabled():
        assert ClinicalNote.objects.filter(clinic=clinic).count() == 2
        assert Medication.objects.filter(clinic=clinic).count() == 1


def ids_before_doubling(monkeypatch):
    """Give rows the ids versions before `#` was doubled gave them."""

    def source_id(self, key, row, former=""):
        _, seen = self.store.first(key, row.line)
        old = former or key
        return (old, old) if seen == 1 else (f"{old}#{seen}", f"{old}#{seen}")

    monkeypatch.setattr(sheet_rows._Keys, "source_id", source_id)


@pytest.mark.django_db
def test_patients_whose_ids_hold_a_hash_imported_before_are_not_imported_again(
    clinic, tmp_path, monkeypatch
):
    sheet = write(
        tmp_path / "p.csv",
        [PATIENT_HEADER, patient("H#1", "Ana", "Ruiz"), patient("H#2", "Bea", "Gil")],
    )
    with monkeypatch.context() as earlier:
        ids_before_doubling(earlier)
        assert imported("import_patients", sheet, clinic, tmp_path)["created"] == 2
    for _ in range(2):
        counts = imported("import_patients", sheet, clinic, tmp_path)
        assert (counts["created"], counts["already_mapped"], counts["failed"]) == (0, 2, 0)
    with scopes_disabled():
        assert Patient.objects.filter(clinic=clinic).count() == 2
