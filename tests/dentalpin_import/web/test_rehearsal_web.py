"""A dry run in the browser: "nothing was saved", its warnings, and "Import for real"."""

import io
from pathlib import Path

import pytest
from django_scopes import scope

from clinics.models import Patient
from dentalpin_import.jobs import dispatch
from dentalpin_import.models import ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.csv.sheets import patients_rows, write
from tests.dentalpin_import.web.helpers import step, upload


def rehearse(client, path, passphrase=""):
    """Upload, validate, preview, then "Dry run first" on the confirm step; wait for it."""
    upload(client, path, passphrase)
    job = ImportJob.objects.get()
    assert step(client, job, "validate").url.endswith("/preview/")
    assert step(client, job, "preview").url.endswith("/confirm/")
    page = client.get(f"/import/jobs/{job.pk}/confirm/").content.decode()
    assert 'name="dry_run"' in page
    started = step(client, job, "confirm", {"dry_run": "1"})
    assert started.status_code == 200
    assert "dpa_" not in started.content.decode()  # a rehearsal uploads no documents
    assert "This is a dry run: nothing will be saved." in started.content.decode()
    assert "<h1>The dry run has started — nothing will be saved</h1>" in started.content.decode()
    assert "The import has started" not in started.content.decode()
    assert "Follow the dry run" in started.content.decode()
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    return job


def with_problems(tmp_path, layer="raw"):
    rows = b.small_clinic_rows() + [b.appointment(90 + n, 404, 1) for n in range(3)]
    secret = b.PASSPHRASE if "enc" in layer else None
    return b.build(tmp_path, rows, files=b.small_clinic_files(), layer=layer, passphrase=secret)


@pytest.mark.django_db(transaction=True)
def test_a_web_dry_run_keeps_its_warnings_and_says_nothing_was_saved(
    staff_client, clinic, tmp_path
):
    job = rehearse(staff_client, with_problems(tmp_path))
    assert job.dry_run and job.status == "succeeded"
    assert job.warnings.filter(code="appointment.unmapped_actor").count() == 3
    with scope(clinic=clinic):
        assert not Patient.objects.exists()
    page = staff_client.get(f"/import/jobs/{job.pk}/").content.decode()
    assert "Dry run: nothing was saved." in page
    assert f'action="/import/jobs/{job.pk}/import-for-real/"' in page
    assert "Undo this import" not in page
    assert "The file lists 2 documents" in page  # what the real import will expect
    spanish = staff_client.get(f"/import/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="es")
    spanish = spanish.content.decode()
    assert "Simulación: no se guardó nada." in spanish and "Importar de verdad" in spanish
    assert "Dry run" not in spanish and "El fichero incluye 2 documentos" in spanish
    warnings = staff_client.get(f"/import/jobs/{job.pk}/warnings/").content.decode()
    # Kept with their values, so the page words them (the patient was not imported).
    assert "The appointment&#x27;s patient is not in the file or was not imported" in warnings
    listed = staff_client.get("/import/").content.decode()
    assert "dry run" in listed


@pytest.mark.django_db(transaction=True)
def test_import_for_real_runs_the_same_validated_file_without_a_new_upload_or_passphrase(
    staff_client, clinic, tmp_path
):
    path = with_problems(tmp_path, layer="zstd-enc")
    job = rehearse(staff_client, path, b.PASSPHRASE)
    path.unlink()  # the browser's copy is gone: the server's validated copy is what runs
    started = staff_client.post(f"/import/jobs/{job.pk}/import-for-real/")
    assert started.status_code == 200
    assert "dpa_" in started.content.decode()  # the real import lists documents: a token
    assert "<h1>The import has started</h1>" in started.content.decode()
    assert "nothing will be saved" not in started.content.decode()
    dispatch.wait_for_background_jobs()
    real = ImportJob.objects.exclude(pk=job.pk).get()
    assert not real.dry_run and real.status == "succeeded", real.error
    assert real.options["rehearsal_of"] == str(job.pk) and real.options["rewrapped"]
    assert Path(real.stored_path).is_file() and Path(job.stored_path).is_file()
    with scope(clinic=clinic):
        assert Patient.objects.count() == 3
    assert real.warnings.count() == job.warnings.count()
    # The rehearsal now points at the real import; a second click makes nothing new.
    page = staff_client.get(f"/import/jobs/{job.pk}/").content.decode()
    assert f"/import/jobs/{real.pk}/" in page and "import-for-real" not in page
    again = staff_client.post(f"/import/jobs/{job.pk}/import-for-real/")
    assert again.url == f"/import/jobs/{real.pk}/"
    assert ImportJob.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_import_for_real_says_what_to_do_once_the_copy_is_gone(staff_client, clinic, tmp_path):
    job = rehearse(staff_client, with_problems(tmp_path))
    Path(job.stored_path).unlink()
    page = staff_client.post(f"/import/jobs/{job.pk}/import-for-real/", follow=True)
    assert "Upload the file again to import it." in page.content.decode()
    assert ImportJob.objects.count() == 1


@pytest.mark.django_db
def test_a_real_import_and_a_command_line_rehearsal_offer_no_button(staff_client, clinic, tmp_path):
    _, _, dry = run_import(with_problems(tmp_path), clinic.slug, "--dry-run", report=tmp_path / "d")
    page = staff_client.get(f"/import/jobs/{dry['job_id']}/").content.decode()
    assert "Dry run: nothing was saved." in page and "without --dry-run" in page
    refused = staff_client.post(f"/import/jobs/{dry['job_id']}/import-for-real/", follow=True)
    assert "without --dry-run" in refused.content.decode()
    _, _, real = run_import(with_problems(tmp_path), clinic.slug, report=tmp_path / "r")
    page = staff_client.get(f"/import/jobs/{real['job_id']}/").content.decode()
    assert "Dry run" not in page
    assert staff_client.post(f"/import/jobs/{real['job_id']}/import-for-real/").status_code == 302
    assert ImportJob.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_csv_sheets_dry_run_is_imported_for_real_the_same_way(staff_client, clinic, tmp_path):
    path = write(tmp_path / "pacientes.csv", patients_rows(), encoding="cp1252", delimiter=";")
    sheet = io.BytesIO(path.read_bytes())
    sheet.name = path.name
    staff_client.post("/import/sheets/new/", {"file": sheet})
    job = ImportJob.objects.get()
    staff_client.post(f"/import/sheets/{job.pk}/confirm/", {"dry_run": "on"})
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    assert job.dry_run and job.status == "succeeded"
    with scope(clinic=clinic):
        assert not Patient.objects.exists()
    page = staff_client.get(f"/import/jobs/{job.pk}/").content.decode()
    assert "Dry run: nothing was saved." in page and "import-for-real" in page
    staff_client.post(f"/import/jobs/{job.pk}/import-for-real/")
    dispatch.wait_for_background_jobs()
    real = ImportJob.objects.exclude(pk=job.pk).get()
    assert real.source_kind == "csv" and real.status == "succeeded", real.error
    assert real.options["sheet"] == job.options["sheet"]
    with scope(clinic=clinic):
        assert Patient.objects.count() == 2  # the sheet's two patient rows (two are staff)
    assert real.counters == job.counters and real.warnings_count == job.warnings_count


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_started_in_spanish_says_nothing_will_be_saved(staff_client, tmp_path):
    staff_client.cookies["django_language"] = "es"
    upload(staff_client, with_problems(tmp_path))
    job = ImportJob.objects.get()
    step(staff_client, job, "validate")
    step(staff_client, job, "preview")
    started = step(staff_client, job, "confirm", {"dry_run": "1"}).content.decode()
    dispatch.wait_for_background_jobs()
    assert "<h1>La simulación ha empezado: no se guardará nada</h1>" in started
    assert "Seguir la simulación" in started
    assert "La importación ha empezado" not in started and "has started" not in started
