"""A staged sheet's header row and first rows, read without typing a single value.

A CSV sheet is read as the import reads it, a block at a time (`csv_sheets.text_lines`),
and only as far as its first rows: memory holds a block whatever the file's size.

What the wizard's column step shows (each column with a few sample values)
and decides on (do the headers make a known kind of sheet?). Reading errors
are not raised here: `peek` answers None and the full read refuses the file
with its reason.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from python_calamine import CalamineError, CalamineWorkbook

from dentalpin_import.reader import csv_sheets, sheet_rows, workbooks
from dentalpin_import.reader.errors import ReadError

SAMPLE_ROWS = 5
# Text read at most for the sample: a quote left open (or a huge first note) would
# otherwise have the csv module gather the rest of the file into one cell.
SAMPLE_CHARS = 1 << 20


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


def _csv(fh: BinaryIO, encoding: str | None) -> Peek | None:
    """The header and first rows of the CSV sheet in `fh`, read as the import reads it:
    a block at a time, and only as far as the sample goes once the encoding is settled."""
    with csv_sheets.text_lines(fh, encoding) as (_, lines, delimiter):
        reader = csv.reader(_at_most(lines, SAMPLE_CHARS), delimiter=delimiter)
        try:
            # Blank lines above the header come empty (`text_lines`): the header is the first
            # row with a value, as the import reads it.
            header = next((r for r in reader if any(c.strip() for c in r)), None)
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
    return Peek(sheet_rows.clean_header(header), samples)


def _at_most(lines, chars: int):
    """`lines` until they pass `chars` characters (the line that passes included)."""
    for line in lines:
        yield line
        chars -= len(line)
        if chars <= 0:
            return


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
        if Path(path).stat().st_size > settings.CSV_MAX_SHEET_BYTES:
            return None  # the full read refuses it, naming the limit
        with open(path, "rb") as fh:
            return _csv(fh, encoding)
    except (ReadError, OSError, CalamineError, ValueError):
        return None
