"""Wrong passphrases are limited per job and per user, and refused before any key derivation."""

import time
import types

import pytest
from django.core.cache import caches
from django.test import Client
from django_ratelimit import core as ratelimit_core

from dentalpin_import.models import ImportJob
from dentalpin_import.reader import unpack
from tests import dpmf_builder as b
from tests.dentalpin_import.web.helpers import upload
from tests.factories.clinics import MembershipFactory, UserFactory

LIMIT = 3
WRONG = "not the passphrase"
REFUSED = "Too many wrong passphrases"


@pytest.fixture(autouse=True)
def limit(settings):
    settings.PASSPHRASE_FAILURE_LIMIT = LIMIT
    settings.PASSPHRASE_WINDOW_MINUTES = 15
    yield
    caches["ratelimit"].clear()  # tests that commit leave their counts behind otherwise


@pytest.fixture
def derivations(monkeypatch):
    """Every scrypt key derivation the reader makes (the real one still runs)."""
    calls = []
    real = unpack.derive_key

    def spy(passphrase, salt):
        calls.append(salt)
        return real(passphrase, salt)

    monkeypatch.setattr(unpack, "derive_key", spy)
    return calls


@pytest.fixture
def encrypted(tmp_path):
    return b.small_clinic(tmp_path, layer="zstd-enc")


def retry(client, job, passphrase):
    return client.post(
        f"/import/jobs/{job.pk}/validate/", {"retry-passphrase": passphrase, "retry": "1"}
    )


def member(clinic, username):
    user = UserFactory(username=username)
    MembershipFactory(user=user, clinic=clinic)
    return user


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def wrong_upload(client, path) -> ImportJob:
    response = upload(client, path, WRONG)
    assert response.status_code == 302
    return ImportJob.objects.order_by("-created_at").first()


@pytest.mark.django_db(transaction=True)
def test_the_retry_after_the_limit_is_refused_without_deriving_a_key(
    staff_client, encrypted, derivations
):
    job = wrong_upload(staff_client, encrypted)
    for _ in range(LIMIT - 1):
        assert retry(staff_client, job, WRONG).status_code == 302
    assert len(derivations) == LIMIT  # each wrong one was tried
    response = retry(staff_client, job, b.PASSPHRASE)  # even the right one, now
    assert response.status_code == 429
    page = response.content.decode()
    assert REFUSED in page and "Try again in" in page
    assert len(derivations) == LIMIT  # no key derived for the refused attempt
    job.refresh_from_db()
    assert job.status == "uploaded"


@pytest.mark.django_db(transaction=True)
def test_a_user_at_the_limit_cannot_start_another_upload_with_a_passphrase(
    staff_client, encrypted, derivations
):
    for _ in range(LIMIT):
        wrong_upload(staff_client, encrypted)
    jobs = ImportJob.objects.count()
    response = upload(staff_client, encrypted, b.PASSPHRASE)
    assert response.status_code == 429
    assert "from your account" in response.content.decode()
    assert ImportJob.objects.count() == jobs  # nothing staged
    assert len(derivations) == LIMIT
    # A file without a passphrase still goes (nothing to derive).
    assert upload(staff_client, b.small_clinic(encrypted.parent / "plain")).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_the_refusal_is_in_spanish_too(staff_client, encrypted):
    for _ in range(LIMIT):
        wrong_upload(staff_client, encrypted)
    with open(encrypted, "rb") as fh:
        response = staff_client.post(
            "/import/new/", {"file": fh, "passphrase": WRONG}, HTTP_ACCEPT_LANGUAGE="es"
        )
    assert response.status_code == 429
    assert "Demasiadas frases de paso incorrectas desde su cuenta" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_right_passphrases_are_not_counted(staff_client, encrypted):
    for _ in range(LIMIT + 1):
        upload(staff_client, encrypted, b.PASSPHRASE)
    assert list(ImportJob.objects.values_list("status", flat=True)) == ["validated"] * (LIMIT + 1)


@pytest.mark.django_db(transaction=True)
def test_other_users_and_other_jobs_are_not_affected(clinic, encrypted, derivations):
    alice, bea, carl = (client_of(member(clinic, name)) for name in ("al", "bea", "carl"))
    locked = wrong_upload(alice, encrypted)
    for _ in range(LIMIT - 1):
        retry(alice, locked, WRONG)
    other_job = wrong_upload(bea, encrypted)  # bea's first wrong one
    # The job is at its limit for everyone; alice is at hers for every job.
    assert retry(bea, locked, b.PASSPHRASE).status_code == 429
    assert retry(alice, other_job, b.PASSPHRASE).status_code == 429
    before = len(derivations)
    # Bea's own count and her other job's are below the limits: she goes ahead.
    assert retry(bea, other_job, b.PASSPHRASE).status_code == 302
    other_job.refresh_from_db()
    assert other_job.status == "validated" and len(derivations) == before + 1
    # Carl has tried nothing: a new upload of his is validated.
    assert upload(carl, encrypted, b.PASSPHRASE).status_code == 302
    assert ImportJob.objects.order_by("-created_at").first().status == "validated"


@pytest.mark.django_db(transaction=True)
def test_the_lock_ends_with_its_window(staff_client, encrypted, derivations, monkeypatch):
    job = wrong_upload(staff_client, encrypted)
    for _ in range(LIMIT - 1):
        retry(staff_client, job, WRONG)
    assert retry(staff_client, job, b.PASSPHRASE).status_code == 429
    later = time.time() + 15 * 60 + 1  # one window on: django-ratelimit counts in a new one
    monkeypatch.setattr(ratelimit_core, "time", types.SimpleNamespace(time=lambda: later))
    assert retry(staff_client, job, b.PASSPHRASE).status_code == 302
    job.refresh_from_db()
    assert job.status == "validated" and len(derivations) == LIMIT + 1


@pytest.mark.django_db(transaction=True)
def test_a_background_validation_counts_when_it_starts(staff_client, encrypted, settings):
    from dentalpin_import.jobs import dispatch

    settings.DPMF_BACKGROUND_VALIDATE_BYTES = 1  # every file is "large"
    for _ in range(LIMIT):
        upload(staff_client, encrypted, b.PASSPHRASE)  # right, but not known in the request
        dispatch.wait_for_background_jobs()
    assert set(ImportJob.objects.values_list("status", flat=True)) == {"validated"}
    assert upload(staff_client, encrypted, b.PASSPHRASE).status_code == 429
