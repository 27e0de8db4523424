"""National ids in real workbooks and CSV files: numbers typed as Excel numbers, the usual
other ways of writing them, the types Spanish staff write, and every type's invalid numbers."""

import pytest
from django.utils import translation
from django_scopes import scopes_disabled

from clinics import national_ids as N
from clinics.models import ClinicalNote, Patient
from dentalpin_import.models import ImportWarning
from dentalpin_import.web.warning_lines import warning_text
from tests.dentalpin_import.csv import workbooks as w
from tests.dentalpin_import.csv.sheets import run, write

HEADER = ["Nº historia", "Nombre", "Apellidos", "Fecha de nacimiento", "Documento",
          "Tipo de documento"]  # fmt: skip


def imported(command, path, clinic, tmp_path):
    status, out, report = run(command, path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0, out
    return report


def ids(clinic):
    with scopes_disabled():
        return {
            p.legacy_id: (p.national_id, p.national_id_type)
            for p in Patient.objects.filter(clinic=clinic)
        }


@pytest.mark.django_db
def test_numbers_typed_as_excel_numbers_keep_every_digit(clinic, tmp_path):
    rows = [
        HEADER,
        ["1", "João", "Silva", "1970-01-02", 123456789, "NIF PT"],
        ["2", "Luc", "Martin", "1972-03-04", 185057800608491, "Sécurité sociale"],
        ["3", "Amy", "Pond", "1989-06-07", 9434765919, ""],
        ["4", "Ana", "Gil", "1980-01-01", "00000000T", "DNI"],
    ]
    imported("import_patients", w.xlsx(tmp_path / "p.xlsx", {"Pacientes": rows}), clinic,
             tmp_path)  # fmt: skip
    assert ids(clinic) == {
        "1": ("123456789", "pt_nif"),
        "2": ("185057800608491", "fr_nir"),
        "3": ("9434765919", "nhs"),
        "4": ("00000000T", "dni"),
    }
    assert not ImportWarning.objects.filter(severity__in=("warn", "error")).exists()


@pytest.mark.django_db
def test_the_usual_other_ways_are_stored_one_way_and_found_by_the_other_sheets(clinic, tmp_path):
    rows = [
        HEADER,
        ["1", "Pilar", "Soto", "1950-01-02", "1234567L", "DNI"],  # leading zero dropped
        ["2", "Ivan", "Petrov", "1960-01-02", "X-01234567-L", "NIE"],  # an old 8-digit NIE
        ["3", "Lucía", "Pérez", "1985-07-14", "ES 12.345.678-Z", ""],  # a VAT-style prefix
        ["4", "Inês", "Costa", "1971-02-03", "PT 501 442 600", "Contribuinte"],
    ]
    imported("import_patients", write(tmp_path / "p.csv", rows), clinic, tmp_path)
    assert ids(clinic) == {
        "1": ("01234567L", "dni"),
        "2": ("X1234567L", "nie"),
        "3": ("12345678Z", "dni"),
        "4": ("501442600", "pt_nif"),
    }
    notes = [
        ["Paciente", "Fecha", "Texto"],
        ["1234567-L", "2024-03-05", "Primera"],
        ["12.345.678-z", "2024-03-05", "Segunda"],
    ]
    imported("import_clinical_notes", write(tmp_path / "n.csv", notes), clinic, tmp_path)
    with scopes_disabled():
        found = dict(
            ClinicalNote.objects.filter(clinic=clinic).values_list("text", "patient__legacy_id")
        )
    assert found == {"Primera": "1", "Segunda": "3"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "number, kind, reason",
    [
        ("X1234567A", "NIE", "NIE with a wrong check letter"),
        ("K1234567A", "NIF", "Spanish NIF with a wrong check letter"),
        ("A58818502", "CIF", "Spanish company NIF with a wrong check character"),
        ("1234567A", "DNI", "DNI with a wrong check letter"),
        ("423456789", "NIF PT", "not a Portuguese NIF"),
        ("98505780060849", "NIR", "not a French NIR"),
        ("943476591", "NHS", "not an NHS number"),
        ("AB-12/#!", "Pasaporte", "not letters and digits only"),
    ],
)
def test_an_invalid_number_of_each_type_in_a_workbook_is_named_and_left_out(
    clinic, tmp_path, number, kind, reason
):
    rows = [HEADER, ["1", "Ana", "Gil", "1980-01-01", number, kind]]
    imported("import_patients", w.xlsx(tmp_path / "p.xlsx", {"Hoja1": rows}), clinic, tmp_path)
    assert ids(clinic) == {"1": ("", "")}
    warning = ImportWarning.objects.get(code="csv.invalid_national_id")
    assert warning.message.startswith(f"line 2, Documento: {reason}")
    assert number not in warning.message


@pytest.mark.parametrize(
    "written, stored",
    [
        ("1234567L", "01234567L"),
        ("X01234567L", "X1234567L"),
        ("ESB12345674", "B12345674"),
        ("pt123456789", "123456789"),
        ("P-0001", "P0001"),  # not a number of any kind: only compacted
    ],
)
def test_canonical_is_the_stored_form_of_a_valid_number(written, stored):
    assert N.canonical(written) == stored


def test_a_short_dni_with_a_wrong_letter_says_so_rather_than_its_shape():
    with pytest.raises(N.InvalidNationalId) as refused:
        N.check("1234567A")
    assert refused.value.reason == "DNI with a wrong check letter"


@pytest.mark.django_db
def test_an_unknown_type_word_lists_the_types_and_the_number_tells_its_own(clinic, tmp_path):
    rows = [HEADER, ["1", "Ana", "Gil", "1980-01-01", "12345678Z", "Carnet de biblioteca"]]
    imported("import_patients", write(tmp_path / "p.csv", rows), clinic, tmp_path)
    assert ids(clinic) == {"1": ("12345678Z", "dni")}
    warning = ImportWarning.objects.get(code="csv.unknown_value")
    assert "expected one of DNI, NIE, NIF, CIF, NIF PT, NIR, NHS, PASSPORT, OTHER" in (
        warning.message
    )
    with translation.override("es"):
        assert "NHS, PASAPORTE, OTRO" in warning_text(warning)
