"""Undo from the web (confirmation, then the undo in the background) and the JSON report.

The undo's life on the job page (under way, refused, stopped, asked twice) is in
test_undo_in_background.py.
"""

import json
import re
from pathlib import Path

import pytest
from django.utils import translation
from django_scopes import scope

from clinics.models import Patient
from dentalpin_import.jobs import dispatch, retention
from dentalpin_import.models import AuditEntry, ImportJob
from dentalpin_import.names import record_name
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.web.helpers import upload


@pytest.fixture
def imported(tmp_path, clinic):
    status, out, report = run_import(b.small_clinic(tmp_path), clinic.slug, report=tmp_path / "r")
    assert status == 0, out
    job = ImportJob.objects.get(pk=report["job_id"])
    folder = retention.job_folder(job)
    folder.mkdir(parents=True)
    (folder / "validated.dpmr").write_bytes(b"x" * 100)
    return job


def patients(clinic):
    with scope(clinic=clinic):
        return Patient.objects.count()


@pytest.mark.django_db
def test_the_undo_page_lists_what_would_go_and_deletes_nothing(staff_client, clinic, imported):
    page = staff_client.get(f"/import/jobs/{imported.pk}/undo/").content.decode()
    assert 'data-table="clinics_patient">3<' in page and "<td>patients</td>" in page
    assert "Undo this import" in page
    assert patients(clinic) == 3
    imported.refresh_from_db()
    assert imported.status == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_confirming_the_undo_deletes_the_rows_the_upload_and_audits_it(
    staff_client, clinic, imported
):
    response = staff_client.post(f"/import/jobs/{imported.pk}/undo/", {"confirm": "yes"})
    assert response.status_code == 302
    assert response.url == f"/import/jobs/{imported.pk}/"
    dispatch.wait_for_background_jobs()
    imported.refresh_from_db()
    assert imported.status == "undone" and patients(clinic) == 0
    assert not retention.job_folder(imported).exists()
    actions = set(AuditEntry.objects.filter(job=imported).values_list("action", "outcome"))
    assert {("undo", "asked"), ("undo", "undone"), ("retention", "files deleted")} <= actions
    page = staff_client.get(response.url).content.decode()
    assert "Undone:" in page and "Undo this import" not in page


@pytest.mark.django_db(transaction=True)
def test_a_row_edited_after_the_import_needs_the_force_box(staff_client, clinic, imported):
    import datetime as dt

    with scope(clinic=clinic):
        patient = Patient.objects.first()
        # As if a receptionist edited it five minutes after the import.
        Patient.objects.filter(pk=patient.pk).update(
            updated_at=patient.updated_at + dt.timedelta(minutes=5), notes="edited"
        )
    url = f"/import/jobs/{imported.pk}/undo/"
    page = staff_client.get(url).content.decode()
    assert (
        f"<li>{patient} (chart {patient.chart_number})</li>" in page
        or f"<li>{patient}</li>" in page
    )
    assert "clinics_patient" not in re.sub(r'data-table="[a-z_]+"', "", page)
    assert 'name="force"' in page
    # The refusal comes from the background undo: the job page says it, in either language.
    asked = staff_client.post(url, {"confirm": "yes"})
    dispatch.wait_for_background_jobs()
    refused = staff_client.get(asked.url).content.decode()
    assert "The undo was refused" in refused and patients(clinic) == 3
    # In Spanish, the refusal's reason is Spanish too, with its rows listed.
    spanish = staff_client.get(asked.url, HTTP_ACCEPT_LANGUAGE="es")
    with scope(clinic=clinic), translation.override("es"):
        named = record_name(patient)  # the row by its name, never "clinics_patient#…"
    assert (
        f"1 filas se editaron después de la importación (“{named}”); "
        "para borrarlas de todos modos, use --force (en esta página: «Borrar también las "
        "filas editadas»)"
    ) in spanish.content.decode()
    staff_client.post(url, {"confirm": "yes", "force": "on"})
    dispatch.wait_for_background_jobs()
    assert patients(clinic) == 0


@pytest.mark.django_db
def test_undo_needs_a_post_with_csrf_and_is_invisible_to_other_clinics(
    client, clinic, imported, other_staff_user, staff_user
):
    client.force_login(other_staff_user)
    assert client.get(f"/import/jobs/{imported.pk}/undo/").status_code == 404
    assert client.post(f"/import/jobs/{imported.pk}/undo/", {"confirm": "yes"}).status_code == 404
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff_user)
    assert strict.post(f"/import/jobs/{imported.pk}/undo/", {"confirm": "yes"}).status_code == 403
    assert patients(clinic) == 3


@pytest.mark.django_db
def test_the_report_downloads_as_json_with_the_reconciliation(staff_client, imported):
    response = staff_client.get(f"/import/jobs/{imported.pk}/report.json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["job_id"] == str(imported.pk)
    assert data["entities"]["patient"]["created"] == 3
    assert data["reconciliation"]["adds_up"] is True
    assert set(data["reconciliation"]["money"]) >= {"payments", "refunds", "invoices"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", ["uploaded", "validated", "previewed"])
def test_a_job_still_in_the_wizard_cannot_be_undone_and_says_why(
    staff_client, clinic, tmp_path, status
):
    upload(staff_client, b.small_clinic(tmp_path))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=status)
    url = f"/import/jobs/{job.pk}/undo/"
    said = "has not run yet: nothing was imported, so there is nothing to undo"
    assert said in staff_client.get(url).content.decode()
    confirmed = staff_client.post(url, {"confirm": "yes"}, HTTP_ACCEPT_LANGUAGE="es")
    assert confirmed.status_code == 200
    assert "aún no se ha ejecutado: no se importó nada" in confirmed.content.decode()
    job.refresh_from_db()
    assert job.status == status and job.stored_path and Path(job.stored_path).exists()
