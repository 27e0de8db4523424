"""`rotate_clinical_keys`: every encrypted value of every clinic moves to the newest notes key."""

import io

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command
from django.db import connection
from django_scopes import scope

from clinics import fields
from clinics.management.commands import rotate_clinical_keys as command
from clinics.models import ClinicalNote, Patient
from dentalpin_import.jobs import sheet_preview
from dentalpin_import.models import ImportJob

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def fresh_ciphers():
    fields._cipher.cache_clear()
    yield
    fields._cipher.cache_clear()


def raw_notes() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT text, diagnosis FROM clinics_clinicalnote ORDER BY id")
        return cursor.fetchall()


def readable_by(key: str, stored: str) -> bool:
    try:
        Fernet(key).decrypt(stored.removeprefix(fields.PREFIX).encode())
        return True
    except InvalidToken:
        return False


def notes(clinic, texts):
    with scope(clinic=clinic):
        patient = Patient.objects.create(clinic=clinic, given_name="Ana", family_name="Ruiz")
        for text in texts:
            ClinicalNote.objects.create(clinic=clinic, patient=patient, text=text, diagnosis="")


def rotate(*args) -> str:
    out = io.StringIO()
    call_command("rotate_clinical_keys", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def written_under_the_old_key(clinic, other_clinic, settings):
    settings.CLINICAL_ENCRYPTION_KEYS = [OLD]
    notes(clinic, ["Caries en 36", "Alergia a látex", "Dolor"])
    notes(other_clinic, ["Endodoncia"])
    sheet = ImportJob.objects.create(
        clinic=clinic, meta={"preview": sheet_preview.seal({"samples": [["P1", "Ibuprofeno"]]})}
    )
    settings.CLINICAL_ENCRYPTION_KEYS = [NEW, OLD]  # step 1: the new key first
    fields._cipher.cache_clear()
    return sheet


@pytest.mark.django_db
def test_every_value_of_every_clinic_moves_to_the_first_key(
    written_under_the_old_key, settings, unscoped
):
    out = rotate()
    assert "clinics.ClinicalNote.text: 4 re-encrypted, 0 already under the first key" in out
    assert "dentalpin_import.ImportJob.meta: 1 re-encrypted" in out
    assert out.rstrip().endswith("re-encrypted 5, already under the first key 0, unreadable 0")
    assert all(readable_by(NEW, text) and diagnosis == "" for text, diagnosis in raw_notes())
    settings.CLINICAL_ENCRYPTION_KEYS = [NEW]  # step 3: the old key can go
    fields._cipher.cache_clear()
    assert sorted(n.text for n in ClinicalNote.objects.all()) == [
        "Alergia a látex",
        "Caries en 36",
        "Dolor",
        "Endodoncia",
    ]
    written_under_the_old_key.refresh_from_db()
    preview = sheet_preview.unseal(written_under_the_old_key.meta["preview"])
    assert preview["samples"] == [["P1", "Ibuprofeno"]]


@pytest.mark.django_db
def test_a_second_run_changes_nothing(written_under_the_old_key):
    rotate()
    before = raw_notes()
    out = rotate()
    assert out.rstrip().endswith("re-encrypted 0, already under the first key 5, unreadable 0")
    assert raw_notes() == before


@pytest.mark.django_db
def test_a_dry_run_counts_and_writes_nothing(written_under_the_old_key):
    before = raw_notes()
    assert (
        rotate("--dry-run")
        .rstrip()
        .endswith("would re-encrypt 5, already under the first key 0, unreadable 0")
    )
    assert raw_notes() == before


@pytest.mark.django_db
def test_an_interrupted_run_is_finished_by_running_it_again(written_under_the_old_key, monkeypatch):
    real, seen = command._rotate_one, []

    def dies_on_the_third(stored, counts):
        seen.append(stored)
        if len(seen) == 3:
            raise KeyboardInterrupt  # the operator's ^C, or the machine going down
        return real(stored, counts)

    monkeypatch.setattr(command, "_rotate_one", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        rotate("--batch-size", "2")
    monkeypatch.undo()
    done = [readable_by(NEW, text) for text, _ in raw_notes()]
    assert done == [True, True, False, False]  # the first batch was committed, not the second
    out = rotate("--batch-size", "2")
    assert "clinics.ClinicalNote.text: 2 re-encrypted, 2 already under the first key" in out
    assert all(readable_by(NEW, text) for text, _ in raw_notes())


@pytest.mark.django_db
def test_a_value_no_key_reads_is_reported_and_left_and_the_rest_rotated(
    written_under_the_old_key, settings
):
    stranger = Fernet.generate_key().decode()
    settings.CLINICAL_ENCRYPTION_KEYS = [stranger]
    fields._cipher.cache_clear()
    notes(written_under_the_old_key.clinic, ["Nota ajena"])
    settings.CLINICAL_ENCRYPTION_KEYS = [NEW, OLD]
    fields._cipher.cache_clear()
    with pytest.raises(CommandError, match="1 stored values can be read by no key"):
        rotate()
    stored = [text for text, _ in raw_notes()]
    assert [readable_by(NEW, text) for text in stored] == [True] * 4 + [False]
    assert readable_by(stranger, stored[-1])


@pytest.mark.django_db
def test_it_refuses_to_start_without_keys(settings):
    settings.CLINICAL_ENCRYPTION_KEYS = []
    with pytest.raises(Exception, match="CLINICAL_ENCRYPTION_KEYS"):
        rotate()
