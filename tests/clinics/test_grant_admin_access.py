"""`grant_admin_access`: a clinic admin gets the admin site for their clinics and no other."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_scopes import scope

from clinics.models import Patient
from tests.factories.clinics import ClinicFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(clinic):
    user = UserFactory(username="ana", is_staff=False)
    MembershipFactory(user=user, clinic=clinic)
    return user


def patient_of(clinic, name):
    with scope(clinic=clinic):
        return Patient.objects.create(clinic=clinic, given_name=name, family_name="Prueba")


def admin_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_clinic_admin_sees_their_clinics_rows_and_nothing_of_another(ana, clinic, other_clinic):
    mine, theirs = patient_of(clinic, "Lucía"), patient_of(other_clinic, "Bruno")
    assert admin_client(ana).get("/admin/clinics/patient/").status_code == 302  # not staff yet
    call_command("grant_admin_access", "ana", clinic.slug, stdout=None)
    ana.refresh_from_db()
    assert ana.is_staff
    client = admin_client(ana)
    listing = client.get("/admin/clinics/patient/").content.decode()
    assert "Lucía" in listing and "Bruno" not in listing
    assert client.get(f"/admin/clinics/patient/{mine.pk}/change/").status_code == 200
    assert client.get(f"/admin/clinics/patient/{theirs.pk}/change/").status_code == 404
    page = client.get(f"/admin/clinics/patient/{mine.pk}/change/").content.decode()
    assert 'name="_save"' not in page  # read-only unless --can-edit
    assert client.get("/admin/dentalpin_import/importjob/").status_code == 200


def test_can_edit_lets_them_change_but_never_delete_and_revoke_takes_it_back(ana, clinic):
    mine = patient_of(clinic, "Lucía")
    call_command("grant_admin_access", "ana", clinic.slug, "--can-edit", stdout=None)
    client = admin_client(ana)
    page = client.get(f"/admin/clinics/patient/{mine.pk}/change/").content.decode()
    assert 'name="_save"' in page and "/delete/" not in page
    assert client.get(f"/admin/clinics/patient/{mine.pk}/delete/").status_code == 403
    call_command("grant_admin_access", "ana", clinic.slug, "--revoke", stdout=None)
    client = admin_client(ana)
    assert client.get(f"/admin/clinics/patient/{mine.pk}/change/").status_code in (403, 404)
    assert client.get("/admin/clinics/patient/").status_code == 403


def test_it_refuses_a_clinic_the_user_is_not_a_member_of_and_grants_nothing(ana, clinic):
    ClinicFactory(slug="cedro")
    with pytest.raises(CommandError, match="not a member of cedro: add them first"):
        call_command("grant_admin_access", "ana", clinic.slug, "cedro", stdout=None)
    assert not ana.memberships.get().permissions.exists()
    with pytest.raises(CommandError, match="unknown clinic 'nada'"):
        call_command("grant_admin_access", "ana", "nada", stdout=None)
    with pytest.raises(CommandError, match="unknown user 'zoe'"):
        call_command("grant_admin_access", "zoe", clinic.slug, stdout=None)
