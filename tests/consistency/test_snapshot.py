"""The snapshot sees every difference that matters and none that does not (ids, clocks, clinics)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django_scopes import scopes_disabled

from clinics.models import Appointment, Budget, Client, Clinic, ClinicalNote, Patient, Recall
from dentalpin_import.models import EntityMapping, ImportJob, ImportWarning
from dentalpin_import.sample.generator import generate_sample
from tests.consistency.snapshot import differences, plain, snapshot

pytestmark = pytest.mark.django_db

NAME = "Clínica de la prueba"


@pytest.fixture
def twins(tmp_path):
    """Two clinics that imported the same file, one after the other (so their ids differ)."""
    sample = generate_sample(tmp_path / "s.dpm", patients=6, seed=4, binaries=False)
    clinics = []
    for slug in ("uno", "dos"):
        call_command("create_clinic", slug, "--name", NAME, stdout=io.StringIO())
        call_command(
            "import_dpmf", sample.path, "--clinic", slug, "--import-verifactu", stdout=io.StringIO()
        )
        clinics.append(Clinic.objects.get(slug=slug))
    with scopes_disabled():
        yield clinics


def diff(a: Clinic, b: Clinic) -> str:
    return "\n".join(differences(snapshot(a), snapshot(b), names=("uno", "dos")))


def test_two_clinics_that_imported_the_same_file_have_the_same_snapshot(twins):
    uno, dos = twins
    first, second = snapshot(uno), snapshot(dos)
    assert differences(first, second) == []
    # ... although their rows have other ids, and messages name rows by id.
    ids = [set(Client.objects.filter(clinic=c).values_list("pk", flat=True)) for c in twins]
    assert not ids[0] & ids[1]
    messages = [w["message"] for w in first["tables"]["dentalpin_import.ImportWarning"]]
    assert any(m.startswith("client #client:") for m in messages), messages
    assert first["tables"]["clinics.Patient"] and first["report"]["status"] == "succeeded"


def test_a_changed_value_names_the_table_the_row_and_both_values(twins):
    uno, dos = twins
    budget = Budget.objects.filter(clinic=dos).order_by("number").first()
    Budget.objects.filter(pk=budget.pk).update(total=budget.total + Decimal("0.01"))
    key = EntityMapping.objects.get(clinic=dos, entity_type="budget", target_id=str(budget.pk))
    n = Budget.objects.filter(clinic=dos).count()
    found = diff(uno, dos)
    assert f"clinics.Budget: {n} rows in uno, {n} in dos; 1 only in uno, 1 only in dos" in found
    assert f"row budget:{key.canonical_uuid}: total: uno='{plain(budget.total)}' dos=" in found


def test_a_missing_row_is_counted_and_shown(twins):
    uno, dos = twins
    before = Recall.objects.filter(clinic=dos).count()
    Recall.objects.filter(pk=Recall.objects.filter(clinic=dos).first().pk).delete()
    found = diff(uno, dos)
    assert f"clinics.Recall: {before} rows in uno, {before - 1} in dos" in found
    assert "only in uno: " in found


def test_a_foreign_key_to_another_row_is_a_difference(twins):
    uno, dos = twins
    first, second = Patient.objects.filter(clinic=dos).order_by("pk")[:2]
    moved = Appointment.objects.filter(clinic=dos, patient=first).first()
    Appointment.objects.filter(pk=moved.pk).update(patient=second)
    assert "clinics.Appointment:" in diff(uno, dos)
    assert "patient: uno='patient:" in diff(uno, dos)


def test_clocks_do_not_count(twins):
    uno, dos = twins
    later = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
    Patient.objects.filter(clinic=dos).update(updated_at=later, created_at=later)
    EntityMapping.objects.filter(clinic=dos).update(created_at=later)
    assert diff(uno, dos) == ""


def test_encrypted_text_is_compared_in_clear(twins):
    uno, dos = twins
    note = ClinicalNote.objects.filter(clinic=dos).exclude(text="").first()
    table = ClinicalNote._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT text FROM {table} WHERE id = %s", [note.pk])
        assert cursor.fetchone()[0].startswith("fernet:")  # each token differs, the text does not
    texts = [r["text"] for r in snapshot(dos)["tables"]["clinics.ClinicalNote"]]
    assert note.text in texts
    note.text = "otra cosa"
    note.save(update_fields=["text"])
    assert "dos='otra cosa'" in diff(uno, dos)


def test_a_lost_warning_is_a_difference(twins):
    uno, dos = twins
    ImportWarning.objects.filter(pk=ImportWarning.objects.filter(clinic=dos).first().pk).delete()
    assert "dentalpin_import.ImportWarning:" in diff(uno, dos)


def test_a_mapping_to_a_row_that_is_gone_says_so(twins):
    uno, dos = twins
    mapping = EntityMapping.objects.filter(clinic=dos, entity_type="recall").first()
    Recall.objects.filter(pk=int(mapping.target_id)).delete()
    assert "'<clinics.Recall of nobody>'" in diff(uno, dos)


def test_the_report_is_compared_figure_by_figure(twins):
    uno, dos = twins
    job = ImportJob.objects.get(clinic=dos)
    counters = dict(job.counters)
    counters["recall"] = {**counters["recall"], "created": counters["recall"]["created"] - 1}
    ImportJob.objects.filter(pk=job.pk).update(status="problems", counters=counters)
    found = diff(uno, dos)
    assert "report.status: uno='succeeded' dos='problems'" in found
    assert "report.entities.recall.created: uno=" in found


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (Decimal("10.00"), Decimal("10")),
        (Decimal("-0.00"), Decimal("0")),
        (
            dt.datetime(2025, 1, 1, 10, tzinfo=dt.UTC),
            dt.datetime(2025, 1, 1, 11, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        ),
        ({"b": 1, "a": [Decimal("1.50")]}, {"a": [Decimal("1.5")], "b": 1}),
    ],
)
def test_values_read_the_same_whichever_database_gave_them(one, other):
    assert plain(one) == plain(other)
