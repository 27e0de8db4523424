"""Coded columns in the clinic's own words: sex, kind, severity, status, note type and role
written in Spanish, Portuguese or French, in real CSV and XLSX files, and the ambiguous M."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import translation
from django_scopes import scopes_disabled

from clinics.models import ClinicalNote, MedicalAlert, Medication, Patient, Professional
from dentalpin_import.models import ImportWarning
from dentalpin_import.reader.sheet_values import Cells
from dentalpin_import.reader.sheet_vocabularies import (
    BACKGROUND_KINDS,
    SEXES,
    translated_expected,
)
from dentalpin_import.web.warning_lines import warning_text
from tests.dentalpin_import.csv import workbooks as w
from tests.dentalpin_import.csv.sheets import run, write


def imported(command, path, clinic, tmp_path, *extra):
    status, out, report = run(command, path, clinic.slug, *extra, report=tmp_path / "r.json")
    assert status == 0, out
    return report


def sexes(clinic):
    with scopes_disabled():
        return dict(Patient.objects.filter(clinic=clinic).values_list("legacy_id", "sex"))


SPANISH = ["Nº historia", "Nombre", "Apellidos", "Fecha de nacimiento", "Sexo", "Rol"]
PORTUGUESE = ["ID do paciente", "Nome", "Apelido", "Data de nascimento", "Sexo", "Função"]
FRENCH = ["Identifiant patient", "Prénom", "Nom", "Date de naissance", "Sexe", "Rôle"]


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_spanish_sheet_says_sex_and_role_in_spanish(clinic, tmp_path, suffix):
    rows = [
        SPANISH,
        ["H-1", "Lucía", "Pérez", "1985-07-14", "Mujer", "Paciente"],
        ["H-2", "Marcos", "Ruiz", "1990-01-31", "hombre", ""],
        ["H-3", "Íñigo", "Sanz", "1991-02-01", "V", ""],
        ["H-4", "Ana", "Gil", "1992-03-02", "F", ""],
        ["H-5", "Eva", "Mora", "1993-04-03", "No consta", ""],
        ["H-6", "Alex", "Ríos", "1994-05-04", "H", ""],
        ["D-1", "Marta", "Díaz", "", "Mujer", "Odontóloga"],
    ]
    path = tmp_path / f"pacientes.{suffix}"
    write(path, rows) if suffix == "csv" else w.xlsx(path, {"Pacientes": rows})
    report = imported("import_patients", path, clinic, tmp_path)
    assert report["entities"]["csv_patient"]["created"] == 6
    assert sexes(clinic) == {
        "H-1": "female",
        "H-2": "male",
        "H-3": "male",
        "H-4": "female",
        "H-5": "undisclosed",
        "H-6": "male",
    }
    with scopes_disabled():
        assert Professional.objects.get(clinic=clinic, code="D-1").role == "dentist"
    # A staff member has no field for a sex: the one warning names the column, in Spanish.
    (warned,) = ImportWarning.objects.filter(severity__in=("warn", "error"))
    assert (warned.code, warned.params["columns"]) == ("csv.staff_values_not_imported", "Sexo")


@pytest.mark.django_db
def test_a_bare_m_is_male_in_portuguese_and_french_and_refused_in_spanish(clinic, tmp_path):
    pt = [PORTUGUESE, ["PT-1", "João", "Silva", "1970-01-02", "M", ""],
          ["PT-2", "Inês", "Costa", "1971-02-03", "Feminino", "Doente"]]  # fmt: skip
    fr = [FRENCH, ["FR-1", "Luc", "Martin", "1972-03-04", "m", ""],
          ["FR-2", "Léa", "Petit", "1973-04-05", "Femme", "Patient"]]  # fmt: skip
    es = [SPANISH, ["ES-1", "Pilar", "Soto", "1974-05-06", "M", ""]]
    for name, rows in (("pt.csv", pt), ("fr.csv", fr), ("es.csv", es)):
        imported("import_patients", write(tmp_path / name, rows), clinic, tmp_path)
    found = sexes(clinic)
    assert (found["PT-1"], found["PT-2"], found["FR-1"], found["FR-2"]) == (
        "male",
        "female",
        "male",
        "female",
    )
    # In Spanish M may be Mujer or Masculino: the patient arrives, her sex left empty, and
    # the warning says why in the staff's language.
    assert found["ES-1"] == ""
    warning = ImportWarning.objects.get(code="csv.ambiguous_value")
    assert warning.message.startswith("line 2, Sexo: ambiguous in a sheet with Spanish headers")
    with translation.override("es"):
        assert "M puede ser Mujer o Masculino" in warning_text(warning)


@pytest.mark.django_db
def test_an_unknown_value_names_its_cell_and_the_accepted_values_in_english_and_spanish(
    clinic, tmp_path
):
    rows = [SPANISH, ["H-1", "Lucía", "Pérez", "1985-07-14", "Quizás", ""]]
    imported("import_patients", write(tmp_path / "p.csv", rows), clinic, tmp_path)
    assert sexes(clinic) == {"H-1": ""}
    warning = ImportWarning.objects.get(code="csv.unknown_value")
    assert warning.message == (
        "line 2, Sexo: unknown value (expected one of MALE, FEMALE, UNKNOWN, OTHER, "
        "NOT STATED) ('Quizás'); left empty"
    )
    with translation.override("en"):
        assert "(accepted: MALE, FEMALE, UNKNOWN, OTHER, NOT STATED)" in warning_text(warning)
    with translation.override("es"):
        spanish = warning_text(warning)
    assert spanish.startswith("Línea 2, Sexo: valor desconocido")
    assert "HOMBRE, MUJER, DESCONOCIDO, OTRO, NO CONSTA" in spanish


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_background_notes_and_medications_in_three_languages(clinic, tmp_path, suffix):
    people = [SPANISH, ["H-1", "Lucía", "Pérez", "1985-07-14", "", ""]]
    imported("import_patients", write(tmp_path / "p.csv", people), clinic, tmp_path)

    def sheet(name, rows):
        path = tmp_path / f"{name}.{suffix}"
        return write(path, rows) if suffix == "csv" else w.xlsx(path, {name: rows})

    background = [
        ["Paciente", "Descripción", "Tipo", "Fecha de inicio", "Gravedad", "Estado"],
        ["H-1", "Penicilina", "Alergia", "2015-06-01", "Grave", "Activo"],
        ["H-1", "Diabetes", "Enfermedad", "2016-06-01", "leve", "Resuelto"],
        ["H-1", "Asma", "Doença", "2017-06-01", "Moderada", ""],
        ["H-1", "Hypertension", "Antécédent médical", "2018-06-01", "Sévère", "Actif"],
        ["H-1", "Latex", "ALLERGY", "2019-06-01", "", ""],
    ]
    report = imported(
        "import_clinical_background", sheet("antecedentes", background), clinic, tmp_path
    )
    assert report["entities"]["csv_clinical_background"]["created"] == 5
    with scopes_disabled():
        alerts = {
            a.name: (a.kind, a.severity, a.status)
            for a in MedicalAlert.objects.filter(clinic=clinic)
        }
    assert alerts == {
        "Penicilina": ("allergy", "severe", "active"),
        "Diabetes": ("disease", "mild", "resolved"),
        "Asma": ("disease", "moderate", "active"),
        "Hypertension": ("disease", "severe", "active"),
        "Latex": ("allergy", "unspecified", "active"),
    }

    notes = [
        ["Paciente", "Fecha", "Texto", "Tipo de nota"],
        ["H-1", "2024-03-05", "Revisión", "Consulta"],
        ["H-1", "2024-03-06", "Derivada a cirugía", "Derivación"],
        ["H-1", "2024-03-07", "Suivi", "Évolution"],
    ]
    imported("import_clinical_notes", sheet("notas", notes), clinic, tmp_path)
    with scopes_disabled():
        kinds = dict(ClinicalNote.objects.filter(clinic=clinic).values_list("text", "note_type"))
    assert kinds == {
        "Revisión": "consultation",
        "Derivada a cirugía": "referral",
        "Suivi": "dental_progress",
    }

    medications = [
        ["Paciente", "Medicamento", "Posología", "Fecha de prescripción", "Estado"],
        ["H-1", "Amoxicilina", "1/8h", "2024-03-05", "Suspendido"],
        ["H-1", "Ibuprofeno", "1/12h", "2024-03-05", "Crónico"],
        ["H-1", "Paracetamol", "1/8h", "2024-03-05", "Annulé"],
    ]
    imported("import_medications", sheet("recetas", medications), clinic, tmp_path)
    with scopes_disabled():
        statuses = dict(Medication.objects.filter(clinic=clinic).values_list("drug_name", "status"))
    assert statuses == {
        "Amoxicilina": "discontinued",
        "Ibuprofeno": "repeat",
        "Paracetamol": "cancelled",
    }
    assert not ImportWarning.objects.filter(severity__in=("warn", "error")).exists()


@pytest.mark.django_db
def test_an_unknown_kind_refuses_the_row_listing_the_kinds(clinic, tmp_path):
    people = [SPANISH, ["H-1", "Lucía", "Pérez", "1985-07-14", "", ""]]
    imported("import_patients", write(tmp_path / "p.csv", people), clinic, tmp_path)
    rows = [["Paciente", "Descripción", "Tipo", "Fecha de inicio"],
            ["H-1", "Penicilina", "Cosa", "2015-06-01"]]  # fmt: skip
    report = imported("import_clinical_background", write(tmp_path / "b.csv", rows), clinic,
                      tmp_path)  # fmt: skip
    assert report["entities"]["csv_clinical_background"].get("created", 0) == 0
    warning = ImportWarning.objects.get(code="csv.unknown_value")
    assert "expected one of ALLERGY, MEDICAL CONDITION" in warning.message
    with translation.override("es"):
        assert "ALERGIA, ENFERMEDAD" in warning_text(warning)


@pytest.mark.django_db
def test_the_same_allergy_in_english_and_spanish_is_one_row(clinic, tmp_path):
    people = [SPANISH, ["H-1", "Lucía", "Pérez", "1985-07-14", "", ""]]
    imported("import_patients", write(tmp_path / "p.csv", people), clinic, tmp_path)
    for n, kind in enumerate(("ALLERGY", "alergia")):
        rows = [["PatientID", "Name", "Type", "OnsetDate"], ["H-1", "Penicilina", kind, ""]]
        imported("import_clinical_background", write(tmp_path / f"b{n}.csv", rows), clinic,
                 tmp_path)  # fmt: skip
    with scopes_disabled():
        assert MedicalAlert.objects.filter(clinic=clinic).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "sheet_type, command, entity",
    [
        ("clinical_background", "import_clinical_background", "csv_clinical_background"),
        ("clinical_notes", "import_clinical_notes", "csv_clinical_note"),
        ("medications", "import_medications", "csv_medication"),
    ],
)
def test_every_spanish_template_imports_with_its_spanish_example_values(
    clinic, tmp_path, suffix, sheet_type, command, entity
):
    out = tmp_path / f"p.{suffix}"
    call_command("sheet_template", "patients", str(out), "--language", "es")
    imported("import_patients", out, clinic, tmp_path)
    assert sexes(clinic) == {"P-0001": "female"}
    template = tmp_path / f"{sheet_type}.{suffix}"
    call_command("sheet_template", sheet_type, str(template), "--language", "es")
    report = imported(command, template, clinic, tmp_path)
    assert report["entities"][entity]["created"] == 1
    warnings = ImportWarning.objects.filter(severity__in=("warn", "error"))
    # The example's practitioner D-01 is not a staff member of the test clinic.
    assert {x.code for x in warnings} <= {"csv.practitioner_not_found"}


def test_values_ignore_case_accents_spacing_and_punctuation():
    for written in ("Medical condition", "MEDICAL_CONDITION", " medical-condition ", "Patología"):
        assert BACKGROUND_KINDS.read(written) == "medical_condition"
    for written in ("Varón", "VARON", "varón.", "Homme", "Masculino"):
        assert SEXES.read(written) == "male"
    assert SEXES.read("M") is None  # the sheet's language decides (read_person)


def test_no_word_names_two_values_of_one_column():
    from dentalpin_import.reader import sheet_vocabularies as V

    for vocabulary in (V.SEXES, V.BACKGROUND_KINDS, V.SEVERITIES, V.ALERT_STATUSES,
                       V.NOTE_TYPES, V.MEDICATION_STATUSES, V.ROLES):  # fmt: skip
        seen = {}
        for stored, (name, words) in vocabulary.values.items():
            for word in {V.word_key(x) for x in (name, stored, *words.split("|"))}:
                assert seen.setdefault(word, stored) == stored, (word, stored, seen[word])


def test_the_accepted_values_read_in_spanish():
    with translation.override("es"):
        assert translated_expected(SEXES.expected) == "HOMBRE, MUJER, DESCONOCIDO, OTRO, NO CONSTA"
        assert translated_expected("dni, nie") == "dni, nie"  # not ours: as written


def test_an_m_with_no_telling_headers_is_refused():
    from dentalpin_import.reader.sheet_specs import read_person

    cells = Cells(2, {"legacy_id": "1", "first_name": "A", "last_name": "B",
                      "date_of_birth": "2000-01-01", "gender": "M"},
                  {"legacy_id": "Código", "gender": "Sexo"})  # fmt: skip
    _record, fields, _key = read_person(cells)
    assert fields["sex"] == "" and cells.problems[0].code == "ambiguous_value"
    cells.labels = {"legacy_id": "LegacyPatientID", "gender": "Gender"}
    cells.problems.clear()
    assert read_person(cells)[1]["sex"] == "male" and not cells.problems
    assert dt.date(2000, 1, 1) == read_person(cells)[1]["date_of_birth"]


def test_every_listed_value_is_accepted_as_a_page_lists_it_in_either_language():
    from dentalpin_import.reader import sheet_vocabularies as V

    listed = (V.SEXES, V.BACKGROUND_KINDS, V.SEVERITIES, V.ALERT_STATUSES, V.NOTE_TYPES,
              V.MEDICATION_STATUSES)  # fmt: skip
    for language in ("en", "es"):
        with translation.override(language):
            for vocabulary in listed:
                said = translated_expected(vocabulary.expected).split(", ")
                assert [vocabulary.read(word) for word in said] == list(vocabulary.values)
