"""What undoing a job would delete: its created rows, in order, and what stands in the way.

Read-only: the dry run on the undo page and the undo itself (jobs/undo.py) both
start here. Rows are found through the job's own mappings (`created_row` only:
rows the job merely linked to, such as existing staff or the clinic itself,
stay), and so are the documents its staged files became when they arrived with
no imported document to fill (`_plan_received`). A row edited after the import
is listed in `changed` (a document: after its file arrived, `_arrived`); a row
the job did not create that a cascading delete would take along is listed in
`dependents`.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import CASCADE
from django_scopes import scope

from clinics.models import Document
from dentalpin_import.loader.changes import models_by_table
from dentalpin_import.mapping.registry import ENTITY_ORDER
from dentalpin_import.models import (
    EXTRA_SUFFIX,
    SKIP_SUFFIX,
    EntityMapping,
    FileStaging,
    ImportJob,
    RawEntity,
    RowUpdate,
)
from dentalpin_import.reader.batches import IN_LIST, batched

IMPORTER = "dentalpin_import"
# An edit within this margin of the import is the import itself.
EDIT_MARGIN = dt.timedelta(seconds=2)
MARGIN_US = EDIT_MARGIN // dt.timedelta(microseconds=1)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
STREAM_ROWS = 2000  # mappings read per round trip
# The `_files` owner kind whose file fills an imported document; any other owner's
# file becomes a new document of the patient when it arrives (binaries/store.py).
DOCUMENT_PARENT = "patient_document"


@dataclass
class UndoPlan:
    job: ImportJob
    rows: dict[str, list[int]] = field(default_factory=dict)  # table → ids, deletion order
    changed: list[tuple[str, int]] = field(default_factory=list)
    # Rows the job did not create that deleting its rows would take along (cascade).
    dependents: list[tuple[str, int]] = field(default_factory=list)
    mappings: int = 0
    restored: int = 0  # rows whose overwritten values are put back (a cutover)
    raw_entities: int = 0
    staged_files: int = 0
    stored_files: list[str] = field(default_factory=list)
    # The small images made of stored pictures: patients' data too, they go with them.
    thumbnails: list[str] = field(default_factory=list)
    # The job's received files that filled a document an earlier import created: the
    # document keeps the file, and that import the record of its arrival (creator job id
    # → staged row ids), so its own undo does not take the file for an edit.
    handed_over: dict[int, list[int]] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(len(ids) for ids in self.rows.values())


def _order_key(entity_type: str) -> int:
    base = entity_type.removesuffix(EXTRA_SUFFIX)
    position = ENTITY_ORDER.index(base) if base in ENTITY_ORDER else len(ENTITY_ORDER)
    # Extra rows of a type (legal records, family shares) go before its main rows.
    return -(position * 2 + (0 if entity_type.endswith(EXTRA_SUFFIX) else -1))


def plan_undo(job: ImportJob) -> UndoPlan:
    """Work out what undoing `job` deletes, and which of those rows were edited since."""
    plan = UndoPlan(job)
    mappings = EntityMapping.objects.filter(job=job, clinic=job.clinic)
    plan.mappings = mappings.count()
    tables = models_by_table()
    with scope(clinic=job.clinic):
        for table, ids, imported in _created_rows(mappings):
            plan.rows.setdefault(table, []).extend(ids)
            _look_at(plan, tables[table], dict(zip(ids, imported, strict=True)))
        _plan_received(plan)
    with scope(clinic=job.clinic):
        plan.dependents = _cascade_victims(plan.rows, tables)
        _plan_restores(plan, tables)
    plan.raw_entities = RawEntity.objects.filter(job=job, clinic=job.clinic).count()
    plan.staged_files = FileStaging.objects.filter(job=job, clinic=job.clinic).count()
    return plan


def _look_at(plan: UndoPlan, model, imported_at: dict[int, int]) -> None:
    """Add to `plan` the files of `model`'s rows (id → written at, µs) and those edited since."""
    table = model._meta.db_table
    for part in batched(imported_at, IN_LIST):
        rows = model.objects.filter(pk__in_ids=part)
        written = {pk: imported_at[pk] for pk in part}
        plan.changed += [(table, pk) for pk in _edited(rows, written)]
        if hasattr(model, "file"):
            _files_of(plan, rows)


def _edited(rows, written: dict[int, int]) -> list[int]:
    """The ids of `rows` written after their moment in `written` (id → µs), beyond the margin.

    A document's moment moves on to its file's arrival (`_arrived`). A row last
    written within the margin of the batch's earliest moment cannot count as
    edited: only the others are read and compared.
    """
    if rows.model is Document:
        _arrived(written)
    since = _moment(min(written.values())) + EDIT_MARGIN
    found = rows.filter(updated_at__gt=since).values_list("pk", "updated_at")
    return [pk for pk, updated in found if _micros(updated) > written[pk] + MARGIN_US]


def _arrived(written: dict[int, int]) -> None:
    """Move each document's moment in `written` (id → µs) on to its file's arrival, if later.

    Saving the file the sync agent sent writes the document (binaries/store.py),
    minutes or days after the import: that is no edit by staff. Any job's staged
    row naming the document counts (a later export may list the scan of a
    document an earlier import created). One query, through the document index:
    no clinic in it, or SQLite reads all the clinic's staged rows instead; the
    documents are the clinic's, and so are the rows that name them.
    """
    arrivals = FileStaging.objects.filter(
        document_id__in_ids=list(written), received_at__isnull=False
    ).values_list("document_id", "received_at")
    for document, at in arrivals:
        written[document] = max(written[document], _micros(at))


def _plan_received(plan: UndoPlan) -> None:
    """Add to `plan` the documents made when the job's staged files arrived.

    A file whose owner is not an imported document (a consent, a prescription…)
    becomes a new document of the patient on arrival (binaries/store.py), named
    by no mapping: it is the job's as much as its rows are, and goes with them.
    It counts as edited when written after its arrival, beyond the margin.
    """
    table = Document._meta.db_table
    received = _received_documents(plan, set(plan.rows.get(table, ())))
    if not received:
        return
    if table in plan.rows:
        plan.rows[table].extend(received)
    else:  # no row of the job depends on a document: they may go first
        plan.rows = {table: list(received), **plan.rows}
    _look_at(plan, Document, received)


def _received_documents(plan: UndoPlan, planned: set[int]) -> dict[int, int]:
    """{document id: arrival in µs} of the documents the job's staged files became.

    Those a mapping names are left out: an imported document (this job's, in
    `planned`, or an earlier job's a later export listed a file of) is undone
    with the job that mapped it, as is one a job linked to. The staged rows of
    an earlier job's documents are handed over to it (`UndoPlan.handed_over`).
    """
    job = plan.job
    staged = (
        FileStaging.objects.filter(
            job=job, clinic=job.clinic, document__isnull=False, received_at__isnull=False
        )
        .order_by("pk")
        .values_list(
            "pk", "document_id", "parent_entity_type", "parent_canonical_uuid", "received_at"
        )
    )
    received: dict[int, int] = {}
    for part in batched(staged.iterator(chunk_size=STREAM_ROWS), IN_LIST):
        named = _named(job, part)
        for staging, document, _, _, at in part:
            if document in planned:
                continue
            if document not in named:
                received[document] = max(received.get(document, 0), _micros(at))
            elif (creator := named[document]) is not None:
                plan.handed_over.setdefault(creator, []).append(staging)
    return received


def _named(job: ImportJob, staged) -> dict[int, int | None]:
    """{document: the job that created it, None if linked} of those of the `staged`
    rows' documents a mapping names (indexed look-ups only)."""
    found = EntityMapping.objects.filter(clinic=job.clinic, target_table=Document._meta.db_table)
    documents = [str(document) for _, document, *_ in staged]
    linked = found.filter(created_row=False, target_id__in=documents)
    named: dict[str, int | None] = dict.fromkeys(linked.values_list("target_id", flat=True))
    parents = [uuid for _, _, kind, uuid, _ in staged if kind == DOCUMENT_PARENT]
    if parents:  # by the owner's source key, as the file found its document
        owners = found.filter(
            source_system=job.source_system, entity_type=DOCUMENT_PARENT, canonical_uuid__in=parents
        ).values_list("target_id", "job_id", "created_row")
        for target, creator, created in owners:
            named.setdefault(target, creator if created and creator != job.pk else None)
    return {int(target): creator for target, creator in named.items() if target.isdigit()}


def _files_of(plan: UndoPlan, rows) -> None:
    """Add the stored files (and thumbnails) of the documents `rows` to `plan`."""
    small = "thumbnail" if hasattr(rows.model, "thumbnail") else "file"
    for name, thumbnail in rows.values_list("file", small):
        if name:
            plan.stored_files.append(name)
        if thumbnail and thumbnail != name:
            plan.thumbnails.append(thumbnail)


def _created_rows(mappings):
    """(table, row ids, import moments in µs) of the rows the job created, by kind.

    In deletion order. The mappings are streamed into two arrays per kind: a
    list of rows would hold some 500 bytes per mapping (a tuple, its strings, a
    datetime), 170 MB for a 10,000-patient clinic, and the page's dry run is
    in the request.
    """
    created = mappings.filter(created_row=True).exclude(entity_type__endswith=SKIP_SUFFIX)
    by_type: dict[str, dict[str, tuple[array, array]]] = defaultdict(dict)
    found = created.values_list("entity_type", "target_table", "target_id", "created_at")
    for entity_type, table, target, at in found.iterator(chunk_size=STREAM_ROWS):
        pair = by_type[entity_type].get(table)
        if pair is None:
            pair = by_type[entity_type][table] = (array("q"), array("q"))
        pair[0].append(int(target))
        pair[1].append(_micros(at))
    for entity_type in sorted(by_type, key=_order_key):
        for table, (ids, imported) in by_type[entity_type].items():
            yield table, ids.tolist(), imported


def _micros(moment: dt.datetime) -> int:
    """`moment` as whole microseconds since 1970: exact, and 8 bytes in an array."""
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def _moment(micros: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=micros)


def _plan_restores(plan: UndoPlan, tables) -> None:
    """Count the rows a cutover job overwrote; those edited since it are `changed`."""
    updates = RowUpdate.objects.filter(job=plan.job, clinic=plan.job.clinic, mapping_only=False)
    by_table: dict[str, dict[int, dt.datetime]] = defaultdict(dict)
    for table, target, at in updates.values_list("target_table", "target_id", "created_at"):
        by_table[table][int(target)] = max(at, by_table[table].get(int(target), at))
    for table, written_at in by_table.items():
        model = tables.get(table)
        if model is None:
            continue
        plan.restored += len(written_at)
        if not hasattr(model, "updated_at"):
            continue
        for part in batched(written_at, IN_LIST):
            rows = model._base_manager.filter(pk__in_ids=part)
            written = {pk: _micros(written_at[pk]) for pk in part}
            plan.changed += [(table, pk) for pk in _edited(rows, written)]


def _cascade_victims(rows: dict[str, list[int]], tables) -> list[tuple[str, int]]:
    """Rows outside `rows` that a cascading delete of `rows` would remove too.

    A later import (or a person) may have added, say, notes to a patient this job
    created; deleting the patient would silently take them. Those are listed so
    the undo can refuse instead.
    """
    planned = {table: set(ids) for table, ids in rows.items()}
    victims: list[tuple[str, int]] = []
    for table, ids in rows.items():
        for rel in tables[table]._meta.related_objects:
            if rel.on_delete is not CASCADE or rel.related_model._meta.app_label == IMPORTER:
                continue  # the importer's own rows of this job go with it by design
            child = rel.related_model
            mine = planned.get(child._meta.db_table, set())
            for part in batched(ids, IN_LIST):
                found = child._base_manager.filter(
                    **{f"{rel.field.name}__in_ids": part}
                ).values_list("pk", flat=True)
                victims += [(child._meta.db_table, pk) for pk in found if pk not in mine]
    return sorted(set(victims))
