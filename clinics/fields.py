"""A text field encrypted at rest (Fernet) with keys taken from settings.

Written here rather than taken from a package because the packages we looked at
either tie the key to `SECRET_KEY` (rotating it would make every note unreadable)
or hand back the ciphertext silently when a key is wrong. Here the keys are their
own setting (`CLINICAL_ENCRYPTION_KEYS`, newest first, so old keys can still read
while new rows use the first), and a value no key can read raises.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"


class UnreadableCiphertext(Exception):
    """A stored value that none of the configured keys can decrypt."""


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        # No key configured: derive one from SECRET_KEY so a laptop install works;
        # production sets CLINICAL_ENCRYPTION_KEYS (docs/operations.md).
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"dentalpin-clinical", info=b"notes"
        ).derive(secret_key.encode())
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "CLINICAL_ENCRYPTION_KEYS must hold Fernet keys (32 bytes, url-safe base64)"
        ) from None


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.CLINICAL_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt(text: str, fernet: MultiFernet | None = None) -> str:
    """The stored token of `text`; `fernet` saves looking the cipher up for each of many."""
    return PREFIX + (cipher() if fernet is None else fernet).encrypt(text.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise UnreadableCiphertext("the value is not an encrypted token")
    try:
        return cipher().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise UnreadableCiphertext(
            "no key in CLINICAL_ENCRYPTION_KEYS can read this value"
        ) from None


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; reads and writes plain `str` in Python.

    Not searchable or orderable in the database: that is the price of keeping
    clinical narrative unreadable to anyone with only a database copy.
    """

    def get_prep_value(self, value):
        return self._sealed(super().get_prep_value(value))

    def get_db_prep_save_many(self, values, connection) -> list:
        """`get_db_prep_save` of each value, for bulk inserts: the cipher is looked up once.

        Looking it up (settings, then the cache of ciphers) cost a fifth of each
        note's encryption in an import.
        """
        fernet = cipher()
        prep = super().get_prep_value  # TextField's: a str, or a stored token read back
        # An expression goes to the database as it is.
        return [v if hasattr(v, "as_sql") else self._sealed(prep(v), fernet) for v in values]

    @staticmethod
    def _sealed(value, fernet: MultiFernet | None = None):
        """What is stored for a prepared value: None and "" as they are, other text encrypted."""
        if value is None or value == "":
            return value
        return encrypt(str(value), fernet)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def to_python(self, value):
        if isinstance(value, str) and value.startswith(PREFIX):
            return decrypt(value)
        return value
