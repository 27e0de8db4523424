"""Workbooks laid out as reports: a title (merged or not) and a date above the header."""

import pytest
import xlsxwriter
from django_scopes import scopes_disabled

from clinics.models import Patient
from dentalpin_import.models import ImportWarning
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.sheet_source import read_sheet
from tests.dentalpin_import.csv.sheets import run

HEADER = ["Nº historia", "Nombre", "Apellidos", "Fecha de nacimiento", "Sexo"]


def report_like(path, *, merged_title: bool, rows):
    """A title in row 1 (merged across the columns or not), the date in row 2, then `rows`."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Listado")
    if merged_title:
        sheet.merge_range(0, 0, 0, len(HEADER) - 1, "Listado de pacientes — Clínica Sol")
    else:
        sheet.write_string(0, 0, "Listado de pacientes — Clínica Sol")
    sheet.write_string(1, 0, "Fecha del informe: 06/03/2024")
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return path


@pytest.mark.django_db
@pytest.mark.parametrize("merged_title", [False, True])
def test_the_header_below_a_report_title_is_found(clinic, tmp_path, merged_title):
    rows = [
        HEADER,
        ["H-1", "Lucía", "Pérez", "1985-07-14", "Mujer"],
        ["H-2", "Marcos", "Ruiz", "31/02/1990", "Hombre"],
    ]
    path = report_like(tmp_path / "listado.xlsx", merged_title=merged_title, rows=rows)
    status, out, _ = run("import_patients", path, clinic.slug)
    assert status == 0, out
    with scopes_disabled():
        found = dict(Patient.objects.filter(clinic=clinic).values_list("legacy_id", "sex"))
    assert found == {"H-1": "female", "H-2": "male"}
    # Lines are the spreadsheet's rows: the header is row 4, Marcos row 6.
    warning = ImportWarning.objects.get(code="csv.bad_date")
    assert warning.message.startswith("line 6, Fecha de nacimiento")


def test_a_sheet_with_no_known_header_is_refused_by_its_first_row(tmp_path):
    path = report_like(
        tmp_path / "otra.xlsx", merged_title=False, rows=[["Color", "Sabor"], ["rojo", "dulce"]]
    )
    with pytest.raises(ReadError) as refused:
        read_sheet(path)
    assert "matches none of the four sheets" in str(refused.value)
