"""The preview step: target clinic, counts, samples, the file's warnings, binaries, Verifactu."""

import pytest
from django.test import modify_settings

from dentalpin_import.models import ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.web.helpers import run_to_the_end, step, upload

CHECKBOX = 'name="preview-import_verifactu"'


def previewed(client, path, language="en"):
    upload(client, path)
    job = ImportJob.objects.get()
    step(client, job, "validate")
    page = client.get(f"/import/jobs/{job.pk}/preview/", HTTP_ACCEPT_LANGUAGE=language)
    return job, page.content.decode()


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
    # Samples are small tables, folded: a header row of field names and one row per sample.
    patients = page.split('data-type="patient"')[1].split("</details>")[0]
    assert "<summary>5 examples</summary>" in patients
    assert patients.count("<tr>") == 6 and "=" not in patients.replace('="', "")
    assert '<th scope="col" data-field="given_name">Given name</th>' in patients
    assert "<td>Paciente1</td>" in patients
    assert "patient 3: FecNac 1899 <small>(source.odd_date, warn)</small>" in page
    assert "2 documents (radiographs, photos, PDFs) are listed, 67\xa0bytes in all" in page


@pytest.mark.django_db
def test_the_preview_leads_with_a_summary_and_what_happens_next(staff_client, tmp_path):
    """The summary and Continue come before the long lists; those are folded."""
    rows = b.small_clinic_rows() + [
        b.row("appointment", 90, patient_uuid=b.uid("patient", 404), scheduled_date="2026-01-02")
    ]
    warnings = [b.WarningRow("info", "source.note", "export started", None, None)]
    _, page = previewed(staff_client, b.build(tmp_path, rows, warnings=warnings))
    order = [
        page.index("In short"),
        page.index("What happens next"),
        page.index(">Continue</button>"),
        page.index("problems found before importing"),
        page.index("What the file holds"),
        page.index("warning written by the exporter"),
    ]
    assert order == sorted(order)
    assert "The file holds 22 records from gesden." in page
    assert "2 problems were found in the records: the import will report them as warnings" in page
    assert "1 appointment has no professional — e.g. 90" in page
    assert "1 appointment points at patients that are not in the file — e.g. 90" in page
    # A warning about the whole file names no record: never "(None None)".
    assert "the whole file: export started" in page and "None" not in page
    assert '<details class="file-warnings">' in page


@pytest.mark.django_db
def test_the_preview_in_spanish_has_no_english_left(staff_client, tmp_path):
    _, page = previewed(staff_client, b.small_clinic(tmp_path), language="es")
    for spanish in (
        "En resumen",
        "Qué pasa después",
        "El archivo contiene 21 registros de gesden.",
        "12 tipos de registro se importan en la clínica;",
        "Figuran 2 documentos (radiografías, fotos, PDF)",
        "El exportador escribió 1 aviso sobre los datos antiguos.",
        '<th scope="row">pacientes</th>',
        "<summary>3 ejemplos</summary>",
        'data-field="given_name">Nombre</th>',
        "Paso 3 de 5.",
        "paciente 3: FecNac 1899-12-30",
    ):
        assert spanish in page, spanish
    for english in ("In short", "examples", "Given name", "Kind of record", "What the file"):
        assert english not in page, english


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
