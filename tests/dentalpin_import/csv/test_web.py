"""The CSV sheet flow in the browser: upload, preview, confirm, background run, tenancy."""

import io
import json

import pytest
from django_scopes import scopes_disabled

from clinics.models import ClinicalNote, Patient
from dentalpin_import.jobs import dispatch, services
from dentalpin_import.models import ImportJob
from tests.dentalpin_import.csv.sheets import NOTES_HEADER, patient, patients_rows, run, write
from tests.factories.clinics import MembershipFactory, UserFactory


def upload(client, path, **fields):
    data = io.BytesIO(path.read_bytes())
    data.name = path.name
    return client.post("/import/sheets/new/", {"file": data, **fields})


@pytest.mark.django_db(transaction=True)
def test_upload_preview_confirm_and_the_job_page_report(staff_client, clinic, tmp_path):
    rows = patients_rows() + [patient("P003", "Eva", "Ruiz", nhs="943 476 5918")]
    path = write(tmp_path / "pacientes.csv", rows, encoding="cp1252", delimiter=";")
    response = upload(staff_client, path)
    job = ImportJob.objects.get()
    assert response.url == f"/import/sheets/{job.pk}/"
    page = staff_client.get(response.url).content.decode()
    assert "Patient demographics" in page and "semicolon" in page
    assert 'class="encoding">windows-1252' in page
    assert "Muñoz Peña" in page  # a decoded sample row
    assert "NHS Number: not a valid NHS number" in page and "line 6" in page
    assert 'data-type="csv_patient" class="count">csv_patient: 3<' in page
    confirmed = staff_client.post(f"/import/sheets/{job.pk}/confirm/", {})
    assert confirmed.url == f"/import/jobs/{job.pk}/"
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    assert job.status == "succeeded" and job.source_kind == "csv"
    report = staff_client.get(confirmed.url).content.decode()
    assert 'data-type="csv_patient"' in report and "100 %" in report
    assert job.warnings_count == 1
    with scopes_disabled():
        assert Patient.objects.filter(clinic=clinic).count() == 3
    staged = services.staging_dir(job)
    assert sorted(p.name for p in staged.iterdir()) == ["rows", "validated.dpmr"]
    assert all("Peña".encode() not in p.read_bytes() for p in (staged / "rows").iterdir())
    assert "Peña".encode("cp1252") not in (staged / "validated.dpmr").read_bytes()


@pytest.mark.django_db(transaction=True)
def test_a_chosen_sheet_type_and_a_dry_run_from_the_browser(staff_client, clinic, tmp_path):
    run("import_patients", write(tmp_path / "p.csv", patients_rows()), clinic.slug)
    notes = write(
        tmp_path / "notas.csv",
        [NOTES_HEADER, ["P001", "2024-05-06 12:00", "Primera línea\nsegunda", "", "", "", ""]],
        encoding="utf-16",
    )
    response = upload(staff_client, notes, sheet="clinical_notes", encoding="")
    job = ImportJob.objects.get(original_name="notas.csv")
    assert job.options["sheet"] == "clinical_notes" and job.options["encoding"] == "utf-16"
    # The sample shows the note, yet the job row keeps no clinical text in clear.
    assert "Primera línea<br>segunda" in staff_client.get(response.url).content.decode()
    assert "Primera" not in json.dumps(job.meta, ensure_ascii=False)
    staff_client.post(f"/import/sheets/{job.pk}/confirm/", {"dry_run": "on"})
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    assert job.status == "succeeded" and job.dry_run
    assert job.counters["csv_clinical_note"]["created"] == 1
    with scopes_disabled():
        assert ClinicalNote.objects.count() == 0


@pytest.mark.django_db
def test_a_sheet_missing_columns_waits_for_its_columns_with_the_list(staff_client, tmp_path):
    path = write(tmp_path / "m.csv", [["PatientID", "Drug Name"], ["P1", "Ibuprofeno"]])
    response = upload(staff_client, path, sheet="medications")
    job = ImportJob.objects.get()
    assert response.url == f"/import/sheets/{job.pk}/columns/"
    assert staff_client.get(f"/import/sheets/{job.pk}/").url == response.url
    page = staff_client.get(response.url).content.decode()
    assert "Required fields no header was recognised for" in page
    assert "How often / instructions" in page and "Prescription date" in page
    assert "Ibuprofeno" in page  # a sample value, shown
    assert "Start the import" not in page
    job.refresh_from_db()
    assert job.status == "uploaded"
    assert not services.staging_dir(job).joinpath("upload.bin").exists()
    assert b"Ibuprofeno" not in json.dumps(job.meta).encode()
    assert staff_client.post(f"/import/sheets/{job.pk}/confirm/", {}).status_code == 302
    job.refresh_from_db()
    assert job.status == "uploaded"


@pytest.mark.django_db
def test_only_csv_like_files_are_accepted(staff_client, tmp_path):
    bad = tmp_path / "export.dpm"
    bad.write_bytes(b"SQLite format 3\x00")
    page = upload(staff_client, bad).content.decode()
    assert "Choose a sheet" in page and not ImportJob.objects.exists()


@pytest.mark.django_db
def test_the_job_list_links_to_the_sheet_upload(staff_client):
    assert 'href="/import/sheets/new/"' in staff_client.get("/import/").content.decode()


@pytest.mark.django_db
def test_other_clinics_staff_get_404_and_members_without_permission_403(
    client, staff_client, clinic, other_staff_user, tmp_path
):
    upload(staff_client, write(tmp_path / "p.csv", patients_rows()))
    job = ImportJob.objects.get()
    client.force_login(other_staff_user)
    assert client.get(f"/import/sheets/{job.pk}/").status_code == 404
    assert client.post(f"/import/sheets/{job.pk}/confirm/", {}).status_code == 404
    dentist = UserFactory(username="dentist")
    MembershipFactory(user=dentist, clinic=clinic, role="dentist")
    client.force_login(dentist)
    assert client.get("/import/sheets/new/").status_code == 403
    assert client.post(f"/import/sheets/{job.pk}/confirm/", {}).status_code == 403
    job.refresh_from_db()
    assert job.status == "validated"


@pytest.mark.django_db
def test_a_dpmf_job_is_not_a_sheet(staff_client, clinic, tmp_path):
    job = services.create_job(clinic=clinic, path=tmp_path / "x.dpm")
    assert staff_client.get(f"/import/sheets/{job.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_admin_shows_imported_notes_in_clear_and_never_the_ciphertext(client, tmp_path, clinic):
    run("import_patients", write(tmp_path / "p.csv", patients_rows()), clinic.slug)
    notes = [NOTES_HEADER, ["P001", "2024-05-06", "Sensibilidad al frío", "", "", "Caries", ""]]
    run("import_clinical_notes", write(tmp_path / "n.csv", notes), clinic.slug)
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    with scopes_disabled():
        note = ClinicalNote.objects.get()
    for url in (
        "/admin/clinics/clinicalnote/",
        f"/admin/clinics/clinicalnote/{note.pk}/change/",
        f"/admin/clinics/patient/{note.patient_id}/change/",
    ):
        page = client.get(url).content.decode()
        assert "Sensibilidad al frío" in page, url
        assert "fernet:" not in page, url
    for url in ("/admin/clinics/medicalalert/", "/admin/clinics/medication/"):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db(transaction=True)
def test_a_sheet_job_at_the_dpmf_wizard_addresses_goes_to_its_own_preview(
    staff_client, clinic, tmp_path
):
    response = upload(staff_client, write(tmp_path / "p.csv", patients_rows()))
    job = ImportJob.objects.get()
    for step in ("wizard", "validate", "preview", "confirm"):
        url = f"/import/jobs/{job.pk}/{step}/"
        assert staff_client.get(url).url == response.url, step
        assert staff_client.post(url, {}).url == response.url, step
    job.refresh_from_db()
    assert job.status == "validated"  # the DPMF steps moved nothing
