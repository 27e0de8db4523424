"""Conflicts and missing rows as staff read them: the record's name, the field, the three values.

A conflict stores each value as JSON text of what the database holds (a
professional as its id, a moment in UTC); here they become what the clinic's
own screens would show: the professional's name, the date in the reader's
format and time zone, "yes"/"no", "—" for nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import orjson
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dentalpin_import.models import EntityMapping
from dentalpin_import.names import entity_label, plain_words, record_name
from dentalpin_import.reader.records import canonical_uuid
from dentalpin_import.web import warning_lines

# The fields a later export changes most, in staff's words; others read their own name out.
FIELD_WORDS = {
    "given_name": gettext_lazy("first name"),
    "family_name": gettext_lazy("surname"),
    "phone": gettext_lazy("phone"),
    "mobile_phone": gettext_lazy("mobile phone"),
    "email": gettext_lazy("e-mail"),
    "address_street": gettext_lazy("street address"),
    "address_postal_code": gettext_lazy("postal code"),
    "city": gettext_lazy("town"),
    "date_of_birth": gettext_lazy("date of birth"),
    "sex": gettext_lazy("sex"),
    "national_id": gettext_lazy("national id"),
    "chart_number": gettext_lazy("chart number"),
    "notes": gettext_lazy("notes"),
    "starts_at": gettext_lazy("date and time"),
    "duration_minutes": gettext_lazy("duration (minutes)"),
    "status": gettext_lazy("status"),
    "professional": gettext_lazy("professional"),
    "patient": gettext_lazy("patient"),
    "client": gettext_lazy("payer"),
    "chair": gettext_lazy("chair"),
    "amount": gettext_lazy("amount"),
    "paid_on": gettext_lazy("payment date"),
    "due_on": gettext_lazy("due date"),
    "text": gettext_lazy("text"),
    "title": gettext_lazy("title"),
    "__kind__": gettext_lazy("kind of record"),  # a later file made it another kind of record
    "__further_rows__": gettext_lazy("number of records derived from it"),
}


def model_of_table(table: str) -> type[models.Model] | None:
    return next((m for m in apps.get_models() if m._meta.db_table == table), None)


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)  # the attname (`professional_id`) is found too
    except FieldDoesNotExist:
        return None


def field_label(table: str, name: str) -> str:
    """What staff call field `name` of the rows of `table` ("professional", "e-mail")."""
    field = _field(model_of_table(table), name)
    key = field.name if field is not None else name.removesuffix("_id")
    if key in FIELD_WORDS:
        return str(FIELD_WORDS[key])
    return plain_words(key)


def _loaded(text: str):
    try:
        return orjson.loads(text) if text else None
    except orjson.JSONDecodeError:
        return text


def _moment(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")


def _plain(field, value) -> str:
    """One value of `field` as its screen shows it; `value` is what JSON gave back."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(field, models.DateTimeField):
        return _moment(str(value))
    if isinstance(field, models.DateField):
        try:
            return formats.date_format(dt.date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")
        except ValueError:
            return str(value)
    if isinstance(field, models.DecimalField):
        try:
            return formats.number_format(Decimal(str(value)), field.decimal_places)
        except InvalidOperation:
            return str(value)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


@dataclass
class Shown:
    """One conflict as a row of the page and of the CSV."""

    conflict: object
    kind: str
    record: str
    field: str
    at_import: str
    clinic: str
    file: str


def _related_names(clinic, wanted: dict) -> dict:
    """(model, pk) → the related row's name, for the foreign keys among the values shown."""
    names = {}
    for model, pks in wanted.items():
        query = model._base_manager.filter(pk__in=pks)
        if any(f.name == "clinic" for f in model._meta.fields):
            query = query.filter(clinic=clinic)
        if any(f.name == "patient" for f in model._meta.fields):
            query = query.select_related("patient")
        for row in query:
            names[(model, row.pk)] = (
                record_name(row) if model._meta.app_label == "clinics" else str(row)
            )
    return names


def shown_conflicts(clinic, conflicts) -> list[Shown]:
    """The conflicts with their record named and their three values as the screens show them."""
    conflicts = list(conflicts)
    rows = warning_lines._rows(clinic, {(c.target_table, c.target_id) for c in conflicts})
    values = {
        c.pk: [_loaded(v) for v in (c.value_at_import, c.clinic_value, c.file_value)]
        for c in conflicts
    }
    fields = {c.pk: _field(model_of_table(c.target_table), c.field) for c in conflicts}
    wanted: dict = defaultdict(set)
    for c in conflicts:
        field = fields[c.pk]
        if isinstance(field, models.ForeignKey):
            wanted[field.related_model].update(v for v in values[c.pk] if isinstance(v, int))
    related = _related_names(clinic, wanted)

    def text(c, value) -> str:
        field = fields[c.pk]
        if c.field == "__kind__" and isinstance(value, str) and model_of_table(value):
            return str(model_of_table(value)._meta.verbose_name)  # an alert, a note
        if isinstance(field, models.ForeignKey) and value is not None:
            return related.get((field.related_model, value), _("a row no longer in the clinic"))
        return _plain(field, value)

    shown = []
    for c in conflicts:
        row = rows.get((c.target_table, c.target_id))
        at_import, now, file = (text(c, v) for v in values[c.pk])
        shown.append(
            Shown(
                conflict=c,
                kind=entity_label(c.entity_type),
                record=record_name(row) if row is not None else _("a row no longer in the clinic"),
                field=field_label(c.target_table, c.field),
                at_import=at_import,
                clinic=now,
                file=file,
            )
        )
    return shown


def missing_names(clinic, records) -> dict[int, str]:
    """MissingRecord id → how staff would name the clinic row ("" when it was deleted since)."""
    records = list(records)
    rows = warning_lines._rows(clinic, {(r.target_table, r.target_id) for r in records})
    return {
        r.pk: record_name(rows[(r.target_table, r.target_id)])
        if (r.target_table, r.target_id) in rows
        else ""
        for r in records
    }


NAMED_KINDS = ("changed", "edited_in_clinic", "unchanged", "missing")


def _example_keys(system: str, t: dict, kind: str) -> list[tuple[str, str]]:
    """(shown if unnamed, canonical id) of a kind's examples; missing ones are canonical ids."""
    samples = t.get("samples", {}).get(kind, [])
    if kind == "missing":
        return [(key[:8], key) for key in samples]
    return [(sid, canonical_uuid(system, t["entity_type"], sid)) for sid in samples]


def preview_examples(clinic, cutover: dict) -> list[dict]:
    """The preview's kinds of record with their examples named as staff know them.

    A record the clinic already has (changed, unchanged, missing from the file) is
    named from its clinic row (a patient's name and chart number, an appointment's
    patient and date). A new one is not there yet: it keeps its id in the old system.
    """
    system = cutover.get("source_system", "")
    wanted: dict[str, set[str]] = defaultdict(set)
    for t in cutover.get("types", []):
        for kind in NAMED_KINDS:
            wanted[t["entity_type"]].update(k for _, k in _example_keys(system, t, kind))
    targets = {}
    for entity_type, keys in wanted.items():
        rows = EntityMapping.objects.filter(
            clinic=clinic, source_system=system, entity_type=entity_type, canonical_uuid__in=keys
        ).values_list("canonical_uuid", "target_table", "target_id")
        targets.update({(entity_type, key): (table, target) for key, table, target in rows})
    rows = warning_lines._rows(clinic, set(targets.values()))
    out = []
    for t in cutover.get("types", []):
        examples = {"new": list(t.get("samples", {}).get("new", []))}
        for kind in NAMED_KINDS:
            names = []
            for shown, key in _example_keys(system, t, kind):
                row = rows.get(targets.get((t["entity_type"], key), ("", "")))
                names.append(record_name(row) if row is not None else shown)
            examples[kind] = names
        out.append({**t, "label": entity_label(t["entity_type"], 2), "examples": examples})
    return out
