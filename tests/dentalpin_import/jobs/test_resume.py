"""A run that stops part-way keeps its rows; running again finishes without duplicates."""

from collections import Counter

import pytest
from django_scopes import scope

from clinics.models import Appointment, Budget, Patient
from dentalpin_import.jobs import services
from dentalpin_import.mapping.appointments import AppointmentMapper
from dentalpin_import.mapping.treatments import AppliedTreatmentMapper
from dentalpin_import.models import ImportJob
from dentalpin_import.sample.generator import generate_sample
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import


def crash(self, records, ctx):
    raise ConnectionError("database went away")


def failed_job(path, clinic, mapper, monkeypatch) -> ImportJob:
    """A job whose run failed when it reached `mapper`'s type."""
    job = services.create_job(clinic=clinic, path=path)
    monkeypatch.setattr(mapper, "prepare", crash)
    with services.open_job_file(job=job) as container:
        services.validate_job(job=job, container=container)
        with pytest.raises(ConnectionError):
            services.run_job(job=job, container=container)
    monkeypatch.undo()
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_the_same_command_again_finishes_a_failed_import(tmp_path, clinic, monkeypatch):
    path = b.small_clinic(tmp_path)
    monkeypatch.setattr(AppointmentMapper, "prepare", crash)
    status, message, _ = run_import(path, clinic.slug)
    assert status == 1 and "database went away" in message
    assert ImportJob.objects.get().status == "failed"
    with scope(clinic=clinic):
        assert Patient.objects.count() == 3 and Appointment.objects.count() == 0
    monkeypatch.undo()
    status, out, report = run_import(path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0
    # The same job is finished, so its report is that of a run that never failed.
    failed = ImportJob.objects.get()
    assert f"Resuming job {failed.pk} failed at" in out and report["job_id"] == str(failed.pk)
    assert report["entities"]["patient"]["created"] == 3
    assert report["entities"]["appointment"]["created"] == 2
    with scope(clinic=clinic):
        assert Patient.objects.count() == 3 and Appointment.objects.count() == 2


@pytest.mark.django_db
def test_rerunning_the_failed_job_itself_counts_its_earlier_rows_as_created(
    tmp_path, clinic, monkeypatch
):
    path = b.small_clinic(tmp_path)
    job = failed_job(path, clinic, AppointmentMapper, monkeypatch)
    assert job.status == "failed"
    with services.open_job_file(job=job) as container:
        services.run_job(job=job, container=container)
    job.refresh_from_db()
    report = services.report(job)
    assert job.status == "succeeded"
    assert report["entities"]["patient"]["created"] == 3
    assert report["entities"]["patient"]["already_mapped"] == 0
    assert report["entities"]["appointment"]["created"] == 2


def budgets(clinic):
    with scope(clinic=clinic):
        return Counter(Budget.objects.values_list("number", "status", "total"))


@pytest.mark.django_db
@pytest.mark.parametrize("again", ["the same job", "a new job"])
def test_budgets_a_stopped_run_left_untotalled_are_totalled_by_the_next(
    tmp_path, clinic, other_clinic, monkeypatch, again
):
    path = generate_sample(tmp_path / "s.dpm", patients=20, seed=3, layer="raw").path
    status, message, _ = run_import(path, clinic.slug)
    assert status == 0, message
    expected = budgets(clinic)
    assert any(total for _, _, total in expected)  # lines carry prices
    assert any(state == "accepted" for _, state, _ in expected)
    # The run stops after the budget lines, before the end that totals their budgets.
    job = failed_job(path, other_clinic, AppliedTreatmentMapper, monkeypatch)
    assert budgets(other_clinic) != expected
    if again == "the same job":
        with services.open_job_file(job=job) as container:
            services.run_job(job=job, container=container)
    else:
        status, message, _ = run_import(path, other_clinic.slug)
        assert status == 0, message
    assert budgets(other_clinic) == expected


@pytest.mark.django_db
def test_a_failed_run_counts_exactly_the_warnings_it_kept(tmp_path, clinic, settings, monkeypatch):
    """The job row's count is written with each commit group, not with each chunk."""
    from dentalpin_import.loader import runner
    from dentalpin_import.mapping.alerts import PatientAlertMapper
    from dentalpin_import.models import ImportWarning

    settings.DPMF_CHUNK_SIZE = 10
    settings.DPMF_COMMIT_ROWS = 1  # every chunk commits: the failure comes mid-level
    monkeypatch.setattr(runner, "PROGRESS_EVERY_S", 3600)  # no timed save to hide a lost count
    sample = generate_sample(tmp_path / "s.dpm", patients=30, seed=4, layer="raw")
    job = failed_job(sample.path, clinic, PatientAlertMapper, monkeypatch)
    kept = ImportWarning.objects.filter(job=job)
    # Level 4's treatments warned before its alerts failed; those chunks were committed.
    assert kept.filter(entity_type="applied_treatment").exists()
    assert job.warnings_count == kept.count()
