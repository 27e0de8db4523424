"""A link to an import of another of the user's clinics, followed in a real Chromium."""

import pytest
from playwright.sync_api import expect

from dentalpin_import.models import ImportJob
from tests.factories.clinics import ClinicFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-for-tests"


def log_in(page, base_url, username, next_url):
    page.goto(f"{base_url}/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_colleagues_link_offers_the_switch_and_opens_the_job(
    live_server, new_page, staff_user, clinic
):
    cedro = ClinicFactory(slug="cedro", name="Clínica Cedro")
    MembershipFactory(user=staff_user, clinic=cedro)
    job = ImportJob.objects.create(clinic=cedro, status="succeeded", original_name="cedro.dpm")
    page = new_page()
    log_in(page, live_server.url, staff_user.username, f"/import/jobs/{job.pk}/")
    expect(
        page.get_by_role("heading", name="This page belongs to another of your clinics")
    ).to_be_visible()
    expect(page.get_by_text("It belongs to Clínica Cedro")).to_be_visible()
    expect(page.get_by_text("cedro.dpm")).to_have_count(0)
    page.get_by_role("button", name="Switch to Clínica Cedro").click()
    expect(page).to_have_url(f"{live_server.url}/import/jobs/{job.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("cedro.dpm")
    expect(page.locator("#clinic-switch")).to_have_value(str(cedro.pk))
    expect(page.get_by_role("status").first).to_contain_text("Succeeded")


def test_a_stranger_following_the_link_learns_nothing(live_server, new_page, other_staff_user):
    cedro = ClinicFactory(slug="cedro", name="Clínica Cedro")
    job = ImportJob.objects.create(clinic=cedro, status="succeeded", original_name="cedro.dpm")
    page = new_page()
    log_in(page, live_server.url, other_staff_user.username, f"/import/jobs/{job.pk}/")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_text("Cedro")).to_have_count(0)
    expect(page.get_by_role("button", name="Switch to Clínica Cedro")).to_have_count(0)
