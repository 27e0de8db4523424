"""A dry run in Chromium: the banner says nothing was saved, then "Import for real" imports."""

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from clinics.models import Patient
from dentalpin_import.models import ImportJob
from dentalpin_import.sample.generator import generate_sample
from tests.browser.test_import_wizard import log_in, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATIENTS = 20


def test_a_dry_run_then_import_for_real_without_uploading_again(
    live_server, new_page, clinic, staff_user, tmp_path, settings
):
    passphrase = "una frase de paso"
    sample = generate_sample(
        tmp_path / "clinica.dpm.zst.enc",
        patients=PATIENTS,
        seed=3,
        layer="zstd-enc",
        passphrase=passphrase,
        binaries=False,
    )
    settings.DPMF_CHUNK_SIZE = 50
    page = new_page()
    log_in(page, live_server.url, staff_user.username)
    upload(page, sample.path, passphrase)
    page.get_by_role("button", name="Continue to the preview").click()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Dry run first (nothing is saved)").click()
    heading = "The dry run has started — nothing will be saved"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    page.get_by_role("link", name="Follow the dry run").click()
    banner = page.get_by_role("status").filter(has_text="Dry run: nothing was saved.")
    expect(banner).to_be_visible()
    expect(page.get_by_role("heading", name="Report")).to_be_visible(timeout=60_000)
    with scope(clinic=clinic):
        assert not Patient.objects.exists()
    rehearsal = ImportJob.objects.get()
    assert rehearsal.dry_run and rehearsal.status == "succeeded", rehearsal.error

    page.get_by_role("button", name="Import for real").click()
    expect(page.get_by_role("heading", name="The import has started")).to_be_visible()
    page.get_by_role("link", name="Follow the import").click()
    expect(page.get_by_role("heading", name="Report")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Dry run: nothing was saved.")).to_have_count(0)
    real = ImportJob.objects.exclude(pk=rehearsal.pk).get()
    assert not real.dry_run and real.status == "succeeded", real.error
    with scope(clinic=clinic):
        assert Patient.objects.count() == PATIENTS

    # The rehearsal's page now leads to the real import.
    page.goto(f"{live_server.url}/import/jobs/{rehearsal.pk}/")
    page.get_by_role("link", name="see that import").click()
    expect(page).to_have_url(f"{live_server.url}/import/jobs/{real.pk}/")
