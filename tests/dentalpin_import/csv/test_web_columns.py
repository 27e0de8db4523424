"""The sheet wizard's column step: unknown headers mapped, saved per clinic, offered again."""

import io
import json
from datetime import timedelta

import pytest
from django_scopes import scopes_disabled

from clinics.models import Patient
from dentalpin_import.jobs import services
from dentalpin_import.models import ImportJob, SheetColumnMapping
from dentalpin_import.reader.sheet_headers import fields_of
from tests.dentalpin_import.csv.sheets import write
from tests.factories.clinics import MembershipFactory, UserFactory

HEADER = ["Código", "Nombre de pila", "Apellidos", "Nacido el", "Color favorito"]
ROWS = [
    HEADER,
    ["A1", "Ana", "Ruiz", "1980-02-03", "azul"],
    ["A2", "Luis", "Gil", "1975-01-09", ""],
]
CHOICES = {"col-0": "legacy_id", "col-1": "first_name", "col-2": "last_name"}


def upload(client, path, **fields):
    data = io.BytesIO(path.read_bytes())
    data.name = path.name
    return client.post("/import/sheets/new/", {"file": data, **fields})


def field_names():
    return {f.name for f in fields_of("patients")}


def mapped(**more):
    names = field_names()
    birth = "date_of_birth" if "date_of_birth" in names else "birth_date"
    return {"kind": "patients", "save": "1", **CHOICES, "col-3": birth, "col-4": "", **more}


@pytest.mark.django_db
def test_unknown_headers_are_mapped_saved_and_offered_again(staff_client, clinic, tmp_path):
    response = upload(staff_client, write(tmp_path / "raros.csv", ROWS))
    job = ImportJob.objects.get()
    assert response.url == f"/import/sheets/{job.pk}/columns/"
    page = staff_client.get(response.url + "?kind=patients").content.decode()
    assert "Color favorito" in page and "azul" in page and "Ignore this column" in page
    done = staff_client.post(response.url, mapped())
    assert done.url == f"/import/sheets/{job.pk}/", done.content.decode()[-2000:]
    job.refresh_from_db()
    assert job.status == "validated" and job.meta["row_preview"]["totals"]["new"] == 2
    saved = SheetColumnMapping.objects.get()
    assert saved.clinic == clinic and saved.sheet_type == "patients"
    assert saved.columns["Color favorito"] is None
    # The JSON the commands take, downloaded from the preview.
    download = staff_client.get(f"/import/sheets/{job.pk}/mapping.json")
    document = json.loads(download.content)
    assert (
        document["format"] == "dentalpin-sheet-mapping/1" and document["columns"] == saved.columns
    )
    assert "attachment" in download["Content-Disposition"]
    # The next sheet with the same headers is read at once with the saved mapping.
    again = upload(staff_client, write(tmp_path / "otra.csv", ROWS[:1] + [ROWS[1]]))
    second = ImportJob.objects.get(original_name="otra.csv")
    assert again.url == f"/import/sheets/{second.pk}/"
    preview = staff_client.get(again.url).content.decode()
    assert "column mapping saved for this clinic" in preview
    assert '<th scope="row">Color favorito</th><td><em>not used</em>' in preview
    assert '<th scope="row">Nombre de pila</th><td>First name' in preview


@pytest.mark.django_db
def test_another_clinics_mapping_is_never_offered(
    client, staff_client, clinic, other_clinic, other_staff_user, tmp_path
):
    upload(staff_client, write(tmp_path / "raros.csv", ROWS))
    job = ImportJob.objects.get()
    staff_client.post(f"/import/sheets/{job.pk}/columns/", mapped())
    client.force_login(other_staff_user)
    response = upload(client, write(tmp_path / "suyo.csv", ROWS))
    theirs = ImportJob.objects.get(original_name="suyo.csv")
    assert response.url == f"/import/sheets/{theirs.pk}/columns/"
    assert client.get(f"/import/sheets/{job.pk}/columns/").status_code == 404
    assert client.get(f"/import/sheets/{job.pk}/mapping.json").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "posted, said",
    [
        ({"col-4": "no_such_field"}, "Select a valid choice"),
        ({"col-4": "first_name"}, "choose one of them"),
        ({"col-0": ""}, "Still without a column"),
        ({"kind": "medications", "col-4": "<script>"}, "Select a valid choice"),
    ],
)
def test_hostile_or_wrong_columns_are_refused_with_the_reason(staff_client, tmp_path, posted, said):
    upload(staff_client, write(tmp_path / "raros.csv", ROWS))
    job = ImportJob.objects.get()
    response = staff_client.post(f"/import/sheets/{job.pk}/columns/", mapped(**posted))
    assert response.status_code == 400 and said in response.content.decode()
    assert "<script>" not in response.content.decode().split("<main>")[1]
    job.refresh_from_db()
    assert job.status == "uploaded" and not SheetColumnMapping.objects.exists()
    with scopes_disabled():
        assert not Patient.objects.exists()


@pytest.mark.django_db
def test_a_forged_worksheet_or_a_finished_step_goes_nowhere(staff_client, tmp_path):
    upload(staff_client, write(tmp_path / "raros.csv", ROWS))
    job = ImportJob.objects.get()
    # Not a workbook: the workbook step sends the job back to where it is.
    forged = staff_client.post(f"/import/sheets/{job.pk}/workbook/", {"worksheet": "../etc"})
    assert forged.status_code == 302 and forged.url.endswith("/columns/")
    staff_client.post(f"/import/sheets/{job.pk}/columns/", mapped())
    assert staff_client.get(f"/import/sheets/{job.pk}/columns/").url.endswith(f"{job.pk}/")


@pytest.mark.django_db
def test_two_columns_with_one_header_read_differently_are_refused(staff_client, tmp_path):
    rows = [HEADER + ["Nombre de pila"], ROWS[1] + ["Anita"], ROWS[2] + ["Luisito"]]
    upload(staff_client, write(tmp_path / "dobles.csv", rows))
    job = ImportJob.objects.get()
    page = staff_client.get(f"/import/sheets/{job.pk}/columns/?kind=patients").content.decode()
    assert "Anita" in page
    response = staff_client.post(f"/import/sheets/{job.pk}/columns/", mapped(**{"col-5": ""}))
    assert response.status_code == 400
    assert "Two columns are headed “Nombre de pila”" in response.content.decode()
    assert not SheetColumnMapping.objects.exists()


@pytest.mark.django_db
def test_a_reader_without_permission_cannot_map_columns(client, staff_client, clinic, tmp_path):
    upload(staff_client, write(tmp_path / "raros.csv", ROWS))
    job = ImportJob.objects.get()
    dentist = UserFactory(username="dentist")
    MembershipFactory(user=dentist, clinic=clinic, role="dentist")
    client.force_login(dentist)
    assert client.post(f"/import/sheets/{job.pk}/columns/", mapped()).status_code == 403
    assert client.get("/import/sheets/templates/patients.csv").status_code == 403
    assert not SheetColumnMapping.objects.exists()


@pytest.mark.django_db
def test_a_sheet_left_waiting_for_its_columns_is_swept_with_its_sample_values(
    staff_client, tmp_path
):
    upload(staff_client, write(tmp_path / "raros.csv", ROWS))
    job = ImportJob.objects.get()
    folder = services.staging_dir(job)
    assert (folder / "awaiting.dpmr").exists()
    assert b"Ruiz" not in (folder / "awaiting.dpmr").read_bytes()
    services.sweep_abandoned_uploads(older_than=timedelta(0))
    job.refresh_from_db()
    assert job.status == "cancelled" and not folder.exists()
    assert "samples_sealed" not in job.meta["waiting"]


@pytest.mark.django_db
def test_a_previewed_sheet_is_read_again_with_other_columns(staff_client, clinic, tmp_path):
    upload(staff_client, write(tmp_path / "raros.csv", ROWS))
    first = ImportJob.objects.get()
    staff_client.post(f"/import/sheets/{first.pk}/columns/", mapped())
    again = upload(staff_client, write(tmp_path / "otra.csv", ROWS))
    second = ImportJob.objects.get(original_name="otra.csv")
    assert "Read the columns differently" in staff_client.get(again.url).content.decode()
    response = staff_client.post(f"/import/sheets/{second.pk}/read-again/")
    third = ImportJob.objects.exclude(pk__in=[first.pk, second.pk]).get()
    assert response.url == f"/import/sheets/{third.pk}/columns/"
    second.refresh_from_db()
    assert (
        second.status == "cancelled"
        and not services.staging_dir(second).joinpath("validated.dpmr").exists()
    )
    # The saved choice is where staff start from; the colour is now read as the city.
    page = staff_client.get(response.url).content.decode()
    assert '<option value="legacy_id" selected>' in page
    done = staff_client.post(response.url, mapped(**{"col-4": "city"}))
    assert done.url == f"/import/sheets/{third.pk}/"
    assert SheetColumnMapping.objects.get().columns["Color favorito"] == "city"


@pytest.mark.django_db
def test_the_admin_lists_saved_mappings_clinic_by_clinic(client, staff_client, tmp_path):
    upload(staff_client, write(tmp_path / "raros.csv", ROWS))
    job = ImportJob.objects.get()
    staff_client.post(f"/import/sheets/{job.pk}/columns/", mapped())
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    page = client.get("/admin/dentalpin_import/sheetcolumnmapping/").content.decode()
    assert "Color favorito" in page and "patients" in page
    saved = SheetColumnMapping.objects.get()
    assert (
        client.get(f"/admin/dentalpin_import/sheetcolumnmapping/{saved.pk}/delete/").status_code
        == 200
    )
