"""Sheet wizard: template downloads, a workbook's sheet chosen, a mapping file used again."""

import io
import json

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from dentalpin_import.models import ImportJob, SheetColumnMapping
from dentalpin_import.reader.sheet_headers import recognise
from tests.dentalpin_import.csv.sheets import write
from tests.dentalpin_import.csv.test_web_columns import ROWS, mapped


def upload(client, name, data, **fields):
    file = io.BytesIO(data)
    file.name = name
    return client.post("/import/sheets/new/", {"file": file, **fields})


def workbook(sheets: dict[str, list[list]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row)
    book.close()
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("language, first", [("en", "LegacyPatientID"), ("es", "ID paciente")])
def test_templates_download_in_the_page_language_and_are_recognised(staff_client, language, first):
    page = staff_client.get("/import/sheets/new/", HTTP_ACCEPT_LANGUAGE=language).content
    assert b'href="/import/sheets/templates/clinical_notes.xlsx"' in page
    response = staff_client.get(
        "/import/sheets/templates/patients.xlsx", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"patients_template_{language}.xlsx" in response["Content-Disposition"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    header = [str(c) for c in book.get_sheet_by_index(0).to_python()[0]]
    assert header[0] == first and recognise(header).sheet_type == "patients"
    csv_file = staff_client.get(
        "/import/sheets/templates/medications.csv", HTTP_ACCEPT_LANGUAGE=language
    )
    header = csv_file.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert recognise(header).sheet_type == "medications"


@pytest.mark.django_db
def test_a_filled_in_template_imports(staff_client, clinic):
    data = staff_client.get("/import/sheets/templates/patients.csv").content
    response = upload(staff_client, "plantilla.csv", data)
    job = ImportJob.objects.get()
    assert response.url == f"/import/sheets/{job.pk}/"
    job.refresh_from_db()
    assert job.status == "validated" and job.meta["row_preview"]["rows"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["patients.pdf", "nothing.csv", "patients.xlsx.csv", "..%2F.csv"])
def test_unknown_templates_are_404(staff_client, path):
    assert staff_client.get(f"/import/sheets/templates/{path}").status_code == 404


@pytest.mark.django_db
def test_a_workbook_of_several_sheets_asks_which_proposing_the_recognised_one(staff_client):
    data = workbook(
        {
            "Notas": [["Lo que sea", "Otra"], ["x", "y"]],
            "Pacientes": [
                ["LegacyPatientID", "First Name", "Last Name", "Date of Birth"],
                ["P1", "Ana", "Ruiz", "1980-02-03"],
            ],
        }
    )
    response = upload(staff_client, "libro.xlsx", data)
    job = ImportJob.objects.get()
    assert response.url == f"/import/sheets/{job.pk}/workbook/"
    page = staff_client.get(response.url).content.decode()
    assert "Proposed: <strong>Pacientes</strong>" in page
    assert '<option value="Pacientes" selected>' in page
    forged = staff_client.post(response.url, {"worksheet": "Hoja que no existe"})
    assert forged.status_code == 400 and "Select a valid choice" in forged.content.decode()
    chosen = staff_client.post(response.url, {"worksheet": "Pacientes"})
    assert chosen.url == f"/import/sheets/{job.pk}/"
    job.refresh_from_db()
    assert job.status == "validated" and job.options["worksheet"] == "Pacientes"
    assert job.meta["row_preview"]["totals"]["new"] == 1


@pytest.mark.django_db
def test_a_downloaded_mapping_file_reads_the_next_sheet(staff_client, clinic, tmp_path):
    upload(staff_client, "raros.csv", write(tmp_path / "raros.csv", ROWS).read_bytes())
    first = ImportJob.objects.get()
    staff_client.post(f"/import/sheets/{first.pk}/columns/", mapped())
    document = staff_client.get(f"/import/sheets/{first.pk}/mapping.json").content
    SheetColumnMapping.objects.all().delete()  # forgotten: the file alone must do
    upload(staff_client, "otra.csv", write(tmp_path / "otra.csv", ROWS).read_bytes())
    second = ImportJob.objects.get(original_name="otra.csv")
    columns = f"/import/sheets/{second.pk}/columns/"
    bad = io.BytesIO(b"{not json")
    bad.name = "m.json"
    refused = staff_client.post(columns, {"upload": "1", "mapping_file": bad})
    assert refused.status_code == 400 and "not JSON" in refused.content.decode()
    wrong = io.BytesIO(json.dumps(dict(json.loads(document), sheet_type="medications")).encode())
    wrong.name = "m.json"
    refused = staff_client.post(columns, {"upload": "1", "mapping_file": wrong})
    assert refused.status_code == 400
    good = io.BytesIO(document)
    good.name = "m.json"
    done = staff_client.post(columns, {"upload": "1", "mapping_file": good})
    assert done.url == f"/import/sheets/{second.pk}/"
    second.refresh_from_db()
    assert second.status == "validated" and SheetColumnMapping.objects.count() == 1


@pytest.mark.django_db
def test_a_chosen_sheet_with_unknown_headers_goes_on_to_its_columns(staff_client, clinic):
    data = workbook({"Hoja1": [["a", "b"], ["1", "2"]], "Datos": ROWS})
    response = upload(staff_client, "libro.ods.xlsx", data)
    job = ImportJob.objects.get()
    page = staff_client.get(response.url).content.decode()
    assert "Proposed:" not in page  # no sheet's headers are recognised
    columns = staff_client.post(response.url, {"worksheet": "Datos"})
    assert columns.url == f"/import/sheets/{job.pk}/columns/"
    page = staff_client.get(columns.url + "?kind=patients").content.decode()
    assert "Color favorito" in page and "azul" in page  # the workbook's first values
    done = staff_client.post(columns.url, mapped())
    assert done.url == f"/import/sheets/{job.pk}/"
    job.refresh_from_db()
    assert job.options["worksheet"] == "Datos" and job.meta["row_preview"]["totals"]["new"] == 2
