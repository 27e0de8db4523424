"""Behind reverse proxies, rate limits count the client's address, not the proxy's."""

from datetime import timedelta

import pytest
from django.test import Client, RequestFactory

from config.client_address import client_address
from tests.factories.clinics import UserFactory

PROXY = "10.0.0.9"


def address(settings, proxies: int, forwarded: str | None) -> str:
    settings.TRUSTED_PROXIES = proxies
    extra = {"REMOTE_ADDR": PROXY}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **extra))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    assert address(settings, 0, "203.0.113.7") == PROXY


def test_the_client_is_the_entry_the_outermost_trusted_proxy_added(settings):
    assert address(settings, 1, "203.0.113.7") == "203.0.113.7"
    # A client writing its own header only adds entries to the left.
    assert address(settings, 1, "198.51.100.1, 203.0.113.7") == "203.0.113.7"
    assert address(settings, 2, "198.51.100.1, 203.0.113.7, 10.0.0.2") == "203.0.113.7"


def test_a_request_that_skipped_the_proxies_counts_by_its_own_address(settings):
    assert address(settings, 2, "203.0.113.7") == PROXY
    assert address(settings, 1, None) == PROXY


@pytest.mark.django_db
def test_one_guesser_behind_the_proxy_does_not_lock_out_the_others(settings):
    settings.TRUSTED_PROXIES = 1
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    UserFactory(username="ana")

    def log_in(client_ip: str, password: str, spoofed: str = "") -> int:
        forwarded = f"{spoofed}, {client_ip}" if spoofed else client_ip
        return (
            Client()
            .post(
                "/accounts/login/",
                {"username": "ana", "password": password},
                REMOTE_ADDR=PROXY,
                HTTP_X_FORWARDED_FOR=forwarded,
            )
            .status_code
        )

    guesser = "203.0.113.66"
    assert [log_in(guesser, "wrong", spoofed=f"192.0.2.{n}") for n in range(3)] == [200, 200, 429]
    assert log_in(guesser, "pass-for-tests") == 429  # a made-up header entry does not help
    assert log_in("198.51.100.20", "pass-for-tests") == 302  # ana herself, from home
