"""Fixtures of the mapper unit tests: a harness on the `clinic` of tests/conftest.py."""

import pytest
from django_scopes import scope

from dentalpin_import.reader.csv_sheets import SOURCE_SYSTEM
from tests.dentalpin_import.mapping.unit.harness import MapperHarness


@pytest.fixture
def harness(clinic):
    """A harness for DPMF rows (source system "gesden", as tests/dpmf_builder.py writes)."""
    with scope(clinic=clinic):
        yield MapperHarness(clinic)


@pytest.fixture
def sheet_harness(clinic):
    """A harness for the rows of the CSV sheets."""
    with scope(clinic=clinic):
        yield MapperHarness(clinic, source_system=SOURCE_SYSTEM)


@pytest.fixture
def people(harness):
    """The harness once patient 1, client 1, professional 1 and user 1 of the file were
    imported, as clinic rows 501, 601, 701 and 702 (mappers that only read their ids)."""
    harness.resolved("patient", 1, 501)
    harness.resolved("client", 1, 601)
    harness.resolved("professional", 1, 701)
    harness.resolved("user", 1, 702)
    return harness
