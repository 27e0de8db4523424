"""Sheets a reviewer sent to break the reader: odd clocks, huge cells, NULs in headers,
headers pasted twice, blank lines first, ids that look generated, unnamed or doubled columns."""

import csv
import datetime as dt

import pytest
from django_scopes import scopes_disabled

from clinics.models import ClinicalNote, Patient
from dentalpin_import.models import ImportWarning
from dentalpin_import.reader import csv_sheets
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.sheet_headers import SheetMapping
from dentalpin_import.reader.sheet_source import read_sheet
from dentalpin_import.reader.sheet_values import BAD_DATE, Cells
from tests.dentalpin_import.csv.sheets import NOTES_HEADER, patients_rows, run, write
from tests.dentalpin_import.csv.workbooks import xlsx

HEADER = "LegacyPatientID,First Name,Last Name,Date of Birth"


def sheet(tmp_path, text: str, name="p.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def counts(report, kind="csv_patient"):
    found = report["entities"][kind]
    return found["created"], found["failed"], found["already_mapped"]


@pytest.fixture
def small_field_limit():
    """The csv module's own limit, as a fresh process has it (other tests raise it)."""
    before = csv.field_size_limit()
    csv.field_size_limit(131072)
    yield
    csv.field_size_limit(before)


# 1. Clock times --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, read",
    [
        ("2024-01-01 10:30:59", dt.datetime(2024, 1, 1, 10, 30, 59)),
        ("2024-01-01 10:30:60", None),
        ("2024-01-01 10:30:99", None),
        ("2024-01-01 10:60", None),
        ("2024-01-01 24:00", None),
        ("01/02/2024 23:59:60", None),
    ],
)
def test_a_clock_time_out_of_range_is_a_bad_date_never_an_error(written, read):
    cells = Cells(2, {"d": written}, day_first=frozenset({"d"}))
    assert cells.datetime("d") == read
    assert [p.code for p in cells.problems] == ([] if read else [BAD_DATE])


@pytest.mark.django_db
def test_a_note_at_second_60_imports_without_its_date_and_a_warning(tmp_path, clinic):
    assert run("import_patients", write(tmp_path / "p.csv", patients_rows()), clinic.slug)[0] == 0
    rows = [NOTES_HEADER, ["P001", "2024-01-01 10:30:60", "hola", "", "", "", ""]]
    status, out, report = run(
        "import_clinical_notes",
        write(tmp_path / "n.csv", rows),
        clinic.slug,
        report=tmp_path / "r.json",
    )
    assert status == 0, out
    assert counts(report, "csv_clinical_note")[:2] == (1, 0)
    assert ImportWarning.objects.filter(code="csv.bad_date").count() == 1
    with scopes_disabled():
        assert ClinicalNote.objects.get().text == "hola"


# 2. Huge cells ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_first_line_longer_than_the_csv_default_is_refused_not_a_crash(
    tmp_path, clinic, small_field_limit
):
    path = sheet(tmp_path, '[{"id": "P0", "notas": "' + "x" * 200_000 + '"}]')
    status, message, _ = run("import_patients", path, clinic.slug)
    assert status == 2 and message.startswith("refused: "), message


def test_a_cell_over_the_field_limit_is_refused_naming_its_line_and_the_limit(
    tmp_path, monkeypatch, small_field_limit
):
    monkeypatch.setattr(csv_sheets, "MAX_FIELD", 150_000)
    path = sheet(tmp_path, f'{HEADER}\nP1,Ana,"{"x" * 160_000}",1980-01-02\n')
    with pytest.raises(ReadError) as refused:
        read_sheet(path)
    assert str(refused.value) == csv_sheets.MSG_CELL_TOO_LARGE.format(line=2, limit=150_000)
    assert "quote" not in str(refused.value)


# 3. NULs in header cells -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, given", [("utf-8-sig", None), ("utf-16", None), ("latin-1", "latin-1")]
)
@pytest.mark.django_db
def test_a_nul_in_a_header_cell_is_cleaned_whatever_the_encoding(tmp_path, clinic, encoding, given):
    path = sheet(tmp_path, f"{HEADER},No\x00tes\nP1,Ana,López,1980-01-02,x\n", encoding=encoding)
    parsed = read_sheet(path, encoding=given).parsed
    assert parsed.header[-1] == "Notes" and parsed.ignored_columns == ["Notes"]
    extra = ("--encoding", given) if given else ()
    status, out, report = run(
        "import_patients", path, clinic.slug, *extra, report=tmp_path / "r.json"
    )
    assert status == 0, out
    assert "\x00" not in str(report)


def test_a_nul_in_a_workbook_header_cell_is_cleaned(tmp_path):
    path = xlsx(
        tmp_path / "p.xlsx",
        {"P": [[*HEADER.split(","), "No\x00tes"], ["P1", "Ana", "L", "1980-01-02", "x"]]},
    )
    source = read_sheet(path)
    assert "\x00" not in "".join(source.parsed.header) and source.parsed.records.counts


# 4. A header row pasted twice ------------------------------------------------------------------


@pytest.mark.parametrize("bom", ["", "\ufeff"])
@pytest.mark.django_db
def test_a_repeated_header_row_is_not_a_patient_but_a_warning(tmp_path, clinic, bom):
    rows = ["P1,Ana,López,1980-01-02", f"{bom}{HEADER}", "P2,Bea,Ruiz,1981-01-02"]
    text = bom + "\r\n".join([HEADER, *rows]) + "\r\n"
    status, out, report = run(
        "import_patients", sheet(tmp_path, text), clinic.slug, report=tmp_path / "r.json"
    )
    assert status == 0, out
    assert counts(report)[:2] == (2, 1)
    warning = ImportWarning.objects.get(code="csv.repeated_header")
    assert "line 3" in warning.message and "repeated header row" in warning.message
    assert not ImportWarning.objects.filter(code="csv.bad_date").exists()
    with scopes_disabled():
        assert sorted(Patient.objects.values_list("legacy_id", flat=True)) == ["P1", "P2"]


# 5. What comes before the header ---------------------------------------------------------------


@pytest.mark.parametrize(
    "above, delimiter",
    [
        ("\r\n", ","),
        (";;;\r\n", ";"),
        ("\r\n  \r\n,,,\r\n", ","),
        ("sep=;\n", ";"),
        ("sep=|\n", "|"),
    ],
)
def test_blank_rows_and_a_sep_line_above_the_header_are_skipped(tmp_path, above, delimiter):
    body = f"{HEADER}\r\nP1,Ana,López,1980-01-02\r\nP2,Bea,Ruiz,13/13/1990\r\n"
    path = sheet(tmp_path, above + body.replace(",", delimiter))
    source = read_sheet(path)
    assert [r.source_id for r in source.parsed.records] == ["P1", "P2"]
    assert source.parsed.delimiter == delimiter
    lines = above.count("\n")
    assert [p.line for p in source.problems] == [lines + 3]  # the file's own line numbers


@pytest.mark.django_db
def test_a_title_line_above_the_header_is_refused_saying_where_the_header_is_read(tmp_path, clinic):
    path = sheet(tmp_path, f"Listado de pacientes\r\n{HEADER}\r\nP1,Ana,López,1980-01-02\r\n")
    status, message, _ = run("import_patients", path, clinic.slug)
    assert status == 2 and "lacks required columns" in message
    assert message.endswith("(the header is read from the first non-empty row)")


# 6. Ids that look like the ones given to repeats -----------------------------------------------


@pytest.mark.django_db
def test_an_id_like_a_repeats_never_clashes_with_it_and_a_rerun_changes_nothing(tmp_path, clinic):
    text = f"{HEADER}\nP1,Ana,Uno,1980-01-02\nP1,Carla,Tres,1982-01-02\nP1#2,Bea,Dos,1981-01-02\n"
    path = sheet(tmp_path, text)
    # The ids of an id without a `#` and of its repeats are those earlier imports gave them.
    assert [r.source_id for r in read_sheet(path).parsed.records] == ["P1", "P1#2", "P1##2"]
    seen = []
    for n in range(3):
        status, out, report = run(
            "import_patients", path, clinic.slug, report=tmp_path / f"{n}.json"
        )
        assert status == 0, out
        seen.append(counts(report))
    assert seen == [(2, 1, 0), (0, 0, 3), (0, 0, 3)]
    with scopes_disabled():
        assert sorted(Patient.objects.values_list("given_name", flat=True)) == ["Ana", "Bea"]


# 7. Unnamed and doubled columns ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_value_under_a_blank_header_is_refused_naming_the_column_and_line(tmp_path, clinic):
    text = (
        "LegacyPatientID,,First Name,Last Name,Date of Birth\n"
        "P1,,Ana,L,1980-01-02\nP2,x,Bea,R,1981-01-02\n"
    )
    status, message, _ = run("import_patients", sheet(tmp_path, text), clinic.slug)
    assert status == 2
    assert message == (
        "refused: column B has no header, yet line 3 has a value in it: give that column a "
        "header, or delete it"
    )


def test_a_blank_header_with_nothing_under_it_is_fine(tmp_path):
    text = f"{HEADER},\nP1,Ana,López,1980-01-02,\n"
    assert read_sheet(sheet(tmp_path, text)).parsed.records.counts["csv_patient"] == 1


@pytest.mark.parametrize(
    "header, first, second, field",
    [
        (HEADER.replace(",Last", ",First Name,Last"), "First Name", "First Name", "First Name"),
        (HEADER + ",Apellidos", "Last Name", "Apellidos", "Last Name"),
    ],
)
@pytest.mark.django_db
def test_two_columns_read_as_one_field_are_refused_naming_both(
    tmp_path, clinic, header, first, second, field
):
    text = f"{header}\nP1,Ana,María,López,1980-01-02\n"
    status, message, _ = run("import_patients", sheet(tmp_path, text), clinic.slug)
    assert status == 2
    assert message == "refused: " + csv_sheets.MSG_COLUMN_TWICE.format(
        first=first, second=second, field=field
    )


@pytest.mark.django_db
def test_two_note_columns_import_once_a_mapping_ignores_one(tmp_path, clinic):
    path = sheet(tmp_path, "Paciente,Fecha,Observaciones,Evolución\nP1,2024-01-01,a,b\n")
    assert run("import_clinical_notes", path, clinic.slug)[0] == 2
    mapping = tmp_path / "m.json"
    mapping.write_text(
        '{"format": "dentalpin-sheet-mapping/1", "sheet_type": "clinical_notes", '
        '"columns": {"Evolución": null}}'
    )
    read = read_sheet(path, mapping=SheetMapping.from_json(mapping.read_text())).parsed
    assert read.records.counts["csv_clinical_note"] == 1 and read.ignored_columns == ["Evolución"]


def test_a_workbook_with_a_header_twice_is_refused_as_a_csv_sheet_is(tmp_path):
    rows = [["LegacyPatientID", "First Name", "First Name", "Last Name", "Date of Birth"]]
    path = xlsx(tmp_path / "p.xlsx", {"P": rows + [["P1", "Ana", "Eva", "L", "1980-01-02"]]})
    with pytest.raises(ReadError) as refused:
        read_sheet(path)
    assert refused.value.code == "column_twice"


# 8. Encodings no single guess reads right ------------------------------------------------------

NAMES = ["José,Muñoz", "María,Núñez", "Íñigo,Pérez", "Begoña,Ibáñez", "Ángel,Gómez"]


def named_rows(names, start=0) -> str:
    return "".join(f"P{start + i},{n},1980-01-02\r\n" for i, n in enumerate(names))


def test_utf8_rows_appended_to_a_windows_1252_sheet_are_refused_not_garbled(tmp_path):
    data = (f"{HEADER}\r\n" + named_rows(NAMES * 4)).encode("cp1252")
    path = tmp_path / "p.csv"
    path.write_bytes(data + named_rows(["Begoña,Muñoz"], start=100).encode())
    with pytest.raises(ReadError) as refused:
        read_sheet(path)
    assert "mixes UTF-8 with another encoding" in str(refused.value)


@pytest.mark.django_db
def test_a_dos_export_is_refused_naming_encoding_until_it_is_given(tmp_path, clinic):
    path = sheet(tmp_path, f"{HEADER}\r\n" + named_rows(NAMES * 2), encoding="cp850")
    status, message, _ = run("import_patients", path, clinic.slug)
    assert status == 2 and message == "refused: " + csv_sheets.MSG_UNSURE
    assert run("import_patients", path, clinic.slug, "--encoding", "cp850")[0] == 0
    with scopes_disabled():
        assert Patient.objects.get(legacy_id="P3").given_name == "Begoña"
