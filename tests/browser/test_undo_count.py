"""A large import's undo page in a real Chromium: it says it is counting, then the
confirmation appears by itself (htmx polls the page's address, which reloads once the
count is over). The counting page fits a phone and speaks Spanish like every other page."""

import re

import pytest
from playwright.sync_api import expect

from dentalpin_import.jobs import dispatch
from tests.browser.test_every_page import catalogue_phrases, open_context, problems_on
from tests.browser.test_import_wizard import log_in
from tests.dentalpin_import.web import test_undo_count, test_undo_in_background

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
held = test_undo_count.held  # the background count waits until the test lets it go on
imported = test_undo_in_background.imported


def test_the_confirmation_appears_by_itself_once_counted(
    live_server,
    new_page,
    staff_user,
    imported,
    settings,
    held,
):
    settings.UNDO_BACKGROUND_COUNT_MAPPINGS = 1
    page = new_page()
    log_in(page, live_server.url, staff_user.username)
    page.goto(f"{live_server.url}/import/jobs/{imported.pk}/undo/")
    expect(page.get_by_text("Counting the rows this undo would delete…").first).to_be_visible()
    expect(page.get_by_role("button", name="Undo this import")).to_have_count(0)
    held.set()
    expect(page.get_by_role("button", name="Undo this import")).to_be_visible(timeout=30_000)
    expect(page.locator('[data-table="clinics_patient"]')).to_have_text("3")


@pytest.mark.parametrize("width", (390, 1280))
@pytest.mark.parametrize("language", ("en", "es"))
def test_the_counting_page_fits_the_window_and_speaks_the_language(
    browser,
    live_server,
    client,
    staff_user,
    imported,
    settings,
    held,
    width,
    language,
):
    settings.UNDO_BACKGROUND_COUNT_MAPPINGS = 1
    client.force_login(staff_user)
    client.get("/import/")  # the clinic is chosen and kept in the session
    session = client.cookies["sessionid"].value
    context = open_context(browser, live_server.url, width, language, session)
    page = context.new_page()
    page.goto(f"{live_server.url}/import/jobs/{imported.pk}/undo/")
    expect(page.locator("#undo-counting-progress")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(imported.original_name))).to_be_visible()
    phrases = catalogue_phrases() if language == "es" else []
    problems = problems_on(page, language, phrases)
    context.close()
    held.set()
    dispatch.wait_for_background_jobs()
    assert problems == []
