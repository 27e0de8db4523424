"""Shared fixtures: two clinics (Alice's and Bob's), staff, and a scope helper."""

import sqlite3

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from tests.factories.clinics import ClinicFactory, MembershipFactory, UserFactory


@pytest.fixture
def clinic(db):
    return ClinicFactory(slug="alba", name="Clínica Alba")


@pytest.fixture
def other_clinic(db):
    return ClinicFactory(slug="bosque", name="Clínica Bosque")


@pytest.fixture
def staff_user(clinic):
    user = UserFactory(username="alice")
    MembershipFactory(user=user, clinic=clinic)
    return user


@pytest.fixture
def other_staff_user(other_clinic):
    user = UserFactory(username="bob")
    MembershipFactory(user=user, clinic=other_clinic)
    return user


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def unscoped():
    """Read clinic tables across tenants, as a test inspecting the database must."""
    with scopes_disabled():
        yield


# Fixtures that start a process or a server: a test using one is `slow`, so
# `pytest -m "not slow"` is the quick loop while editing.
PROCESS_FIXTURES = {
    "live_server",  # pytest-django's threaded server
    "browser",  # headless Chromium
    "started",  # manage.py commands and lock holders (tests/dentalpin_import/commands)
    "processes",
    "broker",  # redis-server
    "workers",  # Celery workers
    "s3_server",
}
PROCESS_MARKS = {"browser", "services"}


def starts_processes(item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    marks = {mark.name for mark in item.iter_markers()}
    return bool(fixtures & PROCESS_FIXTURES or marks & PROCESS_MARKS)


def pytest_collection_modifyitems(items):
    for item in items:
        if starts_processes(item) and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def sqlite_variable_limit(db):
    """Call with n: SQLite then takes at most n `?` per statement, until the test ends.

    PostgreSQL has no such limit: there the call does nothing.
    """
    changed = []

    def set_limit(n: int) -> None:
        if connection.vendor != "sqlite":
            return
        connection.ensure_connection()
        raw = connection.connection
        changed.append((raw, raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)))
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, n)

    yield set_limit
    for raw, before in reversed(changed):
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, before)


@pytest.fixture
def old_sqlite_limits(sqlite_variable_limit):
    """On SQLite, at most 999 `?` per statement (builds before 3.32); PostgreSQL as it is.

    A list of a whole job's ids in one statement then fails at 1,000 rows, not at the
    250,000 of Debian's build. Imports themselves need more (`dentalpin_import.checks`).
    """
    sqlite_variable_limit(999)
