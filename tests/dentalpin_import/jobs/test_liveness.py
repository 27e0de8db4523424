"""A running job is alive while a process holds its clinic's lock, and dead the moment it does not.

The lock is held by real other processes here; killing one is how a job dies.
"""

import datetime as dt
import errno
import sqlite3
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from dentalpin_import.jobs import diskfull, dispatch, liveness, locks, services
from dentalpin_import.models import AuditEntry, ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.live import processes

_started = pytest.fixture(processes, name="started")


def running_job(clinic, **fields) -> ImportJob:
    now = timezone.now()
    fields = {"heartbeat_at": now, "started_at": now, **fields}
    return ImportJob.objects.create(clinic=clinic, status="running", **fields)


def validated_job(clinic, tmp_path) -> ImportJob:
    job = services.create_job(clinic=clinic, path=b.small_clinic(tmp_path))
    with services.open_job_file(job=job) as container:
        services.validate_job(job=job, container=container)
    return job


@pytest.mark.django_db(transaction=True)
def test_a_job_is_alive_while_its_process_holds_the_lock_and_dead_once_it_is_killed(
    started, clinic
):
    job = ImportJob.objects.create(clinic=clinic)
    holder = started.lock_holder(job)
    beat = timezone.now() - dt.timedelta(hours=3)  # a heartbeat this old does not matter
    ImportJob.objects.filter(pk=job.pk).update(status="running", heartbeat_at=beat)
    job.refresh_from_db()
    assert locks.holder(clinic.pk) == str(job.pk)
    assert not liveness.is_dead(job)
    assert services.mark_stale_jobs_interrupted() == 0

    holder.kill()
    assert locks.holder(clinic.pk) is None
    assert services.mark_stale_jobs_interrupted(clinic=clinic) == 1
    job.refresh_from_db()
    assert job.status == "interrupted" and job.error == liveness.MSG_STOPPED
    assert job.finished_at == beat  # its last sign of life
    entry = AuditEntry.objects.get(job=job, outcome="interrupted")
    assert entry.details["noticed_by"] == "lock" and entry.details["error"] == job.error


@pytest.mark.django_db(transaction=True)
def test_one_clinics_import_never_blocks_another_clinics(started, clinic, other_clinic):
    first = ImportJob.objects.create(clinic=clinic)
    started.lock_holder(first)
    second = ImportJob.objects.create(clinic=other_clinic)
    with liveness.holding(other_clinic, second):
        assert locks.holder(other_clinic.pk) == str(second.pk)
        with pytest.raises(liveness.ClinicBusy) as busy:
            with liveness.holding(clinic):
                pass
    assert busy.value.running == first
    assert str(busy.value) == liveness.MSG_BUSY.format(
        job=first.pk, status="uploaded", job_id=first.pk
    )
    assert locks.holder(other_clinic.pk) is None  # given back at the end of the block


@pytest.mark.django_db(transaction=True)
def test_a_run_started_from_the_web_while_the_clinic_imports_fails_naming_the_live_job(
    started, clinic, tmp_path
):
    live = ImportJob.objects.create(clinic=clinic, original_name="live.dpm")
    started.lock_holder(live)
    ImportJob.objects.filter(pk=live.pk).update(status="running")
    job = validated_job(clinic, tmp_path)
    services.start_job(job=job)  # queued, then run on a thread of this process
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == liveness.MSG_BUSY.format(job=live.pk, status="running", job_id=live.pk)
    refused = AuditEntry.objects.get(job=job, outcome="refused")
    assert refused.details["running_job"] == str(live.pk)
    assert ImportJob.objects.get(pk=live.pk).status == "running"  # untouched
    with pytest.raises(liveness.ClinicBusy):  # what a Celery task meets, the same way
        with services.open_for_run(job) as container:
            services.run_job(job=job, container=container)


@pytest.mark.django_db
def test_a_lock_taken_but_not_yet_bound_to_a_job_says_an_import_is_starting(clinic):
    with liveness.holding(clinic) as held:
        assert locks.holder(clinic.pk) == locks.UNBOUND
        # This thread may take its lock again (a command, then its run) but not for a second job.
        first = ImportJob.objects.create(clinic=clinic)
        with liveness.holding(clinic, first):
            assert held.job_id == str(first.pk)
            second = ImportJob.objects.create(clinic=clinic)
            with pytest.raises(liveness.ClinicBusy, match=str(first.pk)):
                with liveness.holding(clinic, second):
                    pass
        assert locks.holder(clinic.pk) == str(first.pk)
    assert locks.holder(clinic.pk) is None
    assert str(liveness.ClinicBusy(None)) == liveness.MSG_BUSY_STARTING


@pytest.mark.django_db
def test_taking_the_lock_marks_the_clinics_dead_running_jobs_interrupted(clinic, other_clinic):
    dead = running_job(clinic)
    elsewhere = running_job(other_clinic)
    with liveness.holding(clinic):
        pass
    assert ImportJob.objects.get(pk=dead.pk).status == "interrupted"
    assert ImportJob.objects.get(pk=elsewhere.pk).status == "running"  # another clinic's


@pytest.mark.django_db
def test_a_run_resumed_since_it_was_seen_dead_is_left_running(clinic):
    seen = running_job(clinic, started_at=timezone.now() - dt.timedelta(minutes=5))
    ImportJob.objects.filter(pk=seen.pk).update(started_at=timezone.now())  # a new run began
    assert liveness.interrupt([seen]) == 0
    assert ImportJob.objects.get(pk=seen.pk).status == "running"


@pytest.mark.django_db
def test_where_no_lock_can_be_seen_the_heartbeat_decides(clinic, settings, monkeypatch):
    monkeypatch.setattr(locks, "current", lambda: locks.NO_LOCKS)
    settings.DPMF_HEARTBEAT_TIMEOUT = 60
    fresh = running_job(clinic)
    stale = running_job(clinic, heartbeat_at=timezone.now() - dt.timedelta(seconds=61))
    assert liveness.dead_among([fresh, stale]) == [stale]
    with pytest.raises(liveness.ClinicBusy) as busy:
        with liveness.holding(clinic):
            pass
    assert busy.value.running == fresh
    assert ImportJob.objects.get(pk=stale.pk).status == "interrupted"
    AuditEntry.objects.get(job=stale, details__noticed_by="heartbeat")


@pytest.mark.django_db
def test_the_sqlite_lock_files_live_next_to_the_database(clinic):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's file lock")
    database = Path(connection.settings_dict["NAME"]).resolve()
    assert locks.lock_file(clinic.pk) == database.parent / f"{database.name}.locks" / (
        f"clinic-{clinic.pk}.lock"
    )
    job = ImportJob.objects.create(clinic=clinic)
    with liveness.holding(clinic, job):
        assert locks.lock_file(clinic.pk).read_text() == str(job.pk)
    assert locks.lock_file(clinic.pk).read_text() == ""  # a lock file outlives no binding


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_lock_session_was_ended_stops_and_is_seen_dead(clinic, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's advisory lock session")
    monkeypatch.setattr(locks, "CHECK_EVERY_S", 0)
    job = running_job(clinic)
    with liveness.holding(clinic, job):
        ImportJob.objects.filter(pk=job.pk).update(status="running")
        liveness.check_lock(job)  # held: nothing to say
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s",
                [locks.APP_NAME + str(job.pk)],
            )
            assert cursor.fetchone() == (True,)
        with pytest.raises(locks.LockLost) as lost:
            liveness.check_lock(job)
        assert services.failure_message(lost.value) == liveness.MSG_LOCK_LOST
        assert liveness.is_dead(job)


def test_a_full_disk_is_told_apart_and_names_the_folder(settings, tmp_path):
    with pytest.raises(OSError) as full, open("/dev/full", "wb", buffering=0) as device:
        device.write(b"x")
    assert full.value.errno == errno.ENOSPC and full.value.filename is None
    staging = diskfull.MSG_FOLDER_FULL.format(
        setting="DPMF_STAGING_DIR", path=settings.DPMF_STAGING_DIR
    )
    assert diskfull.describe(full.value) == staging
    media = OSError(errno.ENOSPC, "No space left on device", str(settings.MEDIA_ROOT / "a.png"))
    assert diskfull.describe(media) == diskfull.MSG_FOLDER_FULL.format(
        setting="MEDIA_ROOT", path=Path(settings.MEDIA_ROOT).resolve()
    )
    elsewhere = OSError(errno.EDQUOT, "Disk quota exceeded", str(tmp_path / "r.json"))
    assert diskfull.describe(elsewhere) == diskfull.MSG_PATH_FULL.format(path=tmp_path)
    for other in (OSError(errno.EACCES, "Permission denied"), ValueError("database is locked")):
        assert diskfull.describe(other) is None


def test_a_full_sqlite_database_is_told_apart(tmp_path, settings):
    db = sqlite3.connect(tmp_path / "tiny.sqlite3")
    db.execute("CREATE TABLE t (x TEXT)")
    db.execute("PRAGMA max_page_count = 3")
    with pytest.raises(sqlite3.OperationalError) as full:
        db.execute("INSERT INTO t VALUES (?)", ["x" * 50_000])
    db.close()
    try:  # as Django raises it: its own error type, the driver's as the cause
        raise RuntimeError("wrapped") from full.value
    except RuntimeError as wrapped:
        message = diskfull.describe(wrapped)
    assert message == diskfull.MSG_DATABASE_FULL.format(database=diskfull.database_label())
