"""Web safety: CSRF on every POST, no path from the file name, private staging, quiet errors."""

import logging
import re
import stat

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.views.debug import ExceptionReporter

from dentalpin_import.jobs import services
from dentalpin_import.models import ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.web.helpers import run_to_the_end, step, upload


@pytest.fixture
def strict_client(staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    return client


@pytest.mark.django_db
def test_every_post_without_a_csrf_token_is_refused(strict_client, staff_client, tmp_path):
    upload(staff_client, b.small_clinic(tmp_path))
    job = ImportJob.objects.get()
    wizard = {f"import_{job.pk}-current_step": "validate"}
    posts = {
        "/import/new/": {},
        f"/import/jobs/{job.pk}/validate/": wizard,
        f"/import/jobs/{job.pk}/preview/": {f"import_{job.pk}-current_step": "preview"},
        f"/import/jobs/{job.pk}/confirm/": {f"import_{job.pk}-current_step": "confirm"},
        f"/import/jobs/{job.pk}/cancel/": {},
        f"/import/jobs/{job.pk}/resume/": {},
        "/clinics/switch/": {"clinic": job.clinic_id},
        "/i18n/setlang/": {"language": "es"},
        "/accounts/logout/": {},
        "/admin/logout/": {},
    }
    for url, data in posts.items():
        response = strict_client.post(url, data)
        assert response.status_code == 403, url
        assert b"CSRF" in response.content or b"403" in response.content, url
    job.refresh_from_db()
    assert job.status == "validated"
    # With the token from the page, the same POST goes through.
    page = strict_client.get(f"/import/jobs/{job.pk}/validate/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = strict_client.post(
        f"/import/jobs/{job.pk}/validate/", {**wizard, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_uploaded_file_name_never_becomes_a_path(staff_client, tmp_path):
    staging = settings.DPMF_STAGING_DIR
    before = {p for p in staging.parent.rglob("passwd*")}
    upload(staff_client, b.small_clinic(tmp_path, layer="enc"), name="../../etc/passwd.dpm")
    job = ImportJob.objects.get()
    assert job.original_name == "passwd.dpm"
    stored = services.staging_dir(job) / "upload.bin"
    assert job.stored_path == str(stored) and stored.exists()
    assert {p for p in staging.parent.rglob("passwd*")} == before
    assert not any("passwd" in str(p) for p in staging.rglob("*"))


@pytest.mark.django_db
def test_staged_files_are_private_to_the_server_and_to_their_clinic(
    staff_client, client, other_staff_user, tmp_path
):
    upload(staff_client, b.small_clinic(tmp_path, layer="enc"), "not the passphrase")
    job = ImportJob.objects.get()
    folder = services.staging_dir(job)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "upload.bin").stat().st_mode) == 0o600
    client.force_login(other_staff_user)
    for suffix in ("validate/", "preview/", "confirm/", "wizard/", "validation/"):
        response = client.get(f"/import/jobs/{job.pk}/{suffix}")
        assert response.status_code == 404, suffix
        assert job.original_name not in response.content.decode()
    retry = {"retry": "1", "retry-passphrase": b.PASSPHRASE}
    assert client.post(f"/import/jobs/{job.pk}/validate/", retry).status_code == 404
    job.refresh_from_db()
    assert job.status == "uploaded"


@pytest.mark.django_db
@override_settings(DEBUG=False, ROOT_URLCONF="tests.dentalpin_import.web.boom_urls")
def test_a_server_error_shows_no_traceback_and_no_data(staff_user):
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)
    response = client.get("/boom/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page
    for leak in ("Traceback", "RuntimeError", "Paciente1", "hunter2", "bosque", "SECRET_KEY"):
        assert leak not in page
    missing = client.get("/import/jobs/00000000-0000-0000-0000-000000000000/")
    assert missing.status_code == 404
    assert "There is nothing here, or it belongs to another clinic." in missing.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_passphrase_stays_out_of_logs_error_reports_database_and_staging(
    staff_client, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    response = upload(staff_client, b.small_clinic(tmp_path, layer="zstd-enc"), b.PASSPHRASE)
    report = ExceptionReporter(response.wsgi_request, None, None, None).get_traceback_text()
    assert "passphrase" in report and b.PASSPHRASE not in report
    job = ImportJob.objects.get()
    run_to_the_end(staff_client, job)
    assert job.status == "succeeded"
    assert b.PASSPHRASE not in caplog.text
    secret = b.PASSPHRASE.encode()
    for path in settings.DPMF_STAGING_DIR.rglob("*"):
        assert not path.is_file() or secret not in path.read_bytes(), path
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')
            assert b.PASSPHRASE not in repr(cursor.fetchall()), table
    assert step(staff_client, job, "confirm").status_code == 302  # finished: the job page
