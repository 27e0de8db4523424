"""`rotate_clinical_keys`: re-encrypt clinical text under the newest notes key.

How to rotate the notes key (docs/operations.md, "Secrets"): put the new key
first in CLINICAL_ENCRYPTION_KEYS with the old ones after it, restart every
process, run this, then remove the old keys.
"""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Cast
from django_scopes import scopes_disabled

from clinics.fields import PREFIX, EncryptedTextField, UnreadableCiphertext, primary_cipher, rotated
from clinics.stored_values import columns_of, in_batches

MSG_UNREADABLE = (
    "{count} stored values can be read by no key in CLINICAL_ENCRYPTION_KEYS and were left as "
    "they are: add the key they were written with (after the first) and run this again"
)


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value of every clinic (every EncryptedTextField column, and "
        "the encrypted values kept inside JSON fields, such as sealed sheet previews) under the "
        "first key of CLINICAL_ENCRYPTION_KEYS; the other keys are only read. Values already "
        "under the first key are left alone, so a second run changes nothing and an "
        "interrupted run is finished by running it again (each batch is committed). Prints "
        "the counts per field; exits 1 if any value can be read by no key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be re-encrypted, write nothing"
        )

    def handle(self, *args, batch_size, dry_run, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        primary_cipher()  # refuse a missing or malformed CLINICAL_ENCRYPTION_KEYS at once
        total = Counter()
        with scopes_disabled():
            for model, fields in encrypted_columns():
                for field, counts in rotate_columns(model, fields, batch_size, dry_run).items():
                    self._report(model, field, counts, total)
            for model, field in json_fields():
                self._report(model, field, rotate_json(model, field, batch_size, dry_run), total)
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(
            f"{verb} {total['rotated']}, already under the first key {total['current']}, "
            f"unreadable {total['unreadable']}"
        )
        if total["unreadable"]:
            raise CommandError(MSG_UNREADABLE.format(count=total["unreadable"]))

    def _report(self, model, field, counts: Counter, total: Counter) -> None:
        total.update(counts)
        if counts:
            self.stdout.write(
                f"{model._meta.label}.{field.name}: {counts['rotated']} re-encrypted, "
                f"{counts['current']} already under the first key, "
                f"{counts['unreadable']} unreadable"
            )


def encrypted_columns() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    """Every model with EncryptedTextField columns, and those columns."""
    found: dict[type[models.Model], list[EncryptedTextField]] = {}
    for model, field in columns_of(EncryptedTextField):
        found.setdefault(model, []).append(field)
    return list(found.items())


def json_fields() -> list[tuple[type[models.Model], models.JSONField]]:
    return list(columns_of(models.JSONField))


def _rotate_one(stored, counts: Counter):
    """The value to store instead of `stored`, or None to leave it; counts the outcome."""
    try:
        new = rotated(stored)
    except UnreadableCiphertext:
        counts["unreadable"] += 1
        return None
    counts["current" if new is None else "rotated"] += 1
    return new


def rotate_columns(model, fields, batch_size: int, dry_run: bool) -> dict:
    """Rotate the columns batch by batch in primary-key order, on the raw stored tokens.

    Each column is read cast to text and written back as plain text, so the field
    neither decrypts (on every read) nor encrypts (on every write) what passes;
    each batch is read FOR UPDATE (where the database has it) and committed.
    """
    manager = model._base_manager
    tokens = {f"_token_{f.attname}": Cast(f.name, models.TextField()) for f in fields}
    rows = manager.annotate(**tokens).order_by("pk").values_list("pk", *tokens)
    counts = {f: Counter() for f in fields}

    def rotate(batch) -> None:
        for row_pk, *values in batch:
            changes = {}
            for field, value in zip(fields, values, strict=True):
                if value:  # None and "" are stored as they are, never encrypted
                    new = _rotate_one(value, counts[field])
                    if new is not None:
                        changes[field.attname] = Value(new, output_field=models.TextField())
            if changes and not dry_run:
                manager.filter(pk=row_pk).update(**changes)

    in_batches(rows, batch_size, rotate, lock=True)
    return counts


def _walk(value, counts: Counter):
    """`value` with every encrypted string in it rotated; (new value, whether anything changed)."""
    if isinstance(value, str) and value.startswith(PREFIX):
        new = _rotate_one(value, counts)
        return (value, False) if new is None else (new, True)
    if isinstance(value, dict):
        pairs = {k: _walk(v, counts) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(c for _, c in pairs.values())
    if isinstance(value, list):
        items = [_walk(v, counts) for v in value]
        return [v for v, _ in items], any(c for _, c in items)
    return value, False


def rotate_json(model, field, batch_size: int, dry_run: bool) -> Counter:
    """Rotate the encrypted strings kept inside a JSON field (only rows whose text holds one)."""
    counts = Counter()
    manager = model._base_manager
    candidates = (
        manager.annotate(_as_text=Cast(field.name, models.TextField()))
        .filter(_as_text__contains=PREFIX)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    pks = list(candidates)
    for start in range(0, len(pks), batch_size):
        with transaction.atomic():
            rows = manager.select_for_update().filter(pk__in=pks[start : start + batch_size])
            for row_pk, value in rows.order_by("pk").values_list("pk", field.attname):
                new, changed = _walk(value, counts)
                if changed and not dry_run:
                    manager.filter(pk=row_pk).update(**{field.attname: new})
    return counts
