"""undo_import: exactly the job's rows, in order, refusing what was edited since."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_scopes import scope

from clinics.models import Appointment, Client, Invoice, Patient, Payment, Professional
from dentalpin_import.mapping.appointments import AppointmentMapper
from dentalpin_import.models import AuditEntry, EntityMapping, FileStaging, ImportJob, RawEntity
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import

MODELS = (Patient, Professional, Client, Appointment, Payment, Invoice)


def counts(clinic):
    with scope(clinic=clinic):
        return {m.__name__: m.objects.count() for m in MODELS}


def undo(*args):
    out = io.StringIO()
    call_command("undo_import", *map(str, args), stdout=out)
    return out.getvalue()


@pytest.fixture
def imported(tmp_path, clinic):
    status, out, report = run_import(
        b.small_clinic(tmp_path), clinic.slug, report=tmp_path / "r.json"
    )
    assert status == 0, out
    return ImportJob.objects.get(pk=report["job_id"])


@pytest.mark.django_db
def test_undo_deletes_exactly_the_jobs_rows_and_keeps_older_ones(tmp_path, clinic, imported):
    with scope(clinic=clinic):
        mine = Patient.objects.create(clinic=clinic, given_name="Existing")
    before = counts(clinic)
    undo(imported.pk)
    after = counts(clinic)
    assert after == {
        "Patient": 1,
        "Professional": 0,
        "Client": 0,
        "Appointment": 0,
        "Payment": 0,
        "Invoice": 0,
    }
    with scope(clinic=clinic):
        assert list(Patient.objects.all()) == [mine]
    assert before["Patient"] == 4
    assert not EntityMapping.objects.filter(job=imported).exists()
    assert not RawEntity.objects.filter(job=imported).exists()
    assert not FileStaging.objects.filter(job=imported).exists()
    imported.refresh_from_db()
    assert imported.status == "undone"
    assert AuditEntry.objects.filter(action="undo", outcome="undone").count() == 1


@pytest.mark.django_db
def test_a_dry_run_lists_what_would_go_and_deletes_nothing(clinic, imported):
    before = counts(clinic)
    out = undo(imported.pk, "--dry-run")
    assert "would delete" in out and "clinics_patient" in out
    assert counts(clinic) == before


@pytest.mark.django_db
def test_rows_edited_after_the_import_are_refused_unless_forced(clinic, imported):
    import datetime as dt

    with scope(clinic=clinic):
        patient = Patient.objects.order_by("pk").first()
        Patient.objects.filter(pk=patient.pk).update(
            updated_at=patient.updated_at + dt.timedelta(minutes=5), notes="edited by staff"
        )
    before = counts(clinic)
    with pytest.raises(CommandError) as refused:
        undo(imported.pk)
    assert refused.value.returncode == 2
    assert f"clinics_patient#{patient.pk}" in str(refused.value)
    assert counts(clinic) == before
    undo(imported.pk, "--force")
    assert counts(clinic)["Patient"] == 0


@pytest.mark.django_db
def test_an_edit_made_while_the_import_still_wrote_is_seen(clinic, imported):
    """The plan reads only rows written after a batch's first import: one edited
    seconds after its own import, before a later row of its batch, still counts."""
    import datetime as dt

    from dentalpin_import.jobs.undo import plan_undo

    with scope(clinic=clinic):
        first, later = Patient.objects.order_by("pk")[:2]
    start = imported.created_at
    for patient, imported_at, written_at in ((first, 0, 5), (later, 10, 10)):
        EntityMapping.objects.filter(
            job=imported, target_table="clinics_patient", target_id=str(patient.pk)
        ).update(created_at=start + dt.timedelta(seconds=imported_at))
        with scope(clinic=clinic):
            Patient.objects.filter(pk=patient.pk).update(
                updated_at=start + dt.timedelta(seconds=written_at)
            )
    assert plan_undo(imported).changed == [("clinics_patient", first.pk)]


@pytest.mark.django_db
def test_a_staff_row_that_names_an_imported_row_loses_only_the_link(clinic, imported):
    """A note staff wrote on their own patient, signed by an imported professional: the
    undo deletes the professional and keeps the note, without its author."""
    from clinics.models import ClinicalNote

    with scope(clinic=clinic):
        author = Professional.objects.order_by("pk").first()
        patient = Patient.objects.create(clinic=clinic, given_name="Existing")
        note = ClinicalNote.objects.create(
            clinic=clinic, patient=patient, author=author, text="written here"
        )
    undo(imported.pk)
    with scope(clinic=clinic):
        note.refresh_from_db()
        assert (note.author, note.text) == (None, "written here")
        assert not Professional.objects.filter(pk=author.pk).exists()


@pytest.mark.django_db
def test_reimporting_after_an_undo_works(tmp_path, clinic, imported):
    undo(imported.pk)
    status, _, report = run_import(
        b.small_clinic(tmp_path, name="again"), clinic.slug, report=tmp_path / "again.json"
    )
    assert status == 0
    assert report["entities"]["patient"]["created"] == 3
    assert report["warnings"] > 0  # the file's own warnings come back with the rows


@pytest.mark.django_db
def test_undo_after_an_interrupted_run(tmp_path, clinic, monkeypatch):
    def crash(self, records, ctx):
        raise ConnectionError("worker died")

    monkeypatch.setattr(AppointmentMapper, "prepare", crash)
    status, _, _ = run_import(b.small_clinic(tmp_path), clinic.slug)
    assert status == 1
    job = ImportJob.objects.get()
    assert counts(clinic)["Patient"] == 3
    undo(job.pk)
    assert set(counts(clinic).values()) == {0}


@pytest.mark.django_db
def test_undo_refuses_rows_another_import_depends_on(tmp_path, clinic, imported):
    later = b.build(tmp_path, [b.appointment(77, 1, 1)], name="later")
    assert run_import(later, clinic.slug)[0] == 0
    with pytest.raises(CommandError, match="depend on its rows"):
        undo(imported.pk)
    assert counts(clinic)["Patient"] == 3


@pytest.mark.django_db
def test_unknown_or_already_undone_jobs_are_refused(clinic, imported):
    with pytest.raises(CommandError, match="no import job"):
        undo("00000000-0000-0000-0000-000000000000")
    with pytest.raises(CommandError, match="no import job"):
        undo("not-a-uuid")
    undo(imported.pk)
    with pytest.raises(CommandError, match="already undone"):
        undo(imported.pk)


@pytest.mark.django_db
def test_undo_removes_alerts_prescriptions_consents_messages_and_the_ledger(tmp_path, clinic):
    from clinics.models import (
        ClinicalNote,
        Communication,
        Consent,
        DebtPaymentApplication,
        LedgerEntry,
        MedicalAlert,
        Medication,
        Prescription,
        PrescriptionItem,
    )
    from tests.dentalpin_import.mapping import test_clinical_mappers as clinical
    from tests.dentalpin_import.mapping import test_ledger as ledger

    tables = (
        MedicalAlert,
        ClinicalNote,
        Medication,
        Prescription,
        PrescriptionItem,
        Consent,
        Communication,
        LedgerEntry,
        DebtPaymentApplication,
        Payment,
        Patient,
    )
    jobs = []
    for name, rows in (("clinical", clinical.rows()), ("ledger", ledger.rows())):
        status, out, report = run_import(
            b.build(tmp_path, rows, name=name), clinic.slug, report=tmp_path / f"{name}.json"
        )
        assert status == 0, out
        jobs.append(report["job_id"])
    with scope(clinic=clinic):
        assert all(m.objects.exists() for m in tables)
    for job in reversed(jobs):
        undo(job)
    with scope(clinic=clinic):
        assert {m.__name__: m.objects.count() for m in tables} == dict.fromkeys(
            (m.__name__ for m in tables), 0
        )


@pytest.mark.django_db
def test_undo_refuses_to_cascade_into_rows_a_later_import_added(tmp_path, clinic, imported):
    from clinics.models import ClinicalNote

    with scope(clinic=clinic):
        patient = Patient.objects.order_by("pk").first()
        # As a later CSV notes sheet would: a note on a patient this job created.
        note = ClinicalNote.objects.create(clinic=clinic, patient=patient, text="later note")
    before = counts(clinic)
    listed = undo(imported.pk, "--dry-run")
    assert f"clinics_clinicalnote#{note.pk}" in listed
    for extra in ((), ("--force",)):
        with pytest.raises(CommandError) as refused:
            undo(imported.pk, *extra)
        assert refused.value.returncode == 2
        assert "undo the later import first" in str(refused.value)
    assert counts(clinic) == before
    with scope(clinic=clinic):
        assert ClinicalNote.objects.filter(pk=note.pk).exists()


@pytest.mark.django_db
def test_undo_of_more_rows_than_one_statement_holds(tmp_path, clinic, old_sqlite_limits):
    many = 1_500
    path = b.build(tmp_path, [b.patient(i) for i in range(many)], name="many")
    status, out, report = run_import(path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0, out
    assert counts(clinic)["Patient"] == many
    assert f"{many} " in undo(report["job_id"], "--dry-run")
    undo(report["job_id"])
    assert counts(clinic)["Patient"] == 0
    assert not EntityMapping.objects.filter(job_id=report["job_id"]).exists()


@pytest.mark.django_db
def test_an_undo_under_way_on_the_web_refuses_the_command(clinic, imported):
    from dentalpin_import.jobs import undoing

    assert undoing.ask(imported, force=False)  # asked on the job page, waiting for its worker
    with pytest.raises(CommandError) as refused:
        undo(imported.pk)
    assert refused.value.returncode == 2
    assert f"refused: an undo of job {imported.pk} is already under way" in str(refused.value)
    assert counts(clinic)["Patient"] == 3


@pytest.mark.django_db
def test_the_command_finishes_an_undo_whose_process_died(clinic, imported):
    """Left "undoing" by a killed worker (started, its clinic's lock free): no step before."""
    from django.utils import timezone

    from dentalpin_import.jobs import undoing

    assert undoing.ask(imported, force=False)
    assert undoing.phase(imported, undoing.DELETING, started_at=timezone.now().isoformat())
    out = undo(imported.pk)
    assert out.startswith(f"deleted 22 clinic rows of job {imported.pk}")
    assert counts(clinic)["Patient"] == 0
    outcomes = AuditEntry.objects.filter(job=imported, action="undo").order_by("id")
    assert list(outcomes.values_list("outcome", flat=True)) == ["stopped", "undone"]
    imported.refresh_from_db()
    assert imported.status == "undone" and imported.undo["command"] is True
