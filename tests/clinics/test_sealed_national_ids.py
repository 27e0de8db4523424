"""Identity numbers: unreadable in the database, found by exact value as before."""

import importlib
import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django_scopes import scopes_disabled

from clinics import identifiers
from clinics.models import Client, Patient, Professional
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import

DNI = "12345678Z"
NIE = "X1234567L"


def raw(model, pk, column) -> str:
    """A column as the database holds it, read without the ORM."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        column = connection.ops.quote_name(column)
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.fixture
def people(clinic):
    with scopes_disabled():
        return {
            "patient": Patient.objects.create(
                clinic=clinic, given_name="Ana", national_id=DNI, billing_tax_id=NIE
            ),
            "blank": Patient.objects.create(clinic=clinic, given_name="Sin DNI"),
            "client": Client.objects.create(clinic=clinic, given_name="Luis", national_id=NIE),
            "staff": Professional.objects.create(clinic=clinic, given_name="Rosa", national_id=DNI),
        }


@pytest.mark.django_db
def test_no_identity_number_is_stored_in_clear(people):
    patient, client, staff = people["patient"], people["client"], people["staff"]
    stored = [
        raw(Patient, patient.pk, "national_id"),
        raw(Patient, patient.pk, "billing_tax_id"),
        raw(Client, client.pk, "national_id"),
        raw(Professional, staff.pk, "national_id"),
    ]
    for value in stored:
        assert value.startswith("fernet:") and DNI not in value and NIE not in value
    digest = raw(Patient, patient.pk, "national_id_digest")
    assert len(digest) == 64 and DNI not in digest
    assert raw(Patient, people["blank"].pk, "national_id") == ""


@pytest.mark.django_db
def test_exact_lookups_find_what_they_found_before(people, clinic):
    with scopes_disabled():
        patients = Patient.objects.filter(clinic=clinic)
        assert list(patients.filter(national_id=DNI)) == [people["patient"]]
        assert list(patients.filter(national_id__in=[DNI, "00000000T"])) == [people["patient"]]
        assert list(patients.filter(national_id="")) == [people["blank"]]
        assert list(patients.exclude(national_id="")) == [people["patient"]]
        assert not patients.filter(national_id=DNI.lower()).exists()  # exact stays exact
        assert list(patients.filter(national_id__iexact=DNI.lower())) == [people["patient"]]
        assert patients.filter(national_id=DNI).values_list("national_id", flat=True).get() == DNI
        assert Client.objects.get(national_id=NIE) == people["client"]
        assert Professional.objects.get(national_id=DNI) == people["staff"]
        assert Patient.objects.get(pk=people["patient"].pk).billing_tax_id == NIE


@pytest.mark.django_db
def test_changing_the_number_moves_its_digest(people):
    patient = people["patient"]
    patient.national_id = NIE
    patient.save()
    with scopes_disabled():
        assert Patient.objects.get(national_id=NIE) == patient
        assert not Patient.objects.filter(national_id=DNI).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("lookup", ["national_id__icontains", "national_id__startswith"])
def test_lookups_that_cannot_work_on_ciphertext_are_refused(people, lookup):
    with scopes_disabled(), pytest.raises(FieldError):
        list(Patient.objects.filter(**{lookup: DNI[:4]}))
    with scopes_disabled(), pytest.raises(FieldError):
        list(Patient.objects.filter(billing_tax_id=NIE))


@pytest.mark.django_db
def test_after_a_key_rotation_old_digests_are_still_found(people, settings):
    old = list(settings.CLINICAL_ENCRYPTION_KEYS)
    settings.CLINICAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *old]
    with scopes_disabled():
        assert Patient.objects.get(national_id=DNI) == people["patient"]
        newer = Patient.objects.create(clinic=people["patient"].clinic, national_id=DNI)
        assert set(Patient.objects.filter(national_id=DNI)) == {people["patient"], newer}


@pytest.mark.django_db
def test_an_imported_file_stores_sealed_ids_that_exact_lookups_find(tmp_path, clinic):
    status, out, _ = run_import(b.small_clinic(tmp_path), clinic.slug)
    assert status == 0, out
    with scopes_disabled():
        ana = Patient.objects.get(clinic=clinic, national_id="00000001Z")
        seguros = Client.objects.get(clinic=clinic, national_id="A00000001")
    assert ana.given_name == "Paciente1" and seguros.legal_name == "Seguros Norte SA"
    assert "00000001Z" not in raw(Patient, ana.pk, "national_id")
    assert "A00000001" not in raw(Client, seguros.pk, "national_id")


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_rows_in_clear_and_opens_them_again(clinic):
    migration = importlib.import_module("clinics.migrations.0007_seal_national_ids")
    from django.apps import apps

    with scopes_disabled():
        patient = Patient.objects.create(clinic=clinic, given_name="Ana")
        client = Client.objects.create(clinic=clinic, given_name="Luis")
    table, clients = Patient._meta.db_table, Client._meta.db_table
    with connection.cursor() as cursor:  # rows as the previous schema left them
        cursor.execute(
            f"UPDATE {table} SET national_id = %s, billing_tax_id = %s WHERE id = %s",
            [DNI, NIE, patient.pk],
        )
        cursor.execute(f"UPDATE {clients} SET national_id = %s WHERE id = %s", [NIE, client.pk])
    with connection.schema_editor() as editor:
        migration.seal(apps, editor)
        migration.seal(apps, editor)  # a second run leaves sealed values alone
    assert DNI not in raw(Patient, patient.pk, "national_id")
    assert NIE not in raw(Patient, patient.pk, "billing_tax_id")
    assert raw(Patient, patient.pk, "national_id_digest") == identifiers.digest(DNI)
    with scopes_disabled():
        assert Patient.objects.get(national_id=DNI).billing_tax_id == NIE
        assert Client.objects.get(national_id=NIE) == client
    with connection.schema_editor() as editor:
        migration.open_again(apps, editor)
    assert raw(Patient, patient.pk, "national_id") == DNI
    assert raw(Patient, patient.pk, "billing_tax_id") == NIE
    assert raw(Client, client.pk, "national_id") == NIE


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "found"), [("patient", "Ana"), ("client", "Luis")])
def test_the_admin_searches_by_the_whole_number(client, staff_user, people, url, found):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    number = DNI if url == "patient" else NIE
    # The search's address is sent on to a key (clinics/admin_search.py): follow it.
    page = client.get(f"/admin/clinics/{url}/", {"q": number.lower()}, follow=True)
    assert page.status_code == 200 and found in page.content.decode()
    partial = client.get(f"/admin/clinics/{url}/", {"q": number[:5]}, follow=True)
    assert found not in partial.content.decode()
    assert client.get(f"/admin/clinics/{url}/", {"q": found}, follow=True).status_code == 200


@pytest.mark.django_db
def test_refreshed_digests_let_the_old_key_go(people, settings):
    old = list(settings.CLINICAL_ENCRYPTION_KEYS)
    new = Fernet.generate_key().decode()
    settings.CLINICAL_ENCRYPTION_KEYS = [new, *old]
    out = io.StringIO()
    call_command("refresh_lookup_digests", stdout=out)
    assert "clinics.Patient.national_id: 1 digested again" in out.getvalue()
    assert raw(Patient, people["patient"].pk, "national_id_digest") == identifiers.digest(DNI)
    again = io.StringIO()
    call_command("refresh_lookup_digests", stdout=again)
    assert "0 digested again" in again.getvalue()
    settings.CLINICAL_ENCRYPTION_KEYS = [new]  # the old key gone: digests under it no longer
    with scopes_disabled():
        patient = Patient.objects.filter(national_id=DNI).values_list("pk", flat=True)
        assert list(patient) == [people["patient"].pk]
        assert Client.objects.filter(national_id=NIE).exists()
