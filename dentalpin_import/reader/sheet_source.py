"""A parsed CSV sheet behind the same interface as an opened DPMF container.

The runner, validation, reconciliation and the report read a source through
`source_system`, `entity_types`, `iter_rows()`, `iter_files()`,
`iter_warnings()` and a few file facts; `SheetSource` provides exactly those,
so a sheet goes through the one engine that imports DPMF files.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

from dentalpin_import.reader import workbooks
from dentalpin_import.reader.csv_sheets import SOURCE_SYSTEM, ParsedSheet, parse_file
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.records import canonical_uuid
from dentalpin_import.reader.rows import EntityTypeInfo, FilesSummary, SourceFile, SourceWarning
from dentalpin_import.reader.sheet_headers import SheetMapping
from dentalpin_import.reader.sheet_records import SheetRecord
from dentalpin_import.reader.sheet_spill import SpilledRecords
from dentalpin_import.reader.sheet_values import RowProblem

LAYERING = "csv"


class SheetRow:
    """What the runner's chunk writer reads of a row; the typed record rides along."""

    __slots__ = ("record",)
    decode_error = None

    def __init__(self, record: SheetRecord):
        self.record = record

    @property
    def entity_type(self) -> str:
        return self.record.entity_type

    @property
    def canonical_uuid(self) -> str:
        return self.record.canonical_uuid

    @property
    def source_id(self) -> str:
        return self.record.source_id

    @property
    def source_system(self) -> str:
        return self.record.source_system


class SheetSource:
    """One sheet, read once, its records kept out of memory (`sheet_spill`) and read by the
    runner type by type, a chunk at a time, in file order."""

    layering = LAYERING
    format_version = "csv"

    def __init__(self, parsed: ParsedSheet, path: Path, data: bytes | None = None):
        self.parsed = parsed
        self.path = path
        if data is None:
            self.file_sha256, self.file_size = _file_digest(path)
        else:
            self.file_sha256, self.file_size = hashlib.sha256(data).hexdigest(), len(data)
        self.computed_hash = self.file_sha256
        first = next(iter(parsed.records), None)
        self.source_system = first.source_system if first is not None else SOURCE_SYSTEM
        self.entity_types = [
            EntityTypeInfo(t, self.count(t), "csv", self.count(t)) for t in parsed.spec.entity_types
        ]
        self.notes = []
        if parsed.ignored_columns:
            self.notes.append("columns not used: " + ", ".join(parsed.ignored_columns))

    @property
    def spec(self):
        return self.parsed.spec

    @property
    def declared_hash(self) -> str:
        return self.file_sha256

    @property
    def meta(self) -> dict:
        decoded = self.parsed.decoded
        match = self.parsed.match
        return {
            "format": self.parsed.format,
            "worksheet": self.parsed.worksheet,
            "signature": match.signature if match else "",
            "fields": list(match.columns) if match else [],
            "sheet": self.spec.name,
            "sheet_label": self.spec.label,
            "encoding": decoded.encoding,
            "encoding_how": decoded.how,
            "delimiter": self.parsed.delimiter_name,
            "columns": [h.strip() for h in self.parsed.header],
            "ignored_columns": self.parsed.ignored_columns,
            "source_system": self.source_system,
        }

    @property
    def problems(self) -> list[RowProblem]:
        """Every value that cannot be used, in line order."""
        return [p for r in self.parsed.records for p in r.issues]

    def records(self, entity_type: str) -> Iterator[SheetRecord]:
        """The records of one type, in file order, read a chunk at a time."""
        for chunk in self.parsed.records.chunks(entity_type):
            yield from (r for r in chunk if r.entity_type == entity_type)

    def count(self, entity_type: str) -> int:
        return self.parsed.records.counts[entity_type]

    def iter_rows(
        self, entity_type: str, *, chunk_size: int = 500, after_uuid: str | None = None
    ) -> Iterator[list[SheetRow]]:
        """Yield the rows of one type in file order, `chunk_size` at a time."""
        if entity_type not in self.spec.entity_types:
            raise KeyError(f"no entity type {entity_type!r} in this sheet")
        rows: list[SheetRow] = []
        for chunk in self.parsed.records.chunks(entity_type):
            rows += [SheetRow(r) for r in chunk if r.entity_type == entity_type]
            while len(rows) >= chunk_size:
                yield rows[:chunk_size]
                rows = rows[chunk_size:]
        if rows:
            yield rows

    # What the runner reads, the same on every source (see Container). A sheet's
    # reader gives a repeated key a new one (`key#2`) and no row lacks a key.

    def chunks(self, entity_type: str, *, chunk_size: int) -> Iterator[list[SheetRow]]:
        return self.iter_rows(entity_type, chunk_size=chunk_size)

    def key_chunks(self, entity_type: str, *, chunk_size: int) -> Iterator[list[str]]:
        for rows in self.iter_rows(entity_type, chunk_size=chunk_size):
            yield [row.canonical_uuid for row in rows]

    def rows_among(self, entity_type: str, keys) -> list[SheetRow]:
        """The rows whose key is in `keys`, in file order (only their chunks are read)."""
        found = self.parsed.records.among(keys)
        return [SheetRow(r) for r in found if r.entity_type == entity_type]

    def final_chunks(self, entity_type: str, keys, *, chunk_size: int) -> Iterator[list[SheetRow]]:
        rows = self.rows_among(entity_type, keys)
        for start in range(0, len(rows), chunk_size):
            yield rows[start : start + chunk_size]

    def keyless_source_ids(self, entity_type: str) -> list:
        return []

    def sample_rows(self, entity_type: str, n: int = 5) -> list[SheetRow]:
        return next(self.iter_rows(entity_type, chunk_size=n), [])

    def take_former_keys(self, mapped: Callable[[str, list[str]], set[str]]) -> int:
        """Give back their former key to the rows the clinic has under it; return how many.

        Earlier versions keyed a note or a medication by its date as written
        (`SheetRecord.former_key`): a sheet imported then, and now again (saved
        again by a spreadsheet, or as it was), would otherwise import its rows a
        second time. A row whose key `mapped(entity type, keys)` does not know and
        whose former key it does is that row: it takes the former key, so the run
        passes it by or merges it like any row imported before.
        """
        former: dict[str, tuple[str, str]] = {}
        for entity_type in self.spec.entity_types:
            for chunk in self.parsed.records.chunks(entity_type):
                keys = {
                    r.canonical_uuid: canonical_uuid(r.source_system, self.spec.name, r.former_key)
                    for r in chunk
                    if r.entity_type == entity_type and r.former_key and not r.blocking
                }
                if not keys:
                    continue
                found = mapped(entity_type, [*keys, *keys.values()])
                for record in chunk:
                    old = keys.get(record.canonical_uuid)
                    if old in found and record.canonical_uuid not in found:
                        former[record.canonical_uuid] = (old, record.former_key)
        if former:
            earlier = self.parsed.records
            self.parsed.records = SpilledRecords(_keyed(r, former) for r in earlier)
            earlier.close()
        return len(former)

    def iter_files(self) -> Iterator[SourceFile]:
        return iter(())  # a sheet references no binaries

    def iter_warnings(self) -> Iterator[SourceWarning]:
        return iter(())  # row problems travel with their rows

    def files_summary(self) -> FilesSummary:
        return FilesSummary(0, 0, 0, 0)


def _keyed(record: SheetRecord, former: dict[str, tuple[str, str]]) -> SheetRecord:
    if record.canonical_uuid not in former:
        return record
    uuid, key = former[record.canonical_uuid]
    return dataclasses.replace(record, canonical_uuid=uuid, source_id=key)


def _file_digest(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def read_sheet(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    max_bytes: int | None = None,
    mapping: SheetMapping | None = None,
    worksheet: str | None = None,
) -> SheetSource:
    """Read and parse the CSV sheet or workbook at `path`; raise `ReadError` to refuse it.

    `sheet` is the sheet type when the caller knows it, `worksheet` the sheet of a
    workbook to read (default: the one whose headers are recognised), `mapping`
    names the fields of columns the aliases do not know.
    """
    path = Path(path)
    if workbooks.kind_of(path) is not None:
        if max_bytes is not None and path.stat().st_size > max_bytes:
            raise ReadError(workbooks.TOO_LARGE, workbooks.MSG_TOO_LARGE.format(limit=max_bytes))
        parsed = workbooks.parse_workbook(
            path, sheet=sheet, worksheet=worksheet, mapping=mapping, max_bytes=max_bytes
        )
        return SheetSource(parsed, path)
    parsed = parse_file(path, max_bytes, sheet=sheet, encoding=encoding, mapping=mapping)
    return SheetSource(parsed, path)
