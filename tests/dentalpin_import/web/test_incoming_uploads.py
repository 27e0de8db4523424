"""Uploads arrive inside the private staging area, and what a killed upload leaves is swept."""

import io
import os
import stat
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from dentalpin_import.binaries import upload as handler
from dentalpin_import.models import ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.web.helpers import upload


def test_by_default_uploads_arrive_in_the_staging_area(settings):
    if os.environ.get("FILE_UPLOAD_TEMP_DIR"):
        pytest.skip("FILE_UPLOAD_TEMP_DIR is set for this run")
    assert Path(settings.FILE_UPLOAD_TEMP_DIR) == Path(settings.DPMF_STAGING_DIR) / "incoming"


@pytest.mark.django_db
def test_an_upload_into_a_missing_folder_makes_it_private_and_stages_the_file(
    staff_client, settings, tmp_path
):
    incoming = tmp_path / "staging" / "incoming"
    settings.FILE_UPLOAD_TEMP_DIR = str(incoming)
    seen = []
    real = handler.HashingUploadHandler.file_complete

    def complete(self, file_size):
        uploaded = real(self, file_size)
        seen.append(Path(uploaded.temporary_file_path()).parent)
        return uploaded

    handler.HashingUploadHandler.file_complete = complete
    try:
        response = upload(staff_client, b.small_clinic(tmp_path))
    finally:
        handler.HashingUploadHandler.file_complete = real
    assert response.status_code == 302
    assert seen == [incoming]
    assert stat.S_IMODE(incoming.stat().st_mode) == 0o700
    assert list(incoming.iterdir()) == []  # moved on into the job's folder
    assert ImportJob.objects.get().status in ("validated", "previewed")


def _sweep() -> str:
    out = io.StringIO()
    call_command("sweep_import_uploads", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_sweep_removes_only_old_interrupted_uploads(settings, tmp_path):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(incoming)
    old, fresh, other = (
        incoming / "tmpab12cd.upload.dpm",
        incoming / "tmpzz99yy.upload.csv",
        incoming / "notes.txt",
    )
    for path in (old, fresh, other):
        path.write_bytes(b"x" * 10)
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    os.utime(other, (day_ago, day_ago))
    out = _sweep()
    assert f"removed {old}: interrupted upload, 10 bytes" in out
    assert not old.exists() and fresh.exists() and other.exists()


@pytest.mark.django_db
def test_the_systems_temporary_folder_is_never_swept(settings, tmp_path, monkeypatch):
    settings.FILE_UPLOAD_TEMP_DIR = None
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    left = tmp_path / "tmpab12cd.upload.dpm"
    left.write_bytes(b"x")
    day_ago = time.time() - 25 * 3600
    os.utime(left, (day_ago, day_ago))
    assert "interrupted upload" not in _sweep()
    assert left.exists()
