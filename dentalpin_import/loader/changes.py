"""Change detection for cutover imports: what a row was built from, and what was written.

Every mapping keeps the digest of the source row it was built from
(`SourceRecord.digest`, `row_digest`) and names the `WrittenBatch` that holds,
sealed, the values the importer wrote for it. A later export of the same
source is then read type by type: a row whose digest is unchanged is passed by
at the cost of a comparison; only a changed row is mapped again and merged
field by field (`loader/merge.py`).

`summarise` classifies a file against a clinic before anything is written, for
the preview.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import defaultdict
from decimal import Decimal
from functools import cache
from operator import itemgetter

import orjson
from django.apps import apps
from django.db import models
from django_scopes import scope

from dentalpin_import.loader import inserts
from dentalpin_import.mapping.instances import build
from dentalpin_import.models import SKIP_SUFFIX, EntityMapping, WrittenBatch
from dentalpin_import.reader.batches import IN_LIST, batched
from dentalpin_import.reader.records import row_digest

# Fields a second pass owns rather than the mapper: budgets are numbered, promoted
# and totalled from their lines, lines linked to the treatment that carried them
# out. Their values differ from what the mapper wrote without anyone editing them,
# so comparing them would report conflicts nobody made.
SECOND_PASS_FIELDS = {
    "clinics.budget": {
        "number",
        "status",
        "subtotal",
        "discount_total",
        "tax_total",
        "total",
    },
    "clinics.budgetline": {"applied_treatment_id"},
}
SAMPLES = 5
# An edit within this margin of the import is the import itself (as jobs/undo.py says).
EDIT_MARGIN_S = dt.timedelta(seconds=2)


def record_digest(record) -> str:
    """The digest of what `record` was read from; a sheet row's from its cells."""
    if record.digest:
        return record.digest
    return _digest_of(record.raw)


def source_row_digest(row) -> str:
    """`record_digest` of a row not typed yet (a row of a container or a sheet)."""
    record = getattr(row, "record", None)  # a sheet row carries its typed record
    return record_digest(record) if record is not None else row_digest(row)


def _digest_of(value) -> str:
    text = orjson.dumps(value, default=str, option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(text, digest_size=16).hexdigest()


def tracked_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The attribute names of `model` a cutover compares: what the mapper writes."""
    return _TRACKED.get(model) or _tracked(model)


_TRACKED: dict[type, tuple[str, ...]] = {}


def _tracked(model) -> tuple[str, ...]:
    skip = SECOND_PASS_FIELDS.get(model._meta.label_lower, set())
    names = tuple(
        f.attname
        for f in model._meta.concrete_fields
        if not f.primary_key
        and f.name != "clinic"
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
        and f.attname not in skip
    )
    _TRACKED[model] = names
    return names


def models_by_table() -> dict[str, type[models.Model]]:
    """{table name: model} of every installed model: mappings name their rows' tables."""
    return {m._meta.db_table: m for m in apps.get_models()}


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value.normalize()) if value.is_finite() else str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def dumps(value) -> bytes:
    """JSON of values as a database gives them back: decimals normalised, moments in UTC."""
    return orjson.dumps(value, default=_json_default, option=orjson.OPT_PASSTHROUGH_DATETIME)


def plain(values: tuple | list) -> list:
    """Values as `dumps` writes them, read back: what two sides are compared as."""
    return orjson.loads(dumps(list(values)))


def written_values(obj: models.Model) -> list:
    """The tracked values of an instance (not normalised: `seal_batch` does it).

    Read from the instance's dictionary, not its attributes: a file field's
    descriptor would bind a `FieldFile` to the instance, a reference cycle the run's
    collector (off) would never free.
    """
    values = obj.__dict__
    try:  # every tracked value set, as a mapper builds them: read in one call
        return list(_tracked_getter(type(obj))(values))
    except KeyError:
        return [values.get(name) for name in tracked_fields(type(obj))]


@cache
def _tracked_getter(model: type[models.Model]):
    names = tracked_fields(model)
    if len(names) < 2:  # itemgetter of one name gives the value, not a tuple
        return lambda values: tuple(values[name] for name in names)
    return itemgetter(*names)


def seal_batch(ctx, entity_type: str, rows: list[tuple[str, models.Model]]) -> str:
    """Store the values `rows` (canonical id, instance) were written with; return the batch id.

    One sealed token for the chunk. Empty when there is nothing to keep.
    """
    if not rows:
        return ""
    tables: dict[str, list[str]] = {}
    values = {}
    for key, obj in rows:
        table = obj._meta.db_table
        if table not in tables:
            tables[table] = list(tracked_fields(type(obj)))
        values[key] = (table, written_values(obj))
    text = dumps({"f": tables, "r": values}).decode()
    # The engine's own insert: `objects.create` left a reference cycle per chunk, and the
    # run keeps the cyclic collector off (runner.old_objects_left_alone).
    batch = build(WrittenBatch, clinic=ctx.clinic, job=ctx.job, entity_type=entity_type)
    batch.values = text
    inserts.insert_instances([batch])
    return str(batch.pk)


class WrittenValues:
    """The written values of mappings, each batch opened once for a run."""

    def __init__(self):
        self.batches: dict[str, dict] = {}

    def load(self, batch_ids) -> None:
        needed = {b for b in batch_ids if b}
        wanted = needed - self.batches.keys()
        if not wanted:
            return
        # A chunk of a later file mostly needs the batch its rows were written in, by the
        # same key order: a few batches held keep memory flat (each is a chunk's values).
        # Those this chunk needs stay: dropping one would lose what its rows were written as.
        if len(self.batches) > 8:
            self.batches = {b: v for b, v in self.batches.items() if b in needed}
        found = WrittenBatch.objects.filter(pk__in=[int(b) for b in wanted if b.isdigit()])
        for pk, text in found.values_list("pk", "values"):
            self.batches[str(pk)] = orjson.loads(text)

    def of(self, batch_id: str, key: str, table: str) -> dict | None:
        """{field: value} the importer wrote for `key` into `table`, or None if unknown."""
        batch = self.batches.get(batch_id)
        if batch is None or key not in batch["r"]:
            return None
        row_table, values = batch["r"][key]
        if row_table != table:
            return None
        return dict(zip(batch["f"][table], values, strict=False))


def json_text(value) -> str:
    """Values as JSON text, for a sealed field (`EncryptedTextField` encrypts it)."""
    return dumps(value).decode()


def open_json(text: str):
    """What `json_text` wrote, read back from its sealed field (already decrypted)."""
    return orjson.loads(text) if text else None


def summarise(source, clinic, source_system: str) -> dict:
    """Per entity type, how a file's rows stand against what the clinic has from that source.

    Returns {type: {"new", "changed", "unchanged", "edited_in_clinic", "missing": count,
    "samples": {kind: [source ids]}}}. `edited_in_clinic` counts the changed rows whose
    clinic row was edited since it was imported (`updated_at`): the rows where conflicts
    may arise. Which fields conflict is only known once each changed row is mapped again:
    the exact figures of every kind are those of a dry run (`--dry-run`, or
    `services.run_job` of a dry-run job), which runs the very engine of the import.
    Reads the file's rows once and the clinic's mappings of each type once.
    """
    summary: dict[str, dict] = {}
    with scope(clinic=clinic):
        for info in source.entity_types:
            summary[info.entity_type] = _summarise_type(
                source, clinic, source_system, info.entity_type
            )
    return summary


def _summarise_type(source, clinic, source_system: str, entity_type: str) -> dict:
    mappings = EntityMapping.objects.filter(
        clinic=clinic, source_system=source_system, entity_type=entity_type
    ).values_list("canonical_uuid", "source_digest", "target_table", "target_id", "created_at")
    known = {uuid_: rest for uuid_, *rest in mappings}
    markers = dict(
        EntityMapping.objects.filter(
            clinic=clinic, source_system=source_system, entity_type=entity_type + SKIP_SUFFIX
        ).values_list("canonical_uuid", "source_digest")
    )
    counts = defaultdict(int)
    samples: dict[str, list] = defaultdict(list)
    changed: dict[str, list] = defaultdict(list)  # table -> [(target id, imported at)]
    seen = set()

    def note(kind: str, source_id: str) -> None:
        counts[kind] += 1
        if len(samples[kind]) < SAMPLES:
            samples[kind].append(source_id)

    for row in (r for part in source.iter_rows(entity_type, chunk_size=1000) for r in part):
        key = row.canonical_uuid
        if key in seen:
            continue
        seen.add(key)
        if key in markers:
            # A row an earlier import left out is mapped again when the file changed it
            # (or when the marker predates digests): imported if the rules now let it in.
            same = markers[key] and markers[key] == source_row_digest(row)
            note("unchanged" if same else "new", row.source_id)
        elif key not in known:
            note("new", row.source_id)
        elif known[key][0] and known[key][0] == source_row_digest(row):
            note("unchanged", row.source_id)
        else:
            note("changed", row.source_id)
            _, table, target, at = known[key]
            changed[table].append((target, at, row.source_id))
    _count_edited(changed, counts, samples)
    gone = [k for k in known if k not in seen]
    counts["missing"] = len(gone)
    samples["missing"] = gone[:SAMPLES]
    return {
        **{k: counts[k] for k in ("new", "changed", "unchanged", "edited_in_clinic", "missing")},
        "samples": dict(samples),
    }


def _count_edited(changed: dict, counts, samples) -> None:
    """Count the changed rows whose clinic row was edited after its import."""
    tables = models_by_table()
    for table, rows in changed.items():
        model = tables.get(table)
        if model is None or not hasattr(model, "updated_at"):
            continue
        at = {int(t): (when, sid) for t, when, sid in rows}
        for part in batched(at, IN_LIST):
            found = model._base_manager.filter(pk__in=part).values_list("pk", "updated_at")
            for pk, updated in found:
                when, sid = at[pk]
                if updated and updated > when + EDIT_MARGIN_S:
                    counts["edited_in_clinic"] += 1
                    if len(samples["edited_in_clinic"]) < SAMPLES:
                        samples["edited_in_clinic"].append(sid)
