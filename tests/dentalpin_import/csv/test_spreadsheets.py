"""Real spreadsheets through the commands: other languages, workbooks, mapping files,
national ids, templates, and hostile files."""

import datetime as dt
import json
import zoneinfo

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from clinics.models import ClinicalNote, Patient
from dentalpin_import.models import ImportWarning
from dentalpin_import.reader.sheet_headers import MAPPING_FORMAT
from tests.dentalpin_import.csv import workbooks as w
from tests.dentalpin_import.csv.sheets import run, write

SPANISH = ["Nº historia", "Nombre", "Apellidos", "Fecha de nacimiento", "DNI/NIE", "Correo"]


def imported(command, path, clinic, tmp_path, *extra):
    status, out, report = run(command, path, clinic.slug, *extra, report=tmp_path / "r.json")
    assert status == 0, out
    return report, out


def patients_of(clinic):
    with scopes_disabled():
        return {p.legacy_id: p for p in Patient.objects.filter(clinic=clinic)}


@pytest.mark.django_db
def test_a_spanish_sheet_imports_with_its_dni_sealed_and_notes_find_the_patient_by_it(
    clinic, tmp_path
):
    rows = [
        SPANISH,
        ["H-1", "Lucía", "Pérez Gómez", "1985-07-14", "12345678-Z", "lucia@example.test"],
        ["H-2", "Marcos", "Ruiz", "1990-01-31", "X1234567A", ""],
    ]
    report, out = imported(
        "import_patients", write(tmp_path / "p.csv", rows, delimiter=";"), clinic, tmp_path
    )
    assert report["entities"]["csv_patient"]["created"] == 2
    found = patients_of(clinic)
    assert (found["H-1"].national_id, found["H-1"].national_id_type) == ("12345678Z", "dni")
    assert (found["H-2"].national_id, found["H-2"].national_id_type) == ("", "")
    warning = ImportWarning.objects.get(code="csv.invalid_national_id")
    assert warning.message == (
        "line 3, DNI/NIE: NIE with a wrong check letter ('••••••67A'); left empty"
    )
    with scopes_disabled():
        stored = Patient.objects.filter(pk=found["H-1"].pk).values_list("national_id", flat=True)
    assert "12345678Z" not in str(stored.query) and list(stored) == ["12345678Z"]

    notes = [["Paciente", "Fecha", "Texto"], ["12345678z", "05/03/2024", "Revisión anual"]]
    imported("import_clinical_notes", write(tmp_path / "n.csv", notes), clinic, tmp_path)
    with scopes_disabled():
        note = ClinicalNote.objects.get(patient=found["H-1"])
    assert note.text == "Revisión anual"
    # "Fecha" is a Spanish header: 05/03/2024 is 5 March.
    local = note.written_at.astimezone(zoneinfo.ZoneInfo(clinic.timezone))
    assert local.date() == dt.date(2024, 3, 5)
    assert ImportWarning.objects.filter(code="csv.patient_matched_by_national_id").exists()


@pytest.mark.django_db
def test_a_portuguese_sheet_imports_with_its_nif(clinic, tmp_path):
    rows = [
        ["ID do paciente", "Nome", "Apelido", "Data de nascimento", "NIF", "Telemóvel"],
        ["PT-7", "João", "Silva", "1970-01-02", "123 456 789", "912 345 678"],
        ["PT-8", "Inês", "Costa", "1971-02-03", "123456780", ""],
    ]
    report, _ = imported("import_patients", write(tmp_path / "p.csv", rows), clinic, tmp_path)
    assert report["entities"]["csv_patient"]["created"] == 2
    found = patients_of(clinic)
    assert (found["PT-7"].national_id, found["PT-7"].national_id_type) == ("123456789", "pt_nif")
    assert found["PT-8"].national_id == "" and found["PT-7"].phone == "912 345 678"
    warning = ImportWarning.objects.get(code="csv.invalid_national_id")
    assert "Portuguese NIF with a wrong check digit" in warning.message


ID_HEADER = ["LegacyPatientID", "First Name", "Last Name", "Date of Birth", "National ID",
             "National ID Type"]  # fmt: skip


def import_ana(clinic, tmp_path, number, kind):
    """Import one patient with this national id and type; return her as stored."""
    rows = [ID_HEADER, ["P1", "Ana", "Gil", "1980-01-01", number, kind]]
    imported("import_patients", write(tmp_path / "p.csv", rows), clinic, tmp_path)
    return patients_of(clinic)["P1"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "number, kind, stored_kind",
    [
        ("12345678Z", "DNI", "dni"),
        ("Y0000000Z", "NIE", "nie"),
        ("B12345674", "NIF", "cif"),
        ("501442600", "NIF PT", "pt_nif"),
        ("185057800608491", "NIR", "fr_nir"),
        ("943 476 5919", "NHS", "nhs"),
        ("AB123456", "Pasaporte", "passport"),
    ],
)
def test_each_type_of_national_id_named_in_a_type_column_is_kept_with_its_type(
    clinic, tmp_path, number, kind, stored_kind
):
    ana = import_ana(clinic, tmp_path, number, kind)
    assert ana.national_id_type == stored_kind
    assert ana.national_id == number.replace(" ", "")
    assert not ImportWarning.objects.filter(severity__in=("warn", "error")).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "number, kind, reason",
    [
        ("12345678A", "DNI", "DNI with a wrong check letter"),
        ("X1234567L", "DNI", "not a DNI"),
        ("501442601", "NIF PT", "Portuguese NIF with a wrong check digit"),
        ("185057800608492", "NIR", "French NIR with a wrong key"),
        ("943 476 5918", "NHS", "NHS number with a wrong check digit"),
        ("HELLO", "", "not a national id of a known type"),
    ],
)
def test_an_invalid_national_id_of_each_type_warns_and_the_patient_arrives_without_it(
    clinic, tmp_path, number, kind, reason
):
    ana = import_ana(clinic, tmp_path, number, kind)
    assert (ana.national_id, ana.national_id_type) == ("", "")
    warning = ImportWarning.objects.get(code="csv.invalid_national_id")
    assert reason in warning.message and number not in warning.message


@pytest.mark.django_db
def test_an_xlsx_with_two_sheets_imports_the_named_one_with_serial_dates(clinic, tmp_path):
    book = w.xlsx(
        tmp_path / "export.xlsx",
        {
            "Pacientes": [
                SPANISH,
                ["H-1", "Lucía", "Pérez", dt.date(1985, 7, 14), "", ""],
                ["H-2", "Marcos", "Ruiz", 32903, "", ""],
            ],
            "Notas": [
                ["Paciente", "Fecha", "Texto"],
                ["H-1", dt.date(2024, 3, 5), "Revisión"],
                ["H-2", 45357, "Limpieza"],
            ],
        },
    )
    _, out = imported("import_patients", book, clinic, tmp_path)
    assert "Workbook (xlsx): sheet Pacientes" in out
    found = patients_of(clinic)
    assert found["H-2"].date_of_birth == dt.date(1990, 1, 30)
    report, out = imported("import_clinical_notes", book, clinic, tmp_path, "--sheet", "Notas")
    assert report["entities"]["csv_clinical_note"]["created"] == 2
    with scopes_disabled():
        when = ClinicalNote.objects.get(patient=found["H-2"]).written_at
    assert when.astimezone(zoneinfo.ZoneInfo(clinic.timezone)).date() == dt.date(2024, 3, 6)


@pytest.mark.django_db
def test_a_mapping_file_names_unknown_columns_and_is_reused_for_the_next_sheet(clinic, tmp_path):
    header = ["Código", "Nombre", "Apellidos", "Nacido el", "Color favorito"]
    first = write(tmp_path / "a.csv", [header, ["C1", "Ana", "Gil", "1980-01-01", "rojo"]])
    status, message, _ = run("import_patients", first, clinic.slug)
    assert status == 2 and "lacks required columns: LegacyPatientID, Date of Birth" in message
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "format": MAPPING_FORMAT,
                "sheet_type": "patients",
                "columns": {
                    "Código": "legacy_id",
                    "Nacido el": "date_of_birth",
                    "Color favorito": None,
                },
            }
        )
    )
    report, out = imported("import_patients", first, clinic, tmp_path, "--mapping", str(mapping))
    assert report["entities"]["csv_patient"]["created"] == 1 and "Columns not used" in out
    second = write(tmp_path / "b.csv", [header, ["C2", "Luis", "Sanz", "1981-02-02", "azul"]])
    report, _ = imported("import_patients", second, clinic, tmp_path, "--mapping", str(mapping))
    assert set(patients_of(clinic)) == {"C1", "C2"}
    assert patients_of(clinic)["C2"].date_of_birth == dt.date(1981, 2, 2)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content, words",
    [
        ("{not json", "not JSON"),
        (
            json.dumps({"format": MAPPING_FORMAT, "sheet_type": "patients", "columns": {"A": "x"}}),
            "'x'",
        ),
        (
            json.dumps({"format": MAPPING_FORMAT, "sheet_type": "medications", "columns": {}}),
            "Medications",
        ),
        ("x" * 70000, "larger than"),
    ],
)
def test_a_bad_mapping_file_is_refused_before_anything_is_read(clinic, tmp_path, content, words):
    mapping = tmp_path / "m.json"
    mapping.write_text(content)
    path = write(tmp_path / "p.csv", [SPANISH, ["H-1", "Ana", "Gil", "1980-01-01", "", ""]])
    status, message, _ = run("import_patients", path, clinic.slug, "--mapping", str(mapping))
    assert status == 2 and words in message
    assert patients_of(clinic) == {}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_template_filled_in_imports_as_it_is(clinic, tmp_path, language, suffix):
    out = tmp_path / f"template.{suffix}"
    call_command("sheet_template", "patients", str(out), "--language", language)
    report, _ = imported("import_patients", out, clinic, tmp_path)
    assert report["entities"]["csv_patient"]["created"] == 1
    maria = patients_of(clinic)["P-0001"]
    assert (maria.given_name, maria.date_of_birth) == ("María", dt.date(1980, 4, 23))
    assert (maria.national_id, maria.national_id_type) == ("12345678Z", "dni")
    assert not ImportWarning.objects.filter(severity__in=("warn", "error")).exists()


@pytest.mark.django_db
def test_a_huge_header_row_is_refused(clinic, tmp_path):
    header = ["LegacyPatientID", "First Name", "Last Name", "Date of Birth"] + [
        f"c{i}" for i in range(5000)
    ]
    status, message, _ = run("import_patients", write(tmp_path / "h.csv", [header]), clinic.slug)
    assert status == 2 and "5,004 columns" in message


@pytest.mark.django_db
def test_formula_looking_cells_are_kept_as_plain_text(clinic, tmp_path):
    rows = [SPANISH, ["H-1", '=HYPERLINK("http://x")', "+SUM(A1)", "1980-01-01", "", ""]]
    imported("import_patients", write(tmp_path / "p.csv", rows), clinic, tmp_path)
    found = patients_of(clinic)["H-1"]
    assert (found.given_name, found.family_name) == ('=HYPERLINK("http://x")', "+SUM(A1)")
