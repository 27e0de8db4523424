"""Tenancy fails closed: no clinic scope, no rows."""

import pytest
from django_scopes import ScopeError, scope

from clinics.models import Patient
from tests.factories.clinics import ClinicFactory


@pytest.mark.django_db
def test_a_query_outside_a_clinic_scope_raises_instead_of_returning_all_rows(clinic):
    with scope(clinic=clinic):
        Patient.objects.create(clinic=clinic, given_name="Ana")
    with pytest.raises(ScopeError):
        list(Patient.objects.all())
    with pytest.raises(ScopeError):
        Patient.objects.filter(given_name="Ana").count()


@pytest.mark.django_db
def test_a_scope_shows_only_its_clinics_rows(clinic, other_clinic):
    with scope(clinic=clinic):
        Patient.objects.create(clinic=clinic, given_name="Ana")
    with scope(clinic=other_clinic):
        Patient.objects.create(clinic=other_clinic, given_name="Bea")
        assert list(Patient.objects.values_list("given_name", flat=True)) == ["Bea"]


@pytest.mark.django_db
def test_switching_to_a_clinic_the_user_is_not_in_is_a_404(staff_client, other_clinic):
    response = staff_client.post("/clinics/switch/", {"clinic": other_clinic.pk})
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "", "1.5", " 1", "١", "9" * 40])
def test_switching_to_a_clinic_that_is_no_number_is_a_404(staff_client, clinic, value):
    response = staff_client.post("/clinics/switch/", {"clinic": value})
    assert response.status_code == 404
    assert staff_client.post("/clinics/switch/", {"clinic": clinic.pk}).status_code == 302


@pytest.mark.django_db
def test_the_middleware_picks_only_among_the_users_clinics(client, staff_user, other_clinic):
    ClinicFactory(slug="zz", name="Zeta")
    client.force_login(staff_user)
    session = client.session
    session["clinic_id"] = other_clinic.pk
    session.save()
    response = client.get("/import/")
    assert response.status_code == 200
    assert response.context["current_clinic"].slug == "alba"
