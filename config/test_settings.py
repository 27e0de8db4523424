"""Settings for the test suite: fast hashing, eager tasks, throw-away media."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# The suite is development mode (the repository's keys): set before the settings
# read it, and inherited by every process the suite starts.
os.environ["DENTALPIN_DEV"] = "1"

from config.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The rate-limit counters stay in the database's cache table (made with the test
# database), so the limits are tested on SQLite and PostgreSQL alike.
CACHES = dict(CACHES, default={"BACKEND": "django.core.cache.backends.locmem.LocMemCache"})
_TMP = Path(tempfile.mkdtemp(prefix="dentalpin-test-"))
# Every process on these settings makes its own (the suite, and the workers and
# helpers it starts): each removes its own on the way out.
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)
MEDIA_ROOT = _TMP / "media"
DPMF_STAGING_DIR = _TMP / "staging"
FILE_UPLOAD_TEMP_DIR = os.environ.get("FILE_UPLOAD_TEMP_DIR") or str(DPMF_STAGING_DIR / "incoming")
# WhiteNoise looks into STATIC_ROOT at start-up (the files come from the apps' folders).
STATIC_ROOT = _TMP / "static"
STATIC_ROOT.mkdir()
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A real file (WAL, busy timeout) rather than shared-cache memory, whose table
    # locks fail concurrent writers at once: live-server tests upload in parallel.
    DATABASES["default"]["TEST"] = {"NAME": str(_TMP / "test.sqlite3")}  # noqa: F405

# A wrong passphrase counts against its user for PASSPHRASE_WINDOW_MINUTES, in a table
# that tests which commit (transaction=True) leave behind while user ids are reused:
# the suite allows many, and the tests of the limit set their own (tests/security/).
PASSPHRASE_FAILURE_LIMIT = 1000
