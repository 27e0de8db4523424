"""The importer's admin: read-only, filters and search, pretty JSON, each clinic's rows only."""

import pytest
from django.contrib.auth.models import Permission
from django_scopes import scopes_disabled

from clinics.models import Patient
from dentalpin_import.models import EntityMapping, FileStaging, ImportJob, ImportWarning
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.factories.clinics import UserFactory

MODELS = ("importjob", "entitymapping", "rawentity", "importwarning", "filestaging")


@pytest.fixture
def job(tmp_path, clinic):
    rows = b.small_clinic_rows() + [b.row("odd_thing", 1, note="kept raw")]
    path = b.build(tmp_path, rows, files=b.small_clinic_files())
    _, _, report = run_import(path, clinic.slug, report=tmp_path / "r.json")
    return ImportJob.objects.get(pk=report["job_id"])


def viewer(user):
    codenames = [f"view_{m}" for m in MODELS] + ["view_patient", "view_appointment"]
    codenames += ["view_payment", "view_document"]
    # Permissions count clinic by clinic: they are given on the memberships.
    for member in user.memberships.all():
        member.permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.mark.django_db
def test_filters_and_search_find_rows_by_status_severity_type_and_source_keys(client, job):
    client.force_login(UserFactory(username="root", is_superuser=True))
    mapping = EntityMapping.objects.filter(job=job, entity_type="patient").first()
    page = client.get("/admin/dentalpin_import/entitymapping/", {"q": mapping.canonical_uuid})
    assert "1 result" in page.content.decode()
    warning = ImportWarning.objects.filter(job=job).exclude(source_id="").first()
    page = client.get("/admin/dentalpin_import/importwarning/", {"q": warning.source_id})
    assert warning.code in page.content.decode()
    page = client.get("/admin/dentalpin_import/rawentity/", {"q": "1", "entity_type": "odd_thing"})
    assert "odd_thing" in page.content.decode()
    for url, query in (
        ("importjob", {"status__exact": "succeeded"}),
        ("importwarning", {"severity__exact": "warn", "job__id__exact": job.pk}),
        ("entitymapping", {"entity_type": "patient", "job__id__exact": job.pk}),
        ("filestaging", {"status__exact": "pending", "job__id__exact": job.pk}),
    ):
        response = client.get(f"/admin/dentalpin_import/{url}/", query)
        assert response.status_code == 200, url
    detail = client.get(f"/admin/dentalpin_import/importjob/{job.pk}/change/").content.decode()
    assert '<pre class="json">' in detail and "\n  &quot;patient&quot;: {" in detail
    assert 'name="_save"' not in detail  # read-only


@pytest.mark.django_db
def test_staff_see_their_rows_and_another_clinics_rows_answer_404(
    client, job, staff_user, other_staff_user
):
    client.force_login(viewer(staff_user))
    assert job.original_name in client.get("/admin/dentalpin_import/importjob/").content.decode()
    client.force_login(viewer(other_staff_user))
    rows = {
        "importjob": job.pk,
        "entitymapping": EntityMapping.objects.filter(job=job).first().pk,
        "importwarning": ImportWarning.objects.filter(job=job).first().pk,
        "filestaging": FileStaging.objects.filter(job=job).first().pk,
    }
    for model, pk in rows.items():
        listing = client.get(f"/admin/dentalpin_import/{model}/").content.decode()
        assert "0 " in listing and "Clínica Alba" not in listing, model
        assert job.original_name not in listing, model
        assert client.get(f"/admin/dentalpin_import/{model}/{pk}/change/").status_code == 404


@pytest.mark.django_db
def test_a_clinic_member_opens_an_imported_patient_with_visits_payments_and_documents(
    client, job, staff_user, other_staff_user
):
    with scopes_disabled():
        patient = Patient.objects.get(clinic=job.clinic, given_name="Paciente1")
    client.force_login(viewer(staff_user))
    page = client.get(f"/admin/clinics/patient/{patient.pk}/change/").content.decode()
    for inline in ("appointments", "payments", "documents"):
        assert f'<h2 id="{inline}-heading"' in page
    assert "Ortopantomografía" in page
    client.force_login(viewer(other_staff_user))
    assert client.get(f"/admin/clinics/patient/{patient.pk}/change/").status_code == 404
    assert "Clínica Alba" not in client.get("/admin/clinics/patient/").content.decode()


@pytest.mark.django_db
def test_the_clinical_models_are_browsable(client, job):
    client.force_login(UserFactory(username="root", is_superuser=True))
    for model in ("medicalalert", "clinicalnote", "medication", "invoice", "appointment"):
        assert client.get(f"/admin/clinics/{model}/").status_code == 200, model


@pytest.mark.django_db
def test_the_importers_admin_speaks_spanish_model_names_field_names_and_json_headings(client, job):
    client.force_login(UserFactory(username="root", is_superuser=True))
    spanish = {"HTTP_ACCEPT_LANGUAGE": "es"}
    index = client.get("/admin/", **spanish).content.decode()
    for plural in ("Importaciones", "Registros importados", "Avisos de importación"):
        assert plural in index, plural
    assert "Entity mappings" not in index and "Import jobs" not in index
    # The clinic's own records, named as the import's pages name them.
    assert "Pacientes" in index and "Citas" in index and "Ledger entries" not in index
    listing = client.get("/admin/dentalpin_import/importwarning/", **spanish).content.decode()
    assert "Gravedad" in listing and "Tipo de registro" in listing
    detail = client.get(
        f"/admin/dentalpin_import/importjob/{job.pk}/change/", **spanish
    ).content.decode()
    for label in ("Recuentos por tipo de registro", "Nombre del archivo", "Conciliación"):
        assert label in detail, label
    assert ">Counters:<" not in detail and ">Phase log:<" not in detail


@pytest.mark.django_db
def test_the_patient_and_payment_lists_are_headed_in_spanish(client, job):
    client.force_login(UserFactory(username="root", is_superuser=True))
    listing = client.get("/admin/clinics/patient/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    for heading in ("Apellidos", "Nombre", "Documento de identidad", "Fecha de nacimiento"):
        assert f">{heading}</a>" in listing, heading
    assert "Clínica</a>" in listing
    assert "Family name" not in listing and "Date of birth" not in listing
    payments = client.get("/admin/clinics/payment/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    for heading in ("Pagado el", "Paciente", "Es una devolución", "Forma de pago"):
        assert f">{heading}</a>" in payments, heading
    assert "Paid on" not in payments and "Is refund" not in payments
