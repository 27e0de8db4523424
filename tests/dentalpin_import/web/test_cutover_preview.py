"""Before confirming a later export: what is new, changed, edited in the clinic and missing."""

from pathlib import Path

import pytest

from dentalpin_import.models import ImportJob
from dentalpin_import.sample.generator import generate_sample
from dentalpin_import.sample.later import write_later_export
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.web.helpers import step, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def later(tmp_path, clinic):
    earlier = generate_sample(tmp_path / "early.dpm", patients=20, seed=4, binaries=False)
    status, out, _ = run_import(earlier.path, clinic.slug)
    assert status == 0, out
    return write_later_export(
        earlier.path, tmp_path / "late.dpm", changed=9, new=5, removed=4, binaries=False
    )


def test_preview_and_confirm_of_a_later_export_say_what_changes(staff_client, later):
    upload(staff_client, Path(later.path))
    job = ImportJob.objects.filter(original_name="late.dpm").get()
    step(staff_client, job, "validate")
    page = staff_client.get(f"/import/jobs/{job.pk}/preview/").content.decode()
    assert "A later export of records this clinic already has" in page
    changed = sum(map(len, later.changed.values()))
    removed = sum(map(len, later.removed.values()))
    assert f"{changed} changed in the old system" in page
    assert f"{removed} no longer in this file" in page
    section = page.split('class="cutover-preview"')[1].split("</section>")[0]
    assert "appointments" in section and "payment_alert" not in section
    # Changed records are named as staff know them: the patient and the chart number.
    patients_row = section.split('<th scope="row">patients</th>')[1].split("</tr>")[0]
    assert "(chart " in patients_row and "appointment on" in section
    removed_alert = later.removed["patient_alert"][0]
    assert removed_alert[:8] not in section  # missing records are named, not shown by id
    step(staff_client, job, "preview")
    confirm = staff_client.get(f"/import/jobs/{job.pk}/confirm/").content.decode()
    assert "What will be overwritten" in confirm
    spanish = staff_client.get(
        f"/import/jobs/{job.pk}/confirm/", HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "Qué se sobrescribirá" in spanish and "citas" in spanish


def test_a_first_import_shows_no_cutover_section(staff_client, tmp_path):
    first = generate_sample(tmp_path / "first.dpm", patients=5, seed=6, binaries=False)
    upload(staff_client, Path(first.path))
    job = ImportJob.objects.get()
    step(staff_client, job, "validate")
    page = staff_client.get(f"/import/jobs/{job.pk}/preview/").content.decode()
    assert "cutover-preview" not in page


def test_kinds_kept_as_raw_data_are_not_counted_as_new_again(staff_client, clinic, tmp_path):
    future = b.row("future_thing", 1, name="algo")
    first = b.build(tmp_path / "a", b.small_clinic_rows() + [future], name="trial")
    assert run_import(first, clinic.slug)[0] == 0
    rows = [
        b.patient(2, client_sid=1, given_name="José", national_id="00000002Z", phone="699999999")
        if r.entity_type == "patient" and r.source_id == "2"
        else r
        for r in b.small_clinic_rows()
    ]
    upload(staff_client, b.build(tmp_path / "b", rows + [future], name="golive"))
    job = ImportJob.objects.filter(original_name__startswith="golive").get()
    step(staff_client, job, "validate")
    page = staff_client.get(f"/import/jobs/{job.pk}/preview/").content.decode()
    section = page.split('class="cutover-preview"')[1].split("</section>")[0]
    assert "José" in section and "future" not in section.lower()
