"""Admin pages of catalogues, schedules, budgets, treatments and recalls: open, and scoped."""

import pytest
from django.contrib.auth.models import Permission
from django_scopes import scopes_disabled

from clinics.models import (
    AppliedTreatment,
    AppointmentRecurrence,
    Budget,
    CatalogItem,
    Chair,
    Recall,
    TreatmentCatalogItem,
    WorkCalendar,
    WorkCalendarShift,
)
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.mapping.care_rows import care_clinic_rows
from tests.factories.clinics import UserFactory

MODELS = (
    Chair,
    CatalogItem,
    TreatmentCatalogItem,
    WorkCalendar,
    WorkCalendarShift,
    AppointmentRecurrence,
    Budget,
    AppliedTreatment,
    Recall,
)


@pytest.fixture
def imported(tmp_path, clinic):
    assert run_import(b.build(tmp_path, care_clinic_rows()), clinic.slug)[0] == 0


def url(model, suffix=""):
    return f"/admin/clinics/{model._meta.model_name}/{suffix}"


@pytest.mark.django_db
def test_a_superuser_opens_every_list_and_an_imported_row(client, imported):
    client.force_login(UserFactory(username="root", is_superuser=True))
    for model in MODELS:
        assert client.get(url(model)).status_code == 200, model
        with scopes_disabled():
            row = model.objects.order_by("pk").first()
        assert client.get(url(model, f"{row.pk}/change/")).status_code == 200, model
    with scopes_disabled():
        budget = Budget.objects.get(title="Plan de tratamiento", number="PRES-2025-0001")
    page = client.get(url(Budget, f"{budget.pk}/change/")).content.decode()
    assert "OBT" in page and "130.69" in page  # its lines, priced


@pytest.mark.django_db
def test_staff_of_another_clinic_see_none_of_its_treatments(client, imported, other_staff_user):
    other_staff_user.is_superuser = False
    other_staff_user.save()
    other_staff_user.memberships.get().permissions.add(
        *Permission.objects.filter(codename__in=["view_appliedtreatment", "view_budget"])
    )
    client.force_login(other_staff_user)
    assert "PRES-2025" not in client.get(url(Budget)).content.decode()
    with scopes_disabled():
        treatment = AppliedTreatment.objects.order_by("pk").first()
    page = client.get(url(AppliedTreatment, f"{treatment.pk}/change/"))
    assert page.status_code in (302, 404)
