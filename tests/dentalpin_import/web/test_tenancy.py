"""Tenancy in the browser: the switcher, 404 across clinics, 403 without the permission."""

import pytest
from django.test import Client

from dentalpin_import.models import ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.web.helpers import upload
from tests.factories.clinics import ClinicFactory, MembershipFactory, UserFactory

GETS = (
    "",
    "wizard/",
    "validate/",
    "validation/",
    "preview/",
    "confirm/",
    "progress/",
    "warnings/",
    "warnings.csv",
)
POSTS = ("cancel/", "resume/", "validate/", "confirm/")


@pytest.fixture
def job(staff_client, tmp_path):
    upload(staff_client, b.small_clinic(tmp_path))
    return ImportJob.objects.get()


@pytest.mark.django_db
def test_the_switcher_lists_only_the_users_clinics_and_switching_changes_what_they_see(
    client, staff_user, clinic, other_clinic, job
):
    third = ClinicFactory(slug="cedro", name="Clínica Cedro")
    MembershipFactory(user=staff_user, clinic=third)
    client.force_login(staff_user)
    page = client.get("/import/").content.decode()
    switcher = page.split('id="clinic-switch"')[1].split("</select>")[0]
    assert "Clínica Alba" in switcher and "Clínica Cedro" in switcher
    assert "Clínica Bosque" not in page
    assert job.original_name in page
    client.post("/clinics/switch/", {"clinic": third.pk, "next": "/import/"})
    page = client.get("/import/").content.decode()
    assert "Imports into Clínica Cedro" in page and job.original_name not in page
    # Alba's job, seen from Cedro: both are the user's, so the page offers to switch back.
    assert client.get(f"/import/jobs/{job.pk}/").status_code == 409
    assert client.post("/clinics/switch/", {"clinic": other_clinic.pk}).status_code == 404


@pytest.mark.django_db
def test_every_url_naming_another_clinics_job_answers_404(client, job, other_staff_user):
    client.force_login(other_staff_user)
    for suffix in GETS:
        response = client.get(f"/import/jobs/{job.pk}/{suffix}")
        assert response.status_code == 404, suffix
        assert job.original_name not in response.content.decode(), suffix
    for suffix in POSTS:
        assert client.post(f"/import/jobs/{job.pk}/{suffix}", {}).status_code == 404, suffix
    assert client.get(f"/import/jobs/{job.pk}/binaries").status_code == 404
    job.refresh_from_db()
    assert job.status == "validated"


@pytest.mark.django_db
def test_members_without_the_import_permission_get_403_everywhere(client, clinic, job):
    dentist = UserFactory(username="dentist")
    MembershipFactory(user=dentist, clinic=clinic, role="dentist")
    client.force_login(dentist)
    assert client.get("/import/").status_code == 403
    assert client.get("/import/new/").status_code == 403
    for suffix in GETS:
        response = client.get(f"/import/jobs/{job.pk}/{suffix}")
        assert response.status_code == 403, suffix
        assert "Ask an administrator of your clinic" in response.content.decode()
    for suffix in POSTS:
        assert client.post(f"/import/jobs/{job.pk}/{suffix}", {}).status_code == 403, suffix
    assert client.get(f"/import/jobs/{job.pk}/binaries").status_code == 403


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_the_login_page(job):
    client = Client()
    for url in ["/import/", "/import/new/", *[f"/import/jobs/{job.pk}/{s}" for s in GETS]]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/accounts/login/?next="), url
    login = client.get("/accounts/login/?next=/import/").content.decode()
    assert '<label for="id_username">' in login and 'name="next" value="/import/"' in login


@pytest.mark.django_db
def test_a_user_of_no_clinic_sees_no_importer(client):
    client.force_login(UserFactory(username="loner"))
    assert client.get("/import/").status_code == 403
