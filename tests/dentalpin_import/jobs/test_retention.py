"""Retention: staged uploads go a set number of days after their job ends, and at undo."""

import datetime as dt
import os
import time

import pytest
from django.utils import timezone

from dentalpin_import.jobs import retention
from dentalpin_import.models import AuditEntry, ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import


def imported_job(tmp_path, clinic, name):
    status, out, report = run_import(
        b.small_clinic(tmp_path / name), clinic.slug, report=tmp_path / f"{name}.json"
    )
    assert status == 0, out
    job = ImportJob.objects.get(pk=report["job_id"])
    folder = retention.job_folder(job)
    folder.mkdir(parents=True)
    (folder / "validated.dpmr").write_bytes(b"s" * 1000)
    return job


@pytest.mark.django_db
def test_only_jobs_that_ended_before_the_retention_period_lose_their_files(
    tmp_path, clinic, settings
):
    settings.DPMF_RETENTION_DAYS = 30
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old, recent = imported_job(tmp_path, clinic, "old"), imported_job(tmp_path, clinic, "new")
    ImportJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(days=31))
    own_file = tmp_path / "old" / "clinic.dpm"
    assert own_file.exists()

    purge = retention.expire()

    assert purge.jobs == [str(old.pk)] and purge.bytes_freed == 1000
    assert not retention.job_folder(old).exists()
    assert retention.job_folder(recent).exists()
    assert own_file.exists()  # the operator's own file is never ours to delete
    entry = AuditEntry.objects.get(job=old, action="retention")
    assert entry.details["bytes"] == 1000 and "30 days" in entry.details["reason"]
    assert retention.expire().jobs == []  # nothing twice


@pytest.mark.django_db
def test_plaintext_folders_left_by_a_killed_process_are_removed_after_a_day(settings):
    root = settings.DPMF_STAGING_DIR
    stale, fresh, other = root / "dpmf-stale", root / "dpmr-fresh", root / "keep-me"
    for folder in (stale, fresh, other):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "container.sqlite3").write_bytes(b"plain")
    two_days_ago = time.time() - 2 * 86400
    for folder in (stale, other):
        os.utime(folder, (two_days_ago, two_days_ago))

    assert retention.expire().leftovers == ["dpmf-stale"]
    assert not stale.exists() and fresh.exists() and other.exists()
