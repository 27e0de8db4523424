"""`update_rows`: many rows of one clinic's table set at once, on SQLite and PostgreSQL alike."""

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from clinics.models import Budget, Patient
from dentalpin_import.mapping import bulk
from dentalpin_import.mapping.bulk import update_rows


def budgets(clinic, count):
    patient = Patient.objects.create(clinic=clinic, given_name="Ana")
    return [
        Budget.objects.create(clinic=clinic, patient=patient, number=f"PRES-2025-{n:04d}")
        for n in range(1, count + 1)
    ]


@pytest.mark.django_db
def test_rows_get_their_own_values_and_another_clinic_is_left_alone(
    clinic, other_clinic, monkeypatch
):
    monkeypatch.setattr(bulk, "BATCH", 2)  # several batches of one call
    with scopes_disabled():
        mine = budgets(clinic, 5)
        theirs = budgets(other_clinic, 1)[0]
        rows = [
            (b.pk, Decimal(f"{n}.25"), f"título {n} «ñ»", dt.date(2025, 1, n), n * 10)
            for n, b in enumerate(mine, 1)
        ]
        rows[2] = (mine[2].pk, Decimal("0.00"), "", None, None)  # empty and null values
        fields = ["total", "title", "quoted_on", "source_number"]
        given = update_rows(Budget, clinic, fields, [*rows, (theirs.pk, Decimal(9), "x", None, 1)])
        assert given == 6
        stored = {
            b.pk: (b.total, b.title, b.quoted_on, b.source_number)
            for b in Budget.objects.filter(clinic=clinic)
        }
        assert stored == {pk: tuple(values) for pk, *values in rows}
        theirs.refresh_from_db()
        assert (theirs.total, theirs.title, theirs.source_number) == (Decimal(0), "", None)


@pytest.mark.django_db
def test_a_row_given_twice_keeps_its_last_values(clinic):
    with scopes_disabled():
        first, second = budgets(clinic, 2)
        rows = [(first.pk, Decimal(1)), (second.pk, Decimal(2)), (first.pk, Decimal(3))]
        update_rows(Budget, clinic, ["total"], rows)
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.total, second.total) == (Decimal(3), Decimal(2))
