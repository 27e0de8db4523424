"""A staged sheet's header row and first rows, read without typing a single value.

What the wizard's column step shows (each column with a few sample values)
and decides on (do the headers make a known kind of sheet?). Reading errors
are not raised here: `peek` answers None and the full read refuses the file
with its reason.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from python_calamine import CalamineError, CalamineWorkbook

from dentalpin_import.reader import csv_sheets, workbooks
from dentalpin_import.reader.errors import ReadError

SAMPLE_ROWS = 5


@dataclass
class Peek:
    """The header, up to `SAMPLE_ROWS` rows of cells, and a workbook's sheets (if any)."""

    headers: list[str]
    samples: list[list[str]]
    worksheets: list[str] = field(default_factory=list)
    proposed: str | None = None

    @property
    def needs_choice(self) -> bool:
        return len(self.worksheets) > 1


def _csv(data: bytes, encoding: str | None) -> Peek | None:
    decoded = csv_sheets.decode(data, encoding)
    delimiter = csv_sheets.sniff_delimiter(decoded.text)
    reader = csv.reader(io.StringIO(decoded.text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        rows = []
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append(cells)
            if len(rows) == SAMPLE_ROWS:
                break
    except csv.Error:
        return None
    if not header:
        return None
    width = len(header)
    samples = [[r[i] if i < len(r) else "" for i in range(width)] for r in rows]
    return Peek([h.strip() for h in header], samples)


def _workbook(path: Path, worksheet: str | None) -> Peek | None:
    """A workbook's sheets and the header of the chosen one (or of the one proposed)."""
    sheets = workbooks.worksheets(path, max_bytes=settings.CSV_MAX_SHEET_BYTES)
    if not sheets:
        return None
    best = workbooks.proposed(sheets)
    names = [s.name for s in sheets]
    chosen = next((s for s in sheets if s.name == worksheet), None)
    if chosen is None and worksheet:
        return None  # a name the workbook has not: the full read says so
    shown = chosen or best or sheets[0]
    samples = _workbook_samples(path, shown.name, len(shown.header))
    return Peek([h.strip() for h in shown.header], samples, names, best.name if best else None)


def _workbook_samples(path: Path, name: str, width: int) -> list[list[str]]:
    """The first non-blank rows under the header of sheet `name`, as text (dates ISO)."""
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name)
    rows, header_seen = [], False
    for cells in sheet.iter_rows():
        texts = [workbooks.text_of(c) for c in cells[:width]]
        if not any(t.strip() for t in texts):
            continue
        if not header_seen:
            header_seen = True  # the first non-blank row is the header (reader.workbooks)
            continue
        rows.append(texts + [""] * (width - len(texts)))
        if len(rows) == SAMPLE_ROWS:
            break
    return rows


def peek(path: Path, *, encoding: str | None, worksheet: str | None = None) -> Peek | None:
    """The staged sheet's header and first rows; None when it cannot be read this way."""
    try:
        if workbooks.kind_of(path):
            return _workbook(path, worksheet)
        data = csv_sheets.read_file(path, settings.CSV_MAX_SHEET_BYTES)
        return _csv(data, encoding)
    except (ReadError, OSError, CalamineError, ValueError):
        return None
