"""Unsaved model instances built without `Model.__init__`'s per-field machinery.

An import builds tens of thousands of instances that only the runner's bulk
insert ever reads. `Model.__init__` sends two signals, walks every field and
goes through each foreign key's descriptor; that was a fifth of an import's
time. `build(Model, **values)` gives the same unsaved instance (defaults
filled in, a related instance cached as Django caches it) from a per-model
plan worked out once. Models with `pre_init`/`post_init` receivers, and
fields whose descriptor must see the write, take Django's own path.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any, NamedTuple, TypeVar

from django.db import models
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

from clinics.identifiers import DigestField, SealedIdentifierField

M = TypeVar("M", bound=models.Model)
IMMUTABLE = (type(None), str, int, float, bool, bytes, tuple, frozenset, Decimal, dt.date, dt.time)
# Descriptors that store a written value in `__dict__` under the attname and
# nothing else, for an instance that has no cached related object yet.
PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute, FileDescriptor)


class Relation(NamedTuple):
    """A foreign key given by its name, as a related instance (or None)."""

    attname: str
    cache_name: str
    model: type  # the related model
    key: str  # the related model's attname the foreign key holds


class Plan(NamedTuple):
    constants: dict[str, Any]  # attname -> default shared by every instance (immutable)
    factories: tuple[tuple[str, Any], ...]  # attname -> callable giving a fresh default
    by_name: dict[str, tuple[str, Relation | None]]  # kwarg -> (attname, relation)
    slow: bool  # take Model.__init__ instead
    sealed: tuple[tuple[str, Any], ...] = ()  # (attname, descriptor) of identity numbers


@cache
def _plan(model: type[models.Model]) -> Plan:
    constants, factories, by_name, sealed = {}, [], {}, []
    slow = bool(pre_init.has_listeners(model) or post_init.has_listeners(model))
    for field in model._meta.concrete_fields:
        descriptor = model.__dict__.get(field.attname)
        if isinstance(field, SealedIdentifierField):
            # Its descriptor digests the value: written once more through it below.
            sealed.append((field.attname, descriptor))
        elif isinstance(field, DigestField):
            pass  # filled by its identity number's descriptor
        elif descriptor is not None and not isinstance(descriptor, PLAIN_DESCRIPTORS):
            slow = True
        if field.one_to_one:
            slow = True  # its descriptor also fills the reverse side's cache
        if field.has_default() and callable(field.default):
            factories.append((field.attname, field.default))
        else:
            default = field.get_default()
            if isinstance(default, IMMUTABLE):
                constants[field.attname] = default
            else:
                factories.append((field.attname, field._get_default))
        by_name[field.attname] = (field.attname, None)
        if field.is_relation:
            relation = Relation(
                field.attname,
                field.cache_name,
                field.remote_field.model,
                field.target_field.attname,
            )
            by_name[field.name] = (field.attname, relation)
    return Plan(constants, tuple(factories), by_name, slow, tuple(sealed))


class Recipe(NamedTuple):
    """How one call shape (a model and its keyword names) fills an instance."""

    factories: tuple[tuple[str, Any], ...]  # the defaults the call does not give
    relations: tuple[tuple[str, Relation], ...]  # the names given as related instances


@lru_cache(maxsize=1024)  # call shapes are few: one per call site of build()
def _recipe(model: type[models.Model], names: tuple[str, ...]) -> Recipe | None:
    """The recipe for these keyword names; None sends the call down the general path."""
    plan = _plan(model)
    attnames = [plan.by_name[n][0] for n in names if n in plan.by_name]
    if len(attnames) != len(names) or len(set(attnames)) != len(attnames):
        return None  # a property, an unknown name, or one column given twice
    given = set(attnames)
    return Recipe(
        tuple((a, f) for a, f in plan.factories if a not in given),
        tuple((n, plan.by_name[n][1]) for n in names if plan.by_name[n][1] is not None),
    )


def build(model: type[M], **values: Any) -> M:
    """Return an unsaved `model` instance, as `model(**values)` would."""
    plan = _plan(model)
    if plan.slow:
        return model(**values)
    obj = model.__new__(model)
    state = ModelState()
    fields = obj.__dict__
    fields["_state"] = state
    fields.update(plan.constants)
    # Mappers call build() with the same names row after row: a recipe per call
    # shape lets the plain values go in with one dict update.
    recipe = _recipe(model, tuple(values))
    if recipe is not None:
        for attname, factory in recipe.factories:
            fields[attname] = factory()
        fields.update(values)
        for name, relation in recipe.relations:
            _relate(model, fields, state, name, fields.pop(name), relation)
        _digest(obj, plan)
        return obj
    for attname, factory in plan.factories:
        fields[attname] = factory()
    for name, value in values.items():
        target = plan.by_name.get(name)
        if target is None:
            if name not in model._meta._property_names:
                raise TypeError(f"{model.__name__}() got an unexpected keyword argument {name!r}")
            setattr(obj, name, value)
            continue
        attname, relation = target
        if relation is None:
            fields[attname] = value
        else:
            _relate(model, fields, state, name, value, relation)
    _digest(obj, plan)
    return obj


def _digest(obj, plan: Plan) -> None:
    """Give each identity number its lookup digest, as its descriptor does on a write."""
    for attname, descriptor in plan.sealed:
        descriptor.__set__(obj, obj.__dict__[attname])


def _relate(model, fields: dict, state: ModelState, name: str, value, relation: Relation):
    """Set a foreign key from a related instance (or None), as its descriptor would."""
    if value is None:
        fields[relation.attname] = None
        return
    if not isinstance(value, relation.model):
        raise ValueError(
            f'Cannot assign "{value!r}": "{model.__name__}.{name}" must be a '
            f'"{relation.model._meta.object_name}" instance.'
        )
    # A related instance, maybe unsaved: the insert reads its pk later.
    fields[relation.attname] = getattr(value, relation.key)
    state.fields_cache[relation.cache_name] = value
