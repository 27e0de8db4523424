"""After a go-live import, staff review a conflict and take the file's value in a real Chromium."""

import json

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from tests.browser.test_every_page import (
    catalogue_phrases,
    open_context,
    problems_on,
    session_cookie,
)
from tests.browser.test_import_wizard import log_in
from tests.dentalpin_import.web.test_cutover_pages import go_live_with_a_conflict
from tests.factories.clinics import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_take_the_files_value_for_a_conflict_they_selected(
    live_server, new_page, clinic, tmp_path
):
    job, patient, conflict = go_live_with_a_conflict(clinic, tmp_path, seed=8)

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


@pytest.mark.parametrize("width", (390, 1280))
def test_the_go_live_pages_fit_a_phone_and_speak_spanish(
    browser, live_server, clinic, tmp_path, width
):
    """With real conflicts and missing rows: nothing wider than the window, no English left."""
    job, _, _ = go_live_with_a_conflict(clinic, tmp_path, seed=10)
    admin = UserFactory(username="ana")
    MembershipFactory(user=admin, clinic=clinic)
    context = open_context(browser, live_server.url, width, "es", session_cookie(admin))
    page = context.new_page()
    phrases = catalogue_phrases()
    failures = []
    for path in ("", "conflicts/", "missing/"):
        page.goto(f"{live_server.url}/import/jobs/{job.pk}/{path}")
        failures += [f"{path or 'job page'}: {p}" for p in problems_on(page, "es", phrases)]
    expect(page.get_by_role("heading", level=1)).to_contain_text("Registros que faltan")
    context.close()
    assert failures == [], "\n".join(failures)
