"""Three-way merge of changed rows: the file, the clinic, and what the importer wrote.

For each tracked field of a row the later file changed (`loader/changes.py`):
the file's value equal to what was written → the file did not change it, the
clinic's value stays; the clinic's value equal to what was written → only the
file changed it, it is updated; both changed, differently → a conflict, the
clinic's value kept (`keep-clinic`, the default) or the file's taken
(`take-file`), recorded either way (`ImportConflict`). A row imported before
the importer kept what it wrote has nothing to compare with: every field the
file and the clinic disagree on is then a conflict, so no edit is lost.

Every overwritten value keeps a before-image (`RowUpdate`) for undo. A chunk's
rows are read, updated and recorded with a few statements per model, never a
query per row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import orjson
from django.db import connection, models, transaction
from django.utils import timezone
from django_scopes import scope

from dentalpin_import.loader import fit, inserts, sql
from dentalpin_import.loader.changes import (
    WrittenValues,
    json_text,
    models_by_table,
    plain,
    seal_batch,
    tracked_fields,
    written_values,
)
from dentalpin_import.mapping.budgets import promote_executed_budgets, recompute_totals
from dentalpin_import.models import (
    EntityMapping,
    ImportConflict,
    Resolution,
    RowUpdate,
)
from dentalpin_import.reader.batches import IN_LIST, batched

KEEP_CLINIC = "keep-clinic"
TAKE_FILE = "take-file"
ON_CONFLICT = (KEEP_CLINIC, TAKE_FILE)
# Outcomes of one changed row, as the report counts them.
UPDATED, CONFLICT, UNCHANGED = "updated", "conflicts", "already_mapped"
RANK = {UNCHANGED: 0, UPDATED: 1, CONFLICT: 2}  # a source row counts as its worst part
# The `field` of a conflict about a row's shape rather than one of its values: the later
# file makes it another kind of row, or gives it another number of further rows.
KIND, FURTHER = "__kind__", "__further_rows__"


@dataclass
class Pending:
    """A mapped row the later file changed: the new instance and what its mapping holds.

    `key` is the mapping's canonical id (`<uuid>:<n>` for a further row of one source
    row, such as a family share); the figures count the source row (`record`).
    """

    key: str
    record: object
    obj: models.Model
    mapping_pk: int
    digest: str  # the mapping's, before
    written: str  # the mapping's batch id, before
    new_digest: str


@dataclass
class MergeResult:
    outcomes: dict[str, str] = field(default_factory=dict)  # canonical id -> outcome
    touched: dict[type, set[int]] = field(default_factory=lambda: defaultdict(set))
    # The values brought to their columns (`fit`) that the merge wrote: a warning each.
    changes: list[fit.Change] = field(default_factory=list)


def merge(ctx, entity_type: str, pending: list[Pending], on_conflict: str) -> MergeResult:
    """Merge the changed rows of one chunk into the clinic; say what became of each."""
    result = MergeResult()
    if not pending:
        return result
    fitted = defaultdict(list)  # compared as they would be stored
    for change in fit.fit_each_model(p.obj for p in pending):
        fitted[id(change.obj)].append(change)
    written = ctx.state.setdefault("written_values", WrittenValues())
    written.load(p.written for p in pending)
    by_model: dict[type, list[Pending]] = defaultdict(list)
    for p in pending:
        by_model[type(p.obj)].append(p)
    now = timezone.now()
    updates, conflicts = [], []
    for model, rows in by_model.items():
        names = tracked_fields(model)
        current = _current(model, names, [p.obj.pk for p in rows])
        groups: dict[tuple, list] = defaultdict(list)
        for p in rows:
            row_key = p.record.canonical_uuid
            clinic, stamp = current.get(p.obj.pk, (None, None))
            if clinic is None:  # deleted in the clinic since: nothing to update
                result.outcomes.setdefault(row_key, UNCHANGED)
                updates.append(mapping_image(ctx, entity_type, p, model._meta.db_table))
                continue
            file = dict(zip(names, plain(written_values(p.obj)), strict=True))
            base = written.of(p.written, p.key, model._meta.db_table)
            change, clash = _decide(names, file, clinic, base)
            if clash:
                conflicts += [
                    _conflict(ctx, entity_type, p, f, base, clinic, file, on_conflict)
                    for f in clash
                ]
                if on_conflict == TAKE_FILE:
                    change = change + clash
            if change:
                groups[tuple(change)].append(p)
                before = {f: clinic[f] for f in change}
                after = {f: file[f] for f in change}
                updates.append(_row_update(ctx, entity_type, p, before, after, stamp))
                result.touched[model].add(p.obj.pk)
                result.changes += _written(fitted.get(id(p.obj), ()), change)
            else:
                updates.append(mapping_image(ctx, entity_type, p, model._meta.db_table))
            outcome = CONFLICT if clash else (UPDATED if change else UNCHANGED)
            if RANK[outcome] > RANK[result.outcomes.get(row_key, UNCHANGED)]:
                result.outcomes[row_key] = outcome
            else:
                result.outcomes.setdefault(row_key, outcome)
        for names_changed, group in groups.items():
            _write(model, list(names_changed), [p.obj for p in group], now)
    # The engine's own insert: Django's bulk_create compiled each row, a third of a cutover.
    inserts.insert_instances(updates)
    inserts.insert_instances(conflicts)
    _remember(ctx, entity_type, pending)
    after_updates(ctx.clinic, result.touched)
    return result


def _written(changes, names) -> list[fit.Change]:
    """The changes to the fields among `names`: a value cut that stays as it was stored
    (the earlier import warned), or that the clinic keeps, is not the file's to report."""
    return [c for c in changes if c.field.rpartition(".")[2] in names]


def link_to_saved(instances) -> None:
    """Point each row's references at rows that now have their ids (a family share at
    the first share, given its id only now): what the clinic's rows hold."""
    for obj in instances:
        cache = obj._state.fields_cache
        for f in obj._meta.concrete_fields:
            if f.is_relation and f.name in cache and getattr(obj, f.attname) is None:
                target = cache[f.name]
                if target is not None and target.pk is not None:
                    setattr(obj, f.attname, target.pk)


def rank_into(outcomes: dict[str, str], more: dict[str, str]) -> None:
    """Add `more` outcomes to `outcomes`: a source row counts as its worst part."""
    for key, outcome in more.items():
        if RANK[outcome] >= RANK[outcomes.get(key, UNCHANGED)]:
            outcomes[key] = outcome


def _current(model, names, pks) -> dict[int, tuple[dict, object]]:
    """The clinic's values of these rows, as `plain` writes them, and when each was last
    changed (None for a model that does not say)."""
    found = {}
    stamped = any(f.name == "updated_at" for f in model._meta.concrete_fields)
    stamp = ("updated_at",) if stamped else ("pk",)
    for part in batched(pks, 900):
        query = model._base_manager.filter(pk__in=part).values_list("pk", *stamp, *names)
        for pk, at, *values in query:
            found[pk] = (dict(zip(names, plain(values), strict=True)), at if stamped else None)
    return found


def _decide(names, file: dict, clinic: dict, base: dict | None) -> tuple[list, list]:
    """The fields to update (the file's change alone) and those in conflict."""
    change, clash = [], []
    for name in names:
        new, now = file[name], clinic[name]
        if new == now:
            continue
        if base is None:  # nothing to tell an edit from a change by
            clash.append(name)
            continue
        old = base.get(name, now)
        if new == old:
            continue  # the file did not change it: the clinic's value stays
        if now == old:
            change.append(name)
        else:
            clash.append(name)
    return change, clash


def _conflict(ctx, entity_type, p: Pending, name, base, clinic, file, on_conflict):
    return ImportConflict(
        job=ctx.job,
        clinic=ctx.clinic,
        entity_type=entity_type,
        canonical_uuid=p.key,
        source_id=str(p.record.source_id)[:200],
        target_table=p.obj._meta.db_table,
        target_id=str(p.obj.pk),
        field=name,
        value_at_import=_json_text(base.get(name) if base else None),
        clinic_value=_json_text(clinic[name]),
        file_value=_json_text(file[name]),
        resolution=Resolution.TOOK_FILE if on_conflict == TAKE_FILE else Resolution.KEPT_CLINIC,
        resolved_at=timezone.now() if on_conflict == TAKE_FILE else None,
    )


def _json_text(value) -> str:
    """A compared value as the JSON text a conflict keeps (sealed by its field)."""
    return orjson.dumps(value).decode()


def _row_update(ctx, entity_type, p: Pending, before: dict, after: dict, stamp) -> RowUpdate:
    return RowUpdate(
        job=ctx.job,
        clinic=ctx.clinic,
        entity_type=entity_type,
        canonical_uuid=p.key,
        target_table=p.obj._meta.db_table,
        target_id=str(p.obj.pk),
        before=json_text(before),
        after=json_text(after),
        mapping_id=p.mapping_pk,
        mapping_digest=p.digest,
        mapping_written=p.written,
        row_updated_at=stamp,
    )


def mapping_image(ctx, entity_type, p: Pending, table: str) -> RowUpdate:
    """A before-image of a mapping alone, for undo (`RowUpdate.mapping_only`): the row keeps
    its values, its mapping takes the file's digest."""
    return RowUpdate(
        job=ctx.job,
        clinic=ctx.clinic,
        entity_type=entity_type,
        canonical_uuid=p.key,
        target_table=table,
        target_id=str(p.obj.pk),
        before="{}",
        after="{}",
        mapping_id=p.mapping_pk,
        mapping_digest=p.digest,
        mapping_written=p.written,
        mapping_only=True,
    )


def _write(model, names: list[str], objs: list, now) -> None:
    """Update `names` of these rows to the file's values; `updated_at` says when."""
    fields = [model._meta.get_field(n) for n in names]
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        for obj in objs:
            obj.updated_at = now
        fields.append(model._meta.get_field("updated_at"))
    write_values(model, fields, objs)


def write_values(model, fields: list, objs: list) -> None:
    """Store `fields` of these rows as their instances hold them, as `save` would."""
    rows = [
        (*(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields), obj.pk)
        for obj in objs
    ]
    pk = model._meta.pk.column
    sql.update_by_pk(model._meta.db_table, pk, [f.column for f in fields], rows)


def _remember(ctx, entity_type: str, pending: list[Pending]) -> None:
    """The mappings now hold the later file's digest and values: the next file's base."""
    batch = seal_batch(ctx, entity_type, [(p.key, p.obj) for p in pending])
    rows = [(p.new_digest, batch, p.mapping_pk) for p in pending]
    sql.update_by_pk(EntityMapping._meta.db_table, "id", ["source_digest", "written"], rows)


def after_updates(clinic, touched: dict[type, set[int]]) -> None:
    """Keep what second passes derive consistent with updated rows (budget totals)."""
    model = next((m for m in touched if m._meta.label_lower == "clinics.budgetline"), None)
    lines = touched.get(model) if model else None
    if not lines:
        return
    budgets = set()
    for part in batched(lines, IN_LIST):
        budgets.update(model._base_manager.filter(pk__in=part).values_list("budget_id", flat=True))
    promote_executed_budgets(clinic, budgets)
    recompute_totals(clinic, budgets)


def take_file_values(conflicts_qs, user) -> int:
    """Apply the file's value of the selected conflicts still kept in the clinic; return how many.

    The values are written as the import would have (with a before-image each,
    so undoing the job puts the clinic's values back) and the conflicts are
    marked `took_file`, by `user`, now. Budget totals follow updated lines.
    """
    tables = models_by_table()
    taken = 0
    now = timezone.now()
    with transaction.atomic():
        pending = list(
            conflicts_qs.filter(resolution=Resolution.KEPT_CLINIC)
            # A row's shape is taken only with the file at hand (`--on-conflict take-file`).
            .exclude(field__in=(KIND, FURTHER))
            .select_for_update()
            .order_by("id")
        )
        by_row: dict[tuple, list[ImportConflict]] = defaultdict(list)
        for c in pending:
            by_row[(c.target_table, c.target_id)].append(c)
        touched: dict[type, set[int]] = defaultdict(set)
        for (table, target), items in by_row.items():
            model = tables.get(table)
            clinic = items[0].clinic
            with scope(clinic=clinic):
                obj = model._base_manager.filter(pk=int(target)).first() if model else None
                if obj is None:
                    continue  # the row is gone: nothing to take the value into
                names = [c.field for c in items]
                stamp = getattr(obj, "updated_at", None)
                before = dict(zip(names, plain([getattr(obj, n) for n in names]), strict=True))
                for c in items:
                    f = model._meta.get_field(c.field)
                    setattr(obj, f.attname, f.to_python(open_json_text(c.file_value)))
                fields = [model._meta.get_field(n).name for n in names]
                if hasattr(obj, "updated_at"):
                    fields.append("updated_at")
                obj.save(update_fields=fields)
                after = dict(zip(names, plain([getattr(obj, n) for n in names]), strict=True))
                first = items[0]
                RowUpdate.objects.create(
                    job=first.job,
                    clinic=clinic,
                    entity_type=first.entity_type,
                    canonical_uuid=first.canonical_uuid,
                    target_table=table,
                    target_id=target,
                    before=json_text(before),
                    after=json_text(after),
                    row_updated_at=stamp,
                )
                touched[model].add(obj.pk)
                for c in items:
                    c.resolution, c.resolved_at, c.resolved_by = Resolution.TOOK_FILE, now, user
                    c.save(update_fields=["resolution", "resolved_at", "resolved_by"])
                    taken += 1
        by_clinic = {c.clinic_id: c.clinic for c in pending}
        for clinic in by_clinic.values():
            with scope(clinic=clinic):
                after_updates(clinic, touched)
    return taken


def open_json_text(text: str):
    return orjson.loads(text) if text else None
