"""Events, audit log, notifications and the 'completed with problems' status."""

import pytest
from django.core import mail

from dentalpin_import.events import migration_event
from dentalpin_import.loader import reconcile
from dentalpin_import.models import AppendOnlyError, AuditEntry, ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import


@pytest.fixture
def received():
    seen = []

    def handler(sender, name, payload, **kwargs):
        seen.append((name, payload))

    migration_event.connect(handler)
    yield seen
    migration_event.disconnect(handler)


@pytest.mark.django_db(transaction=True)
def test_events_leave_after_commit_with_the_catalogue_keys(tmp_path, clinic, received):
    run_import(b.small_clinic(tmp_path), clinic.slug)
    names = [n for n, _ in received]
    assert names[0] == "migration.job.started" and names[-1] == "migration.job.completed"
    assert names.count("patient.created") == 3
    assert names.count("appointment.scheduled") == 2
    job = ImportJob.objects.get()
    started = dict(received)["migration.job.started"]
    assert started == {"job_id": str(job.pk), "clinic_id": clinic.pk}
    completed = dict(received)["migration.job.completed"]
    assert set(completed) == {"job_id", "clinic_id", "total_entities", "warnings_count"}
    visit = dict(received)["appointment.scheduled"]
    assert set(visit) == {"appointment_id", "patient_id", "clinic_id"}
    payment = dict(received)["payment.recorded"]
    assert set(payment) == {"payment_id", "invoice_id", "clinic_id"}


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_sends_no_event(tmp_path, clinic, received):
    run_import(b.small_clinic(tmp_path), clinic.slug, "--dry-run")
    assert received == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_never_breaks_the_import(tmp_path, clinic, caplog):
    def broken(sender, **kwargs):
        raise RuntimeError("subscriber down")

    migration_event.connect(broken)
    try:
        status, out, report = run_import(
            b.small_clinic(tmp_path), clinic.slug, report=tmp_path / "r.json"
        )
    finally:
        migration_event.disconnect(broken)
    assert status == 0 and report["status"] == "succeeded"
    assert "subscriber down" in caplog.text


@pytest.mark.django_db
def test_the_audit_log_records_each_step_and_cannot_be_changed(tmp_path, clinic, staff_user):
    run_import(b.small_clinic(tmp_path), clinic.slug, "--user", staff_user.username)
    entries = list(AuditEntry.objects.all())
    assert [(e.action, e.outcome) for e in entries] == [
        ("upload", "recorded"),
        ("validation", "valid"),
        ("preview", "previewed"),
        ("execute", "started"),
        ("execute", "succeeded"),
    ]
    assert all(e.user == staff_user and e.clinic == clinic for e in entries)
    assert entries[-1].file_sha256 == ImportJob.objects.get().file_sha256 != ""
    with pytest.raises(AppendOnlyError):
        entries[0].save()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        entries[0].delete()


@pytest.mark.django_db
def test_a_refused_file_is_in_the_audit_log(tmp_path, clinic):
    run_import(b.small_clinic(tmp_path, integrity_hash="0" * 64), clinic.slug)
    refused = AuditEntry.objects.get(action="validation")
    assert refused.outcome == "refused" and "integrity hash mismatch" in refused.details["error"]


@pytest.mark.django_db(transaction=True)
def test_the_operator_gets_a_mail_when_a_job_starts_and_ends(tmp_path, clinic, staff_user):
    run_import(b.small_clinic(tmp_path), clinic.slug, "--user", staff_user.username)
    assert [m.subject.split(": ")[-1] for m in mail.outbox] == ["started", "finished"]
    assert mail.outbox[-1].to == [staff_user.email]
    assert "Money payments: file 190.00, clinic 190.00" in mail.outbox[-1].body


@pytest.mark.django_db
def test_a_run_whose_reconciliation_fails_completes_with_problems(tmp_path, clinic, monkeypatch):
    monkeypatch.setattr(reconcile, "orphans", lambda c: {"appointment.patient": 2})
    status, out, report = run_import(
        b.small_clinic(tmp_path), clinic.slug, report=tmp_path / "r.json"
    )
    assert status == 0
    assert report["status"] == "problems"
    assert report["reconciliation"]["orphans"] == {"appointment.patient": 2}
    assert "appointment.patient 2" in out


@pytest.mark.django_db
def test_the_phase_log_has_a_line_per_level(tmp_path, clinic):
    status, out, _ = run_import(b.small_clinic(tmp_path), clinic.slug)
    phases = [p["phase"] for p in ImportJob.objects.get().phase_log]
    assert phases[0] == "validation" and phases[-1] == "reconciliation"
    assert "level 2 patients and payers" in phases
    assert "] level 4 clinical:" in out
