"""`work_calendar`, `…_day`, `…_shift`, `appointment_recurrence` → schedules (FORMAT.md §8.5).

The reference keeps these raw, so their field names are the spec's plausible
ones (§14.21); the whole payload also stays in the row's raw JSON. A dangling
professional, chair or patient is reported and the row kept without the link;
a day without its calendar or a shift without its day or readable times
cannot stand on its own and is skipped with a warning.
"""

from __future__ import annotations

import datetime as dt

from dateutil.rrule import rrulestr

from clinics.models import (
    AppointmentRecurrence,
    Chair,
    Patient,
    Professional,
    WorkCalendar,
    WorkCalendarDay,
    WorkCalendarShift,
)
from dentalpin_import.mapping.base import BaseMapper, MappingContext, MappingWarning
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.text import cut
from dentalpin_import.reader.care_records import (
    SourceAppointmentRecurrence,
    SourceWorkCalendar,
    SourceWorkCalendarDay,
    SourceWorkCalendarShift,
)


def optional_link(ctx: MappingContext, entity_type, uuid, model, *, code: str, what: str):
    """Resolve a reference the row can live without; a dangling one becomes a note."""
    if not uuid:
        return None
    target = ctx.resolve_as(entity_type, uuid, model)
    if target is None:
        ctx.note(
            code,
            f"{what} {uuid} is not in the file or not imported; kept without it",
            params={"kind": entity_type, "variant": "kept"},
        )
    return target


class WorkCalendarMapper(BaseMapper):
    entity = "work_calendar"
    record = SourceWorkCalendar
    model = WorkCalendar
    depends_on = ("professional",)

    def references(self, record):
        yield "professional", record.professional_uuid

    def map(self, record: SourceWorkCalendar, ctx: MappingContext) -> WorkCalendar:
        professional_id = optional_link(
            ctx,
            "professional",
            record.professional_uuid,
            Professional,
            code="work_calendar.unmapped_professional",
            what="professional",
        )
        name = record.name
        if not name:
            name = f"Horario {record.source_id}"
            ctx.note("work_calendar.unnamed", f"calendar without a name: {name!r}")
        return build(
            WorkCalendar,
            clinic=ctx.clinic,
            professional_id=professional_id,
            name=cut(name, 200),
            valid_from=record.valid_from,
            valid_to=record.valid_to,
        )


class WorkCalendarDayMapper(BaseMapper):
    entity = "work_calendar_day"
    record = SourceWorkCalendarDay
    model = WorkCalendarDay
    depends_on = ("work_calendar",)

    def references(self, record):
        yield "work_calendar", record.calendar_uuid

    def map(self, record: SourceWorkCalendarDay, ctx: MappingContext) -> WorkCalendarDay:
        calendar_id = ctx.require(
            "work_calendar", record.calendar_uuid, code=self.entity, what="calendar"
        )
        if record.weekday is None or not 1 <= record.weekday <= 7:
            raise MappingWarning(
                "work_calendar_day.invalid_weekday",
                f"weekday {record.weekday!r} is not 1 (Monday) to 7 (Sunday)",
                params={"weekday": str(record.weekday)[:20]},
            )
        return build(
            WorkCalendarDay,
            clinic=ctx.clinic,
            calendar_id=calendar_id,
            weekday=record.weekday,
            is_working_day=record.is_working_day is not False,
        )


def parse_time(value: str) -> dt.time | None:
    try:
        return dt.time.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        return None


class WorkCalendarShiftMapper(BaseMapper):
    entity = "work_calendar_shift"
    record = SourceWorkCalendarShift
    model = WorkCalendarShift
    depends_on = ("work_calendar_day", "catalog_item")

    def references(self, record):
        yield "work_calendar_day", record.calendar_day_uuid
        yield "catalog_item", record.chair_uuid

    def map(self, record: SourceWorkCalendarShift, ctx: MappingContext) -> WorkCalendarShift:
        day_id = ctx.require(
            "work_calendar_day", record.calendar_day_uuid, code=self.entity, what="day"
        )
        starts, ends = parse_time(record.start_time), parse_time(record.end_time)
        if starts is None or ends is None:
            raise MappingWarning(
                "work_calendar_shift.unparseable_time",
                f"cannot read shift times {record.start_time!r}-{record.end_time!r}",
                params={"start": str(record.start_time)[:20], "end": str(record.end_time)[:20]},
            )
        if ends <= starts:
            ctx.note(
                "work_calendar_shift.ends_before_start",
                f"shift ends at {ends} before it starts at {starts}; kept as given",
                severity="warn",
                params={"start": str(starts), "end": str(ends)},
            )
        return build(
            WorkCalendarShift,
            clinic=ctx.clinic,
            day_id=day_id,
            starts_at=starts,
            ends_at=ends,
            chair_id=optional_link(
                ctx,
                "catalog_item",
                record.chair_uuid,
                Chair,
                code="work_calendar_shift.unmapped_chair",
                what="chair",
            ),
        )


class AppointmentRecurrenceMapper(BaseMapper):
    entity = "appointment_recurrence"
    record = SourceAppointmentRecurrence
    model = AppointmentRecurrence
    depends_on = ("patient", "professional")

    def references(self, record):
        yield "patient", record.patient_uuid
        yield "professional", record.professional_uuid

    def map(self, record: SourceAppointmentRecurrence, ctx: MappingContext):
        patient_id = optional_link(
            ctx,
            "patient",
            record.patient_uuid,
            Patient,
            code="appointment_recurrence.unmapped_patient",
            what="patient",
        )
        professional_id = optional_link(
            ctx,
            "professional",
            record.professional_uuid,
            Professional,
            code="appointment_recurrence.unmapped_professional",
            what="professional",
        )
        if record.rule and not valid_rule(record.rule, record.starts_on):
            ctx.note(
                "appointment_recurrence.invalid_rule",
                f"recurrence rule {record.rule!r} is not a valid RRULE; kept as given",
                severity="warn",
            )
        duration = record.duration_minutes
        return build(
            AppointmentRecurrence,
            clinic=ctx.clinic,
            patient_id=patient_id,
            professional_id=professional_id,
            rule=cut(record.rule, 500),
            starts_on=record.starts_on,
            ends_on=record.ends_on,
            duration_minutes=duration if duration and duration > 0 else None,
        )


def valid_rule(rule: str, starts_on: dt.date | None) -> bool:
    start = dt.datetime.combine(starts_on or dt.date(2000, 1, 1), dt.time())
    try:
        rrulestr(rule.removeprefix("RRULE:"), dtstart=start)
    except (ValueError, TypeError):
        return False
    return True
