"""Shared fixtures: two clinics (Alice's and Bob's), staff, and a scope helper."""

import pytest
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
