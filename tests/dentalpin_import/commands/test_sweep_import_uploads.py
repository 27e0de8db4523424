"""sweep_import_uploads: staged files of wizards never confirmed go after the retention."""

import datetime as dt
import io
import os
import uuid

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from dentalpin_import.jobs import services
from dentalpin_import.models import AuditEntry, ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.web.helpers import run_to_the_end, upload


def sweep(*args) -> str:
    out = io.StringIO()
    call_command("sweep_import_uploads", *args, stdout=out)
    return out.getvalue()


def age(job, hours):
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=hours)
    )


def new_upload(client, directory, **kw):
    directory.mkdir()
    response = upload(client, b.small_clinic(directory, **kw), kw.get("passphrase", ""))
    return ImportJob.objects.get(pk=response.url.split("/")[3])


@pytest.mark.django_db(transaction=True)
@override_settings(DPMF_UPLOAD_RETENTION_HOURS=2)
def test_it_removes_abandoned_wizards_only_and_says_what_it_removed(staff_client, tmp_path):
    abandoned = new_upload(staff_client, tmp_path / "a")  # validated, never confirmed
    wrong = new_upload(staff_client, tmp_path / "b", layer="enc")  # waiting for a passphrase
    recent = new_upload(staff_client, tmp_path / "c")
    confirmed = new_upload(staff_client, tmp_path / "d")
    run_to_the_end(staff_client, confirmed)
    for job in (abandoned, wrong, confirmed):
        age(job, 3)
    age(recent, 1)
    abandoned_file = services.staging_dir(abandoned) / "validated.dpmr"
    wrong_file = services.staging_dir(wrong) / "upload.bin"
    assert abandoned_file.exists() and wrong_file.exists()

    listed = sweep("--dry-run")
    assert f"would remove {abandoned_file} (job {abandoned.pk}): abandoned" in listed
    assert abandoned_file.exists()

    out = sweep()
    assert f"removed {abandoned_file} (job {abandoned.pk}): abandoned" in out
    assert f"removed {wrong_file} (job {wrong.pk}): abandoned" in out
    assert "from 2 abandoned wizards (older than 2 h)" in out
    assert not abandoned_file.exists() and not wrong_file.exists()
    assert (services.staging_dir(recent) / "validated.dpmr").exists()
    assert (services.staging_dir(confirmed) / "validated.dpmr").exists()
    statuses = {j.pk: j.status for j in ImportJob.objects.all()}
    assert statuses[abandoned.pk] == statuses[wrong.pk] == "cancelled"
    assert statuses[recent.pk] == "validated" and statuses[confirmed.pk] == "succeeded"
    assert AuditEntry.objects.filter(action="retention", job=abandoned).exists()
    # The swept wizard cannot continue on a file that is gone: it shows the job page.
    assert staff_client.get(f"/import/jobs/{abandoned.pk}/preview/").url == (
        f"/import/jobs/{abandoned.pk}/"
    )
    assert "removed 0 paths" in sweep()
    # A finished job keeps its copy for DPMF_RETENTION_DAYS after it ended, then loses it.
    copy = services.staging_dir(confirmed) / "validated.dpmr"
    assert copy.exists()
    ImportJob.objects.filter(pk=confirmed.pk).update(
        finished_at=timezone.now() - dt.timedelta(days=31)
    )
    assert f"removed {copy} (job {confirmed.pk}): retention" in sweep()
    assert not copy.exists()
    assert ImportJob.objects.get(pk=confirmed.pk).status == "succeeded"
    entry = AuditEntry.objects.get(action="retention", job=confirmed)
    assert "30 days" in entry.details["reason"] and entry.details["bytes"] > 0


@pytest.mark.django_db
def test_it_removes_folders_of_deleted_jobs_and_old_plaintext_work_dirs(settings):
    orphan = settings.DPMF_STAGING_DIR / "jobs" / str(uuid.uuid4())
    work = settings.DPMF_STAGING_DIR / "dpmf-leftover"
    fresh = settings.DPMF_STAGING_DIR / "dpmf-fresh"
    for folder in (orphan, work, fresh):
        folder.mkdir(parents=True)
        (folder / "container.sqlite3").write_bytes(b"x" * 10)
    old = (timezone.now() - dt.timedelta(hours=48)).timestamp()
    os.utime(orphan, (old, old))
    os.utime(work, (old, old))
    out = sweep("--hours", "24")
    assert f"removed {orphan}: orphan, 10 bytes" in out
    assert f"removed {work}: work dir, 10 bytes" in out
    assert not orphan.exists() and not work.exists() and fresh.exists()


@pytest.mark.django_db(transaction=True)
def test_it_removes_the_work_folders_of_ended_processes_at_once_and_leaves_live_ones(started):
    live, live_folder = started.work_folder_holder()
    dead, dead_folder = started.work_folder_holder()
    dead.kill()  # as a killed import would: its decrypted copy stays behind
    assert (dead_folder / "plain.sqlite3").exists()
    assert f"would remove {dead_folder}: dead process" in sweep("--dry-run")
    assert dead_folder.exists()
    out = sweep()
    assert f"removed {dead_folder}: dead process, 900 bytes" in out
    assert str(live_folder) not in out
    assert not dead_folder.exists() and (live_folder / "plain.sqlite3").exists()
    live.kill()
    assert f"removed {live_folder}: dead process" in sweep()


@pytest.mark.django_db(transaction=True)
def test_a_dead_running_job_does_not_keep_old_work_folders_but_a_live_one_does(
    started, clinic, settings
):
    leftover = settings.DPMF_STAGING_DIR / "dpmf-leftover"
    leftover.mkdir(parents=True)
    old = (timezone.now() - dt.timedelta(hours=48)).timestamp()
    os.utime(leftover, (old, old))
    live = ImportJob.objects.create(clinic=clinic)
    holder = started.lock_holder(live)
    ImportJob.objects.filter(pk=live.pk).update(status="running")
    assert "dpmf-leftover" not in sweep()  # an import runs: whose folder it is, nobody knows
    assert leftover.exists()
    holder.kill()
    out = sweep()
    assert f"removed {leftover}: work dir" in out
    assert ImportJob.objects.get(pk=live.pk).status == "interrupted"
