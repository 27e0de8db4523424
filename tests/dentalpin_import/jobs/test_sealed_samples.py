"""Preview samples: encrypted on the job row, readable on the preview page only, gone when the
job is undone, swept or past its retention."""

import datetime as dt
import importlib
import io
import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from clinics.fields import encrypt
from dentalpin_import.jobs import retention, undo
from dentalpin_import.models import ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.csv.sheets import PATIENT_HEADER
from tests.dentalpin_import.web.helpers import run_to_the_end, step, upload

ALERT = "ALERGIA A PENICILINA; reacción anafiláctica en 2019"
DRUG = "Sintrom 4 mg comprimidos"
NAME = "Wenceslaa"
# What the samples show of them: names whole, texts cut to 40 characters.
IN_CLEAR = (NAME, ALERT[:30], DRUG)


def rows():
    return [
        *b.small_clinic_rows(),
        b.patient(9, given_name=NAME),
        b.row("patient_alert", "a1", patient_uuid=b.uid("patient", 9), text=ALERT),
        b.row(
            "pharmacological_history", "m1", patient_uuid=b.uid("patient", 9), drug_description=DRUG
        ),
    ]


def stored_meta(job) -> str:
    """The job's metadata as the database holds it, read without the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CAST(meta AS TEXT) FROM dentalpin_import_importjob WHERE id = %s", [job.pk.hex]
        )
        return cursor.fetchone()[0]


def validated(client, tmp_path):
    upload(client, b.build(tmp_path, rows()))
    job = ImportJob.objects.get()
    step(client, job, "validate")
    job.refresh_from_db()
    assert job.status == "validated"
    return job


def preview_page(client, job) -> str:
    return client.get(f"/import/jobs/{job.pk}/preview/").content.decode()


@pytest.mark.django_db
def test_samples_are_encrypted_at_rest_and_shown_on_the_preview_page_only(
    staff_client, staff_user, tmp_path
):
    job = validated(staff_client, tmp_path)
    raw = stored_meta(job)
    assert '"samples_sealed": "fernet:' in raw.replace('":"', '": "')
    for text in IN_CLEAR:
        assert text not in raw
    page = preview_page(staff_client, job)
    for text in IN_CLEAR:
        assert text in page
    staff_user.is_superuser = True
    staff_user.save()
    admin = staff_client.get(f"/admin/dentalpin_import/importjob/{job.pk}/change/")
    assert admin.status_code == 200
    for text in IN_CLEAR:
        assert text not in admin.content.decode()


@pytest.mark.django_db
def test_a_csv_sheets_samples_are_not_in_clear_either(staff_client):
    header = ",".join(PATIENT_HEADER)
    line = f"L1,{NAME},Ruiz,1980-02-03,,,,,,,,,,"
    sheet = io.BytesIO(f"{header}\n{line}\n".encode())
    sheet.name = "patients.csv"
    staff_client.post("/import/sheets/new/", {"file": sheet})
    job = ImportJob.objects.get()
    assert NAME not in stored_meta(job)
    assert NAME in staff_client.get(f"/import/sheets/{job.pk}/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_undo_removes_the_samples(staff_client, staff_user, tmp_path):
    job = validated(staff_client, tmp_path)
    run_to_the_end(staff_client, job)
    assert "samples_sealed" in stored_meta(job)
    undo.undo_job(job=job, user=staff_user)
    raw = stored_meta(job)
    assert "samples_sealed" not in raw and '"types"' in raw  # the counts stay


@pytest.mark.django_db
def test_sweeping_an_abandoned_wizard_removes_the_samples(staff_client, tmp_path):
    job = validated(staff_client, tmp_path)
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    call_command("sweep_import_uploads", stdout=io.StringIO())
    job.refresh_from_db()
    assert job.status == "cancelled" and "samples_sealed" not in stored_meta(job)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("folder_left", [True, False])
def test_the_end_of_the_retention_removes_the_samples(staff_client, tmp_path, folder_left):
    job = validated(staff_client, tmp_path)
    run_to_the_end(staff_client, job)
    if not folder_left:
        retention.job_folder(job).rename(tmp_path / "gone")
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(days=2))
    call_command("sweep_import_uploads", stdout=io.StringIO())
    assert "samples_sealed" in stored_meta(job)  # within the retention: kept
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(days=99))
    call_command("sweep_import_uploads", stdout=io.StringIO())
    assert "samples_sealed" not in stored_meta(job)


@pytest.mark.django_db
def test_the_migration_seals_samples_kept_in_clear_and_can_put_them_back(clinic):
    migration = importlib.import_module("dentalpin_import.migrations.0006_seal_preview_samples")
    dpmf = {
        "types": [{"entity_type": "patient", "in_file": 1, "samples": [{"given_name": NAME}]}],
        "total": 1,
    }
    csv = {"sheet": "patients", "samples": [["L1", NAME]]}
    sealed_already = {"types": [], "samples_sealed": encrypt("{}")}
    jobs = [
        ImportJob.objects.create(clinic=clinic, original_name=f"{n}", meta={"preview": p})
        for n, p in enumerate((dpmf, csv, sealed_already))
    ]
    migration.seal(apps, None)
    for job in jobs:
        assert NAME not in stored_meta(job) and "samples_sealed" in stored_meta(job)
    migration.unseal(apps, None)
    back = [json.loads(stored_meta(job))["preview"] for job in jobs]
    assert back[0] == dpmf and back[1] == csv and back[2] == {"types": []}
