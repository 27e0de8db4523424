"""Retention: a job's staged copy goes DPMF_RETENTION_DAYS after it ended, audited."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from dentalpin_import.jobs import retention
from dentalpin_import.models import AuditEntry, ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import


def imported_job(tmp_path, clinic, name, status="succeeded"):
    (tmp_path / name).mkdir()
    status_code, out, report = run_import(
        b.small_clinic(tmp_path / name), clinic.slug, report=tmp_path / f"{name}.json"
    )
    assert status_code == 0, out
    job = ImportJob.objects.get(pk=report["job_id"])
    ImportJob.objects.filter(pk=job.pk).update(status=status)
    folder = retention.job_folder(job)
    folder.mkdir(parents=True)
    (folder / "validated.dpmr").write_bytes(b"s" * 1000)
    return job


def sweep():
    out = io.StringIO()
    call_command("sweep_import_uploads", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_only_jobs_that_ended_before_the_retention_period_lose_their_copy(
    tmp_path, clinic, settings
):
    settings.DPMF_RETENTION_DAYS = 30
    old = imported_job(tmp_path, clinic, "old")
    failed = imported_job(tmp_path, clinic, "failed", status="failed")
    recent = imported_job(tmp_path, clinic, "recent", status="failed")
    long_ago = timezone.now() - dt.timedelta(days=31)
    ImportJob.objects.filter(pk__in=[old.pk, failed.pk]).update(finished_at=long_ago)
    own_file = tmp_path / "old" / "clinic.dpm"

    out = sweep()

    assert f"(job {old.pk}): retention, 1000 bytes" in out
    assert f"(job {failed.pk}): retention, 1000 bytes" in out
    assert not retention.job_folder(old).exists() and not retention.job_folder(failed).exists()
    # Recent failures keep their copy so "Resume" still works.
    assert retention.job_folder(recent).exists()
    assert own_file.exists()  # the operator's own file is never ours to delete
    entry = AuditEntry.objects.get(job=old, action="retention")
    assert entry.details["bytes"] == 1000 and "30 days" in entry.details["reason"]
    assert "removed 0 paths" in sweep()  # nothing twice
