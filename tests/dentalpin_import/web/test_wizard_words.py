"""The wizard's data in words (templatetags/wizard_words.py), English and Spanish, 1 and many."""

import pytest
from django.utils import translation

from dentalpin_import.jobs.sheet_preview import PATIENT_TEXTS
from dentalpin_import.reader.sheet_values import SUMMARY, WHAT, RowProblem
from dentalpin_import.templatetags import sheet_words as S
from dentalpin_import.templatetags import wizard_words as W

DANGLING = {
    "kind": "dangling_reference",
    "entity_type": "appointment",
    "field": "patient_uuid",
    "target": "patient",
}


@pytest.mark.parametrize(
    "language, count, expected",
    [
        ("en", 1, "1 appointment points at patients that are not in the file"),
        ("en", 3, "3 appointments point at patients that are not in the file"),
        ("es", 1, "1 cita apunta a pacientes que no están en el archivo"),
        ("es", 1200, "1,200 citas apuntan a pacientes que no están en el archivo"),
    ],
)
def test_a_preflight_problem_reads_as_a_sentence_in_the_right_number(language, count, expected):
    with translation.override(language):
        assert W.preflight_text({**DANGLING, "count": count}) == expected


def test_every_kind_of_preflight_problem_has_its_own_sentence():
    kinds = (
        "dangling_reference",
        "missing_field",
        "duplicate_canonical_id",
        "missing_canonical_id",
        "duplicate_source_id",
    )
    with translation.override("es"):
        sentences = {
            W.preflight_text({**DANGLING, "kind": kind, "count": 2, "field": "amount"})
            for kind in kinds
        }
    assert len(sentences) == len(kinds)
    assert all("citas" in s and "appointment" not in s for s in sentences)


def test_samples_become_a_table_with_every_field_and_named_columns():
    samples = [{"source_id": "1", "given_name": "Ana"}, {"source_id": "2", "amount": "9.50"}]
    with translation.override("es"):
        table = W.sample_table(samples)
    assert [key for key, _ in table["columns"]] == ["source_id", "given_name", "amount"]
    assert [label for _, label in table["columns"]] == [
        "Identificador en el sistema anterior",
        "Nombre",
        "Importe",
    ]
    assert table["rows"] == [["1", "Ana", ""], ["2", "", "9.50"]]
    assert W.sample_table([]) == {"columns": [], "rows": []}


@pytest.mark.parametrize(
    "warning, english, spanish",
    [
        ({"entity_type": None, "source_id": None}, "the whole file", "el archivo entero"),
        ({"entity_type": "", "source_id": "7"}, "record 7", "registro 7"),
        ({"entity_type": "patient", "source_id": None}, "patients", "pacientes"),
        ({"entity_type": "patient", "source_id": "3"}, "patient 3", "paciente 3"),
    ],
)
def test_an_exporters_warning_names_its_record_never_none(warning, english, spanish):
    with translation.override("en"):
        assert W.warning_subject(warning) == english
    with translation.override("es"):
        assert W.warning_subject(warning) == spanish


def test_phases_and_delimiters_in_spanish():
    with translation.override("es"):
        assert W.phase_name("level 4 clinical") == "4. registros clínicos"
        assert W.phase_name("level 9 unknown types (raw)") == "9. tipos guardados tal cual"
        assert W.phase_name("level 5") == "registros, nivel 5"
        assert W.phase_name("something new") == "something new"
        assert S.delimiter_name("semicolon") == "punto y coma"
        assert S.delimiter_name("tab") == "tabulador"


@pytest.mark.django_db
def test_a_sheets_delimiter_is_named_in_spanish(staff_client, tmp_path):
    sheet = tmp_path / "pacientes.csv"
    sheet.write_text(
        "PatientID;FirstName;LastName;DateOfBirth\nP1;Ana;Ruiz;1980-01-02\nP2;Eva;Gil;ayer\n",
        encoding="utf-8",
    )
    with open(sheet, "rb") as fh:
        response = staff_client.post(
            "/import/sheets/new/", {"file": fh, "sheet": "patients"}, HTTP_ACCEPT_LANGUAGE="es"
        )
    page = staff_client.get(response.url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<dd class="delimiter">punto y coma</dd>' in page
    assert "<li>1 fila: DateOfBirth: no es una fecha — " in page
    line = "línea 3, DateOfBirth: no es una fecha (se esperaba AAAA-MM-DD) (&#x27;ayer&#x27;)"
    assert line in page
    assert "not a date" not in page and "left empty" not in page


def test_the_sheet_problems_the_page_translates_are_the_readers_own():
    # In English whatever language an earlier request left active in this thread.
    with translation.override("en"):
        assert {k: str(v) for k, v in S.SHEET_PROBLEMS.items()} == {**SUMMARY, **PATIENT_TEXTS}


@pytest.mark.parametrize(
    "group, english, spanish",
    [
        (
            {"kind": "bad_date", "count": 3, "text": "3 rows: DateOfBirth: not a date"},
            "3 rows: DateOfBirth: not a date",
            "3 filas: DateOfBirth: no es una fecha",
        ),
        (
            {"kind": "patient_not_found", "count": 1, "text": "1 rows: PatientID matches …"},
            "1 row: PatientID matches no patient of the clinic (yet)",
            "1 fila: PatientID no coincide con ningún paciente de la clínica (todavía)",
        ),
    ],
)
def test_a_sheets_problems_are_counted_and_named_in_the_pages_language(group, english, spanish):
    with translation.override("en"):
        assert S.sheet_problem_group(group) == english
    with translation.override("es"):
        assert S.sheet_problem_group(group) == spanish


def test_fields_are_named_in_words_never_by_their_code():
    with translation.override("en"):
        missing = {"kind": "missing_field", "entity_type": "appointment", "count": 2}
        assert W.preflight_text({**missing, "field": "professional_uuid"}) == (
            "2 appointments have no professional"
        )
        assert W.preflight_text({**missing, "field": "document_uuid"}) == (
            "2 appointments have no document"
        )
        other_link = {**DANGLING, "field": "payer_patient_uuid", "count": 1}
        assert W.preflight_text(other_link) == (
            "1 appointment points at patients that are not in the file (payer patient)"
        )
    with translation.override("es"):
        assert W.preflight_text({**missing, "field": "amount", "count": 1}) == (
            "1 cita no tiene importe"
        )


def test_the_line_problems_the_page_translates_are_the_readers_own():
    assert S.SHEET_WHAT == WHAT


@pytest.mark.parametrize(
    "problem, spanish",
    [
        (
            RowProblem(4, "DateOfBirth", "31/31/1980", "bad_date"),
            "línea 4, DateOfBirth: no es una fecha (se esperaba AAAA-MM-DD) ('31/31/1980'); "
            "se deja vacío",
        ),
        (
            RowProblem(
                5, "Sex", "X", "unknown_value", detail=WHAT["unknown_value"].format(expected="F, M")
            ),
            "línea 5, Sex: valor desconocido (se esperaba uno de F, M) ('X'); se deja vacío",
        ),
        (
            RowProblem(
                7, "(row)", "P1", "duplicate_key", True, WHAT["duplicate_key"].format(first=2)
            ),
            "línea 7, (row): la misma clave aparece en la línea 2; solo se importa la primera "
            "fila ('P1')",
        ),
        (
            RowProblem(8, "NationalID", "***12Z", "invalid_national_id", detail="bad letter"),
            "línea 8, NationalID: bad letter ('***12Z'); se deja vacío",
        ),
    ],
)
def test_a_sheets_problem_by_line_reads_in_spanish(problem, spanish):
    with translation.override("es"):
        assert S.sheet_problem(problem.as_dict()) == spanish
    with translation.override("en"):
        assert S.sheet_problem(problem.as_dict()) == problem.message


@pytest.mark.parametrize(
    "how, spanish",
    [
        ("valid UTF-8", "UTF-8 válido"),
        ("byte order mark", "marca de orden de bytes"),
        ("given", "según lo elegido"),
        (
            "detected (chardet proposed ISO-8859-1); Latin-1 reads the same",
            "detectada (chardet propuso ISO-8859-1); Latin-1 se lee igual",
        ),
        ("workbook (xlsx), sheet Pacientes", "libro (xlsx), hoja Pacientes"),
        ("something new", "something new"),
    ],
)
def test_how_a_sheets_encoding_was_chosen_in_spanish(how, spanish):
    with translation.override("es"):
        assert S.encoding_how(how) == spanish


@pytest.mark.django_db
def test_why_a_dni_or_a_date_is_refused_reads_in_spanish_without_the_number(staff_client, tmp_path):
    sheet = tmp_path / "pacientes.csv"
    sheet.write_text(
        "PatientID;FirstName;LastName;DateOfBirth;National ID;National ID Type\n"
        "P1;Ana;Ruiz;1980-01-02;12345678A;DNI\n"
        "P2;Eva;Gil;31/31/1980;;\n",
        encoding="utf-8",
    )
    with open(sheet, "rb") as fh:
        response = staff_client.post(
            "/import/sheets/new/", {"file": fh, "sheet": "patients"}, HTTP_ACCEPT_LANGUAGE="es"
        )
    page = staff_client.get(response.url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    # The problems list (the sample rows above it show the sheet as staff wrote it).
    page = page.split('class="problems">')[1].split("</ul>")[0]
    line = "línea 2, National ID: DNI con la letra de control equivocada (&#x27;••••••78A&#x27;)"
    assert line in page
    assert "línea 3, DateOfBirth: no es una fecha (se esperaba AAAA-MM-DD)" in page
    assert "[aviso]" in page and "[warn]" not in page
    assert "check letter" not in page and "not a date" not in page
    assert "12345678A" not in page and "123456" not in page  # the last three characters only
