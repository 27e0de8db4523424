"""A sheet's plain copy on disk is readable by the service's account only, whatever the umask."""

import os
import stat
from pathlib import Path

import pytest

from dentalpin_import.jobs import sheet_columns
from dentalpin_import.models import ImportJob
from tests.dentalpin_import.csv.sheets import write
from tests.dentalpin_import.csv.test_web_columns import ROWS, mapped, upload


@pytest.fixture
def usual_umask():
    old = os.umask(0o022)  # a service's usual umask: world-readable files by default
    yield
    os.umask(old)


@pytest.mark.django_db
def test_the_sheet_put_back_after_the_column_step_is_private(
    staff_client, tmp_path, monkeypatch, usual_umask
):
    modes = []
    real = sheet_columns.unpark

    def unpark(job, **options):
        real(job, **options)
        modes.append(stat.S_IMODE(Path(job.stored_path).stat().st_mode))

    monkeypatch.setattr(sheet_columns, "unpark", unpark)
    upload(staff_client, write(tmp_path / "p.csv", ROWS))
    job = ImportJob.objects.get()
    staff_client.post(f"/import/sheets/{job.pk}/columns/", mapped())
    assert modes == [0o600]
