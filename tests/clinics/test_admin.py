"""The admin: an imported patient opens with visits, payments and documents; tenants stay apart."""

import pytest
from django_scopes import scopes_disabled

from clinics.models import Patient
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.factories.clinics import UserFactory


@pytest.fixture
def imported(tmp_path, clinic):
    assert run_import(b.small_clinic(tmp_path), clinic.slug)[0] == 0
    with scopes_disabled():
        return Patient.objects.get(clinic=clinic, given_name="Paciente1")


@pytest.mark.django_db
def test_a_superuser_opens_an_imported_patient_with_related_rows(client, imported):
    client.force_login(UserFactory(username="root", is_superuser=True))
    page = client.get(f"/admin/clinics/patient/{imported.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ortopantomografía" in html and "appointment" in html.lower()
    for url in (
        "/admin/clinics/patient/",
        "/admin/clinics/medicalalert/",
        "/admin/clinics/clinicalnote/",
        "/admin/clinics/medication/",
        "/admin/clinics/prescription/",
        "/admin/clinics/consent/",
        "/admin/clinics/communication/",
        "/admin/clinics/ledgerentry/",
        "/admin/verifactu/fiscallegalrecord/",
        "/admin/dentalpin_import/importjob/",
        "/admin/dentalpin_import/importwarning/",
        "/admin/dentalpin_import/auditentry/",
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_staff_of_another_clinic_see_none_of_its_rows(client, imported, other_staff_user):
    other_staff_user.is_superuser = False
    other_staff_user.save()
    from django.contrib.auth.models import Permission

    other_staff_user.memberships.get().permissions.add(
        *Permission.objects.filter(codename__in=["view_patient", "view_importjob"])
    )
    client.force_login(other_staff_user)
    assert "Paciente1" not in client.get("/admin/clinics/patient/").content.decode()
    assert client.get(f"/admin/clinics/patient/{imported.pk}/change/").status_code in (302, 404)
