"""Blank sheet templates with one example row, as CSV or XLSX, headers in English or Spanish.

The headers are the fields' template headers (`sheet_fields`), which the reader
recognises, so a template filled in imports as it is. The CSV is UTF-8 with a
byte order mark (spreadsheet programs then open its accents right). Used by
`manage.py sheet_template` and by the wizard's template downloads.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import xlsxwriter

from dentalpin_import.reader.sheet_fields import FIELDS, LANGUAGES

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def header_row(sheet_type: str, language: str = "en") -> list[str]:
    """The template's headers (KeyError for an unknown sheet type)."""
    lang = language if language in LANGUAGES else "en"
    return [f.headers[lang] for f in FIELDS[sheet_type]]


def example_row(sheet_type: str, language: str = "en") -> list[str]:
    """The example row, its coded values in the template's language (which the reader accepts)."""
    return [f.example_in(language) for f in FIELDS[sheet_type]]


def file_name(sheet_type: str, fmt: str, language: str = "en") -> str:
    return f"{sheet_type}_template_{language}.{fmt}"


def template_bytes(sheet_type: str, fmt: str = "csv", language: str = "en") -> bytes:
    """The template file's content; ValueError for an unknown format, KeyError for a type."""
    header, example = header_row(sheet_type, language), example_row(sheet_type, language)
    if fmt == "csv":
        text = io.StringIO(newline="")
        csv.writer(text, lineterminator="\r\n").writerows([header, example])
        return ("\ufeff" + text.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        return _xlsx(sheet_type, header, example)
    raise ValueError(f"unknown template format {fmt!r} (csv or xlsx)")


def _xlsx(sheet_type: str, header: list[str], example: list[str]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet(sheet_type[:31])
    bold = book.add_format({"bold": True})
    # Every cell is text: a spreadsheet would otherwise turn ids into numbers and
    # dates into its own locale's format.
    text = book.add_format({"num_format": "@"})
    for column, (name, value) in enumerate(zip(header, example, strict=True)):
        sheet.write_string(0, column, name, bold)
        sheet.write_string(1, column, value, text)
        sheet.set_column(column, column, max(len(name), len(value), 10) + 2, text)
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()


def write_template(sheet_type: str, path: str | Path, language: str = "en") -> str:
    """Write the template to `path` in the format its extension names; return the format."""
    fmt = Path(path).suffix.lower().lstrip(".")
    data = template_bytes(sheet_type, fmt, language)
    Path(path).write_bytes(data)
    return fmt
