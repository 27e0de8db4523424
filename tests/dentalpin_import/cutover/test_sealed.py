"""What a cutover keeps about values is sealed: no national id or clinical text in clear."""

import pytest
from django.db import connection

from dentalpin_import.models import ImportConflict, ImportJob, RowUpdate, WrittenBatch
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.cutover.test_cutover import imported, later_rows


def stored(model, column: str) -> list[str]:
    """The column as the database holds it, not as the field decrypts it."""
    with connection.cursor() as cursor:
        name, table = connection.ops.quote_name(column), model._meta.db_table
        cursor.execute(f"SELECT {name} FROM {table}")  # noqa: S608 (a test's own names)
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_written_values_before_images_and_conflicts_are_sealed(tmp_path, clinic):
    imported(tmp_path, clinic, b.small_clinic_rows(), "first")
    changes = {("patient", "1"): {"national_id": "99999999R", "notes": "Alergia a penicilina"}}
    imported(tmp_path, clinic, later_rows(changes), "later")
    texts = stored(WrittenBatch, "values") + stored(RowUpdate, "before")
    texts += stored(RowUpdate, "after")
    assert texts and all(t.startswith("fernet:") for t in texts if t)
    joined = " ".join(texts)
    for secret in ("00000001Z", "99999999R", "penicilina"):
        assert secret not in joined
    assert all(t.startswith("fernet:") for t in stored(ImportConflict, "file_value") if t)


@pytest.mark.django_db
def test_an_unknown_conflict_rule_is_refused_before_anything_is_read(tmp_path, clinic):
    status, out, report = run_import(
        b.small_clinic(tmp_path), clinic.slug, "--on-conflict", "newest-wins"
    )
    assert status != 0 and report is None
    assert "newest-wins" in out and "keep-clinic" in out  # what was wrong, what is allowed
    assert not ImportJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_undoing_a_cutover_finds_the_patient_by_the_old_national_id_again(tmp_path, clinic):
    """The id's lookup digest goes back with the sealed value, not only the value."""
    from django_scopes import scopes_disabled

    from clinics.models import Patient
    from dentalpin_import.jobs.undo import undo_job
    from tests.dentalpin_import.cutover.test_cutover import mapped

    imported(tmp_path, clinic, b.small_clinic_rows(), "first")
    old = mapped(clinic, Patient, "patient", 1).national_id
    changes = {("patient", "1"): {"national_id": "99999999R"}}
    report, _ = imported(tmp_path, clinic, later_rows(changes), "later")
    with scopes_disabled():
        assert Patient.objects.filter(clinic=clinic, national_id="99999999R").count() == 1
    undo_job(job=ImportJob.objects.get(pk=report["job_id"]))
    with scopes_disabled():
        found = Patient.objects.filter(clinic=clinic, national_id=old)
        assert [p.pk for p in found] == [mapped(clinic, Patient, "patient", 1).pk]
        assert not Patient.objects.filter(clinic=clinic, national_id="99999999R").exists()
