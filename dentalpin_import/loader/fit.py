"""Make a chunk's new rows fit their columns, the same way on SQLite and PostgreSQL.

SQLite stores text of any length, any 64-bit integer and any decimal;
PostgreSQL refuses text over a column's `max_length`, an integer over the
column type's range and a number with more digits than its `numeric(p, s)`
holds, and rounds extra decimals. Left to the databases, the same file would
import differently on each. So before a chunk is inserted each new row is
brought to what PostgreSQL takes, and every change is a warning on its row:

- text over `max_length` is cut to it (ending in "…", as `mapping.text.cut`
  does; a value a mapper cut with `cut` is reported too): `text.cut_to_length`;
- a number with more decimals than the column keeps is rounded half away from
  zero, as PostgreSQL does: `number.rounded`;
- an integer or a number too large for its column, or a moment that falls
  outside the years 1 to 9999 once in UTC (SQLite's driver cannot write it,
  PostgreSQL stores it and then cannot hand it back), is left empty when the
  column may be empty (`number.out_of_range`); otherwise the row is refused
  (`RowRefused`, `row.value_out_of_range`) and fails alone.

Only the columns that can go wrong are looked at, a column at a time: most
chunks pass with a few C-level scans per column.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations

from dentalpin_import.mapping.base import Note
from dentalpin_import.mapping.text import Cut
from dentalpin_import.reader.values import ROUNDED

CUT_TO_LENGTH = "text.cut_to_length"
OUT_OF_RANGE = "number.out_of_range"
VALUE_OUT_OF_RANGE = "row.value_out_of_range"
# Django's portable ranges: what PostgreSQL's smallint, integer and bigint hold.
INTEGER_RANGES = BaseDatabaseOperations.integer_field_ranges
QUANTA = {places: Decimal(1).scaleb(-places) for places in range(16)}
YEAR = attrgetter("year")
NONE = type(None)


class RowRefused(Exception):
    """A row that cannot be stored as it is on every database: it fails alone, with `code`."""

    def __init__(self, obj: models.Model, code: str, message: str, field: str = ""):
        super().__init__(message)
        self.obj = obj
        self.code = code
        self.message = message
        self.field = field  # "Patient.given_name", for the warning's translated text


class Change(NamedTuple):
    """One value changed to fit: the row it belongs to and the warning it leaves."""

    obj: models.Model
    code: str
    message: str
    field: str = ""  # "Patient.given_name", for the warning's translated text


class Check(NamedTuple):
    attname: str
    label: str  # "Patient.given_name", for the warning
    kind: str  # "text", "integer", "decimal" or "datetime"
    low: Any  # text: max_length; integer: lowest; decimal: max_digits
    high: Any  # integer: highest; decimal: decimal_places
    null: bool


@cache
def _checks(model: type[models.Model]) -> tuple[Check, ...]:
    """The columns of `model` a value can overflow, worked out once per model."""
    checks = []
    for field in model._meta.concrete_fields:
        if field.is_relation or field.primary_key:
            continue  # ids come from the database
        label = f"{model.__name__}.{field.name}"
        if isinstance(field, models.CharField) and field.max_length:
            checks.append(Check(field.attname, label, "text", field.max_length, None, field.null))
        elif isinstance(field, models.DateTimeField):
            checks.append(Check(field.attname, label, "datetime", None, None, field.null))
        elif isinstance(field, models.DecimalField):
            digits, places = field.max_digits, field.decimal_places
            checks.append(Check(field.attname, label, "decimal", digits, places, field.null))
        elif isinstance(field, models.IntegerField):
            low, high = INTEGER_RANGES.get(field.get_internal_type(), (None, None))
            if low is not None:
                checks.append(Check(field.attname, label, "integer", low, high, field.null))
    return tuple(checks)


def fit(objs: list[models.Model]) -> list[Change]:
    """Bring the values of `objs` (new rows of one model) to their columns; list the changes.

    Raises `RowRefused` for the first row a value cannot be made to fit.
    """
    checks = _checks(type(objs[0]))
    if not checks:
        return []
    dicts = [obj.__dict__ for obj in objs]
    changes: list[Change] = []
    for check in checks:
        try:  # straight from the instances' dictionaries, as the insert reads them
            values = list(map(itemgetter(check.attname), dicts))
        except KeyError:  # a deferred field: nothing of this run's to check
            continue
        if _all_fit(check, values):
            continue
        for i, value in enumerate(values):
            change = FIXERS[check.kind](check, value)
            if change is None:
                continue
            fixed, code, message = change
            if code == VALUE_OUT_OF_RANGE:
                raise RowRefused(objs[i], code, message, check.label)
            dicts[i][check.attname] = fixed
            if code:
                changes.append(Change(objs[i], code, message, check.label))
    return changes


def fit_each_model(objs) -> list[Change]:
    """`fit` for rows of several models (a row and its further rows), a model at a time."""
    groups: dict[type, list[models.Model]] = {}
    for obj in objs:
        groups.setdefault(type(obj), []).append(obj)
    return [change for group in groups.values() for change in fit(group)]


def notes_of(changes: list[Change], owner: dict[int, Any]) -> list[tuple[Any, Note]]:
    """(outcome, warning note) for each change (`owner`: id of a row -> the outcome of the
    source row it belongs to, with its `record` and `notes`).

    A mapper that reported a cut itself (a `*_truncated` note) is not warned twice.
    """
    found = []
    for change in changes:
        outcome = owner[id(change.obj)]
        if change.code == CUT_TO_LENGTH and any(
            n.code.endswith("_truncated") for n in outcome.notes
        ):
            continue
        found.append(
            (outcome, Note(change.code, change.message, "warn", params={"field": change.field}))
        )
    return found


def note_changes(changes: list[Change], owner: dict[int, Any]) -> None:
    """Add each change (`notes_of`) to the notes of its row's outcome."""
    for outcome, note in notes_of(changes, owner):
        outcome.notes.append(note)


def _all_fit(check: Check, values: list) -> bool:
    """True when no value of the column needs a look (scans in C where it can)."""
    kinds = set(map(type, values))
    if NONE in kinds:
        kinds.discard(NONE)
        values = [v for v in values if v is not None]
    if not kinds:
        return True
    if check.kind == "text":
        # Plain text or choices (str subclasses); a mapper's `Cut` is looked at.
        if Cut in kinds or not all(issubclass(k, str) for k in kinds):
            return False
        return max(map(len, values)) <= check.low
    if len(kinds) > 1:
        return False
    kind = kinds.pop()
    if check.kind == "integer":
        if not issubclass(kind, int) or kind is bool:
            return False
        return check.low <= min(values) and max(values) <= check.high
    if check.kind == "datetime":
        if kind is not dt.datetime:
            return False
        years = list(map(YEAR, values))
        return 1 < min(years) and max(years) < 9999  # no offset takes these out of range
    if kind is int:  # a default of 0
        return max(map(abs, values)) < 10 ** (check.low - check.high)
    if kind is not Decimal:
        return False
    try:  # in C: each value against itself rounded to the column's decimals
        if list(map(Decimal.quantize, values, repeat(QUANTA[check.high]))) != values:
            return False
    except InvalidOperation:  # a non-finite number, or more digits than a context holds
        return False
    return max(map(Decimal.adjusted, values)) < check.low - check.high


def _fix_text(check: Check, value) -> tuple | None:
    if not isinstance(value, str):
        return None  # not text: Django prepares it as it always did
    limit = check.low
    if type(value) is Cut:
        return str(value), CUT_TO_LENGTH, _cut_message(check)
    if len(value) <= limit:
        return None
    return value[: limit - 1] + "…", CUT_TO_LENGTH, _cut_message(check)


def _cut_message(check: Check) -> str:
    return f"{check.label} was longer than the {check.low} characters it holds: cut to fit"


def _fix_integer(check: Check, value) -> tuple | None:
    if type(value) is not int or check.low <= value <= check.high:
        return None
    return _too_large(check, "an integer")


def _fix_datetime(check: Check, value) -> tuple | None:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        return None  # Django warns about a naive one, as it always did
    try:
        value.astimezone(dt.UTC)
    except OverflowError:
        return _too_large(check, "a date and time", "outside the years 1 to 9999")
    return None


def _fix_decimal(check: Check, value) -> tuple | None:
    if value is None or isinstance(value, (bool, float)):
        return None  # Django prepares a float as it always did
    try:
        number = value if isinstance(value, Decimal) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None  # not a number: the database refuses it, and the row fails alone
    if not number.is_finite():
        return None  # Django refuses it
    digits, places = check.low, check.high
    try:
        rounded = number.quantize(QUANTA[places], ROUND_HALF_UP)
    except InvalidOperation:  # more digits than any context holds
        return _too_large(check, "a number")
    if rounded.adjusted() >= digits - places:
        return _too_large(check, "a number")
    if rounded == number and number.as_tuple().exponent >= -places:
        return None
    if rounded == number:
        return rounded, "", ""  # only trailing zeros: the same value, stored alike
    message = f"{check.label} keeps {places} decimals: rounded"
    return rounded, ROUNDED, message


def _too_large(check: Check, what: str, why: str = "too large for it") -> tuple:
    if check.null:
        return None, OUT_OF_RANGE, f"{check.label}: {what} {why}; left empty"
    message = f"{check.label}: {what} {why}; the row is not imported"
    return None, VALUE_OUT_OF_RANGE, message


FIXERS = {
    "text": _fix_text,
    "integer": _fix_integer,
    "decimal": _fix_decimal,
    "datetime": _fix_datetime,
}
