"""What the key-maintenance commands share: finding the columns of a kind, and walking a table
a batch per transaction in primary-key order (so an interrupted run is finished by running it
again)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.apps import apps
from django.db import models, transaction


def columns_of(kind: type[models.Field]) -> Iterator[tuple[type[models.Model], models.Field]]:
    """Every (model, field) of the installed models whose own column is a `kind` field."""
    for model in apps.get_models():
        for field in model._meta.local_concrete_fields:
            if isinstance(field, kind):
                yield model, field


def in_batches(rows, batch_size: int, handle: Callable[[list], None], *, lock: bool = False):
    """Call `handle` with `rows` (a values_list, pk first, ordered by pk) `batch_size` at a time.

    Each batch is read (FOR UPDATE with `lock`, where the database has it) and
    handled in one transaction, committed before the next is read.
    """
    last = None
    while True:
        with transaction.atomic():
            page = rows if last is None else rows.filter(pk__gt=last)
            if lock:
                page = page.select_for_update()
            batch = list(page[:batch_size])
            handle(batch)
        if len(batch) < batch_size:
            return
        last = batch[-1][0]
