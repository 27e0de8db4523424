"""Call one mapper on typed records, without the runner, the import command or a DPMF file.

A payload goes through the reader's own typing (`make_row`, then the mapper's
`record.from_row`; a CSV sheet through `csv_sheets.parse`), the references it
names are answered from `ResolvedKeys` registered by the test, and the mapper's
`prepare()` and `map()` run as the chunk writer runs them (one `prepare` per
chunk, fresh notes per row). What comes back is what the runner would insert,
note and warn about, unsaved.

Every call also holds the mapper to the contract of `mapping/base.py`: it
writes nothing while mapping, and every row it hands back to be created
belongs to the context's clinic.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from dentalpin_import.mapping.base import Defer, MappingContext, MappingWarning, Note
from dentalpin_import.mapping.registry import MAPPERS, mapper_for
from dentalpin_import.models import EntityMapping, ImportJob
from dentalpin_import.reader.csv_sheets import SOURCE_SYSTEM as SHEET_SYSTEM
from dentalpin_import.reader.csv_sheets import parse
from dentalpin_import.reader.records import SourceRecord, canonical_uuid
from dentalpin_import.reader.rows import make_row
from dentalpin_import.sample.writer import EntityRow
from tests.dpmf_builder import SYSTEM

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
# A reference to a row that is in neither the file nor the clinic.
GHOST = "0bad0bad-0000-5000-8000-000000000000"


def pick(rows, entity_type: str, source_id) -> EntityRow:
    """The `tests.dpmf_builder` row of `rows` with that type and source id (shared test data)."""
    (row,) = [r for r in rows if (r.entity_type, r.source_id) == (entity_type, str(source_id))]
    return row


@dataclass
class Mapped:
    """What `map()` made of one record: its rows and notes, or why it gave none."""

    record: SourceRecord
    rows: list[models.Model] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    warning: MappingWarning | None = None
    deferred: bool = False
    linked: bool = False  # mapped to a row that already exists, not a new one

    @property
    def row(self) -> models.Model:
        """The clinic row the source row maps to (the first one the mapper gave)."""
        assert self.warning is None, f"refused: {self.warning.code} {self.warning.message}"
        assert not self.deferred, "deferred to the final pass"
        assert self.rows, "the mapper gave no row"
        return self.rows[0]

    @property
    def refused(self) -> str | None:
        """The code of the warning that refused the row; None when it was not refused."""
        if self.warning is None:
            return None
        assert not self.rows, "a refused row has no rows"
        return self.warning.code

    @property
    def codes(self) -> list[str]:
        return [n.code for n in self.notes]

    def note(self, code: str) -> Note:
        """The one note with `code`."""
        found = [n for n in self.notes if n.code == code]
        assert len(found) == 1, (code, self.codes)
        return found[0]


class TypedSource:
    """The rows a harness typed, for a second pass that reads its source again."""

    def __init__(self):
        self.rows: dict[tuple[str, str], object] = {}  # DPMF source rows
        self.sheet: list[SourceRecord] = []  # CSV sheet records, in file order

    def rows_among(self, entity_type: str, keys) -> list:
        return [row for (t, key), row in self.rows.items() if t == entity_type and key in keys]

    def records(self, entity_type: str) -> list[SourceRecord]:
        return [r for r in self.sheet if r.entity_type == entity_type]


class MapperHarness:
    """One clinic, one job and the keys its earlier types resolved, for calling mappers."""

    def __init__(self, clinic, *, source_system: str = SYSTEM, options: dict | None = None):
        self.clinic = clinic
        self.job = ImportJob.objects.create(
            clinic=clinic, source_system=source_system, status="running", options=options or {}
        )
        self.source = TypedSource()
        # As the runner builds it (loader/runner.py).
        self.ctx = MappingContext(
            clinic=clinic,
            job=self.job,
            source_system=source_system,
            options=dict(self.job.options),
            source=self.source,
        )

    def uid(self, entity_type: str, source_id) -> str:
        """The canonical id of a source row of this job's source system."""
        return canonical_uuid(self.ctx.source_system, entity_type, str(source_id))

    def resolved(self, entity_type: str, source_id, target_id: int, model=None) -> str:
        """Say that row `source_id` of `entity_type` became clinic row `target_id`.

        The row is taken to be in the table of the type's mapper unless `model`
        names another (a catalogue item that became a chair). Returns its key.
        """
        key = self.uid(entity_type, source_id)
        return self.resolved_key(entity_type, key, target_id, model)

    def resolved_key(self, entity_type: str, key: str, target_id: int, model=None) -> str:
        table = (model or MAPPERS[entity_type].model)._meta.db_table
        self.ctx.keys.add(entity_type, key, target_id, table)
        return key

    def stored(self, entity_type: str, source_id, target_id: int, model=None) -> str:
        """`resolved`, with the mapping row the runner would have written for it.

        For the few mappers that read mappings themselves (a debt asks what its
        treatment became).
        """
        key = self.resolved(entity_type, source_id, target_id, model)
        self._write_mapping(entity_type, key, self.ctx.keys.table(entity_type, key), target_id)
        return key

    def _write_mapping(self, entity_type, key, table, target_id, created_row=True) -> None:
        EntityMapping.objects.create(
            clinic=self.clinic,
            source_system=self.ctx.source_system,
            entity_type=entity_type,
            canonical_uuid=key,
            target_table=table,
            target_id=str(target_id),
            created_row=created_row,
            job=self.job,
        )

    def existing(self, model, **values):
        """A row the clinic already has before the import."""
        with scope(clinic=self.clinic):
            return model.objects.create(clinic=self.clinic, **values)

    def record(self, entity_type: str, row=None, /, *, sid=None, raw=None, **payload):
        """The typed record the reader makes of a payload.

        `row` is a `tests.dpmf_builder` row (its payload updated with `payload`),
        or left out for a row of `payload` alone, with source id `sid` ("1").
        """
        if isinstance(row, EntityRow):
            assert row.entity_type == entity_type, (row.entity_type, entity_type)
            sid = row.source_id if sid is None else sid
            payload = {**row.payload, **payload}
            raw = row.raw_source_data if raw is None else raw
        sid = "1" if sid is None else str(sid)
        values = (
            self.uid(entity_type, sid),
            sid,
            self.ctx.source_system,
            json.dumps(payload, ensure_ascii=False),
            json.dumps(raw or {}, ensure_ascii=False),
            "2026-05-21T10:11:12+00:00",
        )
        row = make_row(entity_type, values)
        self.source.rows[(entity_type, row.canonical_uuid)] = row
        return MAPPERS[entity_type].record.from_row(row)

    def map(
        self, entity_type: str, row=None, /, *, sid=None, raw=None, final_pass=False, **payload
    ):
        """Map one row: see `record` for how it is given."""
        record = self.record(entity_type, row, sid=sid, raw=raw, **payload)
        return self.map_records(entity_type, [record], final_pass=final_pass)[0]

    def map_all(self, entity_type: str, rows, *, final_pass=False) -> list[Mapped]:
        """Map `tests.dpmf_builder` rows as one chunk."""
        records = [self.record(entity_type, row) for row in rows]
        return self.map_records(entity_type, records, final_pass=final_pass)

    def map_sheet(self, entity_type: str, rows: list[list[str]], *, sheet=None) -> list[Mapped]:
        """Map the `entity_type` rows of a CSV sheet (header first) as one chunk."""
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        parsed = parse(buffer.getvalue().encode(), sheet=sheet, source_system=SHEET_SYSTEM)
        self.source.sheet = parsed.records
        records = [r for r in parsed.records if r.entity_type == entity_type]
        return self.map_records(entity_type, records)

    def map_records(self, entity_type: str, records, *, final_pass=False) -> list[Mapped]:
        """Prepare once, then map each record, as one chunk of the chunk writer."""
        mapper = mapper_for(entity_type)
        assert mapper is not None, f"no mapper for {entity_type}"
        ctx = self.ctx
        ctx.chunk, ctx.final_pass = {}, final_pass
        with scope(clinic=self.clinic), CaptureQueriesContext(connection) as queries:
            mapper.prepare(records, ctx)
            results = [self._map_one(mapper, record) for record in records]
        writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
        assert not writes, f"{entity_type} wrote while mapping: {writes}"
        for result in results:
            for row in result.rows:
                if row._state.adding:  # a row to create; a linked one is only named by its id
                    self._check_tenant(row)
        return results

    def _map_one(self, mapper, record) -> Mapped:
        ctx = self.ctx
        ctx.notes = []
        result = Mapped(record)
        try:
            mapped = mapper.map(record, ctx)
        except Defer:
            result.deferred = True
        except MappingWarning as warning:
            result.warning = warning
        else:
            result.rows = mapped if isinstance(mapped, list) else ([mapped] if mapped else [])
            result.linked = bool(result.rows) and not result.rows[0]._state.adding
        result.notes = list(ctx.notes)
        return result

    def finish(self, entity_type: str, mapped: list[Mapped]) -> list[Note]:
        """Run the mapper's second pass after this job mapped `mapped`; return its notes.

        The rows must be in the database, as the runner leaves them: a linked
        row already is, a new one the test saves. Their mappings are written
        here, as the runner writes them, for the second pass to find.
        """
        for result in mapped:
            row = result.row
            assert row.pk is not None, "save the rows before their second pass"
            key = result.record.canonical_uuid
            self._write_mapping(entity_type, key, row._meta.db_table, row.pk, not result.linked)
        ctx = self.ctx
        ctx.notes, ctx.finishing_jobs = [], (self.job.pk,)
        with scope(clinic=self.clinic):
            mapper_for(entity_type).finish(ctx)
        return list(ctx.notes)

    def _check_tenant(self, row: models.Model) -> None:
        assert row.clinic_id == self.clinic.pk, f"{row!r} is not a row of {self.clinic}"
