"""Clinical note text is encrypted at rest and readable through the models."""

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django_scopes import scope

from clinics.fields import UnreadableCiphertext, _cipher
from clinics.models import ClinicalNote, Patient
from dentalpin_import.loader.inserts import insert_instances


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


@pytest.mark.django_db(transaction=True)
def test_a_bulk_insert_encrypts_each_note_alone_with_the_newest_key(clinic, patient, settings):
    from django.db import transaction

    old, new = (Fernet.generate_key().decode() for _ in range(2))
    settings.CLINICAL_ENCRYPTION_KEYS = [old]
    text = "Alergia a penicilina"  # one string object, repeated: equal notes must not show
    with scope(clinic=clinic), transaction.atomic():
        notes = [ClinicalNote(clinic=clinic, patient=patient, text=text) for _ in range(3)]
        notes.append(ClinicalNote(clinic=clinic, patient=patient, text=text, diagnosis=""))
        insert_instances(notes)
    settings.CLINICAL_ENCRYPTION_KEYS = [new, old]
    with scope(clinic=clinic), transaction.atomic():
        insert_instances([ClinicalNote(clinic=clinic, patient=patient, text="Látex")])
    stored = [raw_columns(n.pk) for n in notes]
    assert len({token for token, _ in stored}) == 4  # a fresh IV for every note
    assert all(token.startswith("fernet:") and "penicilina" not in token for token, _ in stored)
    assert {diagnosis for _, diagnosis in stored} == {""}
    with scope(clinic=clinic):
        assert [n.text for n in ClinicalNote.objects.order_by("pk")] == [text] * 4 + ["Látex"]
    settings.CLINICAL_ENCRYPTION_KEYS = [new]  # the last note was written with the newest key
    with scope(clinic=clinic):
        assert ClinicalNote.objects.order_by("pk").last().text == "Látex"
        with pytest.raises(UnreadableCiphertext):
            list(ClinicalNote.objects.order_by("pk")[:1])
