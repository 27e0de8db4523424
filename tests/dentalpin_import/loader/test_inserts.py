"""The runner's fast insert must store exactly what Django itself would store."""

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models

from clinics.models import AppliedTreatment, ClinicalNote
from dentalpin_import.loader.inserts import _prepared
from dentalpin_import.models import EntityMapping

MADRID = ZoneInfo("Europe/Madrid")


class NoOffset(dt.tzinfo):
    def utcoffset(self, moment):
        return None


CASES = [
    (AppliedTreatment, "started_on", [dt.date(2020, 2, 29), None, dt.date(1899, 12, 30)]),
    (AppliedTreatment, "amount", [Decimal("12.50"), Decimal("-0.005"), Decimal("1E+3"), None]),
    (AppliedTreatment, "teeth", [[11, 12], [], {"a": "ñ"}, None]),
    (
        ClinicalNote,
        "written_at",
        [
            dt.datetime(2021, 3, 28, 2, 30, tzinfo=dt.UTC),
            dt.datetime(2021, 10, 31, 2, 30, tzinfo=MADRID),
            dt.datetime(2021, 10, 31, 2, 30, fold=1, tzinfo=MADRID),
            dt.datetime(2020, 1, 1, 0, 0, 0, 5, tzinfo=MADRID),
            # A fixed offset that moves the UTC time into the next day.
            dt.datetime(2021, 6, 30, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-3))),
            None,
        ],
    ),
    (EntityMapping, "job", [uuid.uuid4(), None]),
    # Columns of one value type, converted in one pass (with None, or None only).
    (AppliedTreatment, "teeth", [[11, 12], [], [48]]),
    (AppliedTreatment, "started_on", [None, None]),
    (AppliedTreatment, "amount", [Decimal("1.10"), None, Decimal("-7")]),
    (ClinicalNote, "written_at", [dt.datetime(2021, 3, 28, 1, 59, tzinfo=MADRID)] * 3),
]


def _plain(values):
    # PostgreSQL's JSON adapter (psycopg's Jsonb) has no equality of its own.
    return [getattr(v, "obj", v) for v in values]


@pytest.mark.django_db
@pytest.mark.parametrize("model,name,values", CASES)
def test_fast_preparation_matches_django(model, name, values):
    field = model._meta.get_field(name)
    expected = _plain([field.get_db_prep_save(v, connection) for v in values])
    assert _plain(_prepared(field, values, connection)) == expected
    # A repeated value gets the same result, not a stale one.
    assert _plain(_prepared(field, [values[0], values[0]], connection)) == [expected[0]] * 2


@pytest.mark.django_db
def test_a_datetime_whose_zone_gives_no_offset_takes_djangos_path():
    # Python takes such a value for naive, and so does Django, which warns.
    field = ClinicalNote._meta.get_field("written_at")
    moment = dt.datetime(2021, 6, 30, 23, 30, tzinfo=NoOffset())
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        expected = field.get_db_prep_save(moment, connection)
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        assert _prepared(field, [moment], connection) == [expected]


@pytest.mark.django_db
def test_a_column_of_one_type_with_a_value_django_must_refuse_is_refused():
    # Read in one pass, then value by value once the fast converter declines one:
    # Django refuses a non-finite amount instead of storing it.
    field = AppliedTreatment._meta.get_field("amount")
    for bad in (Decimal("NaN"), Decimal("Infinity")):
        with pytest.raises(ValidationError, match="must be a decimal number"):
            field.get_db_prep_save(bad, connection)
        with pytest.raises(ValidationError, match="must be a decimal number"):
            _prepared(field, [Decimal("3.30"), bad, Decimal("0.01")], connection)


@pytest.mark.django_db
def test_a_value_of_another_type_takes_djangos_path():
    field = AppliedTreatment._meta.get_field("started_on")
    moment = dt.datetime(2020, 5, 6, 7, 8, tzinfo=dt.UTC)  # a datetime in a date column
    assert _prepared(field, [moment], connection) == [field.get_db_prep_save(moment, connection)]
    assert isinstance(field, models.DateField)


@pytest.mark.django_db(transaction=True)
def test_ids_are_never_reused_after_the_highest_rows_are_deleted(clinic):
    """As AUTOINCREMENT: an undone import's ids are not handed to the next one's rows."""
    from django.db import transaction
    from django_scopes import scopes_disabled

    from clinics.models import Client
    from dentalpin_import.loader.inserts import allocate_ids, insert_instances

    rows = [Client(clinic=clinic, given_name=f"c{n}") for n in range(3)]
    with transaction.atomic():
        insert_instances(rows)
    highest = max(r.pk for r in rows)
    with scopes_disabled():
        Client.objects.filter(pk__in=[r.pk for r in rows[1:]]).delete()  # as undo would
    with transaction.atomic():
        fresh = allocate_ids(Client, 2)
    assert min(fresh) > highest
    assert fresh == list(range(fresh[0], fresh[0] + 2))


@pytest.mark.django_db(transaction=True)
def test_a_row_given_its_parent_unsaved_stores_the_parents_new_id(clinic):
    """A treatment built with its note, both inserted in one chunk (the note first)."""
    from django.db import transaction
    from django_scopes import scope

    from clinics.models import Patient
    from dentalpin_import.loader.inserts import insert_instances

    with scope(clinic=clinic):
        patient = Patient.objects.create(clinic=clinic, given_name="Íñigo", family_name="Sáez")
        notes = [ClinicalNote(clinic=clinic, patient=patient, text=f"nota {n}") for n in range(2)]
        treatments = [
            AppliedTreatment(clinic=clinic, patient=patient, description="Obturación", note=note)
            for note in [notes[0], None, notes[1]]
        ]
        with transaction.atomic():
            insert_instances(notes)
            insert_instances(treatments)
        stored = dict(
            AppliedTreatment.objects.filter(pk__in=[t.pk for t in treatments]).values_list(
                "pk", "note_id"
            )
        )
    assert [stored[t.pk] for t in treatments] == [notes[0].pk, None, notes[1].pk]
    assert [t.note_id for t in treatments] == [notes[0].pk, None, notes[1].pk]


@pytest.mark.django_db(transaction=True)
def test_the_rows_of_one_insert_share_one_creation_time_which_the_instances_keep(clinic):
    from django.db import transaction
    from django_scopes import scopes_disabled

    from clinics.models import Client
    from dentalpin_import.loader.inserts import insert_instances

    rows = [Client(clinic=clinic, given_name=f"c{n}") for n in range(3)]
    with transaction.atomic():
        insert_instances(rows)
    with scopes_disabled():
        stored = set(Client.objects.filter(pk__in=[r.pk for r in rows]).values_list("created_at"))
    assert stored == {(rows[0].created_at,)}
    assert rows[0].created_at is not None and len({r.created_at for r in rows}) == 1
