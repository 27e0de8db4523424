"""A text field encrypted at rest (Fernet) with keys taken from settings.

Written here rather than taken from a package because the packages we looked at
either tie the key to `SECRET_KEY` (rotating it would make every note unreadable)
or hand back the ciphertext silently when a key is wrong. Here the keys are their
own setting (`CLINICAL_ENCRYPTION_KEYS`, newest first, so old keys can still read
while new rows use the first), and a value no key can read raises.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"


class UnreadableCiphertext(Exception):
    """A stored value that none of the configured keys can decrypt."""


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    # Never a key derived from SECRET_KEY: the settings refuse to load without
    # CLINICAL_ENCRYPTION_KEYS outside development mode (config/security.py).
    if not keys:
        raise ImproperlyConfigured("CLINICAL_ENCRYPTION_KEYS is empty: no key for clinical notes")
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "CLINICAL_ENCRYPTION_KEYS must hold Fernet keys (32 bytes, url-safe base64)"
        ) from None


def cipher() -> MultiFernet:
    """Every configured key: the first encrypts, all of them decrypt."""
    return _cipher(tuple(settings.CLINICAL_ENCRYPTION_KEYS))


def primary_cipher() -> Fernet:
    """The first (newest) key alone: what every value is encrypted under after a rotation."""
    keys = tuple(settings.CLINICAL_ENCRYPTION_KEYS)
    _cipher(keys)  # the same refusal of a missing or malformed key
    return Fernet(keys[0])


def rotated(stored: str) -> str | None:
    """`stored` encrypted under the first key, or None when it already is.

    Raise UnreadableCiphertext when it is not a token or no key can read it.
    """
    if not stored.startswith(PREFIX):
        raise UnreadableCiphertext("the value is not an encrypted token")
    token = stored[len(PREFIX) :].encode()
    try:
        primary_cipher().decrypt(token)
        return None
    except InvalidToken:
        pass
    try:
        return PREFIX + cipher().rotate(token).decode()
    except InvalidToken:
        raise UnreadableCiphertext(
            "no key in CLINICAL_ENCRYPTION_KEYS can read this value"
        ) from None


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
        sealed = self._sealed
        # An expression goes to the database as it is. Plain text (all of an import's)
        # is what `prep` would give back: it is sealed without the detour.
        return [
            sealed(v, fernet)
            if type(v) is str and not v.startswith(PREFIX)
            else v
            if hasattr(v, "as_sql")
            else sealed(prep(v), fernet)
            for v in values
        ]

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
