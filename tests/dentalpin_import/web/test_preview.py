"""The preview step: target clinic, counts, samples, the file's warnings, binaries, Verifactu."""

import pytest
from django.test import modify_settings

from dentalpin_import.models import ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.web.helpers import run_to_the_end, step, upload

CHECKBOX = 'name="preview-import_verifactu"'


def previewed(client, path):
    upload(client, path)
    job = ImportJob.objects.get()
    step(client, job, "validate")
    return job, client.get(f"/import/jobs/{job.pk}/preview/").content.decode()


@pytest.mark.django_db
def test_the_preview_names_the_clinic_counts_samples_warnings_and_binaries(staff_client, tmp_path):
    rows = b.small_clinic_rows() + [b.patient(10 + i, given_name=f"Extra{i}") for i in range(4)]
    path = b.build(
        tmp_path,
        rows,
        files=b.small_clinic_files(),
        warnings=[b.WarningRow("warn", "source.odd_date", "FecNac 1899", "patient", "3")],
    )
    job, page = previewed(staff_client, path)
    assert '<p class="target">Target clinic: <strong>Clínica Alba</strong> (alba)' in page
    assert 'data-type="patient" class="count">7<' in page
    assert 'data-type="payment" class="count">3<' in page
    patients = page.split('data-type="patient"')[1].split("</tr>")[0]
    assert patients.count("<li>") == 5
    assert '<span class="field">given_name</span>=Paciente1' in patients
    assert "[warn] source.odd_date (patient 3): FecNac 1899" in page
    assert "Binaries expected: 2 (1 with checksum), 67\xa0bytes in total." in page


@pytest.mark.django_db
def test_the_verifactu_checkbox_appears_only_for_legal_data(staff_client, tmp_path):
    without = [r for r in b.small_clinic_rows() if r.entity_type != "fiscal_document"]
    _, page = previewed(staff_client, b.build(tmp_path, without))
    assert CHECKBOX not in page


@pytest.mark.django_db(transaction=True)
def test_with_legal_data_and_the_app_the_choice_reaches_the_job(staff_client, tmp_path):
    job, page = previewed(staff_client, b.small_clinic(tmp_path))
    assert CHECKBOX in page and '<label for="id_preview-import_verifactu">' in page
    step(staff_client, job, "preview", {"preview-import_verifactu": "on"})
    confirm = staff_client.get(f"/import/jobs/{job.pk}/confirm/").content.decode()
    assert "Verifactu legal data will be imported." in confirm
    step(staff_client, job, "confirm")
    from dentalpin_import.jobs import dispatch

    dispatch.wait_for_background_jobs()
    job.refresh_from_db()
    assert job.options["import_verifactu"] is True and job.status == "succeeded"


@pytest.mark.django_db
def test_without_the_verifactu_app_the_checkbox_is_not_offered(staff_client, tmp_path):
    upload(staff_client, b.small_clinic(tmp_path))
    job = ImportJob.objects.get()
    step(staff_client, job, "validate")
    with modify_settings(INSTALLED_APPS={"remove": ["verifactu"]}):
        page = staff_client.get(f"/import/jobs/{job.pk}/preview/").content.decode()
        assert "Target clinic" in page and CHECKBOX not in page
        # A forged tick is ignored: the option is only recorded when offered.
        step(staff_client, job, "preview", {"preview-import_verifactu": "on"})
    job.refresh_from_db()
    assert job.options["import_verifactu"] is False


@pytest.mark.django_db(transaction=True)
def test_an_unticked_box_imports_without_legal_data(staff_client, tmp_path):
    upload(staff_client, b.small_clinic(tmp_path))
    job = ImportJob.objects.get()
    run_to_the_end(staff_client, job)
    assert job.options["import_verifactu"] is False and job.status == "succeeded"
