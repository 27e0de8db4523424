"""Fixtures of the mapper unit tests: a harness on the `clinic` of tests/conftest.py."""

from decimal import Decimal

import pytest
from django_scopes import scope

from clinics.models import Client, LedgerEntry, Patient, PatientClientLink
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


@pytest.fixture
def family(harness):
    """Client 1 pays for patients 1, 2 and 3, who earned 30.00, 10.00 and 5.00."""
    payer = harness.existing(Client, given_name="Madre")
    harness.resolved("client", 1, payer.pk)
    patients = []
    for n, earned in ((1, "30.00"), (2, "10.00"), (3, "5.00")):
        patient = harness.existing(Patient, given_name=f"Hijo{n}")
        harness.existing(PatientClientLink, patient=patient, client=payer)
        harness.existing(LedgerEntry, patient=patient, amount=Decimal(earned))
        harness.resolved("patient", n, patient.pk)
        patients.append(patient)
    return payer, patients
