"""One file holding every kind of poison row gives the same clinic on PostgreSQL and on SQLite.

The file is imported with the real command into the suite's database and, in
other processes, into a database of the other kind (a throw-away PostgreSQL
cluster in the SQLite run, a SQLite file in the PostgreSQL run); the two
clinics are compared table by table, warnings and report included. Then the
same command runs again on both: nothing changes.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection

from clinics.models import Clinic
from tests import dpmf_builder as b
from tests.consistency.commands import CLINIC_NAME, Commands, import_args
from tests.consistency.databases import other_database
from tests.consistency.snapshot import assert_same_content, snapshot
from tests.dentalpin_import.loader.poison import clinic_rows, loosened, set_payload, tamper
from tests.processes import shared_database_url

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def poison_file(tmp_path):
    """Good rows, and a poison row of every kind the importer meets, each on a row of its own."""
    rows = clinic_rows(
        {"given_name": "Ana\x00Bel", "family_name": "N" * 2000, "date_of_birth": "2023-02-30"},
        appointment={"duration_minutes": 10**30},
        payment={"amount": "doce euros"},
    )
    rows += [
        b.client(5),
        b.patient(5, client_sid=5, deceased="quizá", national_id={"dni": 1}),  # wrong types
        b.patient(6, client_sid=5),  # payload replaced below: nested 5,000 deep
        b.patient(7, client_sid=5),  # payload replaced below: a lone surrogate
        b.link(5, 5, 5),
        b.appointment(6, 6, 1),  # its patient fails
        b.payment(5, 5, "1000000000000.00"),  # no numeric(12, 2) holds it
        b.row(
            "communication",
            1,
            patient_uuid=b.uid("patient", 1),
            channel="sms",
            sent_at="9999-12-31T23:59:59-05:00",
        ),
        b.row("budget", 1, patient_uuid=b.uid("patient", 1), number="1e999999999", title="P"),
        b.row("budget_line", 1, budget_uuid=b.uid("budget", 1), unit_amount="10.0005", units="2"),
        b.row("legacy_note", 1, raw={"Nom\x00bre": "x\x00"}, name="Centro\x00Sol"),
    ]
    path = b.build(tmp_path, rows)
    surrogate = json.dumps({**b.patient(7, client_sid=5).payload, "given_name": "AnaXX"})
    copy = (
        "INSERT INTO patient SELECT canonical_uuid, source_id, source_system, payload, "
        "raw_source_data, extracted_at FROM patient WHERE source_id = '1';"
        "UPDATE _entities SET row_count = row_count + 1 WHERE entity_type = 'patient';"
    )
    tamper(
        path,
        loosened("patient"),
        set_payload("patient", "6", '{"given_name": ' + "[" * 5000 + "]" * 5000 + "}"),
        set_payload("patient", "7", surrogate.replace("XX", "\\ud800")),
        (copy, ()),
    )
    return path


def test_every_poison_row_ends_the_same_on_postgresql_and_on_sqlite(tmp_path):
    path = poison_file(tmp_path)
    args = import_args(path, "poison", encrypted=False)

    here = Commands(tmp_path / "here", shared_database_url())
    call_command("create_clinic", "poison", "--name", CLINIC_NAME)
    here.must("import_dpmf", *args)
    # Through JSON, as the other side's snapshot comes.
    ours = json.loads(json.dumps(snapshot(Clinic.objects.get(slug="poison"))))
    assert ours["report"]["status"] == "succeeded", ours["report"]
    codes = {
        (w["entity_type"], w["code"]) for w in ours["tables"]["dentalpin_import.ImportWarning"]
    }
    for expected in [
        ("patient", "text.nul_removed"),
        ("patient", "text.surrogate_replaced"),
        ("patient", "text.cut_to_length"),
        ("patient", "payload.decode_error"),
        ("patient", "row.duplicate"),
        ("patient", "patient.unreadable_value"),
        ("appointment", "appointment.unreadable_value"),
        ("payment", "payment.invalid_amount"),
        ("payment", "row.value_out_of_range"),
        ("communication", "communication.unreadable_value"),
        ("budget", "budget.unreadable_value"),
        ("budget_line", "number.rounded"),
        ("legacy_note", "text.nul_removed"),
    ]:
        assert expected in codes, expected

    with other_database() as (vendor, url):
        there = Commands(tmp_path / "there", url)
        there.must("migrate", "--noinput")
        there.must("create_clinic", "poison", "--name", CLINIC_NAME)
        there.must("import_dpmf", *args)
        dump = tmp_path / "there.json"
        outcome = there.run(["-m", "tests.consistency.dump_snapshot", "poison", str(dump)])
        assert outcome.status == 0, outcome.output
        theirs = json.loads(dump.read_text(encoding="utf-8"))
    assert_same_content(ours, theirs, names=(connection.vendor, vendor))

    # The same command again changes no table but the job's own report.
    here.must("import_dpmf", *args)
    again = json.loads(json.dumps(snapshot(Clinic.objects.get(slug="poison"))))
    for table, rows in ours["tables"].items():
        if table != "dentalpin_import.ImportWarning":
            assert again["tables"][table] == rows, table
    created = {c: v["created"] for c, v in again["report"]["entities"].items()}
    assert set(created.values()) == {0}, created
