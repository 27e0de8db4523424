"""Development or production: the secrets a process needs and the HTTPS settings it runs with.

Development mode is explicit (`DENTALPIN_DEV=1`, set by `make run`, `make test`,
the test settings and CI), never the default. In it a missing secret is filled
in: the key written in the repository, and keys derived from it for clinical
notes and staged uploads, so a laptop runs with no set-up. Outside it every
secret must be given, each its own (a notes key derived from `SECRET_KEY` would
make every note unreadable the day the secret key is rotated), and the settings
refuse to load, naming each one missing and how to make one. docs/operations.md
lists them and how to rotate each.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

DEV_SECRET_KEY = "insecure-dev-key-only-for-local-runs"
ONE_YEAR = 365 * 24 * 3600

# How to make a value of each secret: printed when one is missing.
GENERATE = {
    "DJANGO_SECRET_KEY": ("python -c 'import secrets; print(secrets.token_urlsafe(50))'"),
    "CLINICAL_ENCRYPTION_KEYS": (
        "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
    ),
    "DPMF_REWRAP_KEY": (
        "python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'"
    ),
}
MSG_MISSING = (
    "{names} must be set outside development mode. Generate each with:\n{how}\n"
    "(see docs/operations.md, 'Secrets'). For a local run set DENTALPIN_DEV=1 instead."
)
MSG_BAD_FERNET = (
    "CLINICAL_ENCRYPTION_KEYS must hold Fernet keys (32 bytes, url-safe base64), "
    "comma-separated, newest first"
)
MSG_BAD_REWRAP = "DPMF_REWRAP_KEY must be 32 bytes, base64-encoded"


def development_mode() -> bool:
    """True only when `DENTALPIN_DEV` says so: production is what a bare environment gets."""
    return env_bool("DENTALPIN_DEV", False)


@dataclass(frozen=True)
class Secrets:
    secret_key: str
    clinical_keys: list[str]
    rewrap_key: str


def _derived(secret_key: str, salt: bytes, info: bytes) -> bytes:
    # Development only. The same derivation as before it was confined here, so a
    # local database and staging folder made by `make run` stay readable.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(
        secret_key.encode()
    )


def dev_clinical_key(secret_key: str) -> str:
    """The development notes key: derived from the (development) secret key."""
    derived = _derived(secret_key, b"dentalpin-clinical", b"notes")
    return base64.urlsafe_b64encode(derived).decode()


def dev_rewrap_key(secret_key: str) -> str:
    """The development staging key: derived from the (development) secret key."""
    derived = _derived(secret_key, b"dentalpin-rewrap", b"dpmf staging copies")
    return base64.b64encode(derived).decode()


def check_clinical_keys(keys: list[str]) -> None:
    """Raise ImproperlyConfigured unless every key is a Fernet key."""
    try:
        for key in keys:
            Fernet(key)
    except (ValueError, binascii.Error):
        raise ImproperlyConfigured(MSG_BAD_FERNET) from None


def check_rewrap_key(value: str) -> bytes:
    """The staging key's 32 bytes; ImproperlyConfigured when it is not that, base64-encoded."""
    try:
        key = base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        raise ImproperlyConfigured(MSG_BAD_REWRAP) from None
    if len(key) != 32:
        raise ImproperlyConfigured(MSG_BAD_REWRAP)
    return key


def load_secrets(*, development: bool) -> Secrets:
    """The secrets from the environment; outside development mode each must be set.

    Raise ImproperlyConfigured naming every missing variable (all at once, so an
    operator fixes them in one go) or a malformed key.
    """
    secret_key = env_str("DJANGO_SECRET_KEY")
    clinical = env_list("CLINICAL_ENCRYPTION_KEYS")
    rewrap = env_str("DPMF_REWRAP_KEY").strip()
    if development:
        secret_key = secret_key or DEV_SECRET_KEY
        clinical = clinical or [dev_clinical_key(secret_key)]
        rewrap = rewrap or dev_rewrap_key(secret_key)
    missing = [
        name
        for name, value in (
            ("DJANGO_SECRET_KEY", secret_key),
            ("CLINICAL_ENCRYPTION_KEYS", clinical),
            ("DPMF_REWRAP_KEY", rewrap),
        )
        if not value
    ]
    if missing:
        how = "\n".join(f"  {name}: {GENERATE[name]}" for name in missing)
        raise ImproperlyConfigured(MSG_MISSING.format(names=", ".join(missing), how=how))
    check_clinical_keys(clinical)
    check_rewrap_key(rewrap)
    return Secrets(secret_key=secret_key, clinical_keys=clinical, rewrap_key=rewrap)


@dataclass(frozen=True)
class Https:
    ssl_redirect: bool
    hsts_seconds: int
    hsts_include_subdomains: bool
    hsts_preload: bool
    proxy_ssl_header: tuple[str, str] | None
    secure_cookies: bool


def proxy_ssl_header(raw: str) -> tuple[str, str] | None:
    """`X-Forwarded-Proto` (or `HTTP_X_FORWARDED_PROTO`) → Django's (META key, "https")."""
    name = raw.strip()
    if not name:
        return None
    key = name.upper().replace("-", "_")
    if not key.startswith("HTTP_"):
        key = "HTTP_" + key
    return (key, "https")


def https(*, development: bool) -> Https:
    """HTTPS settings: on by default outside development mode, each one overridable."""
    production = not development
    return Https(
        ssl_redirect=env_bool("DJANGO_SECURE_SSL_REDIRECT", production),
        hsts_seconds=env_int("DJANGO_SECURE_HSTS_SECONDS", ONE_YEAR if production else 0),
        hsts_include_subdomains=env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", production),
        # Preloading commits the domain for months: only when the operator says so.
        hsts_preload=env_bool("DJANGO_SECURE_HSTS_PRELOAD", False),
        # Only behind a proxy that sets (and overwrites) the header on every request:
        # otherwise a client could claim HTTPS with it.
        proxy_ssl_header=proxy_ssl_header(os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", "")),
        secure_cookies=env_bool("DJANGO_SECURE_COOKIES", production),
    )


RATE_LIMIT_TABLE = "dentalpin_rate_limits"


def rate_limit_cache() -> tuple[dict, list[str]]:
    """The cache that counts passphrase attempts, and the django-ratelimit checks it silences.

    Every web process must see the same counts, so not a per-process memory cache:
    Redis when `RATE_LIMIT_REDIS_URL` is set (exact counts), else a table of this
    database (`manage.py createcachetable` makes it). django-ratelimit's checks
    name only memcached and django-redis: Django's own Redis cache counts with
    Redis INCR, which is atomic (its W001 is silenced). The database cache adds
    with get-then-set (its E003): two attempts racing can count once, so at worst
    each of the server's concurrent requests gets the limit, still a bound.
    """
    url = env_str("RATE_LIMIT_REDIS_URL")
    if url:
        cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
        return cache, ["django_ratelimit.W001"]
    cache = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": RATE_LIMIT_TABLE}
    return cache, ["django_ratelimit.E003", "django_ratelimit.W001"]
