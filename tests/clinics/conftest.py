"""Three clinics by name, for tests that move between them: Alba, Bosque and Cedro."""

import pytest

from tests.factories.clinics import ClinicFactory


@pytest.fixture
def alba(clinic):
    return clinic


@pytest.fixture
def bosque(other_clinic):
    return other_clinic


@pytest.fixture
def cedro(db):
    return ClinicFactory(slug="cedro", name="Clínica Cedro")
