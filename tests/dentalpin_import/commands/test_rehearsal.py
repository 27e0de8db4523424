"""A dry run from the command line is a rehearsal: nothing saved, its warnings kept and told."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from dentalpin_import.jobs import undo
from dentalpin_import.models import AuditEntry, ImportJob, ImportWarning
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import


def with_problems(tmp_path):
    """A small clinic with three appointments whose patient is not in the file."""
    rows = b.small_clinic_rows() + [b.appointment(90 + n, 404, 1) for n in range(3)]
    return b.build(tmp_path, rows)


@pytest.mark.django_db
def test_a_dry_run_keeps_its_warnings_and_prints_the_most_frequent(tmp_path, clinic):
    status, out, report = run_import(
        with_problems(tmp_path), clinic.slug, "--dry-run", report=tmp_path / "d.json"
    )
    assert status == 0
    job = ImportJob.objects.get(pk=report["job_id"])
    assert job.dry_run and job.status == "succeeded"
    kept = ImportWarning.objects.filter(job=job)
    assert kept.count() == report["warnings"] == job.warnings_count
    assert kept.filter(code="appointment.unmapped_actor").count() == 3
    assert b.uid("patient", 404) in kept.filter(code="appointment.unmapped_actor")[0].message
    # What the operator reads: nothing saved, where the warnings are, the top codes with words.
    assert "Dry run: nothing was saved in the clinic." in out
    assert f"Its {report['warnings']} warnings are kept with dry-run job {job.pk}" in out
    top = out[out.index("Most frequent warnings") :]
    assert "        3  appointment.unmapped_actor: " in top
    assert "without --dry-run" in out
    # The JSON report keeps its documented shape: the dry run is said, nothing else changes.
    assert report["dry_run"] is True and report["status"] == "succeeded"


@pytest.mark.django_db
def test_the_real_run_after_a_rehearsal_is_a_job_of_its_own_with_its_own_warnings(tmp_path, clinic):
    path = with_problems(tmp_path)
    _, _, dry = run_import(path, clinic.slug, "--dry-run", report=tmp_path / "d.json")
    _, out, real = run_import(path, clinic.slug, report=tmp_path / "r.json")
    assert real["job_id"] != dry["job_id"] and not real["dry_run"]
    assert real["entities"] == dry["entities"] and real["warnings"] == dry["warnings"]
    assert ImportWarning.objects.filter(job_id=dry["job_id"]).count() == dry["warnings"]
    assert ImportWarning.objects.filter(job_id=real["job_id"]).count() == real["warnings"]
    assert "Dry run: nothing was saved" not in out


@pytest.mark.django_db
def test_a_dry_run_is_never_undone(tmp_path, clinic):
    _, _, dry = run_import(with_problems(tmp_path), clinic.slug, "--dry-run", report=tmp_path / "d")
    job = ImportJob.objects.get(pk=dry["job_id"])
    with pytest.raises(undo.UndoRefused, match="was a dry run"):
        undo.undo_job(job=job)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.warnings.exists()


@pytest.mark.django_db
@override_settings(DPMF_RETENTION_DAYS=30)
def test_the_sweep_removes_a_rehearsals_warnings_after_the_retention(tmp_path, clinic):
    _, _, dry = run_import(with_problems(tmp_path), clinic.slug, "--dry-run", report=tmp_path / "d")
    _, _, real = run_import(with_problems(tmp_path), clinic.slug, report=tmp_path / "r")
    ImportJob.objects.update(finished_at=timezone.now() - timedelta(days=31))
    call_command("sweep_import_uploads", "--dry-run")
    assert ImportWarning.objects.filter(job_id=dry["job_id"]).count() == dry["warnings"]
    call_command("sweep_import_uploads")
    assert not ImportWarning.objects.filter(job_id=dry["job_id"]).exists()
    # A real import's warnings are its record: they stay.
    assert ImportWarning.objects.filter(job_id=real["job_id"]).count() == real["warnings"]
    job = ImportJob.objects.get(pk=dry["job_id"])
    assert job.warnings_count == dry["warnings"] and job.options["warnings_purged_at"]
    assert AuditEntry.objects.filter(job=job, outcome="dry-run warnings deleted").exists()


@pytest.mark.django_db
def test_a_real_import_says_how_to_bring_the_documents_still_waiting(tmp_path, clinic):
    status, out, report = run_import(b.small_clinic(tmp_path), clinic.slug, report=tmp_path / "r")
    assert status == 0 and report["binaries"]["pending"] == 1
    assert (
        f"drop the files, a folder or a zip on the job page (/import/jobs/{report['job_id']}/)"
        in out
    )
    assert f"issue_agent_token {report['job_id']}" in out
