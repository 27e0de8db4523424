"""`refresh_lookup_digests`: digest every identity number again under the newest notes key.

Run after `rotate_clinical_keys` and before the old keys leave
CLINICAL_ENCRYPTION_KEYS: until then exact lookups (the importer's matching of
patients across sheets) try every configured key; afterwards only the first.
"""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import models
from django.db.models.functions import Cast
from django_scopes import scopes_disabled

from clinics.fields import UnreadableCiphertext, decrypt
from clinics.identifiers import SealedIdentifierField, digest, lookup_keys
from clinics.stored_values import columns_of, in_batches

MSG_UNREADABLE = (
    "{count} identity numbers can be read by no key in CLINICAL_ENCRYPTION_KEYS and kept their "
    "digest: add the key they were written with (after the first) and run this again"
)


class Command(BaseCommand):
    help = (
        "Recompute the lookup digest of every encrypted identity number (national ids) under "
        "the first key of CLINICAL_ENCRYPTION_KEYS. Digests already current are left alone, so "
        "running it twice changes nothing. Prints the counts; exits 1 if a value is unreadable."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction")

    def handle(self, *args, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        key = lookup_keys()[0]
        total = Counter()
        for model, field in sealed_identifiers():
            with scopes_disabled():
                counts = refresh(model, field, key, batch_size)
            total.update(counts)
            self.stdout.write(
                f"{model._meta.label}.{field.name}: {counts['refreshed']} digested again, "
                f"{counts['current']} already current, {counts['unreadable']} unreadable"
            )
        if total["unreadable"]:
            raise CommandError(MSG_UNREADABLE.format(count=total["unreadable"]))


def sealed_identifiers():
    return list(columns_of(SealedIdentifierField))


def refresh(model, field, key: bytes, batch_size: int) -> Counter:
    """Rewrite the digests of one column that are not under `key`, a batch per transaction."""
    manager = model._base_manager
    # The stored token as text: read through the field, a value no key opens would stop the run.
    rows = (
        manager.exclude(**{field.digest_field: ""})
        .annotate(_token=Cast(field.name, models.TextField()))
        .order_by("pk")
        .values_list("pk", "_token", field.digest_field)
    )
    counts = Counter()

    def refresh_batch(batch) -> None:
        for pk, token, old in batch:
            try:
                new = digest(decrypt(token), key)
            except UnreadableCiphertext:
                counts["unreadable"] += 1
                continue
            counts["current" if new == old else "refreshed"] += 1
            if new != old:
                manager.filter(pk=pk).update(**{field.digest_field: new})

    in_batches(rows, batch_size, refresh_batch)
    return counts
