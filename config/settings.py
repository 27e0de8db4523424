"""Project settings, all read from the environment (see docs/operations.md)."""

from datetime import timedelta
from pathlib import Path

import dj_database_url

from config import security
from config.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DENTALPIN_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
# Development mode is explicit (DENTALPIN_DEV=1); outside it every secret must be set
# (config/security.py, docs/operations.md "Secrets").
DEVELOPMENT = security.development_mode()
_SECRETS = security.load_secrets(development=DEVELOPMENT)
SECRET_KEY = _SECRETS.secret_key
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

VERIFACTU_ENABLED = env_bool("DENTALPIN_VERIFACTU", True)
# The importer is a removable app: uninstall with `migrate dentalpin_import zero`,
# then DENTALPIN_IMPORTER=0 (docs/overview.md, "Removing the importer").
IMPORTER_ENABLED = env_bool("DENTALPIN_IMPORTER", True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "formtools",
    "clinics",
    "axes",
    "django_ratelimit",
]
if IMPORTER_ENABLED:
    INSTALLED_APPS.append("dentalpin_import")
if VERIFACTU_ENABLED:
    INSTALLED_APPS.append("verifactu")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files served by the application itself, DEBUG or not (docs/operations.md).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "clinics.middleware.ClinicMiddleware",
    # Styled 403/404/500 in every mode, and the offer to switch clinic (clinics/error_pages.py).
    "clinics.error_pages.ErrorPagesMiddleware",
    "clinics.private_pages.NoStoreMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinics.context_processors.clinic",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'dentalpin.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the progress page read while an import writes; a busy timeout
    # makes the two wait for each other instead of failing with "locked".
    # temp_store=MEMORY keeps statement and savepoint journals (the old content of
    # every page a multi-row INSERT or a chunk's savepoint changes) in memory: on
    # disk they were 2.3 of the 3.0 GB an import of 10,000 patients wrote. It can
    # only be set outside a transaction, so here, for every connection.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "Europe/Madrid")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
# Files of the apps' static folders are served even before `collectstatic` has run, so a
# deployment that forgot it still has its stylesheet; `collectstatic` adds compression.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/import/"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
# HTTPS: on by default outside development mode (config/security.py, docs/operations.md).
_HTTPS = security.https(development=DEVELOPMENT)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _HTTPS.secure_cookies
SECURE_SSL_REDIRECT = _HTTPS.ssl_redirect
SECURE_HSTS_SECONDS = _HTTPS.hsts_seconds
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS.hsts_include_subdomains
SECURE_HSTS_PRELOAD = _HTTPS.hsts_preload
SECURE_PROXY_SSL_HEADER = _HTTPS.proxy_ssl_header

# Rate limits. Staff login (django-axes): locked after LOGIN_FAILURE_LIMIT failures of
# one username from one address, for LOGIN_LOCKOUT_MINUTES after the last one.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.lockout.login_locked_out"
# Behind N reverse proxies (DJANGO_TRUSTED_PROXIES), every limit counts the client's address
# from X-Forwarded-For instead of the proxy's (config/client_address.py).
TRUSTED_PROXIES = env_int("DJANGO_TRUSTED_PROXIES", 0)
AXES_CLIENT_IP_CALLABLE = "config.client_address.client_address"
RATELIMIT_IP_META_KEY = "config.client_address.client_address"
# Attempts of every clinic's staff: not for the clinic members' admin. Successful
# logins are not logged (less personal data); `manage.py axes_reset_username` unlocks.
AXES_ENABLE_ADMIN = False
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no banner in every process's log; failures are still logged
# Wrong passphrases (django-ratelimit): PASSPHRASE_FAILURE_LIMIT per job and per user
# within PASSPHRASE_WINDOW_MINUTES, then refused before any key derivation.
PASSPHRASE_FAILURE_LIMIT = env_int("PASSPHRASE_FAILURE_LIMIT", 5)
PASSPHRASE_WINDOW_MINUTES = env_int("PASSPHRASE_WINDOW_MINUTES", 15)
_RATE_LIMIT_CACHE, _RATE_LIMIT_SILENCED = security.rate_limit_cache()
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": _RATE_LIMIT_CACHE,
}
RATELIMIT_USE_CACHE = "ratelimit"
SILENCED_SYSTEM_CHECKS = _RATE_LIMIT_SILENCED

# --- importer -------------------------------------------------------------
# Private working area for uploads and decrypted/decompressed plaintext.
DPMF_STAGING_DIR = Path(env_str("DPMF_STAGING_DIR", str(VAR_DIR / "staging")))
# Refuse files that unpack to more than this (decompression bombs).
DPMF_MAX_UNPACKED_BYTES = env_int("DPMF_MAX_UNPACKED_BYTES", 20 * 1024**3)
DPMF_MAX_UPLOAD_BYTES = env_int("DPMF_MAX_UPLOAD_BYTES", 5 * 1024**3)
DPMF_CHUNK_SIZE = env_int("DPMF_CHUNK_SIZE", 1000)
# Chunks are committed in groups: after this many source rows or seconds, and at the end
# of every phase. A cancelled or failed run keeps every group committed before it.
DPMF_COMMIT_ROWS = env_int("DPMF_COMMIT_ROWS", 10_000)
DPMF_COMMIT_SECONDS = env_float("DPMF_COMMIT_SECONDS", 2.0)
# Source keys → clinic ids a run keeps in memory (about 155 bytes each); past this it
# forgets them and reloads what each chunk refers to, so memory does not grow with the
# file. A 10,000-patient file needs at most about 100,000 at once.
DPMF_ID_CACHE_SIZE = env_int("DPMF_ID_CACHE_SIZE", 150_000)
# SQLite page cache of the connection running an import, in MiB (SQLite's default is 2).
# The source-key indexes are probed at random; at 10,000 patients 16 MiB halves the
# pages read back from the operating system. 0 leaves the connection's own setting.
DPMF_SQLITE_CACHE_MIB = env_int("DPMF_SQLITE_CACHE_MIB", 16)
# Staged uploads of wizards never confirmed are deleted after this (sweep_import_uploads).
# CSV sheets are read whole into memory: refuse (and cap uploads at) anything larger.
CSV_MAX_SHEET_BYTES = env_int("CSV_MAX_SHEET_BYTES", 256 * 1024**2)
DPMF_UPLOAD_RETENTION_HOURS = env_int("DPMF_UPLOAD_RETENTION_HOURS", 24)
# Days after a job ends before its staged upload (re-wrapped copy) is deleted.
DPMF_RETENTION_DAYS = env_int("DPMF_RETENTION_DAYS", 30)
# Uploads larger than this are validated in the background with a progress page.
DPMF_BACKGROUND_VALIDATE_BYTES = env_int("DPMF_BACKGROUND_VALIDATE_BYTES", 50 * 1024**2)
# CSV sheets and workbooks larger than this are read in the background with a progress
# page. A sheet is read at roughly 1 MB a second, so 1 MiB keeps the upload's own request to
# a few seconds at most; a workbook is measured by what it unpacks to, not by its zip.
CSV_BACKGROUND_VALIDATE_BYTES = env_int("CSV_BACKGROUND_VALIDATE_BYTES", 1024**2)
# The undo page counts what an undo would delete in the request for a job with fewer
# mappings than this, and in the background from there on: the count grows with the
# mappings (about 4 s at 10,000 patients), below this it takes a second at most.
UNDO_BACKGROUND_COUNT_MAPPINGS = env_int("UNDO_BACKGROUND_COUNT_MAPPINGS", 50_000)
# A running job whose heartbeat is older than this is marked interrupted (worker died).
DPMF_HEARTBEAT_TIMEOUT = env_int("DPMF_HEARTBEAT_TIMEOUT", 120)
# Key for the server-held re-wrapping of validated uploads (base64, 32 bytes);
# required outside development mode. See docs/security.md.
DPMF_REWRAP_KEY = _SECRETS.rewrap_key
# Fernet keys for clinical note text, newest first (old ones still read); required
# outside development mode. See docs/operations.md (rotate_clinical_keys).
CLINICAL_ENCRYPTION_KEYS = _SECRETS.clinical_keys
# Binaries from the sync agent.
DPMF_MAX_BINARY_BYTES = env_int("DPMF_MAX_BINARY_BYTES", 512 * 1024**2)
DPMF_AGENT_TOKEN_HOURS = env_int("DPMF_AGENT_TOKEN_HOURS", 72)
FILE_UPLOAD_HANDLERS = ["dentalpin_import.binaries.upload.HashingUploadHandler"]
# Uploads are written here while they arrive: inside the private staging area (made 0700
# on first use), so a web process killed mid-upload leaves no patient file in /tmp, the
# sweep removes such leftovers, and a staged upload is a rename, not a copy.
FILE_UPLOAD_TEMP_DIR = env_str("FILE_UPLOAD_TEMP_DIR") or str(DPMF_STAGING_DIR / "incoming")
# Patient documents on local disk: readable by this service's account only, like the staging
# area (Django's defaults follow the umask, usually world-readable). docs/security.md.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# --- storage: local files by default, S3 (django-storages) when a bucket is named ---
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed copies (gzip) made by `collectstatic`, served by WhiteNoise.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# --- background work ------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "dentalpin-import@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}
