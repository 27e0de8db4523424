"""Resume from the job page runs again only an import that stopped part-way."""

from pathlib import Path

import pytest
from django.utils import timezone, translation
from django.utils.html import escape

from dentalpin_import.jobs import dispatch
from dentalpin_import.models import AuditEntry, ImportJob
from dentalpin_import.web.refusals import translate_refusal
from tests import dpmf_builder as b
from tests.dentalpin_import.web.helpers import run_to_the_end, step, upload


def resume(client, job, language="en"):
    """POST Resume, let a started run end; return (the job page then, the job as it is)."""
    answer = client.post(f"/import/jobs/{job.pk}/resume/", HTTP_ACCEPT_LANGUAGE=language)
    dispatch.wait_for_background_jobs()
    page = client.get(answer.url, HTTP_ACCEPT_LANGUAGE=language)
    job.refresh_from_db()
    return page.content.decode(), job


def runs(job) -> int:
    """How many runs the audit log records for `job` (each run starts once)."""
    return AuditEntry.objects.filter(job=job, outcome="started").count()


def stopped_import(client, tmp_path, **stopped) -> ImportJob:
    """A web import run to the end, then marked as one that stopped (interrupted by default)."""
    upload(client, b.small_clinic(tmp_path))
    job = ImportJob.objects.get()
    run_to_the_end(client, job)
    stopped = {"status": "interrupted", "finished_at": timezone.now(), **stopped}
    ImportJob.objects.filter(pk=job.pk).update(**stopped)
    job.refresh_from_db()
    return job


def resume_button(page: str, job) -> bool:
    return f'action="/import/jobs/{job.pk}/resume/"' in page


@pytest.mark.django_db(transaction=True)
def test_a_job_still_in_the_wizard_is_not_started_by_resume(staff_client, clinic, tmp_path):
    upload(staff_client, b.small_clinic(tmp_path))
    job = ImportJob.objects.get()
    step(staff_client, job, "validate")
    page, job = resume(staff_client, job)
    assert job.status == "validated" and runs(job) == 0
    assert "only an import that stopped part-way (failed or interrupted) can be resumed" in page


@pytest.mark.django_db(transaction=True)
def test_a_finished_import_is_not_run_again_and_says_why_in_spanish(staff_client, clinic, tmp_path):
    upload(staff_client, b.small_clinic(tmp_path))
    job = ImportJob.objects.get()
    run_to_the_end(staff_client, job)
    assert job.status == "succeeded" and runs(job) == 1
    assert not resume_button(staff_client.get(f"/import/jobs/{job.pk}/").content.decode(), job)
    page, job = resume(staff_client, job, language="es")
    assert job.status == "succeeded" and runs(job) == 1
    assert "solo se puede reanudar una importación que se detuvo a medias" in page


@pytest.mark.django_db(transaction=True)
def test_a_refused_file_keeps_its_refusal_and_offers_no_resume(staff_client, clinic, tmp_path):
    junk = tmp_path / "not-an-export.dpm"
    junk.write_bytes(b"PK\x03\x04 this is a zip, not a DPMF file" * 100)
    upload(staff_client, junk)
    job = ImportJob.objects.get()
    step(staff_client, job, "validate")
    job.refresh_from_db()
    refusal = job.error
    assert job.status == "failed" and refusal.startswith("not a DPMF file")
    assert not resume_button(staff_client.get(f"/import/jobs/{job.pk}/").content.decode(), job)
    page, job = resume(staff_client, job)
    assert job.status == "failed" and job.error == refusal and runs(job) == 0
    assert "refused before anything was imported" in page


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_import_whose_file_is_gone_asks_for_the_file_again(
    staff_client, clinic, tmp_path
):
    job = stopped_import(staff_client, tmp_path)
    Path(job.stored_path).unlink()
    job.refresh_from_db()
    assert not resume_button(staff_client.get(f"/import/jobs/{job.pk}/").content.decode(), job)
    page, job = resume(staff_client, job)
    assert job.status == "interrupted" and runs(job) == 1
    assert "is no longer kept, so it cannot be resumed: upload it again" in page


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_import_with_its_file_shows_resume_and_finishes(
    staff_client, clinic, tmp_path
):
    job = stopped_import(staff_client, tmp_path)
    assert resume_button(staff_client.get(f"/import/jobs/{job.pk}/").content.decode(), job)
    _, job = resume(staff_client, job)
    assert job.status == "succeeded" and runs(job) == 2


@pytest.mark.django_db(transaction=True)
def test_a_failed_dry_run_is_not_resumed(staff_client, clinic, tmp_path):
    job = stopped_import(staff_client, tmp_path, status="failed", dry_run=True)
    page, job = resume(staff_client, job)
    assert job.status == "failed" and runs(job) == 1
    assert "A dry run is never resumed" in page


@pytest.mark.django_db(transaction=True)
def test_a_resume_that_cannot_read_its_file_says_so_in_the_pages_language(
    staff_client, clinic, tmp_path
):
    job = stopped_import(staff_client, tmp_path)
    Path(job.stored_path).write_bytes(b"damaged on disk" * 1000)
    page, job = resume(staff_client, job, language="es")
    assert job.status == "failed" and runs(job) == 1
    spanish = translate_in_spanish(job.error)
    assert spanish != job.error and not job.error.startswith("ReadError")
    assert escape(spanish) in page


def translate_in_spanish(line: str) -> str:
    with translation.override("es"):
        return translate_refusal(line)
