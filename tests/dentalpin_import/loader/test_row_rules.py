"""Which errors are a row's and which stop the job; new rows fitted to their columns."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, OperationalError, connection, transaction
from django_scopes import scopes_disabled

from clinics.models import Appointment, Patient, Payment, TreatmentCatalogItem
from dentalpin_import.loader import fit, inserts
from dentalpin_import.loader.row_errors import Copies, stops_the_job, usable_key
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.text import Cut, cut
from dentalpin_import.models import ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import


def raised(action) -> BaseException:
    try:
        with transaction.atomic():
            action()
    except BaseException as exc:  # noqa: BLE001 (whatever the database raises is the point)
        return exc
    raise AssertionError("nothing was raised")


def execute(sql, params=()):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run


@pytest.mark.django_db
def test_a_value_the_database_refuses_is_the_row_s_fault(clinic):
    null_name = execute(
        "INSERT INTO clinics_patient (clinic_id, given_name) VALUES (%s, NULL)", [clinic.pk]
    )
    assert not stops_the_job(raised(null_name))  # IntegrityError on both databases


@pytest.mark.django_db
def test_a_statement_against_a_missing_table_stops_the_job():
    # SQLite: OperationalError; PostgreSQL: ProgrammingError from the server.
    assert stops_the_job(raised(execute("SELECT * FROM no_such_table_here")))


@pytest.mark.parametrize(
    "exc, stops",
    [
        (OperationalError("database or disk is full"), True),
        (ConnectionError("connection reset"), True),
        (OSError(28, "No space left on device"), True),
        (ImproperlyConfigured("no encryption key"), True),
        (MemoryError(), True),
        (KeyboardInterrupt(), True),
        (IntegrityError("duplicate key"), False),
        (UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"), False),
        (RecursionError("maximum recursion depth exceeded"), False),
        (OverflowError("Python int too large to convert to SQLite INTEGER"), False),
        (ValueError("invalid literal"), False),
        (TypeError("unsupported type"), False),
        (KeyError("IdPac"), False),
    ],
)
def test_errors_about_the_machine_stop_the_job_and_the_others_are_the_row_s(exc, stops):
    assert stops_the_job(exc) is stops


def test_only_ids_every_database_stores_alike_are_usable():
    assert usable_key(b.uid("patient", 1))
    for key in ("", "x" * 65, "a\x00b", "a\nb"):
        assert not usable_key(key)


def test_the_copies_of_a_key_are_warned_in_the_first_pass_and_dropped_in_the_final_one():
    copies = Copies()
    first = [copies.check(k, False) for k in ("a", "b", "b", "b", "c")]
    assert first == [None, None, Copies.WARN, Copies.WARN, None]
    final = [copies.check(k, True) for k in ("a", "b", "b", "c")]
    assert final == [None, None, Copies.DROP, None]


@pytest.mark.django_db
def test_text_over_its_column_is_cut_and_a_mappers_cut_is_reported(clinic):
    long = build(Patient, clinic=clinic, given_name="N" * 200, family_name="x")
    mapped = build(Patient, clinic=clinic, given_name=cut("M" * 200, 150), family_name="y")
    fine = build(Patient, clinic=clinic, given_name="Ana", family_name="z")
    assert type(mapped.given_name) is Cut
    changes = fit.fit([long, mapped, fine])
    assert [(c.obj, c.code) for c in changes] == [
        (long, fit.CUT_TO_LENGTH),
        (mapped, fit.CUT_TO_LENGTH),
    ]
    assert "Patient.given_name" in changes[0].message and "150" in changes[0].message
    assert long.given_name == "N" * 149 + "…" and type(mapped.given_name) is str
    assert fine.given_name == "Ana"


@pytest.mark.django_db
def test_extra_decimals_are_rounded_as_postgresql_rounds_them(clinic):
    payments = [
        build(Payment, clinic=clinic, amount=Decimal(v), paid_on=dt.date(2026, 1, 1))
        for v in ("10.005", "-10.005", "10.50", "7")
    ]
    changes = fit.fit(payments)
    assert [p.amount for p in payments] == [
        Decimal("10.01"),
        Decimal("-10.01"),
        Decimal("10.50"),
        Decimal("7"),
    ]
    assert [c.code for c in changes] == [fit.ROUNDED, fit.ROUNDED]


@pytest.mark.django_db
def test_a_number_too_large_is_left_empty_when_it_may_be_and_refuses_its_row_otherwise(clinic):
    item = build(TreatmentCatalogItem, clinic=clinic, name="X", reference_price=Decimal("1e12"))
    [change] = fit.fit([item])
    assert change.code == fit.OUT_OF_RANGE and item.reference_price is None
    payment = build(Payment, clinic=clinic, amount=Decimal("1e10"), paid_on=dt.date(2026, 1, 1))
    with pytest.raises(fit.RowRefused) as refused:
        fit.fit([payment])
    assert refused.value.obj is payment and refused.value.code == fit.VALUE_OUT_OF_RANGE
    appointment = build(
        Appointment,
        clinic=clinic,
        starts_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        duration_minutes=2**31,
    )
    with pytest.raises(fit.RowRefused):
        fit.fit([appointment])


@pytest.mark.django_db
def test_a_moment_that_leaves_the_years_1_to_9999_in_utc_refuses_its_row(clinic):
    late = dt.datetime(9999, 12, 31, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    appointment = build(Appointment, clinic=clinic, starts_at=late, duration_minutes=30)
    with pytest.raises(fit.RowRefused) as refused:
        fit.fit([appointment])
    assert "Appointment.starts_at" in refused.value.message
    fine = build(Appointment, clinic=clinic, starts_at=late.replace(year=9998))
    assert fit.fit([fine]) == []


@pytest.mark.django_db
def test_a_full_disk_at_insert_stops_the_job_and_leaves_no_row_of_its_chunk(
    tmp_path, clinic, monkeypatch
):
    original = inserts.insert_instances

    def disk_full(objs):
        if objs and type(objs[0]) is Appointment:
            raise OperationalError("database or disk is full")
        return original(objs)

    monkeypatch.setattr(inserts, "insert_instances", disk_full)
    status, message, _ = run_import(b.small_clinic(tmp_path), clinic.slug)
    assert status == 1 and "full" in message
    assert ImportJob.objects.get().status == "failed"
    with scopes_disabled():
        assert Appointment.objects.count() == 0
    # Not taken for a bad row: no row was tried alone, none was warned as failed.
    assert not ImportJob.objects.get().warnings.filter(code="row.failed").exists()
