"""Staff take the file's value of chosen conflicts later; the preview classifies a file."""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from clinics.models import Patient
from dentalpin_import.jobs.undo import undo_job
from dentalpin_import.loader.changes import summarise
from dentalpin_import.loader.merge import take_file_values
from dentalpin_import.models import ImportConflict, ImportJob
from dentalpin_import.reader.container import open_dpmf
from tests import dpmf_builder as b
from tests.dentalpin_import.cutover.test_cutover import imported, later_rows, mapped


@pytest.mark.django_db(transaction=True)
def test_taking_the_files_value_later_and_undoing_it(tmp_path, clinic, staff_user):
    imported(tmp_path, clinic, b.small_clinic_rows(), "first")
    with scopes_disabled():
        for sid in (1, 2):
            row = mapped(clinic, Patient, "patient", sid)
            row.family_name = f"Editado {sid}"
            row.save()
    changes = {("patient", str(sid)): {"family_name": f"Fichero {sid}"} for sid in (1, 2)}
    report, _ = imported(tmp_path, clinic, later_rows(changes), "later")
    conflicts = ImportConflict.objects.filter(job_id=report["job_id"])
    assert conflicts.count() == 2
    chosen = conflicts.filter(canonical_uuid=b.uid("patient", 1))
    assert take_file_values(chosen, staff_user) == 1
    assert take_file_values(chosen, staff_user) == 0  # taken once
    assert mapped(clinic, Patient, "patient", 1).family_name == "Fichero 1"
    assert mapped(clinic, Patient, "patient", 2).family_name == "Editado 2"
    taken = chosen.get()
    assert (taken.resolution, taken.resolved_by) == ("took_file", staff_user)
    undo_job(job=ImportJob.objects.get(pk=report["job_id"]), force=True)
    assert mapped(clinic, Patient, "patient", 1).family_name == "Editado 1"


@pytest.mark.django_db(transaction=True)
def test_the_summary_counts_new_changed_unchanged_edited_and_missing(tmp_path, clinic):
    imported(tmp_path, clinic, b.small_clinic_rows(), "first")
    later = timezone.now() + dt.timedelta(minutes=5)  # an edit well after the import
    with scopes_disabled():
        pk = mapped(clinic, Patient, "patient", 2).pk
        Patient.objects.filter(pk=pk).update(phone="699999999", updated_at=later)
    changes = {
        ("patient", "1"): {"phone": "611222333"},
        ("patient", "2"): {"phone": "622000000"},
        ("patient", "3"): None,
    }
    rows = later_rows(changes) + [b.patient(9, client_sid=1)]
    path = b.build(tmp_path, rows, name="later")
    with open_dpmf(path) as source:
        summary = summarise(source, clinic, source.source_system)
    patients = summary["patient"]
    assert {k: patients[k] for k in ("new", "changed", "unchanged", "missing")} == {
        "new": 1,
        "changed": 2,
        "unchanged": 0,
        "missing": 1,
    }
    assert patients["edited_in_clinic"] == 1
    assert patients["samples"]["new"] == ["9"]
    assert patients["samples"]["missing"] == [b.uid("patient", 3)]
    assert summary["appointment"]["unchanged"] == 2


@pytest.mark.django_db
def test_the_summary_of_a_file_that_changes_more_rows_than_one_statement_holds(
    tmp_path, clinic, old_sqlite_limits
):
    # A new extractor that writes every row a little differently changes them all.
    many = 1_500
    imported(tmp_path, clinic, [b.patient(i) for i in range(many)], "first")
    later = timezone.now() + dt.timedelta(minutes=5)
    with scopes_disabled():
        edited = [mapped(clinic, Patient, "patient", sid).pk for sid in (7, 1_234)]
        Patient.objects.filter(pk__in=edited).update(updated_at=later)
    rows = [b.patient(i, phone="600000000") for i in range(many)]
    with open_dpmf(b.build(tmp_path, rows, name="later")) as source:
        patients = summarise(source, clinic, source.source_system)["patient"]
    assert (patients["changed"], patients["edited_in_clinic"]) == (many, 2)
    assert sorted(patients["samples"]["edited_in_clinic"]) == ["1234", "7"]
