"""A full disk or a full database fails the job with a message naming what is full.

The disks are real: a small tmpfs mounted for the test (which needs root; the
test is skipped, with the reason, where mounting is not allowed) and SQLite's
own size limit (`PRAGMA max_page_count`), which makes the database full for real.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.db import connection
from django_scopes import scope

from clinics.models import Patient
from dentalpin_import.jobs import diskfull, dispatch, services, workarea
from dentalpin_import.models import ImportJob
from dentalpin_import.sample.generator import generate_sample
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.web.helpers import run_to_the_end, upload


class TinyDisk:
    """A tmpfs of a few MiB that can be filled up to a few KiB."""

    def __init__(self, path: Path):
        self.path = path

    def fill(self, leave: int) -> None:
        stats = os.statvfs(self.path)
        free = stats.f_bavail * stats.f_frsize
        with open(self.path / "filler", "ab") as fh:
            fh.write(b"\0" * max(free - leave, 0))

    def empty(self) -> None:
        (self.path / "filler").unlink(missing_ok=True)


pytestmark = pytest.mark.slow  # mounts a small file system and runs commands in processes


@pytest.fixture
def tiny_disk():
    # Outside pytest's private temporary folder, which the PostgreSQL server cannot enter.
    path = Path(tempfile.mkdtemp(prefix="dentalpin-tiny-disk-"))
    path.chmod(0o755)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        path.rmdir()
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield TinyDisk(path)
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)
        path.rmdir()


@pytest.fixture
def staging_on_tiny_disk(tiny_disk, settings):
    settings.DPMF_STAGING_DIR = tiny_disk.path / "staging"
    return tiny_disk


def staging_full() -> str:
    from django.conf import settings

    return diskfull.MSG_FOLDER_FULL.format(
        setting="DPMF_STAGING_DIR", path=Path(settings.DPMF_STAGING_DIR).resolve()
    )


@pytest.mark.django_db
def test_a_full_staging_disk_while_the_file_is_read_fails_the_job_naming_the_folder(
    staging_on_tiny_disk, clinic, tmp_path
):
    sample = generate_sample(tmp_path / "s.dpm.zst", patients=40, layer="zstd", binaries=False)
    staging_on_tiny_disk.fill(leave=64 * 1024)  # the decompressed copy needs more
    status, message, _ = run_import(sample.path, clinic.slug)
    job = ImportJob.objects.get()
    assert (status, message) == (1, f"import failed: {staging_full()}")
    assert job.status == "failed" and job.error == staging_full()  # not left "uploaded"
    assert not any(workarea.root().iterdir())  # the partial copy went with its folder
    with scope(clinic=clinic):
        assert not Patient.objects.exists()
    staging_on_tiny_disk.empty()
    status, _, report = run_import(sample.path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0 and report["status"] == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_a_full_staging_disk_fails_a_web_upload_and_says_so(
    staging_on_tiny_disk, staff_client, tmp_path
):
    path = b.small_clinic(tmp_path)
    staging_on_tiny_disk.fill(leave=0)
    response = upload(staff_client, path)
    job = ImportJob.objects.get()
    assert response.url == f"/import/jobs/{job.pk}/validate/"
    assert job.status == "failed" and job.error == staging_full()
    assert not (services.staging_dir(job) / "upload.bin").exists()
    page = staff_client.get(response.url).content.decode()
    assert "there is no space left on the disk of DPMF_STAGING_DIR" in page


@pytest.mark.django_db(transaction=True)
def test_a_full_staging_disk_when_a_queued_job_starts_fails_it_instead_of_leaving_it_queued(
    staging_on_tiny_disk, staff_client, tmp_path
):
    path = b.small_clinic(tmp_path)
    upload(staff_client, path)
    job = ImportJob.objects.get()
    staging_on_tiny_disk.fill(leave=0)  # the re-wrapped copy is in; its plaintext will not fit
    run_to_the_end(staff_client, job)
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    assert job.status == "failed" and job.error == staging_full()


@pytest.fixture
def sqlite_limited():
    """Let the SQLite database grow by a few pages only, for this connection."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own size limit")

    def limit(pages: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")  # pages earlier tests freed would be room to grow into
            cursor.execute("PRAGMA page_count")
            now = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count = {now + pages}")

    yield limit
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA max_page_count = 4294967294")


# Not inside the test's own transaction: SQLite rolls a whole transaction back when it is full.
@pytest.mark.django_db(transaction=True)
def test_a_full_sqlite_database_during_the_run_fails_the_job_naming_the_database(
    sqlite_limited, clinic, tmp_path
):
    sample = generate_sample(tmp_path / "s.dpm", patients=60, layer="raw", binaries=False)
    sqlite_limited(40)
    status, message, _ = run_import(sample.path, clinic.slug)
    job = ImportJob.objects.get()
    assert status == 1 and job.status == "failed" and job.started_at is not None
    expected = diskfull.MSG_DATABASE_FULL.format(database=diskfull.database_label())
    assert job.error == expected and message == f"import failed: {expected}"
    assert "SQLite file " in expected


@pytest.fixture
def pg_tablespace_on_tiny_disk(tiny_disk):
    """The patients table on a tablespace of its own, on the tiny disk."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's own full disk")
    if shutil.which("chown") is None:
        pytest.skip("chown is missing")
    folder = tiny_disk.path / "tablespace"
    folder.mkdir()
    if subprocess.run(["chown", "postgres:postgres", str(folder)]).returncode != 0:
        pytest.skip("the PostgreSQL server's user cannot be given the folder")
    admin = connection.copy()
    admin.ensure_connection()
    admin.set_autocommit(True)
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE TABLESPACE dentalpin_tiny LOCATION '{folder}'")
    try:
        yield tiny_disk
    finally:
        with admin.cursor() as cursor:
            cursor.execute("DROP TABLESPACE dentalpin_tiny")
        admin.close()


@pytest.mark.django_db(transaction=True)
def test_a_full_postgresql_disk_during_the_run_fails_the_job_naming_the_database(
    pg_tablespace_on_tiny_disk, clinic, tmp_path
):
    sample = generate_sample(tmp_path / "s.dpm", patients=200, layer="raw", binaries=False)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE clinics_patient SET TABLESPACE dentalpin_tiny")
    try:
        pg_tablespace_on_tiny_disk.fill(leave=24 * 1024)
        status, message, _ = run_import(sample.path, clinic.slug)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE clinics_patient SET TABLESPACE pg_default")
    job = ImportJob.objects.get()
    expected = diskfull.MSG_DATABASE_FULL.format(database=diskfull.database_label())
    assert status == 1 and job.status == "failed" and job.error == expected
    assert "PostgreSQL database " in expected
