"""A corrected patients sheet imported again updates what it corrected, by legacy key."""

import pytest
from django_scopes import scopes_disabled

from clinics.models import Patient
from dentalpin_import.models import ImportConflict, ImportWarning
from tests.dentalpin_import.csv.sheets import PATIENT_HEADER, patients_rows, run, write


def imported(tmp_path, clinic, rows, name):
    status, out, report = run(
        "import_patients",
        write(tmp_path / f"{name}.csv", rows),
        clinic.slug,
        report=tmp_path / f"{name}.json",
    )
    assert status == 0, out
    return report


def corrected(**cells):
    rows = patients_rows()
    for row in rows[1:]:
        if row[0] == "P002":
            for name, value in cells.items():
                row[PATIENT_HEADER.index(name.replace("_", " "))] = value
    return rows


@pytest.mark.django_db(transaction=True)
def test_a_corrected_sheet_updates_the_patient_and_keeps_staff_edits(tmp_path, clinic):
    imported(tmp_path, clinic, patients_rows(), "first")
    with scopes_disabled():
        zoe = Patient.objects.get(clinic=clinic, legacy_id="P002")
        zoe.city = "Sevilla"  # typed in by staff since
        zoe.save()
    report = imported(
        tmp_path, clinic, corrected(Mobile_Phone="611222333", City="Madrid"), "corrected"
    )
    figures = report["entities"]["csv_patient"]
    assert (figures["created"], figures["conflicts"], figures["already_mapped"]) == (0, 1, 1)
    with scopes_disabled():
        zoe = Patient.objects.get(clinic=clinic, legacy_id="P002")
        assert Patient.objects.filter(clinic=clinic).count() == 2
    assert zoe.phone == "611222333"  # corrected in the sheet only: updated
    assert zoe.city == "Sevilla"  # corrected on both sides: the clinic's value stays
    conflict = ImportConflict.objects.get(job_id=report["job_id"])
    assert (conflict.field, conflict.file_value) == ("city", '"Madrid"')
    again = imported(tmp_path, clinic, corrected(Mobile_Phone="611222333", City="Madrid"), "again")
    assert again["entities"]["csv_patient"]["already_mapped"] == 2


@pytest.mark.django_db(transaction=True)
def test_a_patient_left_out_of_the_corrected_sheet_is_listed_not_deleted(tmp_path, clinic):
    imported(tmp_path, clinic, patients_rows(), "first")
    rows = [r for r in patients_rows() if r[0] != "P002"]
    report = imported(tmp_path, clinic, rows, "shorter")
    assert report["missing_from_file"] == {"csv_patient": 1}
    with scopes_disabled():
        assert Patient.objects.filter(clinic=clinic, legacy_id="P002").exists()


@pytest.mark.django_db(transaction=True)
def test_a_value_cut_to_fit_when_a_corrected_sheet_updates_the_patient_is_a_warning(
    tmp_path, clinic
):
    imported(tmp_path, clinic, patients_rows(), "first")
    city = "Villanueva de la Cañada " * 8  # 192 characters: the column holds 120
    report = imported(tmp_path, clinic, corrected(City=city), "corrected")
    assert report["entities"]["csv_patient"]["updated"] == 1
    with scopes_disabled():
        zoe = Patient.objects.get(clinic=clinic, legacy_id="P002")
    assert len(zoe.city) == 120 and zoe.city.endswith("…")
    warning = ImportWarning.objects.get(job_id=report["job_id"])
    assert (warning.code, warning.params["field"]) == ("text.cut_to_length", "Patient.city")
    assert warning.source_id == "P002"
