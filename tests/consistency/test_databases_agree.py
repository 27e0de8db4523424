"""The same file imported on PostgreSQL and on SQLite gives the same clinic, table by table.

The suite runs once per database; this test imports a sample into the suite's
database and, in other processes, into a database of the other kind made for
it (a throw-away PostgreSQL cluster in the SQLite run, a SQLite file in the
PostgreSQL run), then compares the two snapshots: every table, every warning,
the report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from clinics.models import Clinic
from dentalpin_import.sample.generator import generate_sample
from dentalpin_import.sample.later import write_later_export
from tests.consistency.commands import CLINIC_NAME, Commands, import_args
from tests.consistency.databases import other_database
from tests.consistency.samples import add_future_type
from tests.consistency.snapshot import assert_same_content, snapshot
from tests.processes import shared_database_url

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Enough for every mapper to meet every kind of row the sample makes (families
# sharing a payer, refunds, planned treatments, awkward rows); plus rows of a type
# no mapper knows, kept raw.
PATIENTS = 200
SEED = 9
# Several chunks per type.
SETTINGS = {"DPMF_CHUNK_SIZE": "100"}


def test_the_same_file_gives_the_same_clinic_on_postgresql_and_on_sqlite(tmp_path):
    sample = generate_sample(tmp_path / "sample.dpm", patients=PATIENTS, seed=SEED, binaries=False)
    add_future_type(Path(sample.path), rows=120)  # raw entities, in chunks
    args = import_args(sample.path, "same", encrypted=False)

    here = Commands(tmp_path / "here", shared_database_url(), dict(SETTINGS))
    call_command("create_clinic", "same", "--name", CLINIC_NAME)
    here.must("import_dpmf", *args)
    # Through JSON, as the other side's snapshot comes.
    ours = json.loads(json.dumps(snapshot(Clinic.objects.get(slug="same"))))
    assert ours["report"]["status"] == "succeeded", ours["report"]

    with other_database() as (vendor, url):
        there = Commands(tmp_path / "there", url, dict(SETTINGS))
        there.must("migrate", "--noinput")
        there.must("create_clinic", "same", "--name", CLINIC_NAME)
        there.must("import_dpmf", *args)
        dump = tmp_path / "there.json"
        outcome = there.run(["-m", "tests.consistency.dump_snapshot", "same", str(dump)])
        assert outcome.status == 0, outcome.output
        theirs = json.loads(dump.read_text(encoding="utf-8"))

    assert_same_content(ours, theirs, names=(connection.vendor, vendor))


def test_a_later_export_changes_the_clinic_alike_on_postgresql_and_on_sqlite(tmp_path):
    """A cutover (updates, conflicts, before-images, rows missing from the file) writes the
    same rows on both databases: the first import, then a later export of the same clinic."""
    first = generate_sample(tmp_path / "first.dpm", patients=80, seed=SEED, binaries=False)
    later = write_later_export(
        first.path, tmp_path / "later.dpm", changed="10%", new=8, removed=8, binaries=False
    )
    steps = [import_args(first.path, "same", encrypted=False)]
    steps.append(import_args(later.path, "same", encrypted=False))

    here = Commands(tmp_path / "here", shared_database_url(), dict(SETTINGS))
    call_command("create_clinic", "same", "--name", CLINIC_NAME)
    for args in steps:
        here.must("import_dpmf", *args)
    ours = json.loads(json.dumps(snapshot(Clinic.objects.get(slug="same"))))
    assert ours["report"]["entities"]["patient"]["updated"] > 0, ours["report"]
    # Compared, and not empty. Conflicts are compared too, but nobody edited this clinic:
    # a cutover that lists none is right.
    for label in ("RowUpdate", "MissingRecord"):
        assert ours["tables"][f"dentalpin_import.{label}"], label

    with other_database() as (vendor, url):
        there = Commands(tmp_path / "there", url, dict(SETTINGS))
        there.must("migrate", "--noinput")
        there.must("create_clinic", "same", "--name", CLINIC_NAME)
        for args in steps:
            there.must("import_dpmf", *args)
        dump = tmp_path / "there.json"
        outcome = there.run(["-m", "tests.consistency.dump_snapshot", "same", str(dump)])
        assert outcome.status == 0, outcome.output
        theirs = json.loads(dump.read_text(encoding="utf-8"))

    assert_same_content(ours, theirs, names=(connection.vendor, vendor))
