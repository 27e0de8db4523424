"""A large sheet is read in the background, as a large DPMF file is validated, with progress.

Above CSV_BACKGROUND_VALIDATE_BYTES the upload (or the column step, or the
worksheet step) hands the read to `dispatch.validate_later`; the preview's
address shows its progress, then the preview, or the refusal. Set small here.
"""

import datetime as dt
import io
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import formats, timezone, translation

from dentalpin_import.jobs import dispatch, services, sheet_rows, validation
from dentalpin_import.jobs.sheet_preview import unseal
from dentalpin_import.models import ImportJob
from tests.dentalpin_import.csv.sheets import patient, patients_rows, write
from tests.dentalpin_import.csv.test_web_columns import ROWS, mapped
from tests.dentalpin_import.csv.test_web_workbooks import workbook
from tests.dentalpin_import.web.test_validation import celery_calls  # noqa: F401 (fixture)


def upload(client, path, **fields):
    data = io.BytesIO(path.read_bytes())
    data.name = path.name
    return client.post("/import/sheets/new/", {"file": data, **fields})


def sheet(tmp_path, name="pacientes.csv"):
    rows = patients_rows() + [patient("P003", "Eva", "Ruiz", nhs="943 476 5918")]
    rows += [patient(f"Q{i:03d}", "Ana", f"Gil {i}", born="03/04/05") for i in range(60)]
    return write(tmp_path / name, rows, encoding="cp1252", delimiter=";")


@pytest.fixture
def deferred(monkeypatch):
    """The jobs handed to the background validation (it still runs)."""
    calls = []
    real = dispatch.validate_later

    def spy(job, passphrase):
        calls.append((str(job.pk), passphrase))
        real(job, passphrase)

    monkeypatch.setattr(dispatch, "validate_later", spy)
    return calls


def shown(page: str, job) -> str:
    """The preview as staff read it, with what differs between two jobs of one sheet taken out."""
    page = page.replace(str(job.pk), "JOB")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


@pytest.mark.django_db(transaction=True)
def test_a_large_sheet_is_read_in_the_background_and_previews_as_if_read_at_once(
    staff_client, tmp_path, settings, deferred
):
    path = sheet(tmp_path)
    at_once = upload(staff_client, path)
    first = ImportJob.objects.get()
    assert deferred == [] and first.status == "validated"
    settings.CSV_BACKGROUND_VALIDATE_BYTES = path.stat().st_size - 1
    later = upload(staff_client, path)
    second = ImportJob.objects.exclude(pk=first.pk).get()
    assert later.url == f"/import/sheets/{second.pk}/"
    assert deferred == [(str(second.pk), None)]
    dispatch.wait_for_background_jobs()
    second.refresh_from_db()
    assert second.status == "validated" and second.options["rewrapped"]
    for key in ("row_preview", "integrity_hash_computed", "sheet", "encoding", "columns"):
        assert second.meta[key] == first.meta[key], key
    assert unseal(second.meta["preview"]) == unseal(first.meta["preview"])  # samples sealed
    assert second.preflight == first.preflight and "validation" not in second.meta
    assert second.options == first.options and second.total_entities == first.total_entities
    page = staff_client.get(later.url).content.decode()
    assert "Start the import" in page and "hx-get" not in page
    assert 'class="encoding">windows-1252' in page and "line 6" in page
    assert shown(page, second) == shown(staff_client.get(at_once.url).content.decode(), first)
    folder = services.staging_dir(second)
    assert sorted(p.name for p in folder.iterdir()) == ["rows", "validated.dpmr"]
    rows = staff_client.get(f"/import/sheets/{second.pk}/rows/?verdict=warning")
    assert rows.status_code == 200 and "03/04/05" in rows.content.decode()


@pytest.mark.django_db(transaction=True)
def test_with_celery_the_sheet_goes_to_the_validation_task_by_its_id(
    staff_client,
    tmp_path,
    settings,
    celery_calls,  # noqa: F811 (the fixture)
):
    settings.CSV_BACKGROUND_VALIDATE_BYTES = 1
    settings.CELERY_BROKER_URL = "memory://"
    upload(staff_client, sheet(tmp_path))
    job = ImportJob.objects.get()
    assert celery_calls == [("dentalpin_import.validate_import_upload", (str(job.pk),), {})]
    job.refresh_from_db()
    assert job.status == "validated" and job.meta["row_preview"]["rows"] == 65


@pytest.mark.django_db
def test_below_the_threshold_the_sheet_is_read_in_the_request(
    staff_client, tmp_path, settings, deferred
):
    path = sheet(tmp_path)
    settings.CSV_BACKGROUND_VALIDATE_BYTES = path.stat().st_size  # not above: read at once
    response = upload(staff_client, path)
    job = ImportJob.objects.get()
    assert deferred == [] and job.status == "validated"
    page = staff_client.get(response.url).content.decode()
    assert "Start the import" in page and "Checking the sheet" not in page


def staged(clinic, user, tmp_path):
    path = sheet(tmp_path)
    uploaded = SimpleUploadedFile(path.name, path.read_bytes())
    return services.stage_sheet_upload(
        clinic=clinic, user=user, uploaded=uploaded, sheet=None, encoding=None
    )


@pytest.mark.django_db
def test_while_it_is_read_every_page_of_the_sheet_says_so_and_nothing_starts(
    staff_client, clinic, staff_user, tmp_path
):
    job = staged(clinic, staff_user, tmp_path)
    validation.mark_waiting(job)
    validation.Recorder(job)("rows", 1500, 5000)
    url = f"/import/sheets/{job.pk}/"
    page = staff_client.get(url).content.decode()
    assert "Checking the sheet" in page and '<noscript><meta http-equiv="refresh"' in page
    assert f'hx-get="{url}"' in page and "row 1,500 of 5,000" in page
    assert "Now: deciding what the import does with each row" in page
    assert 'id="checking-live" class="visually-hidden" role="status"' in page
    assert "Start the import" not in page and "Problems found" not in page
    fragment = staff_client.get(url, HTTP_HX_REQUEST="true")
    assert "HX-Request" in fragment["Vary"]  # a cache never answers the page with the fragment
    text = fragment.content.decode()
    assert '<p id="checking-live" hx-swap-oob="innerHTML">' in text and "<progress" in text
    assert "<html" not in text and 'role="status"' not in text
    # Starting it is refused with a reason; the later steps lead back to this page.
    refused = staff_client.post(f"{url}confirm/", {}, follow=True)
    assert refused.redirect_chain == [(url, 302)]
    assert "still being checked, so nothing was started" in refused.content.decode()
    for later in ("rows/", "columns/", "workbook/"):
        assert staff_client.get(url + later).url == url, later
    assert staff_client.post(url + "read-again/").url == url
    assert staff_client.get(url + "mapping.json").status_code in (200, 302)
    job.refresh_from_db()
    assert job.status == "uploaded" and not job.started_at and job.dry_run is False
    assert ImportJob.objects.count() == 1  # "read again" made no second job


@pytest.mark.django_db
def test_another_clinic_never_sees_nor_starts_a_sheet_being_checked(
    client, clinic, staff_user, other_staff_user, tmp_path
):
    job = staged(clinic, staff_user, tmp_path)
    validation.mark_waiting(job)
    client.force_login(other_staff_user)
    url = f"/import/sheets/{job.pk}/"
    assert client.get(url).status_code == 404
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 404
    assert client.post(f"{url}confirm/", {}).status_code == 404


@pytest.mark.django_db
def test_a_forged_poll_of_a_read_sheet_only_reloads_its_page(
    staff_client, clinic, staff_user, tmp_path
):
    job = staged(clinic, staff_user, tmp_path)
    services.validate_sheet_upload(job=job)
    poll = staff_client.get(f"/import/sheets/{job.pk}/", HTTP_HX_REQUEST="true")
    assert poll.status_code == 204 and poll.content == b"" and poll["HX-Refresh"] == "true"


@pytest.mark.django_db
def test_the_checking_page_in_spanish(staff_client, clinic, staff_user, tmp_path):
    job = staged(clinic, staff_user, tmp_path)
    validation.mark_waiting(job)
    validation.Recorder(job)("rows", 1500, 5000)
    staff_client.cookies["django_language"] = "es"
    page = staff_client.get(f"/import/sheets/{job.pk}/").content.decode()
    with translation.override("es"):  # grouped the Spanish way
        rows = [formats.number_format(n, force_grouping=True) for n in (1500, 5000)]
    assert "Comprobación de la hoja" in page and "fila {} de {}".format(*rows) in page
    assert "Ahora: decidiendo qué hace la importación con cada fila" in page
    refused = staff_client.post(f"/import/sheets/{job.pk}/confirm/", {}, follow=True)
    assert "La hoja se está comprobando todavía" in refused.content.decode()


@pytest.mark.django_db
def test_once_read_the_poll_reloads_the_page_into_the_preview(
    staff_client, clinic, staff_user, tmp_path
):
    job = staged(clinic, staff_user, tmp_path)
    validation.mark_waiting(job)
    services.validate_sheet_upload(job=job)
    poll = staff_client.get(f"/import/sheets/{job.pk}/", HTTP_HX_REQUEST="true")
    assert poll["HX-Refresh"] == "true"
    assert "Start the import" in staff_client.get(f"/import/sheets/{job.pk}/").content.decode()


@pytest.mark.django_db
def test_a_check_that_stopped_says_so_and_stops_polling(staff_client, clinic, staff_user, tmp_path):
    job = staged(clinic, staff_user, tmp_path)
    validation.mark_waiting(job)
    old = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    ImportJob.objects.filter(pk=job.pk).update(meta={"validation": {"state": "running", "at": old}})
    page = staff_client.get(f"/import/sheets/{job.pk}/").content.decode()
    assert "The check of this sheet stopped before it finished" in page
    assert "hx-get" not in page and "http-equiv" not in page
    assert 'href="/import/sheets/new/"' in page


@pytest.mark.django_db(transaction=True)
def test_a_sheet_refused_in_the_background_shows_its_refusal(staff_client, tmp_path, settings):
    settings.CSV_BACKGROUND_VALIDATE_BYTES = 1
    path = sheet(tmp_path)  # cp1252, read as UTF-8: refused
    response = upload(staff_client, path, encoding="utf-8")
    dispatch.wait_for_background_jobs()
    job = ImportJob.objects.get()
    assert job.status == "failed" and "cannot be decoded" in job.error
    assert not services.staging_dir(job).joinpath("upload.bin").exists()
    page = staff_client.get(response.url).content.decode()
    assert "The sheet was refused; nothing was written." in page and "cannot be decoded" in page
    assert "Start the import" not in page and "hx-get" not in page
    staff_client.cookies["django_language"] = "es"
    page = staff_client.get(response.url).content.decode()
    assert "no se puede descodificar" in page


@pytest.mark.django_db(transaction=True)
def test_a_crash_while_reading_in_the_background_refuses_the_sheet_and_deletes_it(
    staff_client, tmp_path, settings, monkeypatch
):
    settings.CSV_BACKGROUND_VALIDATE_BYTES = 1

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(sheet_rows, "judge_rows", crash)
    response = upload(staff_client, sheet(tmp_path))
    dispatch.wait_for_background_jobs()
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.error == validation.SHEET_STOPPED
    folder = services.staging_dir(job)
    assert not folder.joinpath("upload.bin").exists() and not folder.joinpath("rows").exists()
    page = staff_client.get(response.url).content.decode()
    assert "The sheet was refused; nothing was written." in page
    assert "the check stopped on an unexpected error; upload it again" in page
    assert "hx-get" not in page and "boom" not in page
    staff_client.cookies["django_language"] = "es"
    page = staff_client.get(response.url).content.decode()
    assert "la comprobación se detuvo por un error inesperado" in page


@pytest.mark.django_db(transaction=True)
def test_the_column_step_reads_a_large_sheet_in_the_background(
    staff_client, tmp_path, settings, deferred
):
    settings.CSV_BACKGROUND_VALIDATE_BYTES = 1
    response = upload(staff_client, write(tmp_path / "raros.csv", ROWS))
    job = ImportJob.objects.get()
    assert response.url == f"/import/sheets/{job.pk}/columns/" and deferred == []
    done = staff_client.post(response.url, mapped())
    assert done.url == f"/import/sheets/{job.pk}/" and deferred == [(str(job.pk), None)]
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    assert job.status == "validated" and job.meta["row_preview"]["totals"]["new"] == 2
    assert "Start the import" in staff_client.get(done.url).content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_worksheet_step_reads_a_large_workbook_in_the_background(
    staff_client, settings, deferred
):
    settings.CSV_BACKGROUND_VALIDATE_BYTES = 1
    data = workbook(
        {
            "Notas": [["Lo que sea", "Otra"], ["x", "y"]],
            "Pacientes": [
                ["LegacyPatientID", "First Name", "Last Name", "Date of Birth"],
                ["P1", "Ana", "Ruiz", "1980-02-03"],
            ],
        }
    )
    file = io.BytesIO(data)
    file.name = "libro.xlsx"
    response = staff_client.post("/import/sheets/new/", {"file": file})
    job = ImportJob.objects.get()
    assert response.url == f"/import/sheets/{job.pk}/workbook/"
    chosen = staff_client.post(response.url, {"worksheet": "Pacientes"})
    assert chosen.url == f"/import/sheets/{job.pk}/" and deferred == [(str(job.pk), None)]
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    assert job.status == "validated" and job.meta["row_preview"]["totals"]["new"] == 1


@pytest.mark.django_db(transaction=True)
def test_reading_again_reads_the_chosen_columns_in_the_background(
    staff_client, tmp_path, settings, deferred
):
    upload(staff_client, sheet(tmp_path))
    first = ImportJob.objects.get()
    settings.CSV_BACKGROUND_VALIDATE_BYTES = 1
    again = staff_client.post(f"/import/sheets/{first.pk}/read-again/")
    new = ImportJob.objects.exclude(pk=first.pk).get()
    assert again.url == f"/import/sheets/{new.pk}/columns/"
    choices = {f"col-{i}": name for i, name in enumerate(first.meta["fields"]) if name}
    done = staff_client.post(again.url, {"kind": "patients", "save": "1", **choices})
    assert done.url == f"/import/sheets/{new.pk}/" and deferred == [(str(new.pk), None)]
    dispatch.wait_for_background_jobs()
    new.refresh_from_db()
    assert new.status == "validated"
    assert new.meta["row_preview"] == first.meta["row_preview"]


@pytest.mark.django_db(transaction=True)
def test_a_long_step_without_progress_still_shows_signs_of_life(clinic, staff_user, tmp_path):
    job = staged(clinic, staff_user, tmp_path)
    validation.mark_waiting(job)
    record = validation.Recorder(job)
    record("read", 0, 1)
    old = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    ImportJob.objects.filter(pk=job.pk).update(
        meta={"validation": dict(validation.state_of(job), phase="read", at=old)}
    )
    job.refresh_from_db()
    assert validation.is_stalled(job)
    with validation.kept_alive(record, every=0.05):
        deadline = timezone.now() + dt.timedelta(seconds=10)
        while validation.is_stalled(job) and timezone.now() < deadline:
            time.sleep(0.02)
            job.refresh_from_db()
    assert not validation.is_stalled(job) and validation.state_of(job)["phase"] == "read"
