"""Header recognition: aliases in four languages, sheet types, column mapping files."""

import json

import pytest

from dentalpin_import.reader import sheet_templates
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.sheet_fields import FIELDS
from dentalpin_import.reader.sheet_headers import (
    BAD_MAPPING,
    MAPPING_FORMAT,
    MAX_MAPPING_BYTES,
    SheetMapping,
    normalise,
    recognise,
    signature,
)
from dentalpin_import.reader.sheet_source import read_sheet


def test_normalise_ignores_case_accents_spaces_and_punctuation():
    assert normalise(" Fecha de  Nacimiento ") == normalise("FECHA_DE_NACIMIENTO")
    assert normalise("Legacy Patient ID") == normalise("LegacyPatientID")
    assert normalise("Teléfono móvil") == "telefonomovil"
    assert normalise("\ufeffNº historia") == "nohistoria"


@pytest.mark.parametrize("sheet_type", list(FIELDS))
def test_no_alias_names_two_fields_of_one_sheet_type(sheet_type):
    owner: dict[str, str] = {}
    for f in FIELDS[sheet_type]:
        for alias in (f.name, *f.headers.values(), *f.aliases):
            assert owner.setdefault(normalise(alias), f.name) == f.name, alias


@pytest.mark.parametrize(
    "headers, sheet_type",
    [
        (["ID paciente", "Nombre", "Apellidos", "Fecha de nacimiento", "DNI/NIE"], "patients"),
        (["Nº historia", "Nombre", "Apellidos", "F. nacimiento"], "patients"),
        (["ID do paciente", "Nome", "Apelido", "Data de nascimento", "Contribuinte"], "patients"),
        (["N° dossier", "Prénom", "Nom", "Date de naissance", "NIR"], "patients"),
        (["Legacy Patient ID", "First Name", "Surname", "DOB"], "patients"),
        (["Paciente", "Fecha", "Texto", "Profesional"], "clinical_notes"),
        (["Paciente", "Medicamento", "Posología", "Fecha de prescripción"], "medications"),
        (["Paciente", "Nombre", "Tipo", "Fecha de inicio", "Gravedad"], "clinical_background"),
    ],
)
def test_headers_in_four_languages_name_the_sheet_type(headers, sheet_type):
    found = recognise(headers)
    assert found.sheet_type == sheet_type
    assert found.unknown == [] and found.missing_required == []


def test_unknown_columns_are_listed_and_missing_required_fields_named():
    found = recognise(["Paciente", "Nombre", "Color favorito"], sheet_type="patients")
    assert found.sheet_type is None
    assert found.closest == "patients"
    assert found.unknown == ["Paciente", "Color favorito"]
    assert found.missing_required == ["legacy_id", "last_name", "date_of_birth"]


def test_a_mapping_names_unknown_columns_and_ignores_others():
    mapping = SheetMapping("patients", {"Código": "legacy_id", "Apodo": None})
    found = recognise(["Código", "Apodo", "Nombre", "Apellidos", "Nacido"], mapping)
    assert found.missing_required == ["date_of_birth"]
    mapping.columns["Nacido"] = "date_of_birth"
    found = recognise(["Código", "Apodo", "Nombre", "Apellidos", "Nacido"], mapping)
    assert found.sheet_type == "patients"
    assert found.columns == ["legacy_id", None, "first_name", "last_name", "date_of_birth"]
    assert found.unknown == []


def test_the_signature_depends_on_the_normalised_headers_only():
    assert signature(["Nombre", "Fecha"]) == signature(["NOMBRE ", "fecha"])
    assert signature(["Nombre", "Fecha"]) != signature(["Fecha", "Nombre"])


def test_a_mapping_file_reads_back_what_it_wrote():
    mapping = SheetMapping("medications", {"Fármaco": "drug_name", "Notas": None})
    again = SheetMapping.from_json(mapping.to_json())
    assert again == mapping
    assert json.loads(mapping.to_json())["format"] == MAPPING_FORMAT


@pytest.mark.parametrize(
    "text, words",
    [
        ("{", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"format": "other/1"}', "format should be"),
        (
            json.dumps({"format": MAPPING_FORMAT, "sheet_type": "invoices", "columns": {}}),
            "unknown kind",
        ),
        (
            json.dumps(
                {"format": MAPPING_FORMAT, "sheet_type": "patients", "columns": {"A": "salary"}}
            ),
            "'salary'",
        ),
        (
            json.dumps(
                {
                    "format": MAPPING_FORMAT,
                    "sheet_type": "patients",
                    "columns": {"A": "city", "B": "city"},
                }
            ),
            "both",
        ),
        (
            json.dumps({"format": MAPPING_FORMAT, "sheet_type": "patients", "columns": {"A": 3}}),
            "neither",
        ),
        (
            json.dumps({"format": MAPPING_FORMAT, "sheet_type": "patients", "columns": []}),
            "columns",
        ),
        ("[" * 100000, "larger than"),
        ("[" * 50000 + "]" * 50000 if MAX_MAPPING_BYTES > 100000 else "[" * 20000, "not"),
    ],
)
def test_a_hostile_mapping_file_is_refused_saying_what_is_wrong(text, words):
    with pytest.raises(ReadError) as refused:
        SheetMapping.from_json(text)
    assert refused.value.code == BAD_MAPPING
    assert words in str(refused.value)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("sheet_type", list(FIELDS))
def test_every_template_header_row_is_recognised_as_its_own_sheet(sheet_type, language):
    header = sheet_templates.header_row(sheet_type, language)
    found = recognise(header)
    assert found.sheet_type == sheet_type
    assert found.columns == [f.name for f in FIELDS[sheet_type]]


@pytest.mark.parametrize("sheet_type", list(FIELDS))
def test_a_csv_template_reads_back_as_one_example_row(tmp_path, sheet_type):
    path = tmp_path / "t.csv"
    path.write_bytes(sheet_templates.template_bytes(sheet_type, "csv", "es"))
    sheet = read_sheet(path)
    assert sheet.spec.name == sheet_type
    assert len(sheet.parsed.records) == 1 and sheet.problems == []


def test_a_template_in_an_unknown_format_is_refused():
    with pytest.raises(ValueError):
        sheet_templates.template_bytes("patients", "pdf")
