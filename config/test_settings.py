"""Settings for the test suite: fast hashing, eager tasks, throw-away media."""

import tempfile
from pathlib import Path

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
_TMP = Path(tempfile.mkdtemp(prefix="dentalpin-test-"))
MEDIA_ROOT = _TMP / "media"
DPMF_STAGING_DIR = _TMP / "staging"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
