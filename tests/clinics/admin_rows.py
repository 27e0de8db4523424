"""Rows and admin form posts for any clinic-owned model, so a test can cover every admin at once.

A new model registered in the admin is picked up here without a factory of its own: required
fields get a plain value of their type and required foreign keys a fresh row of the same clinic.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.forms.models import InlineForeignKeyField
from django_scopes import scopes_disabled

from clinics.models import Clinic, Membership
from tests.factories.clinics import UserFactory

_serial = itertools.count(1)


def clinic_path(model) -> str | None:
    """How a row of `model` reaches its clinic, worked out here independently of the admin."""
    if model is Clinic:
        return "pk"
    fields = {f.name: f for f in model._meta.concrete_fields if f.is_relation}
    if "clinic" in fields and fields["clinic"].related_model is Clinic:
        return "clinic"
    for field in fields.values():
        if field.related_model is not get_user_model() and clinic_path(field.related_model):
            return f"{field.name}__clinic"
    return None


def registered_clinic_models():
    """Every model of the admin site whose rows belong to a clinic, by label."""
    found = [m for m in admin.site._registry if clinic_path(m)]
    return sorted(found, key=lambda m: m._meta.label)


def clinic_id_of(row) -> int:
    path = clinic_path(type(row))
    if path == "pk":
        return row.pk
    value = row
    for step in path.split("__"):
        value = getattr(value, step)
    return value.pk


def grant(user, clinic, *codenames, model=None):
    """Give `user` in `clinic` the named permissions (of `model`'s app, or by full name)."""
    member, _ = Membership.objects.get_or_create(
        user=user, clinic=clinic, defaults={"role": "receptionist"}
    )
    for codename in codenames:
        member.permissions.add(_permission(codename, model))
    return member


def grant_model(user, clinic, model, actions=("view", "add", "change", "delete")):
    return grant(user, clinic, *(f"{a}_{model._meta.model_name}" for a in actions), model=model)


def _permission(codename, model):
    if "." in codename:
        app_label, codename = codename.split(".")
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)
    content_type = ContentType.objects.get_for_model(model)
    return Permission.objects.get(content_type=content_type, codename=codename)


def make(model, clinic, **values):
    """Save a row of `model` in `clinic`, with every required field filled."""
    if model is Clinic:
        return clinic
    if model is get_user_model():
        return UserFactory(username=f"user-{next(_serial)}")
    with scopes_disabled():
        row = model(**values)
        for field in model._meta.concrete_fields:
            if field.name in values or _optional(field):
                continue
            setattr(row, field.name, _value(field, clinic))
        if model._meta.label == "clinics.Communication" and not row.patient_id:
            row.patient = make(row._meta.get_field("patient").related_model, clinic)
        row.save()
    return row


def _optional(field) -> bool:
    automatic = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    return field.primary_key or field.null or field.has_default() or field.blank or automatic


def _value(field, clinic):
    if field.is_relation:
        return make(field.related_model, clinic)
    if field.choices:
        return field.choices[0][0]
    return _plain(field, f"v{next(_serial)}")


def _plain(field, text):
    if isinstance(field, (models.DateTimeField, forms.DateTimeField)):
        return dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.UTC)
    if isinstance(field, (models.DateField, forms.DateField)):
        return dt.date(2025, 3, 4)
    if isinstance(field, (models.TimeField, forms.TimeField)):
        return dt.time(9, 30)
    if isinstance(field, (models.DecimalField, forms.DecimalField)):
        return Decimal("1.00")
    if isinstance(field, (models.IntegerField, forms.IntegerField)):
        return 1
    if isinstance(field, (models.EmailField, forms.EmailField)):
        return f"{text}@example.test"
    if isinstance(field, (models.JSONField, forms.JSONField)):
        return {}
    length = getattr(field, "max_length", None) or 40
    return text[:length]


def form_data(form, clinic, prefix="", text=False, **overrides) -> dict:
    """POST data that fills `form` validly for a row of `clinic` (fresh rows for its choices).

    `text` also fills optional text fields, so that an inline row counts as changed.
    """
    data = {}
    for name, field in form.fields.items():
        if isinstance(field, InlineForeignKeyField):
            continue  # the parent, which the formset fills in
        if name in overrides:
            value = overrides[name]
        elif text and type(field) is forms.CharField:
            value = f"t{next(_serial)}"[: field.max_length or 40]
        elif not field.required:
            continue
        else:
            value = _form_value(field, clinic)
        data.update(_encode(field, f"{prefix}{name}", value))
    return data


def _form_value(field, clinic):
    if isinstance(field, forms.ModelMultipleChoiceField):
        return []
    if isinstance(field, forms.ModelChoiceField):
        return make(field.queryset.model, clinic)
    if isinstance(field, forms.ChoiceField):
        return next(value for value, _ in field.choices if value not in ("", None))
    if isinstance(field, forms.SplitDateTimeField):
        return dt.datetime(2025, 3, 4, 9, 30)
    if isinstance(field, forms.SlugField):
        return f"slug-{next(_serial)}"
    return _plain(field, f"v{next(_serial)}")


def _encode(field, name, value) -> dict:
    if isinstance(value, models.Model):
        value = value.pk
    if isinstance(field, forms.SplitDateTimeField):
        return {f"{name}_0": value.date().isoformat(), f"{name}_1": value.strftime("%H:%M")}
    if isinstance(field, forms.BooleanField):
        return {name: "on"} if value else {}
    if isinstance(value, (list, tuple)):
        return {name: [getattr(v, "pk", v) for v in value]}
    if isinstance(value, dict):
        return {name: "{}"}
    return {name: "" if value is None else str(value)}
