"""Changed rows are read, compared and updated per chunk, never with a query per row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from clinics.models import Appointment, Patient
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import


def clinic_with(patients: int, *, phone: str, hour: str):
    rows = [b.professional(1)]
    for n in range(1, patients + 1):
        rows += [
            b.client(n),
            b.patient(n, client_sid=n, phone=phone),
            b.appointment(n, n, 1, scheduled_time=hour),
            b.payment(n, n, "10.00"),
            b.link(n, n, n),
        ]
    return rows


def cutover_queries(tmp_path, clinic, patients: int) -> int:
    first = b.build(
        tmp_path, clinic_with(patients, phone="600000000", hour="09:00:00"), name=f"a{patients}"
    )
    later = b.build(
        tmp_path, clinic_with(patients, phone="611111111", hour="10:00:00"), name=f"b{patients}"
    )
    assert run_import(first, clinic.slug)[0] == 0
    with CaptureQueriesContext(connection) as queries:
        status, out, report = run_import(later, clinic.slug, report=tmp_path / f"{patients}.json")
    assert status == 0, out
    assert report["entities"]["patient"]["updated"] == patients
    assert report["entities"]["appointment"]["updated"] == patients
    return len(queries.captured_queries)


@pytest.mark.django_db
def test_the_queries_of_a_cutover_do_not_grow_with_its_changed_rows(tmp_path, clinic, other_clinic):
    few = cutover_queries(tmp_path, clinic, 5)
    many = cutover_queries(tmp_path, other_clinic, 120)
    # SQLite bounds the variables of one statement, so a bulk UPDATE of many rows is a few
    # statements; a query per row would add hundreds here.
    assert few <= many <= few + 6, (few, many)
    with scopes_disabled():
        assert set(Patient.objects.filter(clinic=other_clinic).values_list("phone", flat=True)) == {
            "611111111"
        }
        assert Appointment.objects.filter(clinic=other_clinic).count() == 120
