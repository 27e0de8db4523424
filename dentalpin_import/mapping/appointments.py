"""`appointment` → `clinics.Appointment` (+ an administrative note) (FORMAT.md §8.6).

The appointment's free-text notes become an administrative `ClinicalNote`
attached to it (encrypted at rest, like every note); its chair and recurrence
are linked when the file has them, and reported when they dangle.

`scheduled_time` carries no offset: it is wall-clock time at the clinic, so it
is read in the clinic's time zone (the reference's UTC reading shifts every
visit by the clinic's offset, §14.10). A time written with an offset anyway is
read the same way, with a warning when that offset is not the clinic's.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from clinics.models import (
    Appointment,
    AppointmentRecurrence,
    AppointmentStatus,
    Chair,
    ClinicalNote,
    NoteKind,
)
from dentalpin_import.mapping.base import BaseMapper, MappingContext, MappingWarning
from dentalpin_import.mapping.calendars import optional_link
from dentalpin_import.mapping.instances import build
from dentalpin_import.reader.records import SourceAppointment

STATUSES = {
    "scheduled": AppointmentStatus.SCHEDULED,
    "confirmed": AppointmentStatus.CONFIRMED,
    "attended": AppointmentStatus.COMPLETED,
    "completed": AppointmentStatus.COMPLETED,
    "no_show": AppointmentStatus.NO_SHOW,
    "cancelled": AppointmentStatus.CANCELLED,
}


class AppointmentMapper(BaseMapper):
    entity = "appointment"
    record = SourceAppointment
    model = Appointment
    depends_on = ("patient", "professional", "catalog_item", "appointment_recurrence")

    def references(self, record: SourceAppointment):
        yield "patient", record.patient_uuid
        yield "professional", record.professional_uuid
        yield "catalog_item", record.chair_uuid
        yield "appointment_recurrence", record.recurrence_uuid

    def map(self, record: SourceAppointment, ctx: MappingContext) -> Appointment:
        if not record.patient_uuid or not record.professional_uuid:
            raise MappingWarning(
                "appointment.missing_actor", "appointment without patient or professional"
            )
        patient_id = ctx.resolve("patient", record.patient_uuid)
        professional_id = ctx.resolve("professional", record.professional_uuid)
        if patient_id is None or professional_id is None:
            missing = "patient" if patient_id is None else "professional"
            uuid = record.patient_uuid if patient_id is None else record.professional_uuid
            raise MappingWarning(
                "appointment.unmapped_actor",
                f"{missing} {uuid} is not in the file or not imported",
                params={"kind": missing},
            )
        duration = record.duration_minutes
        if duration is None or duration <= 0:
            duration = 30
        appointment = build(
            Appointment,
            clinic=ctx.clinic,
            patient_id=patient_id,
            professional_id=professional_id,
            starts_at=self.starts_at(record, ctx),
            duration_minutes=duration,
            status=STATUSES.get(record.coarse_status, AppointmentStatus.SCHEDULED),
            chair_id=optional_link(
                ctx,
                "catalog_item",
                record.chair_uuid,
                Chair,
                code="appointment.unmapped_chair",
                what="chair",
            ),
            recurrence_id=optional_link(
                ctx,
                "appointment_recurrence",
                record.recurrence_uuid,
                AppointmentRecurrence,
                code="appointment.unmapped_recurrence",
                what="recurrence",
            ),
        )
        if not record.notes:
            return appointment
        note = build(
            ClinicalNote,
            clinic=ctx.clinic,
            patient_id=patient_id,
            author_id=professional_id,
            appointment=appointment,
            kind=NoteKind.ADMINISTRATIVE,
            written_at=appointment.starts_at,
            text=record.notes,
        )
        return [appointment, note]

    def starts_at(self, record: SourceAppointment, ctx: MappingContext) -> dt.datetime:
        if not record.scheduled_date:
            raise MappingWarning("appointment.no_schedule", "appointment without a date")
        try:
            day = dt.date.fromisoformat(record.scheduled_date[:10])
            at = (
                dt.time.fromisoformat(record.scheduled_time) if record.scheduled_time else dt.time()
            )
        except ValueError:
            raise MappingWarning(
                "appointment.unparseable_datetime",
                f"cannot read date/time {record.scheduled_date!r} {record.scheduled_time!r}",
                params={"date": record.scheduled_date or "", "time": record.scheduled_time or ""},
            ) from None
        zone = ctx.state.get("clinic_zone") or ZoneInfo(ctx.clinic.timezone)
        ctx.state["clinic_zone"] = zone
        starts = dt.datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone)
        if at.tzinfo is not None and at.utcoffset() != starts.utcoffset():
            # An offset the format does not have: the clinic's wall clock wins, but the
            # moment the file named is not the one stored, so it is said.
            ctx.note(
                "appointment.offset_ignored",
                f"time {record.scheduled_time!r} names another time zone: read as the clinic's",
                severity="warn",
                params={"time": record.scheduled_time},
            )
        return starts
