"""Clinical note text is encrypted at rest and readable through the models."""

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django_scopes import scope

from clinics.fields import UnreadableCiphertext, _cipher
from clinics.models import ClinicalNote, Patient
from dentalpin_import.jobs.inserts import insert_instances


def raw_columns(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT text, diagnosis FROM clinics_clinicalnote WHERE id = %s", [pk])
        return cursor.fetchone()


@pytest.fixture
def patient(clinic):
    with scope(clinic=clinic):
        return Patient.objects.create(clinic=clinic, given_name="Lucía", family_name="Peña")


@pytest.mark.django_db
def test_note_text_and_diagnosis_never_reach_the_database_in_clear(clinic, patient):
    with scope(clinic=clinic):
        note = ClinicalNote.objects.create(
            clinic=clinic, patient=patient, text="Dolor en 36, caries profunda", diagnosis="K02.1"
        )
        text, diagnosis = raw_columns(note.pk)
        assert "caries" not in text and text.startswith("fernet:")
        assert "K02.1" not in diagnosis
        again = ClinicalNote.objects.get(pk=note.pk)
        assert (again.text, again.diagnosis) == ("Dolor en 36, caries profunda", "K02.1")


@pytest.mark.django_db(transaction=True)
def test_the_runners_fast_insert_path_encrypts_too(clinic, patient):
    from django.db import transaction

    with scope(clinic=clinic), transaction.atomic():
        insert_instances([ClinicalNote(clinic=clinic, patient=patient, text="Alergia a látex")])
    with scope(clinic=clinic):
        note = ClinicalNote.objects.get()
        assert "látex" not in raw_columns(note.pk)[0]
        assert note.text == "Alergia a látex"


@pytest.mark.django_db
def test_rotated_keys_still_read_old_notes_and_a_foreign_key_is_refused(clinic, patient, settings):
    old, new, stranger = (Fernet.generate_key().decode() for _ in range(3))
    settings.CLINICAL_ENCRYPTION_KEYS = [old]
    with scope(clinic=clinic):
        pk = ClinicalNote.objects.create(clinic=clinic, patient=patient, text="antes").pk
        settings.CLINICAL_ENCRYPTION_KEYS = [new, old]
        assert ClinicalNote.objects.get(pk=pk).text == "antes"
        settings.CLINICAL_ENCRYPTION_KEYS = [stranger]
        with pytest.raises(UnreadableCiphertext):
            ClinicalNote.objects.get(pk=pk)
    _cipher.cache_clear()
