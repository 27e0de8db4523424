"""Fast bulk inserts for the runner, with ids allocated up front.

Django's `bulk_create` spends most of an import compiling one giant INSERT
value by value. Here each model's fields are prepared by a cached plan and
sent by COPY (PostgreSQL) or a few prepared multi-row INSERTs (SQLite). Ids are
allocated before inserting (PostgreSQL: from the sequence; SQLite: after the
highest id ever used, under the write lock the chunk's transaction holds), so
mapping rows can point at the new rows. Must run inside a transaction; sends
no signals, like `bulk_create`.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from functools import cache, partial
from operator import itemgetter
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

from dentalpin_import.loader import sql

_NOTHING = object()

# Field types whose Python values the drivers take as they are.
SIMPLE = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.PositiveIntegerField,
    models.BigIntegerField,
    models.BooleanField,
    models.SlugField,
)


def write_rows(model: type[models.Model], fields: Sequence[models.Field], rows: list) -> None:
    """Send rows to the table: COPY on PostgreSQL, multi-row INSERTs on SQLite (`sql`)."""
    sql.write_rows(model._meta.db_table, [f.column for f in fields], rows)


def needs_prep(field: models.Field) -> bool:
    """True unless the database driver takes the Python value as it is."""
    if field.is_relation:
        return needs_prep(field.target_field)
    # Exact types only: a subclass (an encrypted text field, say) prepares its own value.
    if isinstance(field, AutoFieldMixin):
        return False
    return not any(type(field) is simple for simple in SIMPLE)


def _is_timestamp(field: models.Field) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


class Column(NamedTuple):
    """How one column of a model is filled from its instances."""

    field: models.Field
    attname: str
    prep: bool  # the driver does not take the Python value as it is
    timestamp: bool  # auto_now / auto_now_add: set to the insert time


@cache
def _plan(model: type[models.Model]) -> tuple[Column, ...]:
    """The columns of `model`, worked out once per model."""
    return tuple(
        Column(f, f.attname, needs_prep(f), _is_timestamp(f)) for f in model._meta.concrete_fields
    )


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Reserve `count` new primary keys for `model` (inside the caller's transaction)."""
    return sql.allocate_ids(model._meta.db_table, model._meta.pk.column, count)


def _sqlite_datetime(value: dt.datetime):
    offset = value.utcoffset()
    if offset is None:
        return _NOTHING  # naive (Django warns about those) or a zone without an offset: let it
    # The UTC wall time, as `astimezone(UTC)` gives it, in half the time: the offset
    # is looked up once and no UTC instance is built on the way.
    return (value.replace(tzinfo=None) - offset).isoformat(" ")


def _finite_decimal(value: Decimal):
    return value if value.is_finite() else _NOTHING


def _aware(value: dt.datetime):
    # Django stores an aware datetime as it is; a naive one it warns about and makes aware.
    return value if value.utcoffset() is not None else _NOTHING


def _same(value):
    return value


# What Django's backends make of the commonest values, without its generic
# conversion chain: {(exact field type, exact value type): convert}.
# A value of any other type (or a converter's _NOTHING) takes Django's path;
# tests/dentalpin_import/loader/test_inserts.py holds both paths to the same result.
SQLITE_FAST = {
    (models.DateField, dt.date): str,
    (models.DateTimeField, dt.datetime): _sqlite_datetime,
    (models.DecimalField, Decimal): _finite_decimal,
    (models.UUIDField, uuid.UUID): lambda v: v.hex,
    (models.JSONField, list): json.dumps,
    (models.JSONField, dict): json.dumps,
}
# PostgreSQL's backend hands dates, datetimes, decimals and UUIDs to psycopg as
# they are, and JSON wrapped for psycopg (`_postgres_json`).
POSTGRES_FAST = {
    (models.DateField, dt.date): _same,
    (models.DateTimeField, dt.datetime): _aware,
    (models.DecimalField, Decimal): _finite_decimal,
    (models.UUIDField, uuid.UUID): _same,
}
# The converters above that may return _NOTHING.
DECLINING = frozenset({_sqlite_datetime, _finite_decimal, _aware})


def _postgres_json() -> dict:
    # What the backend's JSON adapter makes of a value, minus the field's generic chain.
    adapt = partial(connections[DEFAULT_DB_ALIAS].ops.adapt_json_value, encoder=None)
    return {(models.JSONField, list): adapt, (models.JSONField, dict): adapt}


@cache
def _fast_converters(field: models.Field, vendor: str, zone: str) -> dict[type, Callable]:
    """{exact value type: converter} for `field` on this database (may be empty).

    SQLite's stored datetimes depend on the connection's zone: its table holds for UTC only.
    """
    if vendor == "postgresql":
        table = {**POSTGRES_FAST, **_postgres_json()}
    elif vendor == "sqlite" and zone == "UTC":
        table = SQLITE_FAST
    else:
        return {}
    if field.is_relation:
        field = field.target_field
    if isinstance(field, models.JSONField) and field.encoder is not None:
        return {}
    return {vt: fn for (ft, vt), fn in table.items() if type(field) is ft}


def _prepared(field: models.Field, values: list, conn) -> list:
    """`field.get_db_prep_save` of each value, reusing the last result when a value repeats.

    A field that prepares many values at once (`get_db_prep_save_many`) is left to do so.
    """
    many = getattr(field, "get_db_prep_save_many", None)
    if many is not None:
        return many(values, conn)
    prep = field.get_db_prep_save
    fast = _fast_converters(field, conn.vendor, conn.timezone_name)
    if fast:
        out = _all_fast(fast, values, lambda: prep(None, conn))
        if out is not None:
            return out
    out = []
    last_in = last_out = _NOTHING
    for value in values:
        if value is not last_in:
            convert = fast.get(type(value))
            last_out = _NOTHING if convert is None else convert(value)
            if last_out is _NOTHING:
                last_out = prep(value, conn)
            last_in = value
        out.append(last_out)
    return out


def _all_fast(fast: dict[type, Callable], values: list, empty: Callable) -> list | None:
    """The column converted in one pass when its values are of one fast type (and None).

    None when some value needs Django's path: the caller takes it value by value.
    """
    kinds = set(map(type, values))
    nulls = type(None) in kinds
    kinds.discard(type(None))
    if not kinds:
        return [empty()] * len(values)
    if len(kinds) != 1:
        return None
    convert = fast.get(kinds.pop())
    if convert is None:
        return None
    if nulls:
        none = empty()  # what Django stores for None in this column, asked once
        out = [none if value is None else convert(value) for value in values]
    else:
        out = list(map(convert, values))
    # A converter that can decline (a non-finite decimal, a zone without an offset).
    return None if convert in DECLINING and _NOTHING in out else out


def _with_parents_saved(objs: Sequence[models.Model], field: models.Field, values) -> list:
    """A foreign key's values, with the ids of parents assigned as instances and saved since.

    A parent built in the same chunk is inserted first (`parents_first`), so
    when the child was given the instance its column was still None.
    """
    cache_name = field.cache_name  # what `field.is_cached(obj)` looks for
    values = list(values)
    for i, value in enumerate(values):
        if value is None and cache_name in objs[i]._state.fields_cache:
            related = getattr(objs[i], field.name)
            if related is not None:
                values[i] = related.pk
                setattr(objs[i], field.attname, related.pk)
    return values


@cache
def _row_getter(model: type[models.Model]) -> Callable[[dict], tuple]:
    """Reads one instance's `__dict__` into a row of its columns, in `_plan` order."""
    names = [column.attname for column in _plan(model)]
    getter = itemgetter(*names)
    return getter if len(names) > 1 else lambda d: (getter(d),)


def _rows(objs: Sequence[models.Model], plan: tuple[Column, ...], now, conn) -> list[tuple]:
    """The database values of every instance, one tuple per row."""
    dicts = [obj.__dict__ for obj in objs]
    for column in plan:
        if column.timestamp:
            for values in dicts:
                values[column.attname] = now
    try:
        # Straight from the instances' dictionaries: a foreign key's attname is a
        # data descriptor, and going through it for every value costs more than the INSERT.
        rows = list(map(_row_getter(type(objs[0])), dicts))
    except KeyError:  # a deferred field: let Django load it
        rows = [tuple(getattr(obj, column.attname) for column in plan) for obj in objs]
    # Only an instance given a related instance (the clinic, usually) can hold a
    # parent saved since it was built; rows of plain ids need no look at their links.
    related = any(obj._state.fields_cache for obj in objs)
    changed = False
    columns = None
    for i, column in enumerate(plan):
        field = column.field
        relinks = related and field.is_relation
        if not (relinks or column.prep):
            continue
        if columns is None:
            columns = list(zip(*rows, strict=True))
        values = columns[i]
        if relinks and None in values:
            values = _with_parents_saved(objs, field, values)
        if column.timestamp:  # the same moment on every row: prepared once
            values = _prepared(field, [now], conn) * len(values)
        elif column.prep:
            values = _prepared(field, list(values), conn)
        columns[i], changed = values, True
    return list(zip(*columns, strict=True)) if changed else rows


def _pk_setter(model: type[models.Model]) -> str | None:
    """The attname to write a new pk to directly, or None when Django's setter must run."""
    return None if model._meta.parents else model._meta.pk.attname


def insert_instances(objs: Sequence[models.Model]) -> None:
    """Insert unsaved instances of one model; their `pk` is set afterwards."""
    if not objs:
        return
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("insert_instances needs a transaction")
    model = type(objs[0])
    plan = _plan(model)
    now = timezone.now()
    ids = allocate_ids(model, len(objs))
    attname = _pk_setter(model)
    for obj, pk in zip(objs, ids, strict=True):
        if attname is None:
            obj.pk = pk
        else:  # what `pk`'s setter does for a model without parents, minus its look-ups
            obj.__dict__[attname] = pk
    # The real connection object: `django.db.connection` is a proxy that costs
    # a thread-local lookup on every attribute access.
    conn = connections[DEFAULT_DB_ALIAS]
    write_rows(model, [column.field for column in plan], _rows(objs, plan, now, conn))
    alias = conn.alias
    for obj in objs:
        state = obj._state
        state.adding = False
        state.db = alias


def db_value(model: type[models.Model], name: str, value):
    """`value` as the database takes it in `model`'s column `name` (for values a chunk repeats)."""
    field = model._meta.get_field(name)
    if not needs_prep(field):
        return value
    return field.get_db_prep_save(value, connections[DEFAULT_DB_ALIAS])


def insert_values(
    model: type[models.Model], columns: Iterable[str], rows: list, *, prepared: bool = False
) -> None:
    """Insert plain value rows (no ids needed back) into `model`'s table.

    `prepared=True` says the rows already hold database values (see `db_value`).
    """
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in columns]
    if prepared or not any(needs_prep(f) for f in fields):
        write_rows(model, fields, rows)
        return
    conn = connections[DEFAULT_DB_ALIAS]
    by_column = [list(values) for values in zip(*rows, strict=True)]
    prepared = [
        _prepared(f, values, conn) if needs_prep(f) else values
        for f, values in zip(fields, by_column, strict=True)
    ]
    write_rows(model, fields, list(zip(*prepared, strict=True)))


def parents_first(groups: dict[type, list]) -> list[type]:
    """Order the models of a chunk so a row's foreign-key targets are inserted before it.

    One source row may produce rows pointing at each other (a treatment and its
    note); inserting the child first would store a null link.
    """
    ordered: list[type] = []
    for model in groups:
        _visit(model, groups, ordered, ())
    return ordered


def _visit(model: type, groups: dict[type, list], ordered: list[type], path: tuple) -> None:
    # A module-level function, not a closure: a closure that calls itself is a
    # reference cycle holding `groups`, and with it every instance of the chunk
    # until the garbage collector runs.
    if model in ordered or model in path:
        return
    for f in model._meta.concrete_fields:
        if f.is_relation and f.related_model in groups and f.related_model is not model:
            _visit(f.related_model, groups, ordered, (*path, model))
    ordered.append(model)
