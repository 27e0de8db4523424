"""Staff drop documents on the job page in a real Chromium: each file gets its result."""

import base64
import io
import re
import zipfile

import pytest
from playwright.sync_api import expect

from dentalpin_import.models import FileStaging
from tests.browser.test_import_wizard import log_in
from tests.dentalpin_import.web import test_binaries
from tests.dentalpin_import.web.test_binaries import EXE, PDF, PNG
from tests.factories.clinics import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

job = test_binaries.job  # a finished import whose file lists four documents


def drop_on(page, name: str, data: bytes) -> None:
    """Drop one file on the drop zone, as a file dragged from the desktop arrives."""
    page.locator("[data-documents-drop]").evaluate(
        """(zone, [name, b64]) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
        }""",
        [name, base64.b64encode(data).decode()],
    )


def test_files_and_a_zip_dropped_on_the_job_page_are_matched_one_by_one(
    live_server, new_page, job, clinic
):
    admin = UserFactory(username="ana")
    MembershipFactory(user=admin, clinic=clinic)
    page = new_page()
    log_in(page, live_server.url, "ana")
    page.goto(f"{live_server.url}/import/jobs/{job.pk}/")
    expect(page.get_by_role("heading", name="Documents (radiographs, PDFs)")).to_be_visible()
    page.get_by_text("With the sync agent").click()
    expect(page.locator("#agent-command")).to_contain_text(f"--job {job.pk} --token-file")
    expect(page.get_by_role("button", name="Copy the command")).to_be_visible()
    expect(page.locator("#binaries")).to_contain_text("0 received of ")

    # Chosen with the file picker: one matched, one refused with its reason.
    page.locator("input[data-pick]:not([webkitdirectory])").set_input_files(
        [
            {"name": "rx 1.png", "mimeType": "image/png", "buffer": PNG},
            {"name": "fake.pdf", "mimeType": "application/pdf", "buffer": EXE},
        ]
    )
    results = page.locator("[data-results] tbody")
    expect(results.locator("tr", has_text="rx 1.png")).to_contain_text("Matched")
    expect(results.locator("tr", has_text="fake.pdf")).to_contain_text("executable program")
    expect(page.locator("[data-status]")).to_have_text("2 of 2 files sent")
    # The figures above follow each file, without a reload.
    expect(page.locator("#binaries")).to_contain_text("1 received of ")

    # A zip dragged onto the page: each member gets its row.
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("Pacientes/1/consent.pdf", PDF)
        archive.writestr("../escape.png", PNG)
    drop_on(page, "export.zip", packed.getvalue())
    expect(results.locator("tr", has_text="export.zip: Pacientes/1/consent.pdf")).to_contain_text(
        "Matched"
    )
    expect(results.locator("tr", has_text="export.zip: ../escape.png")).to_contain_text(
        re.compile("out of the folder")
    )
    expect(page.locator("[data-status]")).to_have_text("3 of 3 files sent")
    expect(page.locator("#binaries")).to_contain_text("2 received of ")
    assert FileStaging.objects.filter(job=job, status="received").count() == 2
