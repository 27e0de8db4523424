"""After a go-live import, staff review a conflict and take the file's value in a real Chromium."""

import json

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from clinics.models import Patient
from dentalpin_import.models import EntityMapping, ImportJob
from dentalpin_import.sample.generator import generate_sample
from dentalpin_import.sample.later import write_later_export
from tests.browser.test_import_wizard import log_in
from tests.dentalpin_import.commands.helpers import run_import
from tests.factories.clinics import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_take_the_files_value_for_a_conflict_they_selected(
    live_server, new_page, clinic, tmp_path
):
    earlier = generate_sample(tmp_path / "trial.dpm", patients=12, seed=8, binaries=False)
    assert run_import(earlier.path, clinic.slug)[0] == 0
    later = write_later_export(earlier.path, tmp_path / "golive.dpm", changed=6, binaries=False)
    key = later.changed["patient"][0]
    with scope(clinic=clinic):
        target = EntityMapping.objects.get(clinic=clinic, entity_type="patient", canonical_uuid=key)
        patient = Patient.objects.get(pk=int(target.target_id))
        patient.phone = "600000000"  # staff corrected it after the trial import
        patient.save()
    status, out, report = run_import(later.path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0, out
    job = ImportJob.objects.get(pk=report["job_id"])
    conflict = job.conflicts.get(canonical_uuid=key, field="phone")

    admin = UserFactory(username="ana")
    MembershipFactory(user=admin, clinic=clinic)
    page = new_page()
    log_in(page, live_server.url, "ana")
    page.goto(f"{live_server.url}/import/jobs/{job.pk}/")
    expect(page.get_by_role("heading", name="Changes since the earlier import")).to_be_visible()
    page.get_by_role("link", name="Review the conflicts").click()
    line = page.locator("tbody tr", has_text="600000000")
    expect(line).to_contain_text(patient.given_name)
    expect(line).to_contain_text("Clinic value kept")
    line.get_by_role("checkbox").check()
    page.get_by_role("button", name="Take the file's value for the selected lines").click()
    expect(page.get_by_role("status").first).to_contain_text("was taken for")
    expect(page.locator("tbody tr", has_text="600000000")).to_contain_text("File value taken")
    with scope(clinic=clinic):
        patient.refresh_from_db()
    assert patient.phone == json.loads(conflict.file_value)
