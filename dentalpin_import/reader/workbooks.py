"""Excel (.xlsx, .xls) and OpenDocument (.ods) workbooks read as sheets, through python-calamine.

A workbook is recognised by its first bytes (a zip holding an OpenDocument
mimetype or Excel parts, or an OLE2 compound file), never by its name: the
web flow keeps files under names of its own. The zip's unpacked size is checked
against the sheet size cap before anything is unpacked. Each worksheet's header
is its first non-blank row, or the first of its first rows that makes a known
sheet (a report's title above it); the one whose headers are recognised is proposed
(`worksheets`). Cells come as calamine reads them: formulas as their cached
values, dates as dates (written ISO), numbers without a spurious ".0", and a
plain number in a date column as an Excel serial day. A header cell merged with
its neighbours, or an empty header between named ones, refuses the sheet.
See docs/manual.en.md, "Spreadsheets".

Memory: python-calamine (0.9) reads a worksheet's cells whole before the first
row can be read; its rows are then turned into records and spilled one at a
time. So a workbook costs about one worksheet's cells, which the cap on the
unpacked size (CSV_MAX_SHEET_BYTES) bounds; a sheet too large for that is
better saved as CSV, which is read as a stream.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from dentalpin_import.reader import sheet_rows
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.sheet_headers import HeaderMatch, SheetMapping, recognise
from dentalpin_import.reader.sheet_rows import Decoded, ParsedSheet, column_letter

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
DATE_FIELDS = frozenset({"date_of_birth", "onset_date", "consultation_date", "prescription_date"})
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
LAST_SERIAL = 2958465  # 9999-12-31
TITLE_ROWS = 10  # rows a report's title, date or notes may take above the header

UNREADABLE_WORKBOOK = "unreadable_workbook"
PROTECTED_WORKBOOK = "protected_workbook"
NO_WORKSHEET = "no_worksheet"
UNKNOWN_WORKSHEET = "unknown_worksheet"
MERGED_HEADER = "merged_header"
BLANK_HEADER = "blank_header"
TOO_LARGE = "too_large"

MSG_UNREADABLE = (
    "the workbook cannot be read ({reason}): open it in its spreadsheet program and save it "
    "again, or save the sheet as CSV"
)
NOT_A_WORKBOOK = "a zip archive, damaged or not an Excel or OpenDocument workbook"
MSG_PROTECTED = "the workbook is protected by a password: save a copy without one"
MSG_NO_WORKSHEET = "the workbook has no worksheet with rows"
MSG_UNKNOWN_WORKSHEET = "the workbook has no sheet named {name}; its sheets are: {names}"
MSG_NO_MATCH = (
    "none of the workbook's sheets ({names}) has the headers of a known sheet: choose one "
    "(--sheet NAME) and map its columns"
)
MSG_MERGED_HEADER = (
    "the header row of sheet {sheet} has merged cells (columns {first} to {last}): unmerge "
    "them so that each column has its own header"
)
MSG_BLANK_HEADER = (
    "the header row of sheet {sheet} has no name in column {column}: give that column a "
    "header, or delete it"
)
MSG_TOO_LARGE = (
    "the workbook unpacks to more than {limit:,} bytes (CSV_MAX_SHEET_BYTES); split it or "
    "save the sheet as CSV"
)


@dataclass(frozen=True)
class Worksheet:
    """One sheet of a workbook: its name, header row and what the header is recognised as."""

    name: str
    header: list[str]
    match: HeaderMatch
    rows: int  # rows below the header, blank ones included


def kind_of(path: str | Path) -> str | None:
    """ "xlsx", "ods" or "xls" for a workbook (by its content), None for anything else."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(OLE_MAGIC):
        return "xls"
    if not head.startswith(ZIP_MAGIC):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and _mimetype(archive) == ODS_MIMETYPE:
                return "ods"
            if "[Content_Types].xml" in names:
                return "xlsx"
    except (zipfile.BadZipFile, OSError, ValueError):
        return "zip"  # damaged: refused as an unreadable workbook, not read as text
    return "zip"


def _mimetype(archive: zipfile.ZipFile) -> bytes:
    """The start of an OpenDocument's `mimetype` member: never more (it may be a zip bomb)."""
    with archive.open("mimetype") as fh:
        return fh.read(len(ODS_MIMETYPE) + 64).strip()


def read_size(path: str | Path, *, beyond: int | None = None) -> int | None:
    """The bytes a read of `path` goes through; None when that cannot be told.

    Never less than the file's own size: a zip of many empty members adds up to
    nothing but still costs its whole directory to parse. A file already larger
    than `beyond` is answered from its size alone, so a large zip's directory is
    never parsed in the request that asks.

    A zipped workbook (.xlsx, .ods) is read unpacked: the sum its zip directory
    gives for every member (read from the directory, nothing unpacked), as the
    cap counts it. Every member, not only the worksheets and shared strings:
    the workbook's own relationships may put a worksheet at any name. A member
    said to unpack to less than it takes packed is a directory that lies (no
    compression makes data grow more than a little): None, as for a damaged
    one, which the reader then refuses. Any other file (CSV, .xls) is read as it is.
    """
    path = Path(path)
    try:
        on_disk = path.stat().st_size
        with open(path, "rb") as fh:
            if not fh.read(len(ZIP_MAGIC)).startswith(ZIP_MAGIC):
                return on_disk
        if beyond is not None and on_disk > beyond:
            return on_disk
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except Exception:  # whatever a damaged directory raises: the size is unknown, not a crash
        return None
    if any(m.compress_size > m.file_size + m.file_size // 1000 + 1024 for m in members):
        return None
    return max(on_disk, sum(member.file_size for member in members))


def _check_unpacked_size(path: Path, kind: str, max_bytes: int | None) -> None:
    """Refuse a zip whose members unpack to more than the cap (a zip bomb is small)."""
    if max_bytes is None or kind == "xls":
        return
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReadError(UNREADABLE_WORKBOOK, MSG_UNREADABLE.format(reason=exc)) from None
    if total > max_bytes:
        raise ReadError(TOO_LARGE, MSG_TOO_LARGE.format(limit=max_bytes))


def _open(path: Path, max_bytes: int | None) -> CalamineWorkbook:
    kind = kind_of(path)
    if kind == "zip":
        raise ReadError(UNREADABLE_WORKBOOK, MSG_UNREADABLE.format(reason=NOT_A_WORKBOOK))
    _check_unpacked_size(path, kind or "", max_bytes)
    try:
        return CalamineWorkbook.from_path(str(path))
    except PasswordError:
        raise ReadError(PROTECTED_WORKBOOK, MSG_PROTECTED) from None
    except (CalamineError, OSError, ValueError) as exc:
        raise _unreadable(exc) from None


def _unreadable(exc: Exception) -> ReadError:
    reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return ReadError(UNREADABLE_WORKBOOK, MSG_UNREADABLE.format(reason=reason))


@contextmanager
def _damage_refused():
    """A worksheet damaged inside an intact workbook (its part cut short, or longer than its
    zip directory says) is met only when its cells are read: refused like one that cannot open.

    Only calamine's errors: an OSError here is the spill's (a full disk), not the file's.
    """
    try:
        yield
    except CalamineError as exc:
        raise _unreadable(exc) from None


def text_of(value, date_field: bool = False) -> str:
    """A cell as the sheet reader reads it: text, dates ISO, whole numbers without ".0"."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds").removesuffix(" 00:00:00")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int | float):
        if date_field and 1 <= value <= LAST_SERIAL:
            return text_of(EXCEL_EPOCH + dt.timedelta(days=float(value)), date_field=False)
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)
    return str(value)


def _rows(sheet) -> Iterator[tuple[int, list]]:
    """(spreadsheet row number, raw cells) of every row, from the sheet's first used row."""
    first = (sheet.start or (0, 0))[0]
    for offset, cells in enumerate(sheet.iter_rows()):
        yield first + offset + 1, cells


def _header_cells(cells) -> list[str]:
    header = sheet_rows.clean_header([text_of(c) for c in cells])  # `_x0000_` is a NUL
    while header and not header[-1]:
        header.pop()
    return header


def _header(sheet) -> tuple[int, list[str], Iterator[tuple[int, list]]]:
    """(row number, header cells, the rows after it).

    The header is the first of the first `TITLE_ROWS` non-blank rows that makes a known
    sheet (a report's title or date above it is left out), else the first non-blank row.
    """
    first = chosen = None
    for number, cells in _rows(sheet):
        header = _header_cells(cells)
        if header:
            first = first or (number, header)
            if recognise(header).sheet_type is not None:
                chosen = (number, header)
                break
        if first and number - first[0] >= TITLE_ROWS:
            break
    if first is None:
        return 0, [], iter(())
    number, header = chosen or first
    rows = _rows(sheet)
    for found, _cells in rows:
        if found == number:
            break
    return number, header, rows


def _check_header(sheet, number: int, header: list[str]) -> None:
    """Refuse merged header cells and blank ones between named columns."""
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or ():
        if top <= number - 1 <= bottom and right > left:
            message = MSG_MERGED_HEADER.format(
                sheet=sheet.name, first=column_letter(left), last=column_letter(right)
            )
            raise ReadError(MERGED_HEADER, message)
    offset = (sheet.start or (0, 0))[1]
    for i, name in enumerate(header):
        if not name:
            column = column_letter(offset + i)
            raise ReadError(BLANK_HEADER, MSG_BLANK_HEADER.format(sheet=sheet.name, column=column))


def worksheets(
    path: str | Path, *, mapping: SheetMapping | None = None, max_bytes: int | None = None
) -> list[Worksheet]:
    """Every worksheet with rows, its header and what it is recognised as (for a chooser)."""
    book = _open(Path(path), max_bytes)
    found = []
    with _damage_refused():
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            _, header, _ = _header(sheet)
            if header:
                match = recognise(header, mapping)
                found.append(Worksheet(name, header, match, max(sheet.height - 1, 0)))
    return found


def proposed(sheets: list[Worksheet]) -> Worksheet | None:
    """The worksheet whose headers are recognised (the most fields when several), or None."""
    known = [s for s in sheets if s.match.sheet_type is not None]
    return max(known, key=lambda s: len(s.match.positions), default=None)


def _choose(book, worksheet: str | None, mapping: SheetMapping | None, sheet_type):
    names = book.sheet_names
    if worksheet:
        if worksheet not in names:
            listed = ", ".join(names)
            raise ReadError(
                UNKNOWN_WORKSHEET, MSG_UNKNOWN_WORKSHEET.format(name=worksheet, names=listed)
            )
        return book.get_sheet_by_name(worksheet)
    # Only names are kept: calamine holds each sheet's cells while it is referenced, and
    # the one chosen is loaded again rather than every sheet of the workbook at once.
    candidates = []
    for name in names:
        _, header, _ = _header(book.get_sheet_by_name(name))
        if header:
            candidates.append((name, recognise(header, mapping, sheet_type=sheet_type)))
    if not candidates:
        raise ReadError(NO_WORKSHEET, MSG_NO_WORKSHEET)
    known = [(s, m) for s, m in candidates if m.sheet_type is not None]
    if known:
        return book.get_sheet_by_name(max(known, key=lambda pair: len(pair[1].positions))[0])
    if len(candidates) == 1:
        # The one sheet: refused below naming what it lacks.
        return book.get_sheet_by_name(candidates[0][0])
    listed = ", ".join(name for name, _ in candidates)
    raise ReadError(UNKNOWN_WORKSHEET, MSG_NO_MATCH.format(names=listed))


def parse_workbook(
    path: str | Path,
    *,
    sheet: str | None = None,
    worksheet: str | None = None,
    mapping: SheetMapping | None = None,
    source_system: str = sheet_rows.SOURCE_SYSTEM,
    max_bytes: int | None = None,
) -> ParsedSheet:
    """Read one worksheet into typed records; raise `ReadError` to refuse it.

    `sheet` is the sheet type (a command's own), `worksheet` the workbook's
    sheet name (`--sheet`); without it the recognised worksheet is read.
    """
    path = Path(path)
    book = _open(path, max_bytes)
    with _damage_refused():
        return _parse(path, book, sheet, worksheet, mapping, source_system)


def _parse(path: Path, book, sheet, worksheet, mapping, source_system) -> ParsedSheet:
    chosen = _choose(book, worksheet, mapping, sheet)
    number, header, rows = _header(chosen)
    if header:
        _check_header(chosen, number, header)
    kind = kind_of(path) or "xlsx"
    decoded = Decoded("", "", f"workbook ({kind}), sheet {chosen.name}")
    parsed = sheet_rows.start(
        header, sheet=sheet, mapping=mapping, decoded=decoded, format=kind, worksheet=chosen.name
    )
    dates = {i for i, name in enumerate(parsed.match.columns) if name in DATE_FIELDS}
    cells = (
        (line, [text_of(v, i in dates) for i, v in enumerate(values)]) for line, values in rows
    )
    parsed.records.extend(sheet_rows.read_rows(parsed, cells, source_system=source_system))
    return parsed
