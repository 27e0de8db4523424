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


@pytest.mark.django_db
def test_fiscal_legal_records_are_seen_clinic_by_clinic_and_never_changed(
    client, tmp_path, clinic, staff_user, other_staff_user
):
    from django.contrib.auth.models import Permission

    from tests.dentalpin_import.mapping.test_legal_fields import build, legal_record

    assert run_import(build(tmp_path), clinic.slug, "--import-verifactu")[0] == 0
    with scopes_disabled():
        record = legal_record("es")
    view = Permission.objects.get(codename="view_fiscallegalrecord")
    for user in (staff_user, other_staff_user):
        user.memberships.get().permissions.add(view)
    client.force_login(staff_user)
    link = f"/admin/verifactu/fiscallegalrecord/{record.pk}/change/"
    assert link in client.get("/admin/verifactu/fiscallegalrecord/").content.decode()
    page = client.get(link)
    assert page.status_code == 200 and record.legal_hash in page.content.decode()
    delete = f"/admin/verifactu/fiscallegalrecord/{record.pk}/delete/"
    assert client.post(delete, {"post": "yes"}).status_code == 403
    client.force_login(other_staff_user)
    assert link not in client.get("/admin/verifactu/fiscallegalrecord/").content.decode()
    assert client.get(link).status_code == 404
