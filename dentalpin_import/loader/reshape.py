"""Source rows a later file reshapes: another kind of row, or another number of further rows.

An alert whose new text is no longer medical becomes a note (or the reverse); a
patient's notes yield more or fewer alerts; a family payment is split over
another number of relatives. Such a source row is a `Unit`: the rows it became
(its main row, then its further rows, `<uuid>:<n>`) against the rows the later
file makes of it, position by position. A position of the same kind of row
on both sides is merged as any changed row (`loader/merge.py`); any other
position removes the clinic's row, creates the file's, or both.

The file's shape is applied only when the rows it would change are exactly
what the importer wrote (`WrittenBatch`): none edited nor deleted by staff. Else
the clinic's rows stay and the shape is a conflict (`--on-conflict take-file`
applies it anyway). A row something else points at (a refund at a share, a
note at an alert), or another source row is linked to (an alert of the file
that is also a line of its patient's notes), is never removed: that too stays a
conflict. A removed row keeps a before-image of the whole row and its mapping
(`RowUpdate.removed`) that undo puts back (`retired.reinstate`); the created rows are
the job's own, mapped, and undo removes them as any row the job created.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone

from dentalpin_import import events
from dentalpin_import.loader import fit, inserts, sql
from dentalpin_import.loader.changes import (
    WrittenValues,
    json_text,
    models_by_table,
    plain,
    record_digest,
    seal_batch,
    tracked_fields,
)
from dentalpin_import.loader.inserts import parents_first
from dentalpin_import.loader.merge import (
    FURTHER,
    KIND,
    TAKE_FILE,
    Pending,
    link_to_saved,
    mapping_image,
)
from dentalpin_import.loader.source_keys import mappings_to_compare
from dentalpin_import.models import (
    EXTRA_SUFFIX,
    EntityMapping,
    ImportConflict,
    Resolution,
    RowUpdate,
)
from dentalpin_import.reader.batches import batched

IMPORTER = "dentalpin_import"
UPDATED, CONFLICT = "updated", "conflicts"
MAPPING_FIELDS = (
    "clinic_id",
    "source_system",
    "entity_type",
    "canonical_uuid",
    "target_table",
    "target_id",
    "created_row",
    "job_id",
    "created_at",
    "source_digest",
    "written",
)
# What a compared mapping holds (`mappings_to_compare`), by position.
LINKED, M_ID, M_DIGEST, M_WRITTEN, M_TABLE, M_TARGET = 2, 3, 4, 5, 6, 7


@dataclass
class Unit:
    """One source row whose rows the later file would reshape."""

    record: object
    outcome: object  # the mapper's `Outcome`: the file's rows, main first
    entity_type: str
    old: dict[int, tuple]  # position -> mapping (0 the main row's); positions of rows gone too

    @property
    def key(self) -> str:
        return self.record.canonical_uuid

    @property
    def new(self) -> list:
        return self.outcome.instances

    def key_at(self, i: int) -> str:
        return self.key if i == 0 else f"{self.key}:{i}"

    @property
    def kind_changed(self) -> bool:
        return self.new[0]._meta.db_table != self.old[0][M_TABLE]

    @property
    def split(self) -> bool:
        """Further rows of the main row's kind (family shares): the row is one whole."""
        return any(type(obj) is type(self.new[0]) for obj in self.new[1:]) or any(
            m[M_TABLE] == self.old[0][M_TABLE] for i, m in self.old.items() if i
        )

    def positions(self) -> range:
        return range(max(len(self.new), max(self.old) + 1))

    def same_at(self, i: int) -> bool:
        """The clinic has the same kind of row as the file at position `i`."""
        return i in self.old and i < len(self.new) and self.old[i][M_TABLE] == _table(self.new[i])

    def removed(self) -> list[int]:
        return [i for i in self.positions() if i in self.old and not self.same_at(i)]

    def checked(self) -> list[int]:
        """The clinic's rows that must be as written for the file's shape to be applied."""
        if self.kind_changed or self.split:
            return sorted(self.old)
        return sorted(i for i in self.old if i)  # the main row is merged field by field

    def conflict(self) -> tuple:
        if self.kind_changed:
            return KIND, self.old[0][M_TABLE], _table(self.new[0])
        return FURTHER, len(self.old) - 1, len(self.new) - 1

    def is_reshaped(self) -> bool:
        return any(not self.same_at(i) for i in self.positions())


@dataclass
class Shaped:
    """What applying the shapes of a chunk leaves to merge and to count."""

    pending: list = field(default_factory=list)  # merge.Pending of positions merged
    outcomes: dict[str, str] = field(default_factory=dict)  # canonical id -> outcome
    notes: list = field(default_factory=list)  # outcomes whose rows were written


def _table(obj) -> str:
    return obj._meta.db_table


def further_mappings(ctx, extra_type: str, wanted: list[tuple[str, int]]) -> dict[str, dict]:
    """{source key: {position: mapping}} of the further rows of each (key, rows in the file).

    One key past the file's rows is looked up with the others: only where it exists
    (the earlier file gave more further rows) are all of that key's read.
    """
    keys = [f"{key}:{i}" for key, n in wanted for i in range(1, n + 1)]
    found: dict[str, dict] = defaultdict(dict)
    for part in batched(keys, 900):
        for k, m in mappings_to_compare(ctx, extra_type, part).items():
            key, _, i = k.rpartition(":")
            found[key][int(i)] = m
    for key, n in wanted:
        if n in found.get(key, {}):
            found[key].update(all_further(ctx, extra_type, key))
    return found


def all_further(ctx, extra_type: str, key: str) -> dict[int, tuple]:
    """{position: mapping} of every further row of `key` (`<key>:<n>`)."""
    rows = EntityMapping.objects.filter(
        clinic=ctx.clinic,
        source_system=ctx.source_system,
        entity_type=extra_type,
        canonical_uuid__gt=f"{key}:",
        canonical_uuid__lt=f"{key};",  # every `<key>:<n>`, by the unique index
    ).values_list(
        "canonical_uuid",
        "job_id",
        "created_row",
        "id",
        "source_digest",
        "written",
        "target_table",
        "target_id",
    )
    found = {}
    for k, job, created, *rest in rows:
        position = k.rpartition(":")[2]
        if position.isdigit():
            found[int(position)] = (job == ctx.job.pk, False, not created, *rest)
    return found


def apply(ctx, entity_type: str, units: list[Unit], on_conflict: str) -> Shaped:
    """Apply the later file's shape to the units it may be applied to; list the others.

    Returns the positions left to merge and each unit's outcome.
    """

    shaped = Shaped()
    if not units:
        return shaped
    edited = edited_units(ctx, units)
    referenced = pointed_at(units) | _linked_to(ctx, _gone(units))
    take = on_conflict == TAKE_FILE
    kept = [u for u in units if u.key in referenced or (u.key in edited and not take)]
    applied = [u for u in units if u not in kept]
    _list_conflicts(ctx, entity_type, kept, Resolution.KEPT_CLINIC)
    _list_conflicts(ctx, entity_type, [u for u in applied if u.key in edited], Resolution.TOOK_FILE)
    digests, images = [], []
    for u in kept:
        shaped.outcomes[u.key] = CONFLICT
        if u.kind_changed or u.split:
            m = u.old[0]
            digests.append((record_digest(u.record), m[M_ID]))
            held = Pending(u.key, u.record, u.new[0], m[M_ID], m[M_DIGEST], m[M_WRITTEN], "")
            held.obj.pk = int(m[M_TARGET])
            images.append(mapping_image(ctx, entity_type, held, m[M_TABLE]))
            continue
        # Another number of derived rows: the main row is merged as any changed row.
        main, m = u.new[0], u.old[0]
        main.pk = int(m[M_TARGET])
        shaped.pending.append(
            Pending(
                u.key, u.record, main, m[M_ID], m[M_DIGEST], m[M_WRITTEN], record_digest(u.record)
            )
        )
        link_to_saved([main])
    # Listed once: the same later file imported again finds these rows unchanged.
    sql.update_by_pk(EntityMapping._meta.db_table, "id", ["source_digest"], digests)
    inserts.insert_instances(images)  # undo gives the mappings their digests back
    if not applied:
        return shaped
    _remove(ctx, entity_type, [(u, i) for u in applied for i in u.removed()])
    created = []
    for u in applied:
        shaped.outcomes[u.key] = CONFLICT if u.key in edited else UPDATED
        shaped.notes.append(u.outcome)
        for i in u.positions():
            if i >= len(u.new):
                continue
            obj = u.new[i]
            if u.same_at(i):
                m = u.old[i]
                obj.pk = int(m[M_TARGET])
                digest = (m[M_DIGEST], record_digest(u.record)) if i == 0 else ("", "")
                shaped.pending.append(
                    Pending(u.key_at(i), u.record, obj, m[M_ID], digest[0], m[M_WRITTEN], digest[1])
                )
            else:
                created.append((u, i, obj))
    create_rows(ctx, entity_type, created)
    for u in applied:
        link_to_saved(u.new)
    return shaped


def edited_units(ctx, units: list[Unit]) -> set[str]:
    """The units one of whose checked rows staff edited or deleted (or was never recorded)."""
    written = ctx.state.setdefault("written_values", WrittenValues())
    written.load(m[M_WRITTEN] for u in units for m in u.old.values())
    wanted: dict[type, list] = defaultdict(list)
    tables = models_by_table()
    edited = set()
    for u in units:
        for i in u.checked():
            m = u.old[i]
            base = written.of(m[M_WRITTEN], u.key_at(i), m[M_TABLE])
            model = tables.get(m[M_TABLE])
            if base is None or model is None:
                edited.add(u.key)
            else:
                wanted[model].append((u.key, int(m[M_TARGET]), base))
    return edited | not_as_written(wanted)


def not_as_written(wanted: dict[type, list[tuple[str, int, dict]]]) -> set[str]:
    """The keys of the rows ({model: [(key, pk, written values)]}) staff edited or deleted."""
    edited = set()
    for model, rows in wanted.items():
        names = tracked_fields(model)
        current = {}
        for part in batched([pk for _, pk, _ in rows], 900):
            query = model._base_manager.filter(pk__in=part).values_list("pk", *names)
            current.update((pk, dict(zip(names, plain(v), strict=True))) for pk, *v in query)
        for key, pk, base in rows:
            now = current.get(pk)
            if now is None or any(now[n] != base.get(n, now[n]) for n in names):
                edited.add(key)
    return edited


def _gone(units: list[Unit]) -> dict[type, dict[int, str]]:
    """{model: {pk: unit key}} of the rows the units' shapes would remove."""
    tables = models_by_table()
    gone: dict[type, dict[int, str]] = defaultdict(dict)
    for u in units:
        for i in u.removed():
            model = tables.get(u.old[i][M_TABLE])
            if model is not None:
                gone[model][int(u.old[i][M_TARGET])] = u.key
    return gone


def pointed_at(units: list[Unit]) -> set[str]:
    """The units a row of which, to be removed, another row points at."""
    gone = _gone(units)
    leaving = {(model, pk) for model, rows in gone.items() for pk in rows}
    referenced = set()
    for model, rows in gone.items():
        for rel in model._meta.related_objects:
            child = rel.related_model
            if child._meta.app_label == IMPORTER:
                continue  # the importer's own records name rows by table and id
            name = rel.field.name
            for part in batched(list(rows), 500):
                found = child._base_manager.filter(**{f"{name}__in": part}).values_list("pk", name)
                for pk, target in found:
                    if (child, pk) not in leaving:
                        referenced.add(rows[target])
    return referenced


def _linked_to(ctx, gone: dict[type, dict[int, str]]) -> set[str]:
    """The units of the rows a source row's mapping is linked to (an alert of the file
    that is also a line of its patient's notes, an alert staff wrote): removing one would
    lose what that source row says, or a row the import did not create. A row the file's
    alert still names was handed to it first, when nobody edited it (`shared_rows`)."""
    found = set()
    for model, rows in gone.items():
        for part in batched([str(pk) for pk in rows], 500):
            linked = EntityMapping.objects.filter(
                clinic=ctx.clinic,
                created_row=False,
                target_table=model._meta.db_table,
                target_id__in=part,
            ).values_list("target_id", flat=True)
            found.update(rows[int(target)] for target in linked)
    return found


def _list_conflicts(ctx, entity_type: str, units: list[Unit], resolution: str) -> None:
    took = resolution == Resolution.TOOK_FILE
    conflicts = []
    for u in units:
        name, before, now = u.conflict()
        conflicts.append(
            ImportConflict(
                job=ctx.job,
                clinic=ctx.clinic,
                entity_type=entity_type,
                canonical_uuid=u.key,
                source_id=str(u.record.source_id)[:200],
                target_table=u.old[0][M_TABLE],
                target_id=str(u.old[0][M_TARGET]),
                field=name,
                value_at_import=json_text(before),
                clinic_value=json_text(before),
                file_value=json_text(now),
                resolution=resolution,
                resolved_at=timezone.now() if took else None,
            )
        )
    inserts.insert_instances(conflicts)


def _remove(ctx, entity_type: str, rows: list[tuple[Unit, int]]) -> None:
    """Remove these clinic rows and retire their mappings, each kept whole for undo."""
    if not rows:
        return
    tables = models_by_table()
    by_model: dict[type, list] = defaultdict(list)
    for u, i in rows:
        by_model[tables[u.old[i][M_TABLE]]].append((u, i))
    mapping_ids = [u.old[i][M_ID] for u, i in rows]
    mappings = {
        m["id"]: m
        for m in EntityMapping.objects.filter(pk__in=mapping_ids).values("id", *MAPPING_FIELDS)
    }
    images = []
    for model, items in by_model.items():
        names = [f.attname for f in model._meta.concrete_fields]
        pks = [int(u.old[i][M_TARGET]) for u, i in items]
        found = {
            values[0]: dict(zip(names, plain(values), strict=True))
            for values in model._base_manager.filter(pk__in=pks).values_list(*names)
        }
        for u, i in items:
            m = u.old[i]
            images.append(
                RowUpdate(
                    job=ctx.job,
                    clinic=ctx.clinic,
                    entity_type=entity_type,
                    canonical_uuid=u.key_at(i),
                    target_table=m[M_TABLE],
                    target_id=str(m[M_TARGET]),
                    before=json_text(
                        {"row": found[int(m[M_TARGET])], "mapping": mappings[m[M_ID]]}
                    ),
                    after="",
                    mapping_id=m[M_ID],
                    mapping_digest=m[M_DIGEST] or "",
                    mapping_written=m[M_WRITTEN] or "",
                    removed=True,
                )
            )
        model._base_manager.filter(pk__in=pks).delete()
    EntityMapping.objects.filter(pk__in=mapping_ids).delete()
    inserts.insert_instances(images)


def create_rows(ctx, entity_type: str, rows: list[tuple[Unit, int, models.Model]]) -> None:
    """Insert the file's new rows, parents first, with this job's mappings."""
    if not rows:
        return
    groups: dict[type, list] = defaultdict(list)
    for _, _, obj in rows:
        groups[type(obj)].append(obj)

    owner = {id(obj): u.outcome for u, _, obj in rows}
    for model in parents_first(groups):
        objs = groups[model]
        fit.note_changes(fit.fit(objs), owner)
        inserts.insert_instances(objs)
        events.emit_many(events.domain_events(objs, ctx.clinic.pk), dry_run=ctx.job.dry_run)
    batch = seal_batch(ctx, entity_type, [(u.key_at(i), obj) for u, i, obj in rows])
    now = timezone.now()
    extra_type = entity_type + EXTRA_SUFFIX
    values = [
        (
            ctx.clinic.pk,
            ctx.source_system,
            entity_type if i == 0 else extra_type,
            u.key_at(i),
            _table(obj),
            str(obj.pk),
            True,
            ctx.job.pk,
            now,
            record_digest(u.record) if i == 0 else "",
            batch,
        )
        for u, i, obj in rows
    ]
    inserts.insert_values(EntityMapping, MAPPING_FIELDS, values)
