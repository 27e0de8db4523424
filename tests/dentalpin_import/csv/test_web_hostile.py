"""The reviewer's hostile sheets in the browser: a refusal in the page's language or a
preview, never a 500 (the commands' side is test_hostile_sheets.py)."""

import csv
import io
import json

import pytest

from dentalpin_import.models import ImportJob
from tests.dentalpin_import.csv.sheets import NOTES_HEADER, patients_rows, run, write

HEADER = "LegacyPatientID,First Name,Last Name,Date of Birth"


def upload(client, path, **fields):
    data = io.BytesIO(path.read_bytes())
    data.name = path.name
    return client.post("/import/sheets/new/", {"file": data, **fields})


def sheet(tmp_path, text: str, name="p.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def spanish_page(client, response) -> str:
    assert response.status_code == 302, response.status_code
    return client.get(response.url, HTTP_ACCEPT_LANGUAGE="es").content.decode()


@pytest.mark.django_db
def test_a_note_at_second_60_reaches_the_preview(staff_client, clinic, tmp_path):
    run("import_patients", write(tmp_path / "p.csv", patients_rows()), clinic.slug)
    rows = [NOTES_HEADER, ["P001", "2024-01-01 10:30:60", "hola", "", "", "", ""]]
    response = upload(staff_client, write(tmp_path / "n.csv", rows))
    job = ImportJob.objects.get(original_name="n.csv")
    assert response.url == f"/import/sheets/{job.pk}/" and job.status != "failed"


@pytest.mark.django_db
def test_a_huge_first_cell_is_a_translated_refusal(staff_client, tmp_path):
    before = csv.field_size_limit()
    csv.field_size_limit(131072)  # as a fresh process has it
    try:
        path = sheet(tmp_path, '[{"id": "P0", "notas": "' + "x" * 200_000 + '"}]')
        page = spanish_page(staff_client, upload(staff_client, path))
    finally:
        csv.field_size_limit(before)
    assert "Server Error" not in page  # a refusal, or the column step: never a 500


@pytest.mark.django_db
def test_a_value_under_a_blank_header_is_a_translated_refusal(staff_client, tmp_path):
    text = "LegacyPatientID,,First Name,Last Name,Date of Birth\nP1,x,Ana,L,1980-01-02\n"
    page = spanish_page(staff_client, upload(staff_client, sheet(tmp_path, text)))
    assert "la columna B no tiene encabezado, pero la línea 2 tiene un valor" in page


@pytest.mark.django_db
def test_blank_lines_above_the_header_go_straight_to_the_preview(staff_client, tmp_path):
    path = sheet(tmp_path, f";;;\r\n\r\n{HEADER}\r\nP1,Ana,López,1980-01-02\r\n".replace(",", ";"))
    response = upload(staff_client, path)
    job = ImportJob.objects.get()
    assert response.url == f"/import/sheets/{job.pk}/" and job.status != "failed"
    assert "López" in staff_client.get(response.url).content.decode()


@pytest.mark.django_db
def test_a_nul_in_a_header_never_reaches_the_jobs_details(staff_client, tmp_path):
    # A header the reader does not know: the job waits on the column step with its headers.
    path = sheet(tmp_path, "\ufeffLegacyPatientID,First Name,Co\x00lor\nP1,Ana,azul\n")
    response = upload(staff_client, path)
    job = ImportJob.objects.get()
    assert response.url == f"/import/sheets/{job.pk}/columns/"
    assert job.meta["waiting"]["headers"] == ["LegacyPatientID", "First Name", "Color"]
    assert "\\u0000" not in json.dumps(job.meta)


@pytest.mark.django_db
def test_a_dos_export_is_read_with_cp850_chosen_in_the_form(staff_client, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(f"{HEADER}\r\nP1,Begoña,Muñoz,1980-01-02\r\n".encode("cp850"))
    response = upload(staff_client, path, encoding="cp850")
    job = ImportJob.objects.get()
    assert response.url == f"/import/sheets/{job.pk}/" and job.status != "failed"
    assert "Begoña" in staff_client.get(response.url).content.decode()
