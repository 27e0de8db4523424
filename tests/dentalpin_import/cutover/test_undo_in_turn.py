"""Undoing two cutovers newest first gives back the clinic of the first import: undoing the
later one puts its rows back as the earlier one left them, times of change included, so the
earlier one does not take them for rows staff edited (issue 27)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone
from django_scopes import scopes_disabled

from clinics.models import Budget, Patient
from dentalpin_import.jobs.undo import UndoRefused, undo_job
from dentalpin_import.models import ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.cutover.test_cutover import imported, later_rows, mapped

CUTOVER_A = {
    ("patient", "1"): {"phone": "611222333"},
    ("appointment", "2"): {"starts_at": "2024-03-05T11:30:00+00:00"},
    ("payment", "2"): {"amount": "95.00"},
}
CUTOVER_B = {
    ("patient", "1"): {"phone": "622333444", "email": "uno@example.org"},
    ("payment", "2"): {"amount": "97.50"},
}


def clinic_rows() -> dict[str, list[dict]]:
    """Every row of the clinic's tables, table by table."""
    with scopes_disabled():
        return {
            m._meta.db_table: list(m._base_manager.order_by("pk").values())
            for m in apps.get_app_config("clinics").get_models()
        }


def cutovers(tmp_path, clinic) -> tuple[dict, dict]:
    """Cutover A (with a new patient), then cutover B changing rows A wrote and created."""
    a_rows = [*later_rows(CUTOVER_A), b.patient(4, client_sid=1)]
    a, _ = imported(tmp_path, clinic, a_rows, "a")
    b_rows = [*later_rows(CUTOVER_B), b.patient(4, client_sid=1, phone="633000000")]
    later, _ = imported(tmp_path, clinic, b_rows, "b")
    for report in (a, later):
        assert report["entities"]["patient"]["updated"] >= 1
    assert later["entities"]["payment"]["updated"] == 1
    return a, later


@pytest.mark.django_db(transaction=True)
def test_two_cutovers_undone_newest_first_give_back_the_first_import(tmp_path, clinic):
    imported(tmp_path, clinic, b.small_clinic_rows(), "first")
    as_imported = clinic_rows()
    a, later = cutovers(tmp_path, clinic)
    assert mapped(clinic, Patient, "patient", 1).phone == "622333444"
    undo_job(job=ImportJob.objects.get(pk=later["job_id"]))
    undo_job(job=ImportJob.objects.get(pk=a["job_id"]))  # no force needed
    assert clinic_rows() == as_imported


@pytest.mark.django_db(transaction=True)
def test_a_staff_edit_between_the_cutovers_still_stops_the_earlier_undo(tmp_path, clinic):
    imported(tmp_path, clinic, b.small_clinic_rows(), "first")
    a_rows = [*later_rows(CUTOVER_A), b.patient(4, client_sid=1)]
    a, _ = imported(tmp_path, clinic, a_rows, "a")
    later_on = timezone.now() + dt.timedelta(minutes=5)  # an edit well after cutover A
    with scopes_disabled():  # staff's edit on a row cutover A updated
        pk = mapped(clinic, Patient, "patient", 1).pk
        Patient.objects.filter(pk=pk).update(email="staff@example.org", updated_at=later_on)
    later, _ = imported(tmp_path, clinic, later_rows(CUTOVER_B), "b")
    assert later["entities"]["patient"]["conflicts"] == 1  # the e-mail, both sides
    undo_job(job=ImportJob.objects.get(pk=later["job_id"]))
    with pytest.raises(UndoRefused, match="edited after the import"):
        undo_job(job=ImportJob.objects.get(pk=a["job_id"]))
    undo_job(job=ImportJob.objects.get(pk=a["job_id"]), force=True)
    assert mapped(clinic, Patient, "patient", 1).email == "staff@example.org"


def budget_rows(lines: int, price: str) -> list:
    rows = [b.professional(1), b.patient(1), b.row("budget", 1, patient_uuid=b.uid("patient", 1))]
    rows += [
        b.row("budget_line", n, budget_uuid=b.uid("budget", 1), unit_amount=price, units="1")
        for n in range(lines)
    ]
    return rows


@pytest.mark.django_db(transaction=True)
def test_undo_of_a_cutover_that_changed_more_rows_than_one_statement_holds(
    tmp_path, clinic, settings, old_sqlite_limits
):
    settings.DPMF_CHUNK_SIZE = 400  # a chunk's own look-ups stay under the limit
    lines = 1_200
    imported(tmp_path, clinic, budget_rows(lines, "10.00"), "first")
    before = clinic_rows()
    report, _ = imported(tmp_path, clinic, budget_rows(lines, "12.00"), "later")
    assert report["entities"]["budget_line"]["updated"] == lines
    with scopes_disabled():
        assert Budget.objects.get(clinic=clinic).total == lines * Decimal("12.00")
    undo_job(job=ImportJob.objects.get(pk=report["job_id"]))
    assert clinic_rows() == before


@pytest.mark.django_db
def test_a_row_edited_seconds_after_the_cutover_wrote_it_is_still_seen(tmp_path, clinic):
    """The plan reads only rows written after a batch's first update: one edited seconds
    after its own update, before a later update of its batch, still counts."""
    from dentalpin_import.jobs.undo import plan_undo
    from dentalpin_import.models import RowUpdate

    imported(tmp_path, clinic, b.small_clinic_rows(), "first")
    changes = {("patient", "1"): {"phone": "611222333"}, ("patient", "2"): {"phone": "6445"}}
    report, _ = imported(tmp_path, clinic, later_rows(changes), "a")
    cutover = ImportJob.objects.get(pk=report["job_id"])
    start = cutover.created_at
    first, later = (mapped(clinic, Patient, "patient", sid) for sid in ("1", "2"))
    for patient, updated_at, written_at in ((first, 0, 5), (later, 10, 10)):
        RowUpdate.objects.filter(
            job=cutover, target_table="clinics_patient", target_id=str(patient.pk)
        ).update(created_at=start + dt.timedelta(seconds=updated_at))
        with scopes_disabled():
            Patient.objects.filter(pk=patient.pk).update(
                updated_at=start + dt.timedelta(seconds=written_at)
            )
    assert plan_undo(cutover).changed == [("clinics_patient", first.pk)]
