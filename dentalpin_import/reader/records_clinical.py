"""Typed source records of the clinical level-4 types (FORMAT.md §8.6).

Alerts, pharmacological history, prescriptions, consents and communications.
Several fields are "G" in the spec (plausible, not confirmed): every one is
optional, and keys not read here stay in the row's raw JSON.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

from dentalpin_import.reader.records import ENVELOPE_KEYS, SourceRecord

COMMON_KEYS = ENVELOPE_KEYS | {"tenant_label"}


def leftovers(p, read: dict) -> dict[str, Any]:
    """Payload keys a record did not read, verbatim (for the types §14.21 says to keep whole).

    A NaN or an infinity in them, which neither database's JSON takes, is left empty
    and said (`Payload.json`): the row is kept, not failed for a key nobody reads.
    """
    return {k: p.json(k) for k in p.data if k not in read and k not in COMMON_KEYS}


@dataclass(frozen=True, kw_only=True)
class SourcePatientAlert(SourceRecord):
    entity_type: ClassVar[str] = "patient_alert"
    patient_uuid: str | None
    text: str
    flagged: bool
    created_on: dt.date | None

    @classmethod
    def read(cls, p):
        return {
            "patient_uuid": p.ref("patient_uuid"),
            "text": p.text("text"),
            "flagged": bool(p.boolean("flagged")),
            "created_on": p.date("created_on"),
        }


@dataclass(frozen=True, kw_only=True)
class SourcePharmacologicalHistory(SourceRecord):
    entity_type: ClassVar[str] = "pharmacological_history"
    patient_uuid: str | None
    professional_uuid: str | None
    drug_description: str
    dose: str
    dosage: str
    frequency: str
    administration_route: str
    observations: str
    record_kind: int | None
    start_date: dt.date | None

    @classmethod
    def read(cls, p):
        return {
            "patient_uuid": p.ref("patient_uuid"),
            "professional_uuid": p.ref("professional_uuid"),
            "drug_description": p.text("drug_description"),
            "dose": p.text("dose"),
            "dosage": p.text("dosage"),
            "frequency": p.text("frequency"),
            "administration_route": p.text("administration_route"),
            "observations": p.text("observations"),
            "record_kind": p.integer("record_kind"),
            "start_date": p.date("start_date"),
        }


@dataclass(frozen=True, kw_only=True)
class SourcePrescription(SourceRecord):
    entity_type: ClassVar[str] = "prescription"
    patient_uuid: str | None
    professional_uuid: str | None
    prescribed_on: dt.date | None
    diagnosis: str
    notes: str
    extra: dict[str, Any]

    @classmethod
    def read(cls, p):
        values = {
            "patient_uuid": p.ref("patient_uuid"),
            "professional_uuid": p.ref("professional_uuid"),
            "prescribed_on": p.date("prescribed_on"),
            "diagnosis": p.text("diagnosis"),
            "notes": p.text("notes"),
        }
        return {**values, "extra": leftovers(p, values)}


@dataclass(frozen=True, kw_only=True)
class SourcePrescriptionItem(SourceRecord):
    entity_type: ClassVar[str] = "prescription_item"
    prescription_uuid: str | None
    drug_description: str
    frequency: str
    duration_days: int | None
    units: str
    administration_route: str
    notes: str
    extra: dict[str, Any]

    @classmethod
    def read(cls, p):
        values = {
            "prescription_uuid": p.ref("prescription_uuid"),
            "drug_description": p.text("drug_description"),
            "frequency": p.text("frequency"),
            "duration_days": p.integer("duration_days"),
            "units": p.text("units"),
            "administration_route": p.text("administration_route"),
            "notes": p.text("notes"),
        }
        return {**values, "extra": leftovers(p, values)}


@dataclass(frozen=True, kw_only=True)
class SourceConsent(SourceRecord):
    entity_type: ClassVar[str] = "consent"
    patient_uuid: str | None
    professional_uuid: str | None
    template_code: str
    title: str
    signed_on: dt.date | None
    revoked_on: dt.date | None
    notes: str
    extra: dict[str, Any]

    @classmethod
    def read(cls, p):
        values = {
            "patient_uuid": p.ref("patient_uuid"),
            "professional_uuid": p.ref("professional_uuid"),
            "template_code": p.text("template_code"),
            "title": p.text("title"),
            "signed_on": p.date("signed_on"),
            "revoked_on": p.date("revoked_on"),
            "notes": p.text("notes"),
        }
        return {**values, "extra": leftovers(p, values)}


@dataclass(frozen=True, kw_only=True)
class SourceCommunication(SourceRecord):
    entity_type: ClassVar[str] = "communication"
    patient_uuid: str | None
    client_uuid: str | None
    channel: str
    direction: str
    sent_at: dt.datetime | None
    subject: str
    body: str
    status: str
    extra: dict[str, Any]

    @classmethod
    def read(cls, p):
        values = {
            "patient_uuid": p.ref("patient_uuid"),
            "client_uuid": p.ref("client_uuid"),
            "channel": p.text("channel").lower(),
            "direction": p.text("direction").lower(),
            "sent_at": p.datetime("sent_at"),
            "subject": p.text("subject"),
            "body": p.text("body"),
            "status": p.text("status").lower(),
        }
        return {**values, "extra": leftovers(p, values)}
