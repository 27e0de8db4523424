"""Identity numbers stored encrypted, still found by exact value.

A national id (DNI, NIE, NHS number) is encrypted at rest like clinical notes
(`clinics.fields`, CLINICAL_ENCRYPTION_KEYS). Beside it a digest column holds
an HMAC-SHA256 of the value under a key derived from the first notes key:
`filter(national_id=…)`, `national_id__in`, and `national_id__iexact` (the
admin's exact search) compare digests, so the importer matches patients across
sheets as before, while a copy of the database alone shows neither the numbers
nor anything to test guesses against. Other lookups (contains, ordering by the
value) are refused: they cannot work on ciphertext and would silently find nothing.

The digest follows the value on every assignment (the field's descriptor), so
`save()`, `bulk_create` and the importer's fast inserts all store it; a
queryset `update()` of the field does not, and must not be used. Lookups try
the digests of every configured key, newest first, so rows digested before a
key rotation are still found until `refresh_lookup_digests` has re-digested them.
"""

from __future__ import annotations

import hmac
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.db.models import lookups
from django.db.models.expressions import Col

from clinics.fields import EncryptedTextField


@lru_cache(maxsize=4)
def _lookup_keys(keys: tuple[str, ...]) -> tuple[bytes, ...]:
    if not keys:
        raise ImproperlyConfigured("CLINICAL_ENCRYPTION_KEYS is empty: no key for identity numbers")
    # One HMAC key per notes key, never the notes key itself (info tells the uses apart).
    return tuple(
        HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"dentalpin-lookup", info=b"identity numbers"
        ).derive(key.encode())
        for key in keys
    )


def lookup_keys() -> tuple[bytes, ...]:
    """The HMAC keys, newest first: the first digests new values, all are tried in lookups."""
    return _lookup_keys(tuple(settings.CLINICAL_ENCRYPTION_KEYS))


def digest(value, key: bytes | None = None) -> str:
    """The stored digest of `value` ("" for an empty value, so blanks still match blanks)."""
    if value is None or value == "":
        return ""
    key = lookup_keys()[0] if key is None else key
    # The one-shot form: the same HMAC, without building an HMAC object per value.
    return hmac.digest(key, str(value).encode(), "sha256").hex()


def digests(values) -> list[str]:
    """The digests of each of `values` under every configured key."""
    return [digest(v, key) for key in lookup_keys() for v in values]


class SealedCharField(EncryptedTextField, models.CharField):
    """Short text encrypted at rest, with a CharField's `max_length` for forms and length checks.

    The column is text (a token is longer than the value); the loader's fit
    still cuts the value to `max_length` as it did. Only `isnull` can be asked
    of it in a query.
    """

    def formfield(self, **kwargs):
        return models.CharField.formfield(self, **kwargs)

    def get_lookup(self, lookup_name):
        return lookups.IsNull if lookup_name == "isnull" else None

    def get_transform(self, lookup_name):
        return None


class _Column:
    """A column's value in the instance's `__dict__`, loaded on first read when deferred.

    Not Django's DeferredAttribute: `mapping.instances.build` writes past that one
    straight into `__dict__`, and these must see every write.
    """

    def __init__(self, field):
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        if self.field.attname not in instance.__dict__:
            instance.refresh_from_db(fields=[self.field.attname])
        return instance.__dict__[self.field.attname]


class _KeepsDigest(_Column):
    """Sets the digest in the same stroke as the value, however the instance is filled."""

    def __set__(self, instance, value):
        data = instance.__dict__
        data[self.field.attname] = value
        if value is None or isinstance(value, str):
            data[self.field.digest_field] = digest(value)


class _FollowsValue(_Column):
    """A digest column: what is written to it is ignored once the value is there to digest."""

    def __set__(self, instance, value):
        data = instance.__dict__
        source = self.field.digest_of
        data[self.field.attname] = digest(data[source]) if source in data else value


class DigestField(models.CharField):
    """The HMAC digest of a `SealedIdentifierField`; set by it, never by hand."""

    def __init__(self, *args, digest_of: str, **kwargs):
        self.digest_of = digest_of
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["digest_of"] = self.digest_of
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only)
        setattr(cls, self.attname, _FollowsValue(self))


class SealedIdentifierField(SealedCharField):
    """An identity number: encrypted, found by exact value through `digest_field`."""

    def __init__(self, *args, digest_field: str, **kwargs):
        self.digest_field = digest_field
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["digest_field"] = self.digest_field
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only)
        setattr(cls, self.attname, _KeepsDigest(self))

    def get_lookup(self, lookup_name):
        return DIGEST_LOOKUPS.get(lookup_name) or super().get_lookup(lookup_name)


def _digest_column(lhs) -> Col:
    if not isinstance(lhs, Col):
        raise FieldError(f"{lhs!r}: an encrypted identity number is compared as a stored column")
    field = lhs.target
    target = field.model._meta.get_field(field.digest_field)
    return Col(lhs.alias, target, target)


def _plain(value) -> str:
    if hasattr(value, "resolve_expression"):
        raise FieldError("an encrypted identity number is compared with values, not expressions")
    return value


class DigestExact(lookups.In):
    """`value = x`: the digest is one of x's digests (one per configured key).

    Every digest lookup is SQL's IN, and says so as its `lookup_name`: a database
    casts the column for some names (PostgreSQL's UPPER() for iexact), which a
    digest must not be.
    """

    def __init__(self, lhs, rhs):
        super().__init__(_digest_column(lhs), digests([_plain(rhs)]))


class DigestIExact(lookups.In):
    """`value ≈ x` for the admin's exact search: x as typed, in capitals, in small letters."""

    def __init__(self, lhs, rhs):
        text = str(_plain(rhs))
        super().__init__(_digest_column(lhs), digests({text, text.upper(), text.lower()}))


class DigestIn(lookups.In):
    def __init__(self, lhs, rhs):
        super().__init__(_digest_column(lhs), digests([_plain(v) for v in _plain(rhs)]))


DIGEST_LOOKUPS = {"exact": DigestExact, "iexact": DigestIExact, "in": DigestIn}
