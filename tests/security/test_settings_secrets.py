"""Production needs its own secrets and HTTPS; development mode is explicit, never the default."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django_scopes import scope

from clinics import fields
from clinics.models import ClinicalNote, Patient
from config import security
from dentalpin_import.jobs import rewrap

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("DJANGO_SECRET_KEY", "CLINICAL_ENCRYPTION_KEYS", "DPMF_REWRAP_KEY")


def generated(name: str) -> str:
    """A value made with the very command the refusal and docs/operations.md give."""
    command = shlex.split(security.GENERATE[name])
    assert command[0] == "python"
    result = subprocess.run(
        [sys.executable, *command[1:]], capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout.strip()


@pytest.fixture(scope="module")
def secrets() -> dict[str, str]:
    return {name: generated(name) for name in SECRETS}


def bare_environ() -> dict[str, str]:
    """This process's environment without development mode or any setting of ours."""
    ours = re.compile(r"^(DENTALPIN_|DJANGO_|CLINICAL_|DPMF_|DATABASE_URL$|RATE_LIMIT_)")
    return {k: v for k, v in os.environ.items() if not ours.match(k)}


def production_env() -> dict[str, str]:
    """The environment docs/operations.md documents for production (its marked block)."""
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- production-env[^>]*-->\n```\n(.*?)```", text, flags=re.S)
    assert block, "docs/operations.md lost its production-env block"
    return dict(line.split("=", 1) for line in block.group(1).splitlines() if "=" in line)


def run_manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("missing", SECRETS)
def test_outside_development_mode_each_missing_secret_is_refused_by_name(
    missing, secrets, monkeypatch
):
    monkeypatch.delenv("DENTALPIN_DEV", raising=False)
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(missing)
    assert security.development_mode() is False
    with pytest.raises(ImproperlyConfigured) as refused:
        security.load_secrets(development=False)
    message = str(refused.value)
    assert message.startswith(f"{missing} must be set outside development mode")
    assert security.GENERATE[missing] in message and "DENTALPIN_DEV=1" in message
    assert [name for name in SECRETS if name in message] == [missing]


@pytest.mark.parametrize(
    ("name", "value"),
    [("CLINICAL_ENCRYPTION_KEYS", "not-a-fernet-key"), ("DPMF_REWRAP_KEY", "c2hvcnQ=")],
)
def test_a_malformed_key_is_refused_by_name(name, value, secrets, monkeypatch):
    for other, good in secrets.items():
        monkeypatch.setenv(other, good)
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        security.load_secrets(development=False)


def test_production_keys_are_the_ones_given_never_derived(secrets, monkeypatch):
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    loaded = security.load_secrets(development=False)
    assert loaded.clinical_keys == [secrets["CLINICAL_ENCRYPTION_KEYS"]]
    assert loaded.rewrap_key == secrets["DPMF_REWRAP_KEY"]
    assert loaded.clinical_keys != [security.dev_clinical_key(loaded.secret_key)]


def test_development_mode_fills_in_what_is_missing(monkeypatch):
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DENTALPIN_DEV", "1")
    assert security.development_mode() is True
    loaded = security.load_secrets(development=True)
    assert loaded.secret_key == security.DEV_SECRET_KEY
    assert loaded.clinical_keys == [security.dev_clinical_key(security.DEV_SECRET_KEY)]


def test_https_is_on_by_default_outside_development_mode_only(monkeypatch):
    for name in list(os.environ):
        if name.startswith("DJANGO_SECURE_"):
            monkeypatch.delenv(name)
    production, development = security.https(development=False), security.https(development=True)
    assert production.ssl_redirect and production.secure_cookies
    assert production.hsts_seconds == 365 * 24 * 3600 and production.hsts_include_subdomains
    assert production.proxy_ssl_header is None and not production.hsts_preload
    assert not (development.ssl_redirect or development.secure_cookies or development.hsts_seconds)
    monkeypatch.setenv("DJANGO_SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto")
    assert security.https(development=False).proxy_ssl_header == (
        "HTTP_X_FORWARDED_PROTO",
        "https",
    )


@pytest.mark.slow  # a second Python process
def test_the_settings_refuse_to_load_without_secrets_naming_each():
    env = dict(bare_environ(), DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="0")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    for name in SECRETS:
        assert name in result.stderr


@pytest.mark.slow  # a second Python process
def test_the_deploy_check_is_clean_with_the_documented_production_settings(secrets, tmp_path):
    env = dict(bare_environ(), **production_env())
    env.update(secrets)  # the documented placeholders, filled in as documented
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", DENTALPIN_VAR_DIR=str(tmp_path))
    assert "DENTALPIN_DEV" not in env and "DJANGO_SETTINGS_MODULE" not in env
    result = run_manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


@pytest.mark.django_db
def test_rotating_the_secret_key_leaves_notes_readable(clinic, settings):
    with scope(clinic=clinic):
        patient = Patient.objects.create(clinic=clinic, given_name="Lucía", family_name="Peña")
        note = ClinicalNote.objects.create(clinic=clinic, patient=patient, text="Caries en 36")
        settings.SECRET_KEY = "a-new-secret-key-after-rotation-" + "x" * 30
        fields._cipher.cache_clear()
        assert ClinicalNote.objects.get(pk=note.pk).text == "Caries en 36"


def test_no_key_is_derived_when_the_notes_or_staging_key_is_empty(settings):
    settings.CLINICAL_ENCRYPTION_KEYS = []
    settings.DPMF_REWRAP_KEY = ""
    try:
        with pytest.raises(ImproperlyConfigured, match="CLINICAL_ENCRYPTION_KEYS"):
            fields.encrypt("texto")
        with pytest.raises(ImproperlyConfigured, match="DPMF_REWRAP_KEY"):
            rewrap.server_key()
    finally:
        fields._cipher.cache_clear()


def test_the_suite_itself_runs_in_explicit_development_mode():
    assert settings.DEVELOPMENT is True and os.environ["DENTALPIN_DEV"] == "1"
    assert not settings.SECURE_SSL_REDIRECT and not settings.SESSION_COOKIE_SECURE
    Fernet(settings.CLINICAL_ENCRYPTION_KEYS[0])  # a real key, handed to child processes
