"""Across clinics and when things go wrong: the switch offer, styled 403/404/500 in both modes."""

import uuid

import pytest
from django.test import Client, override_settings

from dentalpin_import.models import ImportJob
from tests.factories.clinics import ClinicFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

DEBUG_MODES = [pytest.param(True, id="debug-on"), pytest.param(False, id="debug-off")]
JOB_PAGES = ("", "warnings/", "progress/", "undo/", "validate/", "preview/", "confirm/")


@pytest.fixture
def cedro_job(db):
    """A finished job of Clínica Cedro, a third clinic."""
    cedro = ClinicFactory(slug="cedro", name="Clínica Cedro")
    return ImportJob.objects.create(clinic=cedro, status="succeeded", original_name="cedro.dpm")


def test_a_link_into_another_of_my_clinics_offers_to_switch_and_comes_back(
    staff_client, staff_user, cedro_job
):
    MembershipFactory(user=staff_user, clinic=cedro_job.clinic)
    staff_client.get("/import/")  # Clínica Alba (first by name) is selected
    url = f"/import/jobs/{cedro_job.pk}/warnings/"
    response = staff_client.get(url)
    page = response.content.decode()
    assert response.status_code == 409
    assert "It belongs to Clínica Cedro, and you are working in Clínica Alba now." in page
    assert "Switch to Clínica Cedro" in page and f'value="{url}"' in page
    assert "cedro.dpm" not in page  # nothing of the job itself before switching
    switched = staff_client.post("/clinics/switch/", {"clinic": cedro_job.clinic.pk, "next": url})
    assert switched.status_code == 302 and switched.url == url
    assert staff_client.get(url).status_code == 200


@pytest.mark.parametrize("suffix", JOB_PAGES)
def test_every_job_page_of_another_of_my_clinics_offers_the_switch(
    staff_client, staff_user, cedro_job, suffix
):
    MembershipFactory(user=staff_user, clinic=cedro_job.clinic)
    response = staff_client.get(f"/import/jobs/{cedro_job.pk}/{suffix}")
    assert response.status_code == 409, suffix
    assert "Switch to Clínica Cedro" in response.content.decode()


def test_a_post_into_another_of_my_clinics_changes_nothing_and_offers_the_job_list(
    staff_client, staff_user, cedro_job
):
    cedro_job.status = "running"
    cedro_job.save()
    MembershipFactory(user=staff_user, clinic=cedro_job.clinic)
    response = staff_client.post(f"/import/jobs/{cedro_job.pk}/cancel/")
    assert response.status_code == 409
    assert 'name="next" value="/import/"' in response.content.decode()
    cedro_job.refresh_from_db()
    assert cedro_job.status == "running"


@pytest.mark.parametrize("debug", DEBUG_MODES)
def test_a_job_of_a_clinic_i_am_not_in_is_a_plain_404_naming_nothing(
    client, staff_user, cedro_job, debug
):
    client.force_login(staff_user)
    with override_settings(DEBUG=debug):
        response = client.get(f"/import/jobs/{cedro_job.pk}/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "There is nothing here, or it belongs to another clinic." in page
    for leak in ("Cedro", "cedro.dpm", "Switch to"):
        assert leak not in page


@pytest.mark.parametrize("debug", DEBUG_MODES)
@pytest.mark.parametrize(
    "address", ["/import/no-such-page/", "/import/jobs/00000000-0000-0000-0000-000000000000/"]
)
def test_a_missing_page_is_styled_and_lists_no_url_patterns(staff_client, debug, address):
    with override_settings(DEBUG=debug):
        response = staff_client.get(address)
    page = response.content.decode()
    assert response.status_code == 404
    assert 'href="/static/css/base.css"' in page and 'class="topbar"' in page
    assert "There is nothing here, or it belongs to another clinic." in page
    for debug_text in ("URLconf", "Using the URLconf", "DEBUG = True", "job-detail"):
        assert debug_text not in page


@pytest.mark.parametrize("debug", DEBUG_MODES)
def test_a_forbidden_page_is_styled_and_says_whom_to_ask(client, clinic, debug):
    user = UserFactory(username="reception")
    MembershipFactory(user=user, clinic=clinic, role="receptionist")
    client.force_login(user)
    with override_settings(DEBUG=debug):
        response = client.get("/import/")
    page = response.content.decode()
    assert response.status_code == 403
    assert 'class="topbar"' in page
    assert "Ask an administrator of your clinic for the import permission." in page


@pytest.mark.parametrize("debug", DEBUG_MODES)
def test_a_server_error_is_styled_and_shows_nothing_of_the_error(staff_user, debug, caplog):
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)
    with override_settings(DEBUG=debug, ROOT_URLCONF="tests.dentalpin_import.web.boom_urls"):
        response = client.get("/boom/")
    page = response.content.decode()
    assert response.status_code == 500
    assert 'href="/static/css/base.css"' in page
    assert "Something went wrong on our side" in page
    for leak in ("Traceback", "RuntimeError", "Paciente1", "hunter2", "SECRET_KEY"):
        assert leak not in page
    # The traceback is for the operator: in the log, in both modes.
    logged = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert logged and logged[0].exc_info[0] is RuntimeError


def test_pages_in_spanish_are_in_spanish(client, staff_user, staff_client, cedro_job):
    MembershipFactory(user=staff_user, clinic=cedro_job.clinic)
    staff_client.cookies["django_language"] = "es"
    offer = staff_client.get(f"/import/jobs/{cedro_job.pk}/").content.decode()
    assert "Cambiar a Clínica Cedro" in offer
    missing = staff_client.get("/import/nada/").content.decode()
    assert "Aquí no hay nada" in missing


def test_an_expired_form_gets_a_styled_page_that_says_what_to_do(staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    response = client.post("/clinics/switch/", {"clinic": "1"}, HTTP_ACCEPT_LANGUAGE="es")
    page = response.content.decode()
    assert response.status_code == 403
    assert 'href="/static/css/base.css"' in page
    assert "El formulario ha caducado" in page and "recargue la página" in page
    assert "CSRF" not in page


@pytest.mark.parametrize(
    "headers",
    [{"HTTP_HX_REQUEST": "true"}, {"HTTP_ACCEPT": "*/*"}, {"HTTP_ACCEPT": "application/json"}],
)
def test_a_scripts_request_into_another_of_my_clinics_gets_a_plain_404(
    staff_client, staff_user, cedro_job, headers
):
    MembershipFactory(user=staff_user, clinic=cedro_job.clinic)
    response = staff_client.get(f"/import/jobs/{cedro_job.pk}/progress/", **headers)
    assert response.status_code == 404
    assert "It belongs to Clínica Cedro" not in response.content.decode()


def test_a_browser_navigation_into_another_of_my_clinics_gets_the_offer(
    staff_client, staff_user, cedro_job
):
    MembershipFactory(user=staff_user, clinic=cedro_job.clinic)
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = staff_client.get(f"/import/jobs/{cedro_job.pk}/", HTTP_ACCEPT=accept)
    assert response.status_code == 409


@pytest.mark.parametrize("suffix", ("", "warnings/", "report.json"))
def test_a_clinic_where_i_may_not_read_imports_is_never_offered(
    staff_client, staff_user, cedro_job, suffix
):
    """A member with no importer rights there cannot tell a real job id from a made-up one."""
    MembershipFactory(user=staff_user, clinic=cedro_job.clinic, role="dentist")
    staff_client.get("/import/")  # Clínica Alba is selected
    real = staff_client.get(f"/import/jobs/{cedro_job.pk}/{suffix}")
    made_up = staff_client.get(f"/import/jobs/{uuid.uuid4()}/{suffix}")
    assert real.status_code == made_up.status_code == 404
    page = real.content.decode()
    assert "It belongs to" not in page and "Switch to Clínica Cedro" not in page
