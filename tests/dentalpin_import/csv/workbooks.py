"""Write real workbooks for tests: .xlsx (XlsxWriter), .ods (odfpy), .xls (xlwt)."""

from __future__ import annotations

import datetime as dt
import zipfile

import xlsxwriter
import xlwt
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P


def xlsx(path, sheets: dict[str, list[list]], *, merge_header: tuple[int, int] | None = None):
    """Write `sheets` ({name: rows}); dates as date cells, "=…" strings as formulas.

    A formula cell is a (formula, cached value) tuple. `merge_header` merges
    those two columns of the first sheet's header row.
    """
    book = xlsxwriter.Workbook(str(path))
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    for n, (name, rows) in enumerate(sheets.items()):
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, tuple):
                    sheet.write_formula(r, c, value[0], None, value[1])
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), day)
                elif isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write_number(r, c, value)
        if n == 0 and merge_header:
            first, last = merge_header
            sheet.merge_range(0, first, 0, last, rows[0][first])
    book.close()
    return path


def ods(path, sheets: dict[str, list[list]]):
    doc = OpenDocumentSpreadsheet()
    for name, rows in sheets.items():
        table = Table(name=name)
        for row in rows:
            tr = TableRow()
            for value in row:
                if isinstance(value, int | float):
                    cell = TableCell(valuetype="float", value=value)
                else:
                    cell = TableCell(valuetype="string")
                cell.addElement(P(text=str(value)))
                tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    doc.save(str(path))
    return path


def xls(path, sheets: dict[str, list[list]]):
    book = xlwt.Workbook()
    day = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    sheet.write(r, c, value, day)
                else:
                    sheet.write(r, c, value)
    book.save(str(path))
    return path


def zip_bomb(path, unpacked: int):
    """An .xlsx-looking zip whose one member unpacks to `unpacked` bytes of zeros."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * unpacked)
    return path
