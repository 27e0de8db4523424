"""The importer can be uninstalled and reinstalled; clinic data and backups survive."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import dpmf_builder as b

ROOT = Path(__file__).resolve().parents[2]


def manage(env, *args, check=True):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env["DENTALPIN_VAR_DIR"] = str(tmp_path / "var")
    return env


def count_patients(env) -> int:
    code = (
        "from django_scopes import scopes_disabled\nfrom clinics.models import Patient\n"
        "with scopes_disabled(): print(Patient.objects.count())"
    )
    return int(manage(env, "shell", "-c", code).stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_uninstall_keeps_every_clinic_row_and_reinstall_works(tmp_path, env):
    manage(env, "migrate", "--noinput")
    manage(env, "create_clinic", "sol", "--name", "Sol")
    manage(env, "import_dpmf", str(b.small_clinic(tmp_path)), "--clinic", "sol")
    assert count_patients(env) == 3
    manage(env, "migrate", "dentalpin_import", "zero", "--noinput")
    without = dict(env, DENTALPIN_IMPORTER="0")
    manage(without, "check")
    assert count_patients(without) == 3
    tables = manage(
        without,
        "shell",
        "-c",
        "from django.db import connection; print(connection.introspection.table_names())",
    )
    assert "dentalpin_import_importjob" not in tables.stdout
    manage(env, "migrate", "--noinput")
    assert count_patients(env) == 3
    jobs = manage(
        env,
        "shell",
        "-c",
        "from dentalpin_import.models import ImportJob; print(ImportJob.objects.count())",
    )
    assert jobs.stdout.strip().splitlines()[-1] == "0"  # a clean, empty importer
    other = manage(env, "create_clinic", "luna", "--name", "Luna")
    assert other.returncode == 0
    manage(env, "import_dpmf", str(b.small_clinic(tmp_path, name="again")), "--clinic", "luna")
    assert count_patients(env) == 6


def test_dumpdata_and_loaddata_work_despite_clinic_scoping(tmp_path, env):
    manage(env, "migrate", "--noinput")
    manage(env, "create_clinic", "sol", "--name", "Sol")
    manage(env, "import_dpmf", str(b.small_clinic(tmp_path)), "--clinic", "sol")
    dump = tmp_path / "backup.json"
    manage(env, "dumpdata", "clinics", "--output", str(dump))
    models = {row["model"] for row in json.loads(dump.read_text())}
    assert {"clinics.patient", "clinics.appointment", "clinics.payment"} <= models
    fresh = dict(env, DATABASE_URL=f"sqlite:///{tmp_path / 'restored.sqlite3'}")
    manage(fresh, "migrate", "--noinput")
    manage(fresh, "loaddata", str(dump))
    assert count_patients(fresh) == 3
