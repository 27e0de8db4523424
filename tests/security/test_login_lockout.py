"""Staff login: locked after a few failures of one username from one address (django-axes)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.factories.clinics import UserFactory

PASSWORD = "pass-for-tests"  # UserFactory's
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def log_in(client, username, password, address="127.0.0.1", **extra):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def fail(client, username, times, address="127.0.0.1"):
    return [log_in(client, username, "wrong", address).status_code for _ in range(times)]


@pytest.mark.django_db
def test_the_third_failure_locks_the_login_with_when_to_try_again(client):
    UserFactory(username="ana")
    assert fail(client, "ana", 3) == [200, 200, 429]
    response = log_in(client, "ana", PASSWORD)  # the right password does not help now
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins" in page and "Try again in 15 min, at " in page
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_lockout_page_is_in_spanish_too(client):
    UserFactory(username="ana")
    fail(client, "ana", 3)
    response = log_in(client, "ana", PASSWORD, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Demasiados intentos fallidos" in page and "Inténtelo de nuevo dentro de 15 min" in page


@pytest.mark.django_db
def test_other_users_and_other_addresses_still_log_in(client):
    UserFactory(username="ana")
    UserFactory(username="ben")
    fail(client, "ana", 3)
    assert log_in(Client(), "ben", PASSWORD).status_code == 302
    assert log_in(Client(), "ana", PASSWORD, address="10.1.2.3").status_code == 302


@pytest.mark.django_db
def test_the_lock_ends_after_the_cool_off(client):
    UserFactory(username="ana")
    fail(client, "ana", 3)
    assert log_in(client, "ana", PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )
    assert log_in(client, "ana", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_success_before_the_limit_starts_the_count_again(client):
    UserFactory(username="ana")
    fail(client, "ana", 2)
    assert log_in(Client(), "ana", PASSWORD).status_code == 302
    assert fail(client, "ana", 2) == [200, 200]
