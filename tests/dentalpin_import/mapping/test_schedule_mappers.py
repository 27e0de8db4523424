"""Work calendars, days and shifts, recurrences, appointments' chairs and notes, the centre."""

import datetime as dt

from clinics.models import (
    Appointment,
    AppointmentRecurrence,
    Chair,
    Patient,
    Professional,
    WorkCalendar,
    WorkCalendarDay,
    WorkCalendarShift,
)
from dentalpin_import.models import ImportWarning
from tests.dpmf_builder import uid


def test_calendars_keep_their_professional_and_period(care, mapped, warned):
    mornings = mapped(WorkCalendar, "work_calendar", 1)
    assert mornings.professional == mapped(Professional, "professional", 1)
    assert (mornings.name, mornings.valid_from) == ("Mañanas", dt.date(2024, 1, 1))
    assert mornings.valid_to is None  # 1899-12-30 is the zero date, not an end
    orphan = mapped(WorkCalendar, "work_calendar", 2)
    assert orphan.professional is None and orphan.name == "Horario 2"
    codes = warned("work_calendar")
    assert codes["work_calendar.unmapped_professional"] == ["2"]
    assert codes["work_calendar.unnamed"] == ["2"]
    assert codes["work_calendar.unreadable_value"] == ["1"]


def test_days_need_their_calendar_and_a_weekday_from_1_to_7(care, mapped, warned):
    monday = mapped(WorkCalendarDay, "work_calendar_day", "1-1")
    assert (monday.calendar.name, monday.weekday, monday.is_working_day) == ("Mañanas", 1, True)
    sunday = mapped(WorkCalendarDay, "work_calendar_day", "1-7")
    assert (sunday.weekday, sunday.is_working_day) == (7, False)
    assert warned("work_calendar_day") == {
        "work_calendar_day.invalid_weekday": ["bad"],
        "work_calendar_day.unmapped_calendar": ["ghost"],
    }
    assert WorkCalendarDay.objects.count() == 2


def test_shifts_keep_times_and_chair_and_report_unreadable_times(care, mapped, warned):
    shift = mapped(WorkCalendarShift, "work_calendar_shift", 1)
    assert shift.day == mapped(WorkCalendarDay, "work_calendar_day", "1-1")
    assert (shift.starts_at, shift.ends_at) == (dt.time(9), dt.time(14))
    assert shift.chair == mapped(Chair, "catalog_item", "chair-1")
    # A catalogue key of another kind is never taken for a chair.
    afternoon = mapped(WorkCalendarShift, "work_calendar_shift", "wrongchair")
    assert afternoon.chair is None and afternoon.starts_at == dt.time(16)
    assert warned("work_calendar_shift") == {
        "work_calendar_shift.unparseable_time": ["badtime"],
        "work_calendar_shift.unmapped_chair": ["wrongchair"],
    }


def test_recurrences_keep_their_rule_and_report_bad_ones(care, mapped, warned):
    monthly = mapped(AppointmentRecurrence, "appointment_recurrence", 1)
    assert monthly.patient == mapped(Patient, "patient", 1)
    assert monthly.professional == mapped(Professional, "professional", 1)
    assert (monthly.rule, monthly.starts_on, monthly.ends_on, monthly.duration_minutes) == (
        "FREQ=MONTHLY;COUNT=6",
        dt.date(2026, 1, 10),
        dt.date(2026, 6, 10),
        30,
    )
    odd = mapped(AppointmentRecurrence, "appointment_recurrence", 2)
    assert odd.patient is None and odd.rule == "CADA MES"
    assert warned("appointment_recurrence") == {
        "appointment_recurrence.unmapped_patient": ["2"],
        "appointment_recurrence.invalid_rule": ["2"],
    }


def test_appointments_get_their_chair_recurrence_and_an_administrative_note(care, mapped, warned):
    visit = mapped(Appointment, "appointment", 1)
    assert visit.chair == mapped(Chair, "catalog_item", "chair-1")
    assert visit.recurrence == mapped(AppointmentRecurrence, "appointment_recurrence", 1)
    note = visit.clinical_notes.get()
    assert (note.kind, note.text, note.written_at) == (
        "administrative",
        "Traer radiografía",
        visit.starts_at,
    )
    other = mapped(Appointment, "appointment", 2)
    assert other.chair is None and other.recurrence is None
    assert not other.clinical_notes.exists()
    assert warned("appointment") == {
        "appointment.unmapped_chair": ["2"],
        "appointment.unmapped_recurrence": ["2"],
    }


def test_the_first_centre_fills_the_clinics_blanks_and_every_centre_is_kept(care):
    care.refresh_from_db()
    assert care.name == "Clínica Alba"  # the file never renames or picks the clinic
    assert (care.legal_name, care.tax_id, care.email) == (
        "Sol Dental SL",
        "B99999999",
        "info@sol.test",
    )
    assert care.address == "Calle Mayor 1, 28001, Madrid"
    assert care.phone == "911111111"  # the clinic's own phone stays
    assert care.centre_details[uid("center", 2)]["name"] == "Centro Luna"
    assert care.centre_details[uid("center", 1)]["city"] == "Madrid"
    kept = ImportWarning.objects.get(code="center.kept_clinic_value")
    assert "911111111" in kept.message and "910000000" in kept.message
    assert ImportWarning.objects.filter(code="center.several").count() == 1
