"""Rows of a spreadsheet (CSV or workbook) → typed records: the header, the keys, the cells.

The header row is matched by `sheet_headers.recognise` (aliases, a column
mapping); a sheet whose required fields are not all there is refused naming
them. Every non-blank row after it becomes one record of the sheet's type;
the first row with a key keeps it, a repeated one is refused as a duplicate.
No Django models here. See docs/manual.en.md, "Spreadsheets".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.records import canonical_uuid
from dentalpin_import.reader.sheet_fields import FIELDS
from dentalpin_import.reader.sheet_headers import HeaderMatch, SheetMapping, normalise, recognise
from dentalpin_import.reader.sheet_keys import KeyStore
from dentalpin_import.reader.sheet_records import SheetRecord
from dentalpin_import.reader.sheet_specs import SHEETS, SheetSpec
from dentalpin_import.reader.sheet_spill import SpilledRecords
from dentalpin_import.reader.sheet_values import (
    DUPLICATE_KEY,
    EXTRA_VALUES,
    REPEATED_HEADER,
    WHAT,
    Cells,
)
from dentalpin_import.reader.values import clean_text

SOURCE_SYSTEM = "csv_sheets"
SAMPLE_ROWS = 5
MAX_COLUMNS = 1000

EMPTY = "empty_sheet"
MISSING_COLUMNS = "missing_columns"
UNKNOWN_SHEET = "unknown_sheet"
TOO_MANY_COLUMNS = "too_many_columns"
WRONG_MAPPING = "wrong_mapping"
COLUMN_TWICE = "column_twice"
UNNAMED_COLUMN = "unnamed_column"

MSG_EMPTY = "the file is empty: no header row"
MSG_MISSING = (
    "the {label} sheet lacks required columns: {missing} (the header is read from the first "
    "non-empty row)"
)
MSG_UNKNOWN_SHEET = (
    "the header matches none of the four sheets; closest is {label}, which lacks: {missing} "
    "(the header is read from the first non-empty row)"
)
MSG_COLUMN_TWICE = (
    "the columns {first!r} and {second!r} are both read as {field}: delete or rename one of "
    "them (a column mapping, --mapping, can then say what it holds)"
)
MSG_UNNAMED_COLUMN = (
    "column {column} has no header, yet line {line} has a value in it: give that column a "
    "header, or delete it"
)
MSG_TOO_MANY_COLUMNS = (
    "the header row has {count:,} columns, more than the {limit:,} a sheet may have: "
    "is the first row really the header?"
)
MSG_WRONG_MAPPING = (
    "the column mapping is for a {found} sheet, not a {wanted} one: choose the right mapping"
)


class MissingColumns(ReadError):
    """The header lacks required fields; `missing` lists their English column names.

    `match` is what `recognise` found (field names in `match.missing_required`),
    for a page that lets staff map the columns.
    """

    def __init__(self, spec: SheetSpec, missing, message: str, code=MISSING_COLUMNS, match=None):
        super().__init__(code, message)
        self.spec = spec
        self.missing = missing
        self.match = match


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # a codec name that decodes the file again exactly (`--encoding`)
    how: str  # why this encoding: "byte order mark", "valid UTF-8", "detected…", "given"


@dataclass
class ParsedSheet:
    spec: SheetSpec
    decoded: Decoded
    delimiter: str  # "" for a workbook
    header: list[str]
    ignored_columns: list[str]
    records: SpilledRecords = field(default_factory=SpilledRecords)
    samples: list[list[str]] = field(default_factory=list)
    match: HeaderMatch | None = None
    format: str = "csv"  # or xlsx, xls, ods
    worksheet: str = ""  # a workbook's sheet name

    @property
    def delimiter_name(self) -> str:
        return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(self.delimiter, "")


def match_header(
    header: list[str], sheet: str | None, mapping: SheetMapping | None = None
) -> tuple[SheetSpec, HeaderMatch]:
    """The sheet `header` belongs to and each column's field; `MissingColumns` to refuse it."""
    if len(header) > MAX_COLUMNS:
        message = MSG_TOO_MANY_COLUMNS.format(count=len(header), limit=MAX_COLUMNS)
        raise ReadError(TOO_MANY_COLUMNS, message)
    if sheet and mapping is not None and mapping.sheet_type != sheet:
        message = MSG_WRONG_MAPPING.format(
            found=SHEETS[mapping.sheet_type].label, wanted=SHEETS[sheet].label
        )
        raise ReadError(WRONG_MAPPING, message)
    found = recognise(header, mapping, sheet_type=sheet)
    if found.sheet_type is not None:
        return SHEETS[found.sheet_type], found
    spec = SHEETS[found.closest]
    columns = {f.name: f.column for f in FIELDS[spec.name]}
    missing = [columns[name] for name in found.missing_required]
    if sheet or mapping is not None:
        message = MSG_MISSING.format(label=spec.label, missing=", ".join(missing))
        raise MissingColumns(spec, missing, message, match=found)
    message = MSG_UNKNOWN_SHEET.format(label=spec.label, missing=", ".join(missing))
    raise MissingColumns(spec, missing, message, code=UNKNOWN_SHEET, match=found)


def clean_header(header: list[str]) -> list[str]:
    """Header cells as the reader keeps them: stripped, without NULs or lone surrogates
    (`clean_text`), which PostgreSQL refuses in the job's details and SQLite keeps."""
    return [clean_text(h)[0].strip() for h in header]


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: columns as the spreadsheet names them."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def start(header: list[str], *, sheet, mapping, decoded: Decoded, delimiter="", **more):
    """A `ParsedSheet` for `header` (refused as `match_header` says), with no rows yet."""
    header = clean_header(header)
    if not header or not any(header):
        raise ReadError(EMPTY, MSG_EMPTY)
    spec, found = match_header(header, sheet, mapping)
    if found.repeated:
        _refuse_column_twice(spec, header, found, mapping)
    ignored = [h.strip() for h, name in zip(header, found.columns, strict=True) if not name]
    ignored = [h for h in ignored if h]
    return ParsedSheet(spec, decoded, delimiter, header, ignored, match=found, **more)


def _refuse_column_twice(spec: SheetSpec, header, found: HeaderMatch, mapping) -> None:
    """Refuse two columns read as one field: which one holds it is for staff to say, as the
    browser's column step asks (the first one winning would drop the other unseen)."""
    second = found.repeated[0]
    name = recognise([second], mapping, sheet_type=spec.name).columns[0]
    first = header[found.positions[name]] if name in found.positions else second
    column = {f.name: f.column for f in FIELDS[spec.name]}.get(name, name)
    message = MSG_COLUMN_TWICE.format(first=first, second=second, field=column)
    raise ReadError(COLUMN_TWICE, message)


# Date headers in languages that write the day first (Fecha…, F. nac., Data…, Date de…, Né le).
DAY_FIRST_HEADERS = ("fecha", "fnac", "fec", "data", "datede", "nele")


def _day_first(header: str) -> bool:
    return normalise(header).startswith(DAY_FIRST_HEADERS)


def refused_key(line: int) -> str:
    """The key of an unusable row: `#line 5`, with a lone `#` no other key has.

    A legacy id `line 5` is a row's key as written (the keys of every sheet imported
    so far stay so), and `_Keys` doubles each `#` of a key and ends a repeat's with
    `#` and digits: no key it gives is `#line 5`. Not counted among the keys either:
    a refused row is no first row of its legacy id, nor a copy of another.
    """
    return f"#line {line}"


class _Keys:
    """Legacy keys seen so far: the first row with a key keeps it, later ones get `#n`.

    A key with a `#` of its own has each one doubled (`P1#2` is `P1##2`), so it never
    equals the id given to a repeat (`P1#2`, the second `P1`). Keys without one, the
    ids of every sheet imported so far, stay as they were.
    Kept on disk (`KeyStore`): a large sheet's keys do not grow memory.
    """

    def __init__(self):
        self.store = KeyStore()

    def source_id(self, key: str, row: Cells, former: str = "") -> tuple[str, str]:
        """The row's id, and the one versions before the doubling gave it (from `former`,
        the key as they made it, when that differs): the clinic may hold rows under it."""
        first, seen = self.store.first(key, row.line)
        own, earlier = key.replace("#", "##"), former or key
        if seen == 1:
            return own, earlier
        detail = WHAT[DUPLICATE_KEY].format(first=first)
        row.problem("(row)", key, DUPLICATE_KEY, blocking=True, detail=detail)
        return f"{own}#{seen}", f"{earlier}#{seen}"


def read_rows(
    parsed: ParsedSheet,
    rows: Iterable[tuple[int, list[str]]],
    *,
    source_system: str = SOURCE_SYSTEM,
    clean: bool = True,
) -> Iterator[SheetRecord]:
    """Yield a record per non-blank (line, cells) row, keeping the first rows as samples.

    `clean=False` skips the NUL/surrogate clean-up when the caller knows no cell needs it.
    """
    keys = _Keys()
    try:
        yield from _records(parsed, rows, keys, source_system, clean)
    finally:
        keys.store.close()


def _records(parsed: ParsedSheet, rows, keys: _Keys, source_system: str, clean: bool):
    positions = parsed.match.positions
    labels = {name: parsed.header[i].strip() for name, i in positions.items()}
    day_first = frozenset(name for name, label in labels.items() if _day_first(label))
    # The raw cells' names, worked out once: a blank header is "column n".
    names = [h.strip() or f"column {i + 1}" for i, h in enumerate(parsed.header)]
    unnamed = [i for i, h in enumerate(parsed.header) if not h.strip()]
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue  # blank lines hold nothing to lose
        _refuse_unnamed_values(unnamed, line, cells)
        if len(parsed.samples) < SAMPLE_ROWS:
            parsed.samples.append(list(cells))
        row = Cells(line, {}, labels, day_first)
        yield _record(parsed, row, cells, positions, keys, source_system, clean, names)


def _refuse_unnamed_values(unnamed: list[int], line: int, cells: list[str]) -> None:
    """Refuse a value under a blank header: no field reads it, so it would be lost unseen."""
    for i in unnamed:
        if i < len(cells) and cells[i].strip():
            message = MSG_UNNAMED_COLUMN.format(column=column_letter(i), line=line)
            raise ReadError(UNNAMED_COLUMN, message)


def _repeats_header(header: list[str], cells: list[str]) -> bool:
    """True for a row that is the header again (two exports pasted together, BOM and all)."""

    def bare(values):
        found = [v.replace("\ufeff", "").strip() for v in values]
        while found and not found[-1]:
            found.pop()
        return found

    return bare(cells) == bare(header)


def _record(parsed: ParsedSheet, row: Cells, cells, positions, keys, source_system, clean, names):
    header = parsed.header
    # The text rule DPMF payloads follow too (values.clean_text): the importer warns
    # about each cleaned cell as it does about a cleaned payload field.
    fixes = _clean_cells(header, cells) if clean else ()
    row.values = {name: cells[i] if i < len(cells) else "" for name, i in positions.items()}
    extra = [c for c in cells[len(header) :] if c.strip()]
    if extra:
        # Only how many: the spilled values may be pieces of a clinical note.
        row.problem("(row)", f"{len(extra)} more", EXTRA_VALUES, blocking=True)
    record_class, fields, key = parsed.spec.read(row)
    if _repeats_header(header, cells):
        # Its header words read as values ("Date of Birth" is no date) would hide the reason.
        row.problems = []
        row.problem("(row)", cells[0].replace("\ufeff", ""), REPEATED_HEADER, blocking=True)
    former = fields.pop("former_key", "")
    if any(p.blocking for p in row.problems):
        # An unusable row fails, and is tried again; its key never meets a row's (`refused_key`).
        source_id = earlier = refused_key(row.line)
    else:
        source_id, earlier = keys.source_id(key, row, former)
    if earlier != source_id:
        fields["former_key"] = earlier  # `SheetSource.take_former_keys`
    return record_class(
        canonical_uuid=canonical_uuid(source_system, parsed.spec.name, source_id),
        source_id=source_id,
        source_system=source_system,
        raw=dict(zip(names, cells, strict=False)),
        line=row.line,
        issues=tuple(row.problems),
        problems=fixes,
        **fields,
    )


def _clean_cells(header: list[str], cells: list[str]) -> tuple:
    """Clean `cells` in place; return a (column, code, "") problem for each cleaned one."""
    fixes = []
    for i, cell in enumerate(cells):
        text, codes = clean_text(cell)
        if codes:
            cells[i] = text
            column = header[i].strip() if i < len(header) else f"column {i + 1}"
            fixes += [(column, code, "") for code in codes]
    return tuple(fixes)
