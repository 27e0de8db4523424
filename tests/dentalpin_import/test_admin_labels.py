"""The admin in staff's words: inline rows, mappings with their source id and a link, no markers."""

import re

import pytest
from django.contrib.auth.models import Permission
from django_scopes import scopes_disabled

from clinics.models import Appointment, Patient, Payment
from dentalpin_import.jobs import services
from dentalpin_import.loader.source_files import COPIED_MARKER
from dentalpin_import.models import EntityMapping
from tests import dpmf_builder as b
from tests.factories.clinics import UserFactory

pytestmark = pytest.mark.django_db
OBJECT_LABEL = re.compile(r"\b[A-Z][A-Za-z]+ object \(\d+\)")


@pytest.fixture
def job(tmp_path, clinic):
    path = b.build(tmp_path, b.small_clinic_rows(), files=b.small_clinic_files())
    job = services.create_job(clinic=clinic, path=path)
    with services.open_job_file(job=job) as container:
        services.validate_job(job=job, container=container)
        services.run_job(job=job, container=container)
    job.refresh_from_db()
    return job


@pytest.fixture
def root(client):
    client.force_login(UserFactory(username="root", is_superuser=True))
    return client


def test_a_patients_inline_rows_read_as_kinds_and_dates_never_as_objects(root, job):
    with scopes_disabled():
        patient = Patient.objects.get(clinic=job.clinic, given_name="Paciente1")
        appointment = Appointment.objects.filter(patient=patient).first()
        payment = Payment.objects.filter(patient=patient).first()
    page = root.get(f"/admin/clinics/patient/{patient.pk}/change/").content.decode()
    assert OBJECT_LABEL.findall(page) == []
    assert str(appointment).startswith("appointment on ") and str(appointment) in page
    assert str(payment).startswith(("payment of ", "refund of ")) and str(payment) in page


def test_mappings_show_kind_source_id_and_a_link_to_the_clinic_row(root, job):
    with scopes_disabled():
        patient = Patient.objects.get(clinic=job.clinic, given_name="Paciente1")
    mapping = EntityMapping.objects.get(
        job=job, target_table="clinics_patient", target_id=str(patient.pk)
    )
    listing = root.get("/admin/dentalpin_import/entitymapping/", {"q": mapping.canonical_uuid})
    page = listing.content.decode()
    assert mapping.canonical_uuid in page
    assert f'href="/admin/clinics/patient/{patient.pk}/change/"' in page
    assert ">patient<" in page and ">clinics_patient<" not in page
    detail = root.get(f"/admin/dentalpin_import/entitymapping/{mapping.pk}/change/")
    assert f'href="/admin/clinics/patient/{patient.pk}/change/"' in detail.content.decode()


def test_the_importers_marker_rows_are_not_listed(root, job):
    assert EntityMapping.objects.filter(job=job, entity_type=COPIED_MARKER).exists()
    page = root.get("/admin/dentalpin_import/entitymapping/", {"q": ""}).content.decode()
    assert "_warnings" not in page and "__copied__" not in page


def test_a_mapping_link_opens_nothing_of_a_clinic_where_the_member_may_not_look(
    client, job, other_staff_user
):
    for member in other_staff_user.memberships.all():
        member.permissions.add(*Permission.objects.filter(codename="view_patient"))
    client.force_login(other_staff_user)
    with scopes_disabled():
        patient = Patient.objects.filter(clinic=job.clinic).first()
    assert client.get(f"/admin/clinics/patient/{patient.pk}/change/").status_code == 404


def test_spanish_admin_names_record_kinds_in_spanish(root, job):
    root.cookies["django_language"] = "es"
    page = root.get("/admin/dentalpin_import/entitymapping/").content.decode()
    assert "tipo de registro" in page.lower()
