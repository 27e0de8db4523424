"""Workbooks as sheets: xlsx, xls, ods; the sheet chooser; dates, formulas, hostile files."""

import datetime as dt

import pytest

from dentalpin_import.reader import workbooks
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.sheet_rows import MissingColumns
from dentalpin_import.reader.sheet_source import read_sheet
from tests.dentalpin_import.csv import workbooks as w

SPANISH = ["ID paciente", "Nombre", "Apellidos", "Fecha de nacimiento", "DNI/NIE", "Teléfono"]
NOTES = ["Paciente", "Fecha", "Texto"]


def two_sheets(path):
    """Notes first, patients second: the patients' birth dates as date cells and serials."""
    return w.xlsx(
        path,
        {
            "Resumen": [["Clínica Sol"], ["2024"]],
            "Pacientes": [
                SPANISH,
                ["P1", "Ana", "Gil", dt.date(1980, 4, 23), "12345678Z", 600123456],
                ["P2", "Luis", "Sanz", 29221, "X1234567L", "+34 600 000 000"],
            ],
        },
    )


def test_the_recognised_sheet_is_proposed_and_dates_read_from_cells_and_serials(tmp_path):
    path = two_sheets(tmp_path / "libro.xlsx")
    listed = workbooks.worksheets(path)
    assert [(s.name, s.match.sheet_type) for s in listed] == [
        ("Resumen", None),
        ("Pacientes", "patients"),
    ]
    assert workbooks.proposed(listed).name == "Pacientes"
    sheet = read_sheet(path)
    assert sheet.meta["format"] == "xlsx" and sheet.meta["worksheet"] == "Pacientes"
    ana, luis = sheet.parsed.records
    assert ana.date_of_birth == dt.date(1980, 4, 23)
    assert luis.date_of_birth == dt.date(1980, 1, 1)  # serial 29221
    assert ana.phone == "600123456"  # a number cell, without ".0"
    assert (ana.national_id, ana.national_id_type) == ("12345678Z", "dni")
    assert (luis.national_id, luis.national_id_type) == ("X1234567L", "nie")
    assert ana.line == 2 and sheet.problems == []


def test_a_named_sheet_is_read_and_an_unknown_name_is_refused_listing_the_sheets(tmp_path):
    path = two_sheets(tmp_path / "libro.xlsx")
    with pytest.raises(MissingColumns):
        read_sheet(path, worksheet="Resumen")
    with pytest.raises(ReadError) as refused:
        read_sheet(path, worksheet="Citas")
    assert str(refused.value) == (
        "the workbook has no sheet named Citas; its sheets are: Resumen, Pacientes"
    )


def test_formulas_are_read_as_their_cached_values(tmp_path):
    rows = [
        SPANISH,
        ["P1", ('=UPPER("ana")', "ANA"), "Gil", "1980-04-23", "", ("=1+1", 2)],
    ]
    sheet = read_sheet(w.xlsx(tmp_path / "f.xlsx", {"Hoja1": rows}))
    (ana,) = sheet.parsed.records
    assert (ana.given_name, ana.phone) == ("ANA", "2")


def test_merged_header_cells_are_refused_naming_the_columns(tmp_path):
    rows = [SPANISH, ["P1", "Ana", "Gil", "1980-04-23", "", ""]]
    path = w.xlsx(tmp_path / "m.xlsx", {"Hoja1": rows}, merge_header=(1, 2))
    with pytest.raises(ReadError) as refused:
        read_sheet(path)
    assert refused.value.code == workbooks.MERGED_HEADER
    assert "columns B to C" in str(refused.value)


def test_a_blank_header_between_named_columns_is_refused(tmp_path):
    rows = [["ID paciente", "", "Apellidos"], ["P1", "Ana", "Gil"]]
    path = w.ods(tmp_path / "b.ods", {"Hoja1": rows})
    with pytest.raises(ReadError) as refused:
        read_sheet(path)
    assert refused.value.code == workbooks.BLANK_HEADER
    assert "column B" in str(refused.value)


def test_an_opendocument_sheet_in_portuguese_is_read(tmp_path):
    rows = [
        ["ID do paciente", "Nome", "Apelido", "Data de nascimento", "Contribuinte"],
        ["PT1", "João", "Silva", "1970-01-02", "123456789"],
    ]
    sheet = read_sheet(w.ods(tmp_path / "p.ods", {"Folha1": rows}))
    assert sheet.meta["format"] == "ods" and sheet.spec.name == "patients"
    (joao,) = sheet.parsed.records
    assert (joao.given_name, joao.national_id, joao.national_id_type) == (
        "João",
        "123456789",
        "pt_nif",
    )


def test_an_old_excel_file_is_read_with_its_dates(tmp_path):
    rows = [NOTES, ["P1", dt.date(2024, 3, 5), "Revisión anual"]]
    sheet = read_sheet(w.xls(tmp_path / "n.xls", {"Notas": rows}))
    assert sheet.meta["format"] == "xls" and sheet.spec.name == "clinical_notes"
    (note,) = sheet.parsed.records
    assert note.written_at == dt.datetime(2024, 3, 5) and note.text == "Revisión anual"


def test_a_zip_bomb_is_refused_by_the_size_cap_before_it_is_unpacked(tmp_path):
    path = w.zip_bomb(tmp_path / "bomb.xlsx", unpacked=5_000_000)
    assert path.stat().st_size < 100_000
    with pytest.raises(ReadError) as refused:
        read_sheet(path, max_bytes=1_000_000)
    assert refused.value.code == workbooks.TOO_LARGE


def test_a_damaged_workbook_is_refused_saying_so(tmp_path):
    good = two_sheets(tmp_path / "libro.xlsx").read_bytes()
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(ReadError) as refused:
        read_sheet(path)
    assert "save" in str(refused.value)


def test_a_workbook_without_rows_is_refused(tmp_path):
    path = w.xlsx(tmp_path / "empty.xlsx", {"Hoja1": []})
    with pytest.raises(ReadError) as refused:
        read_sheet(path)
    assert refused.value.code == workbooks.NO_WORKSHEET


@pytest.mark.parametrize(
    "value, text",
    [
        (3.0, "3"),
        (3.25, "3.25"),
        (True, "TRUE"),
        (dt.datetime(2024, 3, 5, 10, 30), "2024-03-05 10:30:00"),
        (dt.datetime(2024, 3, 5), "2024-03-05"),
        ("=cmd|' /C calc'!A0", "=cmd|' /C calc'!A0"),
    ],
)
def test_cells_read_as_text_the_way_a_csv_would_hold_them(value, text):
    assert workbooks.text_of(value) == text


def test_a_serial_number_is_a_date_only_in_a_date_column():
    assert workbooks.text_of(45356, date_field=True) == "2024-03-05"
    assert workbooks.text_of(45356) == "45356"
