"""Unit tests of the schedule mappers: work calendars, days, shifts, recurrences, appointments."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from clinics.models import (
    Appointment,
    AppointmentRecurrence,
    CatalogItem,
    Chair,
    ClinicalNote,
    WorkCalendar,
    WorkCalendarDay,
    WorkCalendarShift,
)
from dentalpin_import.reader.values import ROUNDED
from tests import dpmf_builder as b
from tests.dentalpin_import.mapping.unit.harness import GHOST

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")


# --- appointment ----------------------------------------------------------------------------


def test_an_appointment_is_read_in_the_clinics_time_zone_with_its_people(people):
    mapped = people.map("appointment", b.appointment(1, 1, 1))
    visit = mapped.row
    assert isinstance(visit, Appointment) and visit.pk is None
    assert (visit.patient_id, visit.professional_id) == (501, 701)
    assert visit.starts_at == dt.datetime(2026, 3, 4, 9, 30, tzinfo=MADRID)
    assert visit.starts_at.astimezone(dt.UTC) == dt.datetime(2026, 3, 4, 8, 30, tzinfo=dt.UTC)
    assert (visit.duration_minutes, visit.status) == (45, "completed")
    assert (visit.chair_id, visit.recurrence_id) == (None, None)
    assert mapped.rows == [visit] and mapped.notes == []


def test_a_summer_appointment_keeps_its_wall_clock_time_across_the_change_of_hour(people):
    summer = people.map("appointment", b.appointment(1, 1, 1, scheduled_date="2026-07-01"))
    assert summer.row.starts_at.astimezone(dt.UTC).time() == dt.time(7, 30)


def test_an_offset_in_the_source_time_is_ignored_the_clinics_zone_decides(people):
    mapped = people.map("appointment", b.appointment(1, 1, 1, scheduled_time="09:30:00+00:00"))
    assert mapped.row.starts_at == dt.datetime(2026, 3, 4, 9, 30, tzinfo=MADRID)


def test_an_offset_that_is_not_the_clinics_is_said_and_the_clinics_own_is_not(people):
    other = people.map("appointment", b.appointment(1, 1, 1, scheduled_time="09:30:00+05:00"))
    assert other.row.starts_at == dt.datetime(2026, 3, 4, 9, 30, tzinfo=MADRID)
    assert other.note("appointment.offset_ignored").params == {"time": "09:30:00+05:00"}
    own = people.map("appointment", b.appointment(2, 1, 1, scheduled_time="09:30:00+01:00"))
    assert own.notes == []


def test_a_duration_with_decimals_is_rounded_and_said(people):
    mapped = people.map("appointment", b.appointment(1, 1, 1, duration_minutes=45.9))
    assert mapped.row.duration_minutes == 46
    assert [(k, w) for k, w, _ in mapped.record.problems] == [("duration_minutes", ROUNDED)]


def test_a_clinic_in_another_zone_reads_the_same_time_in_its_own_zone(people):
    people.clinic.timezone = "Atlantic/Canary"
    mapped = people.map("appointment", b.appointment(1, 1, 1))
    assert mapped.row.starts_at.astimezone(dt.UTC) == dt.datetime(2026, 3, 4, 9, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("source", "status"),
    [
        ("scheduled", "scheduled"),
        ("CONFIRMED", "confirmed"),
        ("completed", "completed"),
        ("no_show", "no_show"),
        ("cancelled", "cancelled"),
        ("", "scheduled"),
        ("weird", "scheduled"),
    ],
)
def test_an_appointments_status_is_read_from_the_coarse_status(people, source, status):
    assert (
        people.map("appointment", b.appointment(1, 1, 1, coarse_status=source)).row.status == status
    )


@pytest.mark.parametrize("duration", [None, 0, -15])
def test_an_appointment_without_a_usable_duration_lasts_30_minutes(people, duration):
    mapped = people.map("appointment", b.appointment(1, 1, 1, duration_minutes=duration))
    assert mapped.row.duration_minutes == 30


def test_an_appointment_without_a_time_starts_at_midnight(people):
    mapped = people.map("appointment", b.appointment(1, 1, 1, scheduled_time=""))
    assert mapped.row.starts_at == dt.datetime(2026, 3, 4, tzinfo=MADRID)


def test_an_appointments_notes_become_an_administrative_note_on_it(people):
    visit, note = people.map("appointment", b.appointment(1, 1, 1, notes="Traer radiografía")).rows
    assert isinstance(note, ClinicalNote)
    assert (note.kind, note.text, note.patient_id, note.author_id) == (
        "administrative",
        "Traer radiografía",
        501,
        701,
    )
    assert note.appointment is visit and note.written_at == visit.starts_at


def test_an_appointment_links_its_chair_and_recurrence(people):
    people.resolved("catalog_item", "chair-1", 801, Chair)
    people.resolved("appointment_recurrence", 1, 901)
    mapped = people.map(
        "appointment",
        b.appointment(
            1,
            1,
            1,
            chair_uuid=b.uid("catalog_item", "chair-1"),
            recurrence_uuid=b.uid("appointment_recurrence", 1),
        ),
    )
    assert (mapped.row.chair_id, mapped.row.recurrence_id) == (801, 901)
    assert mapped.notes == []


def test_an_appointments_dangling_chair_and_recurrence_are_noted_and_left_out(people):
    # A catalogue key of another kind is never taken for a chair.
    people.resolved("catalog_item", "pay-1", 802, CatalogItem)
    mapped = people.map(
        "appointment",
        b.appointment(1, 1, 1, chair_uuid=b.uid("catalog_item", "pay-1"), recurrence_uuid=GHOST),
    )
    assert (mapped.row.chair_id, mapped.row.recurrence_id) == (None, None)
    assert mapped.codes == ["appointment.unmapped_chair", "appointment.unmapped_recurrence"]


@pytest.mark.parametrize(
    ("patient_sid", "prof_sid", "code"),
    [
        (None, 1, "appointment.missing_actor"),
        (1, None, "appointment.missing_actor"),
        (404, 1, "appointment.unmapped_actor"),
        (1, 404, "appointment.unmapped_actor"),
    ],
)
def test_an_appointment_without_its_patient_or_professional_is_refused(
    people, patient_sid, prof_sid, code
):
    mapped = people.map(
        "appointment",
        b.appointment(1, 1, 1),
        patient_uuid=b.uid("patient", patient_sid) if patient_sid else None,
        professional_uuid=b.uid("professional", prof_sid) if prof_sid else None,
    )
    assert mapped.refused == code
    if code.endswith("unmapped_actor"):
        who = "patient" if patient_sid == 404 else "professional"
        assert mapped.warning.message.startswith(who)


@pytest.mark.parametrize(
    ("date", "time", "code"),
    [
        ("", "09:30:00", "appointment.no_schedule"),
        ("04/03/2026", "09:30:00", "appointment.unparseable_datetime"),
        ("2026-03-04", "half past nine", "appointment.unparseable_datetime"),
    ],
)
def test_an_appointment_without_a_readable_date_and_time_is_refused(people, date, time, code):
    mapped = people.map(
        "appointment", b.appointment(1, 1, 1, scheduled_date=date, scheduled_time=time)
    )
    assert mapped.refused == code


# --- work_calendar --------------------------------------------------------------------------


def test_a_calendar_keeps_its_professional_name_and_period(people):
    mapped = people.map(
        "work_calendar",
        professional_uuid=b.uid("professional", 1),
        name="Mañanas",
        valid_from="2024-01-01",
        valid_to="2024-12-31",
    )
    calendar = mapped.row
    assert isinstance(calendar, WorkCalendar)
    assert (calendar.professional_id, calendar.name) == (701, "Mañanas")
    assert (calendar.valid_from, calendar.valid_to) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert mapped.notes == []


def test_a_calendar_with_a_dangling_professional_and_no_name_is_kept_and_noted(harness):
    mapped = harness.map("work_calendar", sid=2, professional_uuid=GHOST)
    assert mapped.row.professional_id is None and mapped.row.name == "Horario 2"
    assert mapped.codes == ["work_calendar.unmapped_professional", "work_calendar.unnamed"]


# --- work_calendar_day ----------------------------------------------------------------------


@pytest.fixture
def calendar(harness):
    return harness.resolved("work_calendar", 1, 1001)


def test_a_day_belongs_to_its_calendar_and_is_a_working_day_unless_told(harness, calendar):
    monday = harness.map("work_calendar_day", calendar_uuid=calendar, weekday=1)
    assert isinstance(monday.row, WorkCalendarDay)
    assert (monday.row.calendar_id, monday.row.weekday, monday.row.is_working_day) == (
        1001,
        1,
        True,
    )
    sunday = harness.map(
        "work_calendar_day", calendar_uuid=calendar, weekday=7, is_working_day=False
    )
    assert (sunday.row.weekday, sunday.row.is_working_day) == (7, False)


@pytest.mark.parametrize("weekday", [0, 8, None])
def test_a_day_outside_monday_to_sunday_is_refused(harness, calendar, weekday):
    mapped = harness.map("work_calendar_day", calendar_uuid=calendar, weekday=weekday)
    assert mapped.refused == "work_calendar_day.invalid_weekday"


@pytest.mark.parametrize(
    ("calendar_uuid", "code"),
    [(None, "work_calendar_day.no_calendar"), (GHOST, "work_calendar_day.unmapped_calendar")],
)
def test_a_day_without_its_calendar_is_refused(harness, calendar_uuid, code):
    mapped = harness.map("work_calendar_day", calendar_uuid=calendar_uuid, weekday=1)
    assert mapped.refused == code


# --- work_calendar_shift --------------------------------------------------------------------


@pytest.fixture
def day(harness):
    return harness.resolved("work_calendar_day", "1-1", 1101)


def test_a_shift_keeps_its_day_times_and_chair(harness, day):
    chair = harness.resolved("catalog_item", "chair-1", 801, Chair)
    mapped = harness.map(
        "work_calendar_shift",
        calendar_day_uuid=day,
        start_time="09:00:00",
        end_time="14:00",
        chair_uuid=chair,
    )
    shift = mapped.row
    assert isinstance(shift, WorkCalendarShift)
    assert (shift.day_id, shift.starts_at, shift.ends_at, shift.chair_id) == (
        1101,
        dt.time(9),
        dt.time(14),
        801,
    )
    assert mapped.notes == []


def test_a_shift_whose_chair_is_another_kind_of_catalogue_value_is_kept_without_it(harness, day):
    other = harness.resolved("catalog_item", "pay-1", 802, CatalogItem)
    mapped = harness.map(
        "work_calendar_shift",
        calendar_day_uuid=day,
        start_time="16:00",
        end_time="20:00",
        chair_uuid=other,
    )
    assert mapped.row.chair_id is None and mapped.codes == ["work_calendar_shift.unmapped_chair"]


def test_a_shift_ending_before_it_starts_is_kept_as_given_with_a_warning(harness, day):
    mapped = harness.map(
        "work_calendar_shift", calendar_day_uuid=day, start_time="20:00", end_time="08:00"
    )
    assert (mapped.row.starts_at, mapped.row.ends_at) == (dt.time(20), dt.time(8))
    assert mapped.note("work_calendar_shift.ends_before_start").severity == "warn"


@pytest.mark.parametrize(("start", "end"), [("9h", "14:00"), ("09:00", ""), ("25:00", "26:00")])
def test_a_shift_with_unreadable_times_is_refused(harness, day, start, end):
    mapped = harness.map(
        "work_calendar_shift", calendar_day_uuid=day, start_time=start, end_time=end
    )
    assert mapped.refused == "work_calendar_shift.unparseable_time"


@pytest.mark.parametrize(
    ("day_uuid", "code"),
    [(None, "work_calendar_shift.no_day"), (GHOST, "work_calendar_shift.unmapped_day")],
)
def test_a_shift_without_its_day_is_refused(harness, day_uuid, code):
    mapped = harness.map(
        "work_calendar_shift", calendar_day_uuid=day_uuid, start_time="09:00", end_time="14:00"
    )
    assert mapped.refused == code


# --- appointment_recurrence -----------------------------------------------------------------


def test_a_recurrence_keeps_its_people_rule_and_period(people):
    mapped = people.map(
        "appointment_recurrence",
        patient_uuid=b.uid("patient", 1),
        professional_uuid=b.uid("professional", 1),
        rule="RRULE:FREQ=MONTHLY;COUNT=6",
        starts_on="2026-01-10",
        ends_on="2026-06-10",
        duration_minutes=30,
    )
    series = mapped.row
    assert isinstance(series, AppointmentRecurrence)
    assert (series.patient_id, series.professional_id) == (501, 701)
    assert series.rule == "RRULE:FREQ=MONTHLY;COUNT=6"
    assert (series.starts_on, series.ends_on, series.duration_minutes) == (
        dt.date(2026, 1, 10),
        dt.date(2026, 6, 10),
        30,
    )
    assert mapped.notes == []


def test_a_recurrence_with_dangling_people_and_a_bad_rule_is_kept_and_noted(harness):
    mapped = harness.map(
        "appointment_recurrence",
        patient_uuid=GHOST,
        professional_uuid=b.uid("professional", 404),
        rule="CADA MES",
        duration_minutes=0,
    )
    series = mapped.row
    assert (series.patient_id, series.professional_id, series.rule) == (None, None, "CADA MES")
    assert series.duration_minutes is None
    assert mapped.codes == [
        "appointment_recurrence.unmapped_patient",
        "appointment_recurrence.unmapped_professional",
        "appointment_recurrence.invalid_rule",
    ]
    assert mapped.note("appointment_recurrence.invalid_rule").severity == "warn"
