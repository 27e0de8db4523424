"""Typed source records: masters, schedules, budgets, treatments, recalls (FORMAT.md §8.3-8.6).

Same contract as `records.py`: each `Source*` reads one payload with the spec's
fallbacks, never raises, and lists unreadable values in `problems`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from dentalpin_import.reader.records import SourceRecord
from dentalpin_import.reader.values import Payload

TIPO_ODG_KEYS = ("IdTipoOdg", "IdTipoODG")


def raw_integer(raw: dict, *keys: str) -> int | None:
    """Return the first raw source key holding an integer (Gesdén codes), or None."""
    reader = Payload(raw)
    for key in keys:
        value = reader.integer(key)
        if value is not None:
            return value
    return None


@dataclass(frozen=True, kw_only=True)
class SourceCatalogItem(SourceRecord):
    entity_type: ClassVar[str] = "catalog_item"
    kind: str
    name: str
    code: str
    deactivated: bool

    @classmethod
    def read(cls, p):
        return {
            "kind": p.text("kind").lower(),
            "name": p.text("name"),
            "code": p.text("code"),
            "deactivated": bool(p.boolean("deactivated")),
        }


@dataclass(frozen=True, kw_only=True)
class SourceTreatmentCatalogItem(SourceRecord):
    entity_type: ClassVar[str] = "treatment_catalog_item"
    display_name: str
    description: str
    code: str
    reference_price: Decimal | None
    vat_percent: Decimal | None
    duration_minutes: int | None
    deactivated: bool

    @property
    def odontogram_type(self) -> int | None:
        return raw_integer(self.raw, *TIPO_ODG_KEYS)

    @classmethod
    def read(cls, p):
        return {
            "display_name": p.first_text(
                "short_name",
                "description",
                "patient_facing_description",
                "agenda_description",
                "name",
                "code",
            ),
            "description": p.text("description"),
            "code": p.text("code"),
            "reference_price": p.decimal("reference_price"),
            "vat_percent": p.decimal("vat_percent"),
            "duration_minutes": p.integer("duration_minutes"),
            "deactivated": bool(p.boolean("deactivated")),
        }


@dataclass(frozen=True, kw_only=True)
class SourceTreatmentCatalogVariant(SourceRecord):
    entity_type: ClassVar[str] = "treatment_catalog_variant"
    treatment_uuid: str | None
    tariff_code: str
    code: str
    unit_price: Decimal | None

    @classmethod
    def read(cls, p):
        return {
            "treatment_uuid": p.ref("treatment_uuid"),
            "tariff_code": p.text("tariff_code"),
            "code": p.text("code"),
            "unit_price": p.decimal("unit_price"),
        }


@dataclass(frozen=True, kw_only=True)
class SourceTreatmentPhaseTemplate(SourceRecord):
    entity_type: ClassVar[str] = "treatment_phase_template"
    treatment_uuid: str | None
    phase_number: int | None
    description: str
    percent_to_bill: Decimal | None

    @classmethod
    def read(cls, p):
        return {
            "treatment_uuid": p.ref("treatment_uuid"),
            "phase_number": p.integer("phase_number"),
            "description": p.text("description"),
            "percent_to_bill": p.decimal("percent_to_bill"),
        }


@dataclass(frozen=True, kw_only=True)
class SourceWorkCalendar(SourceRecord):
    entity_type: ClassVar[str] = "work_calendar"
    professional_uuid: str | None
    center_uuid: str | None
    name: str
    valid_from: dt.date | None
    valid_to: dt.date | None

    @classmethod
    def read(cls, p):
        return {
            "professional_uuid": p.ref("professional_uuid"),
            "center_uuid": p.ref("center_uuid"),
            "name": p.text("name"),
            "valid_from": p.date("valid_from"),
            "valid_to": p.date("valid_to"),
        }


@dataclass(frozen=True, kw_only=True)
class SourceWorkCalendarDay(SourceRecord):
    entity_type: ClassVar[str] = "work_calendar_day"
    calendar_uuid: str | None
    weekday: int | None
    is_working_day: bool | None

    @classmethod
    def read(cls, p):
        return {
            "calendar_uuid": p.ref("calendar_uuid"),
            "weekday": p.integer("weekday"),
            "is_working_day": p.boolean("is_working_day"),
        }


@dataclass(frozen=True, kw_only=True)
class SourceWorkCalendarShift(SourceRecord):
    entity_type: ClassVar[str] = "work_calendar_shift"
    calendar_day_uuid: str | None
    start_time: str
    end_time: str
    chair_uuid: str | None

    @classmethod
    def read(cls, p):
        # Kept as text: the mapper turns an unreadable time into a named warning.
        return {
            "calendar_day_uuid": p.ref("calendar_day_uuid"),
            "start_time": p.text("start_time"),
            "end_time": p.text("end_time"),
            "chair_uuid": p.ref("chair_uuid"),
        }


@dataclass(frozen=True, kw_only=True)
class SourceAppointmentRecurrence(SourceRecord):
    entity_type: ClassVar[str] = "appointment_recurrence"
    patient_uuid: str | None
    professional_uuid: str | None
    rule: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    duration_minutes: int | None

    @classmethod
    def read(cls, p):
        return {
            "patient_uuid": p.ref("patient_uuid"),
            "professional_uuid": p.ref("professional_uuid"),
            "rule": p.text("rule"),
            "starts_on": p.date("starts_on"),
            "ends_on": p.date("ends_on"),
            "duration_minutes": p.integer("duration_minutes"),
        }


@dataclass(frozen=True, kw_only=True)
class SourceBudget(SourceRecord):
    entity_type: ClassVar[str] = "budget"
    patient_uuid: str | None
    professional_uuid: str | None
    elaborated_by_user_uuid: str | None
    number: int | None
    title: str
    quote_date: dt.date | None
    accepted_date: dt.date | None
    rejected_date: dt.date | None
    rejection_observations: str
    notes: str

    @classmethod
    def read(cls, p):
        return {
            "patient_uuid": p.ref("patient_uuid"),
            "professional_uuid": p.ref("professional_uuid"),
            "elaborated_by_user_uuid": p.ref("elaborated_by_user_uuid"),
            "number": p.integer("number"),
            "title": p.text("title"),
            "quote_date": p.date("quote_date"),
            "accepted_date": p.date("accepted_date"),
            "rejected_date": p.date("rejected_date"),
            "rejection_observations": p.text("rejection_observations"),
            "notes": p.text("notes"),
        }


@dataclass(frozen=True, kw_only=True)
class SourceBudgetLine(SourceRecord):
    entity_type: ClassVar[str] = "budget_line"
    budget_uuid: str | None
    treatment_uuid: str | None
    treatment_variant_uuid: str | None
    applied_treatment_uuid: str | None
    unit_amount: Decimal | None
    units: Decimal | None
    discount_amount: Decimal | None
    discount_percent: Decimal | None
    teeth: tuple[int, ...]
    notes: str
    order_within_budget: int | None

    @classmethod
    def read(cls, p):
        return {
            "budget_uuid": p.ref("budget_uuid"),
            "treatment_uuid": p.ref("treatment_uuid"),
            "treatment_variant_uuid": p.ref("treatment_variant_uuid"),
            "applied_treatment_uuid": p.ref("applied_treatment_uuid"),
            "unit_amount": p.decimal("unit_amount"),
            "units": p.decimal("units"),
            "discount_amount": p.decimal("discount_amount"),
            "discount_percent": p.decimal("discount_percent"),
            "teeth": p.teeth("teeth"),
            "notes": p.text("notes"),
            "order_within_budget": p.integer("order_within_budget"),
        }


# Gesdén's status codes of an applied treatment (rule 4).
PERFORMED_CODES = frozenset({5, 6})
PLANNED_CODE = 3


def is_planned(status_code: int | None, end_date: dt.date | None) -> bool:
    """Rule 4: planned by its code, unless an end date says it was performed."""
    return status_code == PLANNED_CODE and not end_date


def planned_payload(payload: Payload) -> bool:
    """A planned applied treatment, told from its payload before the row is typed."""
    return is_planned(payload.integer("status_code"), payload.date("end_date"))


@dataclass(frozen=True, kw_only=True)
class SourceAppliedTreatment(SourceRecord):
    entity_type: ClassVar[str] = "applied_treatment"
    patient_uuid: str | None
    professional_uuid: str | None
    client_uuid: str | None
    user_uuid: str | None
    treatment_variant_uuid: str | None
    budget_line_uuid: str | None
    status_code: int | None
    start_date: dt.date | None
    end_date: dt.date | None
    amount: Decimal | None
    units: int | None
    notes: str
    teeth: tuple[int, ...]

    @property
    def odontogram_type(self) -> int | None:
        return raw_integer(self.raw, *TIPO_ODG_KEYS)

    @property
    def source_treatment_code(self) -> str:
        """Gesdén `IdTto`: the source catalogue id (None = a free-text entry)."""
        value = self.raw.get("IdTto")
        return "" if value in (None, "") else str(value)

    @property
    def started_on(self) -> dt.date | None:
        return self.start_date or Payload(self.raw).date("FecIni")

    @classmethod
    def read(cls, p):
        return {
            "patient_uuid": p.ref("patient_uuid"),
            "professional_uuid": p.ref("professional_uuid"),
            "client_uuid": p.ref("client_uuid"),
            "user_uuid": p.ref("user_uuid"),
            "treatment_variant_uuid": p.ref("treatment_variant_uuid"),
            "budget_line_uuid": p.ref("budget_line_uuid"),
            "status_code": p.integer("status_code"),
            "start_date": p.date("start_date"),
            "end_date": p.date("end_date"),
            "amount": p.decimal("amount"),
            "units": p.integer("units"),
            "notes": p.text("notes"),
            "teeth": p.teeth("teeth"),
        }


@dataclass(frozen=True, kw_only=True)
class SourceAppliedTreatmentPhase(SourceRecord):
    entity_type: ClassVar[str] = "applied_treatment_phase"
    applied_treatment_uuid: str | None
    professional_uuid: str | None
    phase_number: int | None
    status_code: int | None
    executed_on: dt.date | None
    percent_to_bill: Decimal | None
    notes: str

    @classmethod
    def read(cls, p):
        return {
            "applied_treatment_uuid": p.ref("applied_treatment_uuid"),
            "professional_uuid": p.ref("professional_uuid"),
            "phase_number": p.integer("phase_number"),
            "status_code": p.integer("status_code"),
            "executed_on": p.date("executed_on"),
            "percent_to_bill": p.decimal("percent_to_bill"),
            "notes": p.text("notes"),
        }


@dataclass(frozen=True, kw_only=True)
class SourceRecall(SourceRecord):
    entity_type: ClassVar[str] = "recall"
    patient_uuid: str | None
    professional_uuid: str | None
    scheduled_date: dt.date | None
    contact_date: dt.datetime | None
    attended: bool | None
    status_code: int | None
    scheduled: bool | None
    comments: str
    observations: str
    reason_uuid: str | None
    result_uuid: str | None

    @property
    def contacted_at(self) -> dt.datetime | None:
        """The last call: the payload's `contact_date`, else raw Gesdén `FechaContacto`."""
        return self.contact_date or Payload(self.raw).datetime("FechaContacto")

    @classmethod
    def read(cls, p):
        return {
            "patient_uuid": p.ref("patient_uuid"),
            "professional_uuid": p.ref("professional_uuid"),
            "scheduled_date": p.date("scheduled_date"),
            "contact_date": p.datetime("contact_date"),
            "attended": p.boolean("attended"),
            "status_code": p.integer("status_code"),
            "scheduled": p.boolean("scheduled"),
            "comments": p.text("comments"),
            "observations": p.text("observations"),
            "reason_uuid": p.ref("reason_uuid"),
            "result_uuid": p.ref("result_uuid"),
        }
