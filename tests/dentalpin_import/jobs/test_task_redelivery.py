"""A task message delivered again after its job moved on does not run the job again."""

import pytest

from dentalpin_import import tasks
from dentalpin_import.models import AuditEntry, ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import


@pytest.mark.django_db
def test_a_redelivered_task_for_a_finished_job_is_ignored(tmp_path, clinic, caplog):
    status, out, report = run_import(b.small_clinic(tmp_path), clinic.slug, report=tmp_path / "r")
    assert status == 0, out
    job = ImportJob.objects.get(pk=report["job_id"])
    finished_at, audits = job.finished_at, AuditEntry.objects.filter(job=job).count()

    tasks.execute(str(job.pk))

    job.refresh_from_db()
    assert job.status == "succeeded" and job.finished_at == finished_at
    assert AuditEntry.objects.filter(job=job).count() == audits
    assert "not queued: task ignored" in caplog.text
