"""A job cancelled while its file is checked in the background: the check stops, its files go.

No page offers to cancel a job whose file is being checked, but the cancel
address takes a hand-made request (and cancel_import takes the job). DPMF
files and sheets behave alike: the job stays cancelled, the check stops when it
notices (its next progress write, or before it would mark the job validated),
and the upload, the row pages and the sealed copy are deleted then, not left for
the retention sweep.
"""

import threading

import pytest
from django.test import override_settings

from dentalpin_import import tasks
from dentalpin_import.jobs import (
    dispatch,
    preflight,
    rewrap,
    services,
    sheet_rows,
    sheet_upload,
    validation,
)
from dentalpin_import.models import AuditEntry, ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.csv.test_web_background import sheet
from tests.dentalpin_import.csv.test_web_background import upload as upload_sheet
from tests.dentalpin_import.web.helpers import upload as upload_dpmf


class Held:
    """Holds the background check at `name` of `module` until the test lets it go on."""

    def __init__(self, monkeypatch, module, name, after=False):
        self.reached, self.go, self.calls = threading.Event(), threading.Event(), 0
        real = getattr(module, name)

        def held(*args, **kwargs):
            self.calls += 1
            if not after:
                self._hold()
            result = real(*args, **kwargs)
            if after:
                self._hold()
            return result

        monkeypatch.setattr(module, name, held)

    def _hold(self):
        self.reached.set()
        assert self.go.wait(30), "the test never let the check go on"

    def cancel_meanwhile(self, client, job):
        """POST the cancel while the check is held, as a hand-made request would."""
        assert self.reached.wait(30), "the check never got there"
        response = client.post(f"/import/jobs/{job.pk}/cancel/")
        self.go.set()
        dispatch.wait_for_background_jobs()
        return response


def assert_stopped_and_dropped(client, job, freed=True):
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert not services.staging_dir(job).exists() or not any(services.staging_dir(job).iterdir())
    entry = AuditEntry.objects.get(action="retention", job=job)
    assert entry.details["reason"] == validation.DROPPED and (entry.details["bytes"] > 0) == freed
    page = client.get(f"/import/jobs/{job.pk}/").content.decode()
    assert "Cancelled" in page and "Continue" not in page


def sealed_copies(monkeypatch) -> list:
    """The sealed copies written (jobs.rewrap) while the test runs."""
    written, real = [], rewrap.rewrap

    def spy(source, target, *args, **kwargs):
        written.append(target)
        return real(source, target, *args, **kwargs)

    monkeypatch.setattr(rewrap, "rewrap", spy)
    return written


@pytest.mark.django_db(transaction=True)
def test_a_sheet_cancelled_while_its_rows_are_judged_stops_before_it_is_sealed(
    staff_client, tmp_path, settings, monkeypatch
):
    settings.CSV_BACKGROUND_VALIDATE_BYTES = 1
    sealed = sealed_copies(monkeypatch)
    held = Held(monkeypatch, sheet_rows, "judge_rows")
    response = upload_sheet(staff_client, sheet(tmp_path))
    job = ImportJob.objects.get()
    cancelled = held.cancel_meanwhile(staff_client, job)
    assert cancelled.url == f"/import/jobs/{job.pk}/"
    assert sealed == []  # it stopped at its next progress write
    assert_stopped_and_dropped(staff_client, job)
    assert "row_preview" not in job.meta and "integrity_hash_computed" not in job.meta
    assert staff_client.get(response.url).url == f"/import/jobs/{job.pk}/"


@pytest.mark.django_db(transaction=True)
def test_a_sheet_cancelled_while_it_is_sealed_loses_the_sealed_copy_at_once(
    staff_client, tmp_path, settings, monkeypatch
):
    settings.CSV_BACKGROUND_VALIDATE_BYTES = 1
    held = Held(monkeypatch, rewrap, "rewrap", after=True)  # the copy is written
    upload_sheet(staff_client, sheet(tmp_path))
    job = ImportJob.objects.get()
    held.cancel_meanwhile(staff_client, job)
    assert held.calls == 1
    assert_stopped_and_dropped(staff_client, job)


@pytest.mark.django_db(transaction=True)
def test_a_sheet_cancelled_then_refused_by_the_reader_stays_cancelled(
    staff_client, tmp_path, settings, monkeypatch
):
    settings.CSV_BACKGROUND_VALIDATE_BYTES = 1
    held = Held(monkeypatch, sheet_upload, "read_sheet")
    upload_sheet(staff_client, sheet(tmp_path), encoding="utf-8")  # cp1252: refused
    job = ImportJob.objects.get()
    held.cancel_meanwhile(staff_client, job)
    job.refresh_from_db()
    assert job.status == "cancelled" and job.error == ""
    assert not AuditEntry.objects.filter(job=job, outcome="refused").exists()
    assert_stopped_and_dropped(staff_client, job, freed=False)  # the refusal deleted the upload


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["sheet", "dpmf"])
def test_a_job_cancelled_before_its_check_began_loses_its_upload_when_the_check_comes(
    staff_client, tmp_path, settings, monkeypatch, kind
):
    settings.CSV_BACKGROUND_VALIDATE_BYTES = settings.DPMF_BACKGROUND_VALIDATE_BYTES = 1
    later = []  # a busy worker: the check is asked for, and runs after the cancel
    monkeypatch.setattr(dispatch, "validate_later", lambda job, passphrase: later.append(job.pk))
    if kind == "sheet":
        upload_sheet(staff_client, sheet(tmp_path))
    else:
        upload_dpmf(staff_client, b.small_clinic(tmp_path, layer="zstd"))
    job = ImportJob.objects.get()
    assert later == [job.pk] and services.staging_dir(job).joinpath("upload.bin").exists()
    staff_client.post(f"/import/jobs/{job.pk}/cancel/")
    tasks.execute_validation(str(job.pk))
    assert_stopped_and_dropped(staff_client, job)


@pytest.mark.django_db(transaction=True)
@override_settings(DPMF_BACKGROUND_VALIDATE_BYTES=1)
def test_a_dpmf_file_cancelled_while_it_is_checked_stops_before_it_is_sealed(
    staff_client, tmp_path, monkeypatch
):
    sealed = sealed_copies(monkeypatch)
    held = Held(monkeypatch, preflight, "preflight")
    upload_dpmf(staff_client, b.small_clinic(tmp_path, layer="zstd"))
    job = ImportJob.objects.get()
    held.cancel_meanwhile(staff_client, job)
    assert sealed == []
    assert_stopped_and_dropped(staff_client, job)
    assert staff_client.get(f"/import/jobs/{job.pk}/validate/").status_code in (200, 302)


@pytest.mark.django_db(transaction=True)
@override_settings(DPMF_BACKGROUND_VALIDATE_BYTES=1)
def test_a_dpmf_file_cancelled_while_it_is_sealed_loses_the_sealed_copy_at_once(
    staff_client, tmp_path, monkeypatch
):
    held = Held(monkeypatch, rewrap, "rewrap", after=True)
    upload_dpmf(staff_client, b.small_clinic(tmp_path, layer="zstd-enc"), b.PASSPHRASE)
    job = ImportJob.objects.get()
    held.cancel_meanwhile(staff_client, job)
    assert held.calls == 1
    assert_stopped_and_dropped(staff_client, job)


@pytest.mark.django_db(transaction=True)
def test_a_check_that_ends_without_a_cancel_keeps_its_files(staff_client, tmp_path, settings):
    settings.CSV_BACKGROUND_VALIDATE_BYTES = 1
    upload_sheet(staff_client, sheet(tmp_path))
    dispatch.wait_for_background_jobs()
    job = ImportJob.objects.get()
    assert job.status == "validated"
    assert services.staging_dir(job).joinpath("validated.dpmr").exists()
    assert not AuditEntry.objects.filter(action="retention", job=job).exists()
