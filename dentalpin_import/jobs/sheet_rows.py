"""Every row of a sheet with what the import will do with it, decided before anything is written.

A row's verdict is `new` (a clinic record is created), `warning` (created, with
a warning), `update` (the row is a record the clinic already has: imported by
an earlier run and changed since, so the run merges it, or the clinic's own
record it is linked to), `unchanged` (an earlier run imported this very row,
same digest: passed by) or `refused` (not imported: an unusable value, a
patient not found, the same row twice).

The verdicts come from the mappers the run itself uses (`mapping.registry`),
called the way the runner calls them: already mapped rows are passed by, the
others are mapped into unsaved instances and never saved. So a verdict is what
the real run then does (a test compares the totals with a run's counters).
The runner counts `new` and `warning` rows as created, `update` rows as updated
(changed since their import) or as created and linked (a clinic record of its
own), `unchanged` rows as already mapped, and `refused` rows as failed or skipped.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from django_scopes import scope

from clinics.fields import cipher, decrypt, encrypt
from dentalpin_import.jobs import retention
from dentalpin_import.loader.changes import record_digest
from dentalpin_import.loader.row_errors import stops_the_job
from dentalpin_import.mapping.base import MappingContext, MappingWarning
from dentalpin_import.mapping.registry import import_order, mapper_for
from dentalpin_import.models import SKIP_SUFFIX, EntityMapping
from dentalpin_import.reader.sheet_headers import (
    HeaderMatch,
    SheetMapping,
    fields_of,
    normalise,
    recognise,
)

NEW, WARNING, UPDATE, UNCHANGED, REFUSED = "new", "warning", "update", "unchanged", "refused"
VERDICTS = (NEW, WARNING, UPDATE, UNCHANGED, REFUSED)
CHUNK = 500
ALREADY_IMPORTED = "already_imported"
CHANGED = "changed_since_import"
LINKED = "linked"
ROW_FAILED = "row_failed"
# Which column a refusal of a mapper is about, for highlighting its cell.
CODE_COLUMNS = {
    "patient_not_found": "PatientID",
    "patient_ambiguous": "PatientID",
    "practitioner_not_found": "Practitioner ID",
    "legacy_id_too_long": "LegacyPatientID",
}


@dataclass
class RowVerdict:
    """One row: its line, verdict, cells (as in the file) and the reasons, each with its column."""

    line: int
    verdict: str
    cells: list[str]
    reasons: list[dict] = field(default_factory=list)
    linked: bool = False

    @property
    def flagged(self) -> dict[int, str]:
        """{cell index: code} of the cells a reason is about."""
        return {r["index"]: r["code"] for r in self.reasons if r.get("index") is not None}

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "verdict": self.verdict,
            "cells": self.cells,
            "reasons": self.reasons,
            "linked": self.linked,
        }


class Columns:
    """Finds the cell a reason is about: by the header as written, or by the field it fills."""

    def __init__(self, header: list[str], match: HeaderMatch | None = None):
        self.header = [h.strip() for h in header]
        self.index: dict[str, int] = {}
        for i, name in enumerate(self.header):
            self.index.setdefault(normalise(name), i)
        if match is not None and match.sheet_type:
            english = {f.name: f.column for f in fields_of(match.sheet_type)}
            for i, name in enumerate(match.columns):
                if name:
                    self.index.setdefault(normalise(name), i)
                    self.index.setdefault(normalise(english[name]), i)

    def of(self, column: str | None) -> int | None:
        return None if not column else self.index.get(normalise(column))


def _reason(columns: Columns, code: str, message: str, column: str = "", value="") -> dict:
    code = code.removeprefix("csv.")
    column = column or CODE_COLUMNS.get(code, "")
    return {
        "code": code,
        "column": column,
        "value": value,
        "message": message,
        "index": columns.of(column),
    }


def _issue_reasons(record, columns: Columns) -> list[dict]:
    return [_reason(columns, p.code, p.message, p.column, p.value) for p in record.issues]


def _load_keys(mapper, records, ctx: MappingContext) -> None:
    """Put the mapped ids the rows name (practitioners) into `ctx.keys`, as the runner does."""
    wanted = ctx.keys.missing(pair for r in records for pair in mapper.references(r))
    for entity_type, keys in wanted.items():
        rows = EntityMapping.objects.filter(
            clinic=ctx.clinic, entity_type=entity_type, canonical_uuid__in=keys
        ).values_list("canonical_uuid", "target_id", "target_table")
        for key, target_id, table in rows:
            if target_id.isdigit():
                ctx.keys.add(entity_type, key, int(target_id), table)


def _mapped(records, ctx: MappingContext, entity_type: str) -> dict[str, str | None]:
    """{key: digest of the row it was built from} of the rows an earlier run mapped.

    A skip marker's digest is None: the run passes such a row by whatever it holds.
    """
    rows = EntityMapping.objects.filter(
        clinic=ctx.clinic,
        source_system=ctx.source_system,
        entity_type__in=(entity_type, entity_type + SKIP_SUFFIX),
        canonical_uuid__in=[r.canonical_uuid for r in records],
    ).values_list("canonical_uuid", "entity_type", "source_digest")
    return {key: None if kind != entity_type else digest for key, kind, digest in rows}


def _judge(record, mapper, ctx: MappingContext, columns: Columns, cells: list[str]) -> RowVerdict:
    ctx.notes = []
    try:
        result = mapper.map(record, ctx)
    except MappingWarning as warning:
        reasons = _issue_reasons(record, columns)
        if not reasons or warning.code.removeprefix("csv.") not in {r["code"] for r in reasons}:
            reasons.append(_reason(columns, warning.code, warning.message))
        return RowVerdict(record.line, REFUSED, cells, reasons)
    except Exception as exc:
        if stops_the_job(exc):
            raise
        reason = _reason(columns, ROW_FAILED, f"line {record.line}: {type(exc).__name__}")
        return RowVerdict(record.line, REFUSED, cells, [reason])
    target = result[0] if isinstance(result, list) and result else result
    linked = target is not None and not isinstance(target, list) and target.pk is not None
    reasons = [_reason(columns, n.code, n.message, **_where(n)) for n in ctx.notes]
    if linked:
        verdict = UPDATE
        if not any(r["code"].startswith("patient_linked") for r in reasons):
            reasons.append(_reason(columns, LINKED, f"line {record.line}: linked"))
    elif any(n.severity in ("warn", "error") for n in ctx.notes):
        verdict = WARNING
    else:
        verdict = NEW
    return RowVerdict(record.line, verdict, cells, reasons, linked=linked)


def _where(note) -> dict:
    """The column and value of a note that carries them (a reader problem noted by the mapper)."""
    raw = note.raw_data if isinstance(note.raw_data, dict) else {}
    return {"column": str(raw.get("column", "")), "value": str(raw.get("value", ""))}


def _cells(record, header: list[str]) -> list[str]:
    raw = record.raw
    values = list(raw.values())
    return [values[i] if i < len(values) else "" for i in range(len(header))]


def judge_rows(sheet, clinic, *, mapping: SheetMapping | None = None) -> Iterator[RowVerdict]:
    """Yield every row's verdict in import order (type by type, file order within a type).

    `mapping` (the one the sheet was read with) lets a reason about a field
    find its column whatever the column's header.
    """
    header = list(sheet.parsed.header)
    columns = Columns(header, recognise(header, mapping, sheet_type=sheet.spec.name))
    ctx = MappingContext(
        clinic=clinic, job=None, source_system=sheet.source_system, options={"dry_run": True}
    )
    with scope(clinic=clinic):
        for entity_type in import_order(sheet.spec.entity_types):
            mapper = mapper_for(entity_type)
            # A chunk at a time from the sheet's spill: never the whole sheet in memory.
            for rows in sheet.iter_rows(entity_type, chunk_size=CHUNK):
                chunk = [row.record for row in rows]
                mapped = _mapped(chunk, ctx, entity_type)
                ctx.chunk = {}
                _load_keys(mapper, chunk, ctx)
                mapper.prepare([r for r in chunk if r.canonical_uuid not in mapped], ctx)
                for record in chunk:
                    cells = _cells(record, header)
                    if record.canonical_uuid in mapped:
                        yield _already(record, cells, columns, mapped[record.canonical_uuid])
                    else:
                        yield _judge(record, mapper, ctx, columns, cells)


def _already(record, cells: list[str], columns: Columns, digest: str | None) -> RowVerdict:
    """A row an earlier run imported: passed by when unchanged, merged when it changed.

    The comparison is the runner's (loader.changes): the digest of what the row
    was read from against the one its mapping kept.
    """
    if digest is None or (digest and digest == record_digest(record)):
        message = f"line {record.line}: imported by an earlier run"
        reason = _reason(columns, ALREADY_IMPORTED, message)
        return RowVerdict(record.line, UNCHANGED, cells, [reason])
    message = f"line {record.line}: changed since an earlier run imported it"
    return RowVerdict(record.line, UPDATE, cells, [_reason(columns, CHANGED, message)])


# --- Kept for the preview page: sealed pages in the job's private folder --------------------
# A sheet may have 100,000 rows, too many for the job row; their cells may be clinical
# text, so each page is encrypted like the notes themselves, and goes with the folder
# (undo, retention, the sweep of abandoned wizards: jobs.retention).

PAGE_SIZE = 50
ALL = "all"
FILTERS = (ALL, *VERDICTS)


def pages_folder(job) -> Path:
    return retention.job_folder(job) / "rows"


def keep_pages(job, verdicts) -> dict:
    """Seal every row's verdict into pages (all rows, and one set per verdict); return totals.

    The totals (`{"totals": {verdict: n}, "linked": n, "rows": n, "page_size": n}`)
    hold no value of the sheet: the caller keeps them on the job.
    """
    folder = pages_folder(job)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, mode=0o700)
    fernet = cipher()
    pending: dict[str, list[dict]] = {f: [] for f in FILTERS}
    totals = dict.fromkeys(VERDICTS, 0)
    linked = 0
    with ExitStack() as stack:
        files = {f: stack.enter_context(open(folder / f"{f}.sealed", "w")) for f in FILTERS}
        for row in verdicts:
            totals[row.verdict] += 1
            linked += row.linked
            for name in (ALL, row.verdict):
                pending[name].append(row.as_dict())
                if len(pending[name]) == PAGE_SIZE:
                    files[name].write(encrypt(json.dumps(pending[name]), fernet) + "\n")
                    pending[name] = []
        for name, rows in pending.items():
            if rows:
                files[name].write(encrypt(json.dumps(rows), fernet) + "\n")
    rows = sum(totals.values())
    return {"totals": totals, "linked": linked, "rows": rows, "page_size": PAGE_SIZE}


def read_page(job, verdict: str, number: int) -> list[dict] | None:
    """Page `number` (from 1) of the rows with `verdict` (or `all`); None when it is not kept."""
    if verdict not in FILTERS or number < 1:
        return None
    path = pages_folder(job) / f"{verdict}.sealed"
    if not path.exists():
        return None
    with open(path) as fh:
        for n, line in enumerate(fh, start=1):
            if n == number:
                return json.loads(decrypt(line.strip()))
    return []
