"""The validate step: each check named, large files validated in the background with progress."""

import datetime as dt

import pytest
from celery.signals import task_prerun
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from dentalpin_import.jobs import dispatch, services, validation
from dentalpin_import.models import ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.web.helpers import step, upload


def state(page: str, check: str) -> str:
    marker = f'data-check="{check}" data-state="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "build, failed, message",
    [
        (
            lambda d: b.small_clinic(d, layer="zstd", integrity_hash="0" * 64),
            "unaltered",
            "integrity hash mismatch: declared 0000",
        ),
        (
            lambda d: b.small_clinic(d, meta={"format_version": "1.0"}),
            "contents",
            "format version 1.0 is not supported",
        ),
    ],
)
def test_a_refused_file_shows_which_check_failed_and_which_passed(
    staff_client, tmp_path, build, failed, message
):
    response = upload(staff_client, build(tmp_path))
    page = staff_client.get(response.url).content.decode()
    assert state(page, failed) == "failed" and message in page
    assert state(page, "file_type") == "passed" and state(page, "complete") == "passed"
    assert state(page, "passphrase") == "n/a"
    if failed == "contents":
        assert state(page, "unaltered") == "not run"
        assert "This export uses a newer format than this importer reads." in page
    else:
        assert state(page, "contents") == "passed"
        assert "The file&#x27;s records were changed after the export." in page
    assert "This file was refused and nothing was imported." in page
    assert 'href="/import/new/"' in page
    job = ImportJob.objects.get()
    assert job.status == "failed" and not services.staging_dir(job).joinpath("upload.bin").exists()


@pytest.mark.django_db
def test_a_missing_passphrase_asks_for_it_next_to_the_field(staff_client, tmp_path):
    response = upload(staff_client, b.small_clinic(tmp_path, layer="enc"))
    page = staff_client.get(response.url).content.decode()
    assert "the file is encrypted and no passphrase was given" in page
    assert "Type the passphrase that came with the file." in page
    assert state(page, "passphrase") == "failed" and state(page, "file_type") == "passed"
    assert state(page, "complete") == "not run"
    again = staff_client.post(response.url, {"retry": "1", "retry-passphrase": ""})
    page = again.content.decode()
    assert '<label for="id_retry-passphrase">Passphrase</label>' in page
    assert "This field is required." in page


@pytest.mark.django_db(transaction=True)
@override_settings(DPMF_BACKGROUND_VALIDATE_BYTES=1)
def test_a_large_encrypted_file_is_validated_in_the_background_then_continues(
    staff_client, tmp_path
):
    response = upload(staff_client, b.small_clinic(tmp_path, layer="zstd-enc"), b.PASSPHRASE)
    dispatch.wait_for_background_jobs()
    job = ImportJob.objects.get()
    assert job.status == "validated" and job.options["rewrapped"]
    page = staff_client.get(response.url).content.decode()
    for check in ("file_type", "passphrase", "complete", "contents", "unaltered"):
        assert state(page, check) == "passed"
    assert "hx-get" not in page and "Continue to the preview" in page
    fragment = staff_client.get(f"/import/jobs/{job.pk}/validation/").content.decode()
    assert 'id="validation"' in fragment and "hx-get" not in fragment
    assert step(staff_client, job, "validate").url == f"/import/jobs/{job.pk}/preview/"


def staged(clinic, user, tmp_path, layer="zstd-enc"):
    path = b.small_clinic(tmp_path, layer=layer)
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    return services.stage_upload(clinic=clinic, user=user, uploaded=upload)


@pytest.mark.django_db
def test_while_validating_the_fragment_polls_and_shows_the_phase_and_checks(
    staff_client, clinic, staff_user, tmp_path
):
    job = staged(clinic, staff_user, tmp_path)
    validation.mark_waiting(job)
    validation.Recorder(job)("decrypt", 40, 100)
    page = staff_client.get(f"/import/jobs/{job.pk}/validate/").content.decode()
    assert '<noscript><meta http-equiv="refresh"' in page
    fragment = staff_client.get(f"/import/jobs/{job.pk}/validation/").content.decode()
    assert f'hx-get="/import/jobs/{job.pk}/validation/"' in fragment
    assert "Now: opening it with the passphrase (40 %)" in fragment and "<progress" in fragment
    assert state(fragment, "file_type") == "passed" and state(fragment, "passphrase") == "running"
    assert "Try again" not in fragment and "Continue to the preview" not in fragment
    # The later steps wait for the validation.
    for later in ("preview", "confirm", "wizard"):
        response = staff_client.get(f"/import/jobs/{job.pk}/{later}/")
        assert response.url == f"/import/jobs/{job.pk}/validate/", later


@pytest.mark.django_db(transaction=True)
@override_settings(DPMF_BACKGROUND_VALIDATE_BYTES=1)
def test_a_validation_that_stopped_offers_to_validate_again(
    staff_client, clinic, staff_user, tmp_path
):
    job = staged(clinic, staff_user, tmp_path)
    validation.mark_waiting(job)
    old = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    ImportJob.objects.filter(pk=job.pk).update(meta={"validation": {"state": "running", "at": old}})
    page = staff_client.get(f"/import/jobs/{job.pk}/validate/").content.decode()
    assert "The validation stopped before it finished" in page and "hx-get" not in page
    staff_client.post(
        f"/import/jobs/{job.pk}/validate/", {"retry": "1", "retry-passphrase": b.PASSPHRASE}
    )
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    assert job.status == "validated"


@pytest.fixture
def celery_calls():
    calls = []

    def record(sender=None, args=None, kwargs=None, **_):
        calls.append((sender.name, tuple(args or ()), dict(kwargs or {})))

    task_prerun.connect(record, weak=False)
    yield calls
    task_prerun.disconnect(record)


@pytest.mark.django_db(transaction=True)
@override_settings(DPMF_BACKGROUND_VALIDATE_BYTES=1, CELERY_BROKER_URL="memory://")
def test_with_celery_only_unencrypted_files_are_validated_by_a_task_and_by_id(
    staff_client, tmp_path, celery_calls
):
    (tmp_path / "plain").mkdir()
    upload(staff_client, b.small_clinic(tmp_path / "plain", layer="zstd"))
    plain = ImportJob.objects.get()
    assert celery_calls == [("dentalpin_import.validate_import_upload", (str(plain.pk),), {})]
    upload(staff_client, b.small_clinic(tmp_path, layer="zstd-enc"), b.PASSPHRASE)
    dispatch.wait_for_background_jobs()
    encrypted = ImportJob.objects.exclude(pk=plain.pk).get()
    assert len(celery_calls) == 1  # the encrypted one ran on a web-process thread
    assert b.PASSPHRASE not in repr(celery_calls)
    assert {j.status for j in ImportJob.objects.all()} == {"validated"}
    assert encrypted.pk != plain.pk


@pytest.mark.django_db
def test_a_late_second_validation_of_the_same_upload_changes_nothing(
    staff_client, clinic, staff_user, tmp_path
):
    from dentalpin_import import tasks

    job = staged(clinic, staff_user, tmp_path, layer="zstd")
    tasks.execute_validation(str(job.pk))
    job.refresh_from_db()
    assert job.status == "validated"
    tasks.execute_validation(str(job.pk))  # e.g. a queued task after a retry
    job.refresh_from_db()
    assert job.status == "validated" and job.options["rewrapped"]
