"""A large sheet in a real Chromium: its page shows the check's progress, then the preview
appears by itself (htmx polls the preview's address, which reloads once the check is over).
The checking page fits a phone and speaks Spanish like every other page."""

import re
import threading

import pytest
from playwright.sync_api import expect

from dentalpin_import.jobs import dispatch, sheet_rows, validation
from dentalpin_import.models import ImportJob
from tests.browser.test_every_page import catalogue_phrases, open_context, problems_on
from tests.browser.test_import_wizard import log_in
from tests.dentalpin_import.csv.sheets import patients_rows, write

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def held(monkeypatch):
    """The background read waits at its rows until the test lets it go."""
    gate = threading.Event()
    judge = sheet_rows.judge_rows

    def waiting(*args, **kwargs):
        gate.wait(60)
        yield from judge(*args, **kwargs)

    monkeypatch.setattr(sheet_rows, "judge_rows", waiting)
    yield gate
    gate.set()
    dispatch.wait_for_background_jobs()


def test_the_preview_appears_by_itself_once_the_sheet_is_checked(
    live_server, new_page, staff_user, tmp_path, settings, held
):
    settings.CSV_BACKGROUND_VALIDATE_BYTES = 1
    path = write(tmp_path / "pacientes.csv", patients_rows())
    page = new_page()
    log_in(page, live_server.url, staff_user.username)
    page.get_by_role("link", name="Import a CSV sheet").click()
    page.get_by_label("Sheet or workbook").set_input_files(str(path))
    page.get_by_role("button", name="Upload and read").click()

    expect(page.get_by_role("heading", name=re.compile("Checking the sheet"))).to_be_visible()
    expect(page.locator("#sheet-progress")).to_be_visible()
    expect(page.get_by_role("button", name="Start the import")).to_have_count(0)
    held.set()
    expect(page.get_by_role("button", name="Start the import")).to_be_visible(timeout=30_000)
    expect(page.locator('[data-verdict="new"] .count')).to_have_text("4")


@pytest.mark.parametrize("width", (390, 1280))
@pytest.mark.parametrize("language", ("en", "es"))
def test_the_checking_page_fits_the_window_and_speaks_the_language(
    browser, live_server, client, staff_user, tmp_path, width, language
):
    client.force_login(staff_user)
    client.get("/import/")  # the clinic is chosen and kept in the session
    path = write(tmp_path / "pacientes.csv", patients_rows())
    with path.open("rb") as fh:
        client.post("/import/sheets/new/", {"file": fh})
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="uploaded")
    validation.mark_waiting(job)
    validation.Recorder(job)("rows", 1500, 5000)
    session = client.cookies["sessionid"].value
    context = open_context(browser, live_server.url, width, language, session)
    page = context.new_page()
    page.goto(f"{live_server.url}/import/sheets/{job.pk}/")
    expect(page.locator("#sheet-progress")).to_be_visible()
    phrases = catalogue_phrases() if language == "es" else []
    problems = problems_on(page, language, phrases)
    context.close()
    assert problems == []
