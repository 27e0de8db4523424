"""An import's fast inserts store, column by column, what Django's own `save()` stores.

The models compared are found from the models themselves (a foreign key to the
clinic, or a mapper's target), not listed by hand, so a model added tomorrow is
compared the day it is added; a test also runs a sample import and fails if it
inserts rows of a model left out. For each model, rows are built with the same
demanding values (accents and emoji, the markers COPY gives a meaning to,
decimals with more places than the column keeps, Madrid times in the hour the
clocks go back, nested JSON, encrypted clinical text, defaults left unset). One
is saved by the ORM; the other goes through the fast path inside a chunk of many
rows, as an import sends them. Both are read back raw, every column, and through
the ORM.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Q
from django.utils import timezone

from clinics.fields import PREFIX, EncryptedTextField, decrypt
from clinics.models import Clinic, Membership, Patient
from dentalpin_import.loader import inserts
from dentalpin_import.loader.chunks import MAPPING_COLUMNS
from dentalpin_import.loader.raw_rows import RAW_COLUMNS
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.registry import MAPPERS
from dentalpin_import.models import (
    AuditEntry,
    EntityMapping,
    FileStaging,
    ImportJob,
    ImportWarning,
    RawEntity,
)
from dentalpin_import.sample.generator import generate_sample
from tests.dentalpin_import.commands.helpers import run_import
from tests.factories.clinics import UserFactory

MADRID = ZoneInfo("Europe/Madrid")
# More rows than one SQLite statement takes, so a chunk is split into statements
# and a remainder as an import's chunks are.
BATCH = 60


def _points_at_clinic(model: type[models.Model]) -> bool:
    return any(f.is_relation and f.related_model is Clinic for f in model._meta.concrete_fields)


def models_an_import_may_write() -> set[type[models.Model]]:
    """Every model, in any installed app, with a clinic foreign key, and every mapper's target."""
    linked = {m for m in apps.get_models() if _points_at_clinic(m)}
    return linked | {mapper.model for mapper in MAPPERS.values()}


# What an import never writes through the fast inserts, and why.
NOT_FAST = {
    Clinic: "never inserted: a centre row links to the operator's clinic (FORMAT.md §12.2)",
    Membership: "logins and roles are given by staff; no mapper writes them",
    ImportJob: "one row per upload, created by the ORM before the import runs",
    AuditEntry: "written one at a time by the ORM (append-only)",
}
COMPARED = sorted(models_an_import_may_write() - NOT_FAST.keys(), key=lambda m: m._meta.label)
# Models the engine writes as value rows (`insert_values`), with the columns it sends.
VALUE_ROWS = {EntityMapping: MAPPING_COLUMNS, RawEntity: RAW_COLUMNS}

EVERY = "every"  # every column given, times in Madrid, the top of each integer range
EXTREMES = "extremes"  # every column given, times converted to UTC, the bottom of each range
EMPTY = "empty"  # empty strings, None wherever a column allows it, zeros
DEFAULTS = "defaults"  # only what has no default: everything else is the model's default
NAIVE = "naive"  # datetimes without a zone (Django warns and reads them in TIME_ZONE)
VARIANTS = (EVERY, EXTREMES, EMPTY, DEFAULTS, NAIVE)

# COPY's text format gives a meaning to backslashes, tabs, line ends, `\N` (NULL)
# and `\.` (end of data); SQLite and PostgreSQL must both keep them as text.
TEXT = " Ñandú «café» 🦷\t\\N \\. 'una' \"dos\"\r\nlínea e\u0301 "
NOTE = "Alérgica a la penicilina 💊\nDx: K02.1 caries «dentina» \\N"
NESTED = {
    "ñandú": {"🦷": [1, 2.5, None, False, "\\N"], "vacío": {}, "": []},
    "big": 12345678901234567890,
}
NESTED_LIST = [11, 48, {"ñ": ["🦷", None, 1.5, True]}, [[]], "\\N"]
# Given to creation times: both paths must replace it with the time of the insert.
LONG_AGO = dt.datetime(2001, 1, 1, tzinfo=MADRID)


def _is_now(field: models.Field) -> bool:
    """A column whose value is the moment of saving."""
    return bool(
        getattr(field, "auto_now", False)
        or getattr(field, "auto_now_add", False)
        or getattr(field, "default", None) is timezone.now
    )


def _named_by_checks(model: type[models.Model]) -> set[str]:
    """Fields a check constraint names (a message needs a patient or a payer)."""
    names: set[str] = set()

    def walk(node: Q) -> None:
        for child in node.children:
            if isinstance(child, Q):
                walk(child)
            else:
                names.add(child[0].split("__")[0])

    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            walk(constraint.condition)
    return names


def _required(model: type[models.Model], field: models.Field) -> bool:
    """Whether a row cannot be saved without a value for `field`."""
    if field.name in _named_by_checks(model):
        return True
    return not field.null and not _is_now(field) and field.get_default() is None


def _given(model: type[models.Model], variant: str) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and (variant != DEFAULTS or _required(model, f))
    ]


def _choice(field: models.Field, variant: str) -> str:
    choices = [value for value, _ in field.flatchoices if value != ""]
    if variant == EMPTY:
        return "" if field.blank else choices[0]
    if variant == EXTREMES:
        return choices[0]
    others = [c for c in choices if c != field.get_default()]
    return (others or choices)[-1]


def _value(field: models.Field, variant: str) -> Any:
    """The demanding value of one column (not a foreign key) in one variant."""
    if _is_now(field):
        return None if variant == EMPTY else LONG_AGO
    if variant == EMPTY and field.null:
        return None
    if isinstance(field, EncryptedTextField):
        return {EMPTY: "" if field.blank else " ", EXTREMES: "\\N"}.get(variant, NOTE)
    if isinstance(field, models.FileField):
        path = "documents/2024/informe ñ 🦷 \\N.pdf"
        return {EMPTY: "", EXTREMES: "\\N"}.get(variant, path)[: field.max_length]
    if isinstance(field, (models.CharField, models.TextField)):
        if field.choices:
            return _choice(field, variant)
        if variant == EMPTY:
            return "" if field.blank else "\\."
        return ("\\N" if variant == EXTREMES else TEXT)[: field.max_length]
    if isinstance(field, models.BooleanField):
        default = bool(field.get_default())
        return {EVERY: not default, EXTREMES: default, EMPTY: False}.get(variant, True)
    if isinstance(field, models.IntegerField):
        low, high = BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]
        return {EVERY: high, EXTREMES: low, EMPTY: 0}.get(variant, 1)
    if isinstance(field, models.DecimalField):
        whole = field.max_digits - field.decimal_places
        return {
            # More places than the column keeps, rounded without carrying into the whole part.
            EVERY: Decimal("1" * whole + ".987654321987"),
            EXTREMES: Decimal("-" + "9" * whole + "." + "4" * field.decimal_places + "9"),
            EMPTY: Decimal("-0.000"),
        }.get(variant, Decimal("1E+1"))
    if isinstance(field, models.DateTimeField):
        return {
            # The second 02:30 of the night the clocks go back (CEST → CET).
            EVERY: dt.datetime(2021, 10, 31, 2, 30, 15, 123456, fold=1, tzinfo=MADRID),
            # A source's naive time taken as UTC, as the readers do.
            EXTREMES: timezone.make_aware(dt.datetime(2000, 2, 29, 23, 59, 59, 999999), dt.UTC),
            EMPTY: dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
            # A minute before Madrid's clocks go forward.
            NAIVE: dt.datetime(2021, 3, 28, 1, 59, 59, 999999),
        }.get(variant, dt.datetime(2020, 1, 1, tzinfo=MADRID))
    if isinstance(field, models.DateField):
        return {
            EVERY: dt.date(2024, 2, 29),
            EXTREMES: dt.date(1, 1, 1),
            EMPTY: dt.date(1970, 1, 1),
        }.get(variant, dt.date(9999, 12, 31))
    if isinstance(field, models.TimeField):
        return {EVERY: dt.time(23, 59, 59, 999999), NAIVE: dt.time(12, 0, 0, 1)}.get(
            variant, dt.time(0, 0)
        )
    if isinstance(field, models.JSONField):
        if variant == EMPTY:
            return field.get_default()
        if variant == EXTREMES:
            return "una cadena JSON \\N ñ"  # a scalar, not the list or object it usually holds
        return copy.deepcopy(NESTED_LIST if isinstance(field.get_default(), list) else NESTED)
    if isinstance(field, models.UUIDField):
        return uuid.UUID(int=2**128 - 1 if variant == EVERY else 1)
    raise TypeError(f"no demanding value for {field!r}: teach _value() its type")


class Parents:
    """Saved rows for foreign keys to point at: one per model, shared by both paths."""

    def __init__(self, clinic: Clinic):
        self.rows: dict[type[models.Model], models.Model] = {Clinic: clinic}

    def of(self, model: type[models.Model]) -> models.Model:
        if model not in self.rows:
            self.rows[model] = self.new(model)
        return self.rows[model]

    def new(self, model: type[models.Model]) -> models.Model:
        if model is get_user_model():
            return UserFactory()
        obj = model(
            **{
                f.name: self.of(f.related_model) if f.is_relation else _value(f, EMPTY)
                for f in _given(model, DEFAULTS)
            }
        )
        obj.save()
        return obj


def _values(model: type[models.Model], variant: str, parents: Parents) -> dict[str, Any]:
    """{field name: value} of one row; foreign keys are given as saved instances."""
    checked = _named_by_checks(model)
    values = {}
    for f in _given(model, variant):
        if f.is_relation:
            keep = not f.null or f.name in checked or variant != EMPTY
            values[f.name] = parents.of(f.related_model) if keep else None
        else:
            values[f.name] = _value(f, EVERY if f.name in checked else variant)
    return values


def _copied(values: dict[str, Any]) -> dict[str, Any]:
    """The values again, with JSON of their own but the same parent rows."""
    return {k: v if isinstance(v, models.Model) else copy.deepcopy(v) for k, v in values.items()}


def _one_of_a_kind(model: type[models.Model]) -> list[models.Field]:
    """One field per uniqueness rule: made different on every row of a chunk."""
    fields = [f for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            texts = [model._meta.get_field(name) for name in constraint.fields]
            fields.append([f for f in texts if isinstance(f, models.CharField)][-1])
    return fields


def _chunk(model, values: dict, parents: Parents) -> tuple[list[models.Model], set[str]]:
    """The row under test first, then rows that differ only where a row must be unique.

    Built as the mappers build rows (`build`). Returns the rows and the fields
    made different.
    """
    varied = _one_of_a_kind(model)
    rows = [build(model, **_copied(values))]
    for i in range(1, BATCH):
        mine = _copied(values)
        for f in varied:
            if f.is_relation:
                mine[f.name] = parents.new(f.related_model)
            else:
                tag = f"~{i}"
                mine[f.name] = (mine.get(f.name) or "")[: f.max_length - len(tag)] + tag
        rows.append(build(model, **mine))
    return rows, {f.name for f in varied}


def _by_instances(model, rows: list[models.Model]) -> list[int]:
    with transaction.atomic():
        inserts.insert_instances(rows)
    return [row.pk for row in rows]


def _by_value_rows(prepared: bool):
    """Write rows as the engine writes mappings and raw rows: plain values, the time given."""

    def write(model, objs: list[models.Model]) -> list[int]:
        columns = VALUE_ROWS[model]
        fields = [model._meta.get_field(name) for name in columns]
        now = timezone.now()
        rows = [[now if _is_now(f) else getattr(o, f.attname) for f in fields] for o in objs]
        if prepared:
            rows = [
                [inserts.db_value(model, name, v) for name, v in zip(columns, row, strict=True)]
                for row in rows
            ]
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with transaction.atomic():
            inserts.insert_values(model, columns, rows, prepared=prepared)
        return list(model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True))

    return write


def _stored(model: type[models.Model], pks: list[int]) -> dict[int, dict[str, tuple]]:
    """{pk: {column: (value, exact text)}} as the database holds them, read without the ORM.

    The text is SQLite's `quote()` (it tells the integer 1 from the text '1')
    or PostgreSQL's `::text`.
    """
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    as_text = "quote({})" if connection.vendor == "sqlite" else "{}::text"
    select = ", ".join(f"{quote(f.column)}, {as_text.format(quote(f.column))}" for f in fields)
    marks = ", ".join(["%s"] * len(pks))
    pk = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {pk}, {select} FROM {quote(model._meta.db_table)} WHERE {pk} IN ({marks})",
            pks,
        )
        rows = cursor.fetchall()
    return {
        row[0]: {f.column: (row[1 + 2 * i], row[2 + 2 * i]) for i, f in enumerate(fields)}
        for row in rows
    }


def _shape(text: str | None) -> str | None:
    """A stored time with its digits blanked: how it is written, not when."""
    return None if text is None else re.sub(r"\d", "0", re.sub(r"\.\d+", "", text))


def _sealed_alike(orm: str | None, fast: str | None) -> bool:
    """Two encryptions of one text differ (a fresh IV each): compare what they decrypt to."""
    if orm in (None, "") or fast in (None, ""):
        return orm == fast
    return orm.startswith(PREFIX) and fast.startswith(PREFIX) and decrypt(orm) == decrypt(fast)


def _stored_differences(model, orm: dict, fast: dict, skip: set[str]) -> dict:
    differences = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name in skip:
            continue
        (orm_raw, orm_text), (fast_raw, fast_text) = orm[f.column], fast[f.column]
        if _is_now(f):
            alike = orm_text is not None and _shape(orm_text) == _shape(fast_text)
        elif isinstance(f, EncryptedTextField):
            alike = _sealed_alike(orm_raw, fast_raw)
        else:
            alike = orm_text == fast_text
        if not alike:
            differences[f.column] = (orm_text, fast_text)
    return differences


def _read_differences(model, orm, fast, skip: set[str], since, until) -> dict:
    differences = {}
    slack = dt.timedelta(seconds=1)
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name in skip:
            continue
        a, b = getattr(orm, f.attname), getattr(fast, f.attname)
        if _is_now(f):
            alike = all(v is not None and since - slack <= v <= until + slack for v in (a, b))
            alike = alike and abs(a - b) < dt.timedelta(seconds=5)
        else:
            alike = a == b and type(a) is type(b)
        if not alike:
            differences[f.name] = (a, b)
    return differences


def _compare(model, variant: str, parents: Parents, write) -> None:
    values = _values(model, variant, parents)
    warns = (
        (lambda: pytest.warns(RuntimeWarning, match="naive datetime"))
        if variant == NAIVE
        else contextlib.nullcontext
    )
    since = timezone.now()
    # Saved and read back inside a savepoint rolled back afterwards: the fast path's
    # row may then hold the same unique values.
    savepoint = transaction.savepoint()
    try:
        orm_obj = model(**_copied(values))
        with warns():
            orm_obj.save()
        orm_stored = _stored(model, [orm_obj.pk])[orm_obj.pk]
        orm_read = model.objects.get(pk=orm_obj.pk)
    finally:
        transaction.savepoint_rollback(savepoint)
    rows, varied = _chunk(model, values, parents)
    with warns():
        pks = write(model, rows)
    until = timezone.now()
    assert len(pks) == len(set(pks)) == BATCH
    # {column: (what save() stored, what the fast path stored)}, every row of the chunk.
    stored = _stored(model, pks)
    for i, pk in enumerate(pks):
        skip = varied if i else set()
        where = f"{model._meta.label} ({variant}), row {i} of the chunk"
        assert _stored_differences(model, orm_stored, stored[pk], skip) == {}, where
    # Then as the application reads them (decrypted, converted), once the raw rows agree.
    read = model.objects.in_bulk(pks)
    for i, pk in enumerate(pks):
        skip = varied if i else set()
        where = f"{model._meta.label} ({variant}), row {i} of the chunk"
        assert _read_differences(model, orm_read, read[pk], skip, since, until) == {}, where


def _has_own_datetime(model: type[models.Model]) -> bool:
    return any(
        isinstance(f, models.DateTimeField) and not _is_now(f) for f in model._meta.concrete_fields
    )


def _cases(models_: list[type[models.Model]]) -> list:
    return [
        pytest.param(model, variant, id=f"{model._meta.label}-{variant}")
        for model in models_
        for variant in VARIANTS
        if variant != NAIVE or _has_own_datetime(model)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("model,variant", _cases(COMPARED))
def test_inserted_instances_are_stored_as_save_stores_them(model, variant, clinic, unscoped):
    _compare(model, variant, Parents(clinic), _by_instances)


@pytest.mark.django_db
@pytest.mark.parametrize("prepared", [False, True], ids=["plain", "prepared"])
@pytest.mark.parametrize("model,variant", _cases(list(VALUE_ROWS)))
def test_value_rows_are_stored_as_save_stores_them(model, variant, prepared, clinic, unscoped):
    _compare(model, variant, Parents(clinic), _by_value_rows(prepared))


def test_every_exclusion_names_a_model_an_import_could_write():
    # A stale reason would hide nothing today, and whatever it names tomorrow.
    assert NOT_FAST.keys() <= models_an_import_may_write()
    assert set(VALUE_ROWS) <= set(COMPARED)


@pytest.mark.django_db
def test_every_model_a_sample_import_inserts_is_compared(tmp_path, clinic, monkeypatch):
    seen: dict[str, set] = {"instances": set(), "values": set()}
    by_instances, by_values = inserts.insert_instances, inserts.insert_values

    def spy_instances(objs):
        seen["instances"].update(type(obj) for obj in objs)
        return by_instances(objs)

    def spy_values(model, *args, **kwargs):
        seen["values"].add(model)
        return by_values(model, *args, **kwargs)

    monkeypatch.setattr(inserts, "insert_instances", spy_instances)
    monkeypatch.setattr(inserts, "insert_values", spy_values)
    sample = generate_sample(tmp_path / "s.dpm", patients=8, seed=3, layer="raw")
    extra = ["--import-verifactu"] if apps.is_installed("verifactu") else []
    status, out, _ = run_import(sample.path, clinic.slug, *extra)
    assert status == 0, out
    # The spies saw the import's writes (else the engine writes some other way).
    assert {Patient, ImportWarning, FileStaging} <= seen["instances"]
    assert EntityMapping in seen["values"]
    assert seen["instances"] <= set(COMPARED)
    assert seen["values"] <= set(VALUE_ROWS)
