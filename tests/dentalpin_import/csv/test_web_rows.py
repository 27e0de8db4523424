"""The sheet preview row by row: verdicts, highlighted cells, filters, pages, and the real run."""

import io
import json

import pytest
from django_scopes import scope

from clinics.models import Patient
from dentalpin_import.jobs import dispatch, services, sheet_rows
from dentalpin_import.models import ImportJob
from tests.dentalpin_import.csv.sheets import (
    NOTES_HEADER,
    patient,
    patients_rows,
    run,
    write,
)


def upload(client, path, **fields):
    data = io.BytesIO(path.read_bytes())
    data.name = path.name
    return client.post("/import/sheets/new/", {"file": data, **fields})


def totals(job):
    job.refresh_from_db()
    return job.meta["row_preview"]["totals"]


def note(ref, day, text):
    return [ref, day, text, "", "", "", ""]


@pytest.mark.django_db(transaction=True)
def test_the_preview_verdicts_are_what_the_run_then_does(staff_client, clinic, tmp_path):
    run("import_patients", write(tmp_path / "p.csv", patients_rows()), clinic.slug)
    rows = [
        NOTES_HEADER,
        note("P001", "2024-05-06 12:00", "Primera visita"),  # imported below first
        note("P001", "2024-05-07 12:00", "Revisión"),  # new
        note("P002", "07/05/2024", "Fecha dudosa"),  # new, with a warning (ambiguous date)
        note("P999", "2024-05-08 12:00", "Paciente desconocido"),  # refused: no such patient
        note("P001", "2024-05-09 12:00", ""),  # refused: no text
        note("P001", "2024-05-07 12:00", "Revisión"),  # refused: the same row again
    ]
    run("import_clinical_notes", write(tmp_path / "first.csv", rows[:2]), clinic.slug)
    response = upload(staff_client, write(tmp_path / "notas.csv", rows))
    job = ImportJob.objects.get(original_name="notas.csv")
    assert totals(job) == {"new": 1, "warning": 1, "update": 0, "unchanged": 1, "refused": 3}
    preview = staff_client.get(response.url).content.decode()
    assert 'data-verdict="refused"' in preview and "See every row" in preview
    staff_client.post(f"/import/sheets/{job.pk}/confirm/", {})
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    counts = job.counters["csv_clinical_note"]
    verdicts = job.meta["row_preview"]
    assert counts["created"] == verdicts["totals"]["new"] + verdicts["totals"]["warning"]
    assert counts["already_mapped"] == verdicts["totals"]["unchanged"]
    assert counts["failed"] + counts["skipped"] == verdicts["totals"]["refused"]


@pytest.mark.django_db(transaction=True)
def test_a_row_linked_to_the_clinics_patient_is_linked_in_the_preview_and_the_report(
    staff_client, clinic, tmp_path
):
    with scope(clinic=clinic):
        Patient.objects.create(
            clinic=clinic, given_name="Zoe", family_name="Old", national_id="87654321X"
        )
    header = ["LegacyPatientID", "First Name", "Last Name", "Date of Birth", "DNI"]
    rows = [header, ["L77", "Zoe", "Old", "1970-01-01", "87654321-x"]]
    upload(staff_client, write(tmp_path / "link.csv", rows))
    job = ImportJob.objects.get(original_name="link.csv")
    assert totals(job)["update"] == 1 and job.meta["row_preview"]["linked"] == 1
    staff_client.post(f"/import/sheets/{job.pk}/confirm/", {})
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    figures = services.report(job)["entities"]["csv_patient"]
    assert (figures["created"], figures["linked"], figures["in_file"]) == (0, 1, 1)
    with scope(clinic=clinic):
        assert Patient.objects.filter(clinic=clinic).count() == 1


@pytest.mark.django_db
def test_the_row_page_highlights_the_cells_and_filters_by_verdict(staff_client, clinic, tmp_path):
    rows = patients_rows() + [patient("P003", "Eva", "Ruiz", nhs="943 476 5918")]
    response = upload(staff_client, write(tmp_path / "p.csv", rows))
    job = ImportJob.objects.get()
    page = staff_client.get(f"/import/sheets/{job.pk}/rows/").content.decode()
    assert "Muñoz" in page or "Eva" in page
    warned = staff_client.get(f"/import/sheets/{job.pk}/rows/?verdict=warning").content.decode()
    assert '<td class="problem"' in warned and "<mark>943 476 5918</mark>" in warned
    assert "is not a valid NHS number" in warned
    new_only = staff_client.get(f"/import/sheets/{job.pk}/rows/?verdict=new").content.decode()
    assert "943 476 5918" not in new_only
    # An unknown filter shows every row; the job keeps no cell in clear.
    assert staff_client.get(f"/import/sheets/{job.pk}/rows/?verdict=<x>").status_code == 200
    assert "Eva" not in json.dumps(job.meta, ensure_ascii=False)
    folder = services.staging_dir(job) / "rows"
    assert all(b"Eva" not in p.read_bytes() for p in folder.iterdir())
    assert response.status_code == 302


@pytest.mark.django_db
def test_rows_are_paginated_with_totals(staff_client, clinic, tmp_path):
    many = [patient(f"P{i:04}", "Ana", f"Apellido{i}") for i in range(sheet_rows.PAGE_SIZE + 7)]
    rows = patients_rows()[:1] + many
    upload(staff_client, write(tmp_path / "p.csv", rows))
    job = ImportJob.objects.get()
    first = staff_client.get(f"/import/sheets/{job.pk}/rows/?verdict=new").content.decode()
    assert f"{sheet_rows.PAGE_SIZE + 7} rows" in first and "Page 1 of 2" in first
    assert "Apellido0<" in first and "Apellido56" not in first
    second = staff_client.get(f"/import/sheets/{job.pk}/rows/?verdict=new&page=2").content.decode()
    assert "Apellido56" in second and "Page 2 of 2" in second
    # A page past the end or not a number shows a real page, never an error.
    assert staff_client.get(f"/import/sheets/{job.pk}/rows/?page=99").status_code == 200
    assert staff_client.get(f"/import/sheets/{job.pk}/rows/?page=x").status_code == 200


@pytest.mark.django_db
def test_other_clinics_staff_cannot_see_the_rows(client, staff_client, other_staff_user, tmp_path):
    upload(staff_client, write(tmp_path / "p.csv", patients_rows()))
    job = ImportJob.objects.get()
    client.force_login(other_staff_user)
    assert client.get(f"/import/sheets/{job.pk}/rows/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_row_changed_since_its_import_is_an_update_and_the_run_updates_it(
    staff_client, clinic, tmp_path
):
    run("import_patients", write(tmp_path / "p.csv", patients_rows()), clinic.slug)
    rows = patients_rows()
    rows[1] = [rows[1][0], "Renamed", *rows[1][2:]]
    response = upload(staff_client, write(tmp_path / "again.csv", rows))
    job = ImportJob.objects.get(original_name="again.csv")
    found = totals(job)
    assert found["update"] == 1 and found["unchanged"] == len(rows) - 2
    page = staff_client.get(f"/import/sheets/{job.pk}/rows/?verdict=update").content.decode()
    assert "Renamed" in page and "changed since an earlier run imported it" in page
    staff_client.post(f"/import/sheets/{job.pk}/confirm/", {})
    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    # The run updates exactly the changed row and passes the others by; nothing is created.
    counts = [job.counters[t] for t in ("csv_staff", "csv_patient")]
    assert sum(c["created"] for c in counts) == 0
    assert sum(c["updated"] for c in counts) == found["update"]
    assert sum(c["already_mapped"] for c in counts) == found["unchanged"]
    with scope(clinic=clinic):
        assert Patient.objects.filter(legacy_id=rows[1][0], given_name="Renamed").exists()
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_rows_and_their_reasons_read_in_spanish(staff_client, clinic, tmp_path):
    rows = patients_rows() + [patient("P003", "Eva", "Ruiz", nhs="943 476 5918")]
    upload(staff_client, write(tmp_path / "p.csv", rows))
    job = ImportJob.objects.get()
    page = staff_client.get(
        f"/import/sheets/{job.pk}/rows/?verdict=warning", HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "Nuevas, con un aviso" in page and "Fila a fila" in page
    assert "no es un número del NHS válido" in page and "<mark>943 476 5918</mark>" in page
    assert "is not a valid NHS number" not in page
