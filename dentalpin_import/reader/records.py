"""Typed, frozen source records for the mapped entity types (FORMAT.md §8).

Each `Source*` class reads one `SourceRow` payload with the fallbacks of the
spec; unreadable values end up in `problems` instead of raising. Unknown
payload keys are ignored here and stay available in the row's raw JSON.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import MISSING, dataclass, field, fields
from decimal import Decimal
from functools import cache, cached_property, lru_cache
from typing import Any, ClassVar, NamedTuple, TypeVar

from dentalpin_import.reader.legal import LEGAL_FIELDS, legal_fields  # noqa: F401
from dentalpin_import.reader.values import Payload

CLIENT_RAW_KEYS = ("IdCliDefec", "IdCliPac", "IdCli", "IdCliTutor")
NAMESPACE = uuid.UUID("dde7d63a-1f43-4ed8-8b91-67b5e9c7c0f7")
R = TypeVar("R")


@lru_cache(maxsize=4096)  # a patient's payer keys are worked out three times per chunk
def canonical_uuid(source_system: str, entity_type: str, source_id: str) -> str:
    """Return the canonical id dental-bridge gives a source row (FORMAT.md §5.4)."""
    return str(uuid.uuid5(NAMESPACE, f"{source_system}:{entity_type}:{source_id}"))


def row_digest(row) -> str:
    """A digest of a row's payload and raw source data, as stored in the file.

    The text is hashed as it is, undecoded: an unchanged re-run compares digests
    and decodes nothing. 128 bits of BLAKE2b: a collision would hide one change.
    """
    # Each text, then a NUL; a row built by hand (tests, other sources) may carry
    # decoded values only, and a missing text is the NUL alone. Hashed in one call.
    parts = []
    for text in (getattr(row, "_payload_text", None), getattr(row, "_raw_text", None)):
        if isinstance(text, str):
            text = text.encode("utf-8", "surrogatepass")
        parts += (text if text is not None else b"", b"\x00")
    return hashlib.blake2b(b"".join(parts), digest_size=16).hexdigest()


@dataclass(frozen=True, kw_only=True)
class SourceRecord:
    """Identity shared by every record; `problems` lists unreadable values."""

    entity_type: ClassVar[str] = ""
    canonical_uuid: str
    source_id: str
    source_system: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    problems: tuple[tuple[str, str, Any], ...] = ()
    # What the row was read from, as a digest (`row_digest`): a later export of the
    # same clinic tells a changed row from an unchanged one by it, without mapping it.
    digest: str = field(default="", repr=False, compare=False)

    @classmethod
    def from_row(cls, row) -> SourceRecord:
        """Build the record from a reader `SourceRow` with a decoded payload."""
        return new_record(cls, cls.row_values(row))

    @classmethod
    def row_values(cls, row) -> dict[str, Any]:
        """Every field of the record `from_row` builds, by name."""
        payload = Payload(row.payload)
        values = cls.read(payload)
        values["canonical_uuid"] = row.canonical_uuid
        values["source_id"] = row.source_id
        values["source_system"] = row.source_system
        values["raw"] = row.raw_source_data or {}
        problems = payload.problems
        if row.text_fixes:  # text the reader cleaned is reported like an unreadable value
            problems += [(where, code, "") for where, code in row.text_fixes]
        values["problems"] = tuple(problems)
        values["digest"] = row_digest(row)
        return values

    @classmethod
    def read(cls, p: Payload) -> dict[str, Any]:
        return {}


class _Shape(NamedTuple):
    names: frozenset[str]  # every field __init__ takes
    constants: dict[str, Any]  # field -> default shared by every record (immutable)
    factories: tuple[tuple[str, Any], ...]  # field -> callable giving a fresh default


@cache
def _shape(cls: type) -> _Shape | None:
    """How to fill a record of `cls` directly; None when only its constructor will do."""
    if hasattr(cls, "__post_init__") or not all(f.init for f in fields(cls)):
        return None
    constants, factories = {}, []
    for f in fields(cls):
        if f.default is not MISSING:
            constants[f.name] = f.default
        elif f.default_factory is not MISSING:
            factories.append((f.name, f.default_factory))
    return _Shape(frozenset(f.name for f in fields(cls)), constants, tuple(factories))


def new_record(cls: type[R], values: dict[str, Any]) -> R:
    """`cls(**values)` for a frozen record, without its per-field `object.__setattr__`.

    A frozen dataclass sets each field through `object.__setattr__`: about 3 µs
    per record of 18 fields, four times a plain dataclass, for every row of a
    file. The same checks hold: a missing or unknown field goes to the real
    constructor, which raises as it always did.
    """
    shape = _shape(cls)
    if shape is None:
        return cls(**values)
    if values.keys() == shape.names:  # the usual case: every field given
        record = object.__new__(cls)
        record.__dict__.update(values)
        return record
    data = {**shape.constants, **values}
    for name, factory in shape.factories:
        if name not in data:
            data[name] = factory()
    if data.keys() != shape.names:
        return cls(**values)
    record = object.__new__(cls)
    record.__dict__.update(data)
    return record


@dataclass(frozen=True, kw_only=True)
class SourceCenter(SourceRecord):
    entity_type: ClassVar[str] = "center"
    name: str
    legal_name: str
    tax_id: str
    address: str
    phone: str
    email: str
    details: dict[str, Any]

    @classmethod
    def read(cls, p):
        address = p.text("address") or ", ".join(
            v
            for v in (p.text("address_street"), p.text("address_postal_code"), p.text("city"))
            if v
        )
        return {
            "name": p.text("name"),
            "legal_name": p.text("legal_name"),
            "tax_id": p.text("tax_id"),
            "address": address,
            "phone": p.text("phone"),
            "email": p.text("email"),
            # Stored whole in a JSON column, outside any row's savepoint: a NaN in it
            # would fail the import itself (`Payload.json`).
            "details": {k: p.json(k) for k in p.data if k not in ENVELOPE_KEYS},
        }


ENVELOPE_KEYS = {
    "canonical_uuid",
    "entity_type",
    "source_id",
    "source_system",
    "adapter_version",
    "extracted_at",
    "raw_source_data",
}


@dataclass(frozen=True, kw_only=True)
class SourceProfessional(SourceRecord):
    entity_type: ClassVar[str] = "professional"
    email: str
    given_name: str
    family_name: str
    role: str
    deactivated: bool
    last_activity_on: dt.date | None
    code: str
    national_id: str
    phone: str

    @property
    def is_agenda_orphan(self) -> bool:
        return self.source_id.startswith("usuagd:")

    @classmethod
    def read(cls, p):
        last = p.datetime("last_activity_at")
        return {
            "email": p.text("email").lower(),
            "given_name": p.text("given_name"),
            "family_name": p.text("family_name"),
            "role": p.text("role").lower(),
            "deactivated": bool(p.boolean("deactivated")),
            "last_activity_on": last.date() if last else None,
            "code": p.text("code"),
            "national_id": p.text("national_id"),
            "phone": p.text("phone"),
        }


@dataclass(frozen=True, kw_only=True)
class SourceUser(SourceRecord):
    entity_type: ClassVar[str] = "user"
    email: str
    given_name: str
    family_name: str
    deactivated: bool

    @classmethod
    def read(cls, p):
        return {
            "email": p.text("email").lower(),
            "given_name": p.text("given_name"),
            "family_name": p.text("family_name"),
            "deactivated": bool(p.boolean("deactivated")),
        }


@dataclass(frozen=True, kw_only=True)
class SourceClient(SourceRecord):
    entity_type: ClassVar[str] = "client"
    kind: str
    given_name: str
    family_name: str
    legal_name: str
    national_id: str
    email: str
    phone: str
    address_street: str
    address_postal_code: str
    city: str

    @classmethod
    def read(cls, p):
        return {
            "kind": p.text("kind") or "person",
            "given_name": p.text("given_name"),
            "family_name": p.text("family_name"),
            "legal_name": p.text("legal_name"),
            "national_id": p.text("national_id"),
            "email": p.text("email").lower(),
            "phone": p.first_text("mobile_phone", "phone", "phone_secondary"),
            "address_street": p.text("address_street"),
            "address_postal_code": p.text("address_postal_code"),
            "city": p.text("city"),
        }


@dataclass(frozen=True, kw_only=True)
class SourcePatient(SourceRecord):
    entity_type: ClassVar[str] = "patient"
    given_name: str
    family_name: str
    national_id: str
    date_of_birth: dt.date | None
    sex: str
    patient_number: str
    registered_on: dt.date | None
    deceased: bool
    deactivated_on: dt.date | None
    gdpr_consent: bool | None
    sms_consent: bool | None
    phone: str
    email: str
    address_street: str
    address_postal_code: str
    city: str
    notes: str
    tenant_label: str

    @property
    def client_source_ids(self) -> list[str]:
        """Gesdén client source ids in raw data, in the order that picks "the" client."""
        ids = []
        for key in CLIENT_RAW_KEYS:
            value = self.raw.get(key)
            if value not in (None, "", 0, "0") and str(value) not in ids:
                ids.append(str(value))
        return ids

    @cached_property
    def client_uuids(self) -> tuple[str, ...]:
        """The canonical ids of those clients, worked out once per record (each is a uuid5)."""
        return tuple(
            canonical_uuid(self.source_system, "client", sid) for sid in self.client_source_ids
        )

    @classmethod
    def read(cls, p):
        return {
            "given_name": p.text("given_name"),
            "family_name": p.text("family_name"),
            "national_id": p.text("national_id").upper(),
            "date_of_birth": p.date("date_of_birth"),
            "sex": p.text("sex").lower(),
            "patient_number": p.text("patient_number"),
            "registered_on": p.date("registered_at"),
            "deceased": bool(p.boolean("deceased")),
            "deactivated_on": p.date("deactivated_at"),
            "gdpr_consent": p.boolean("gdpr_consent"),
            "sms_consent": p.boolean("sms_consent"),
            "phone": p.first_text("mobile_phone", "phone", "phone_secondary"),
            "email": p.text("email").lower(),
            "address_street": p.text("address_street"),
            "address_postal_code": p.text("address_postal_code"),
            "city": p.text("city"),
            "notes": p.text("notes"),
            "tenant_label": p.text("tenant_label"),
        }


@dataclass(frozen=True, kw_only=True)
class SourcePatientClientLink(SourceRecord):
    entity_type: ClassVar[str] = "patient_client_link"
    patient_uuid: str | None
    client_uuid: str | None
    relationship: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    is_default: bool

    @classmethod
    def read(cls, p):
        return {
            "patient_uuid": p.ref("patient_uuid"),
            "client_uuid": p.ref("client_uuid"),
            "relationship": p.text("relationship"),
            "valid_from": p.date("valid_from"),
            "valid_to": p.date("valid_to"),
            "is_default": bool(p.boolean("is_default")),
        }


@dataclass(frozen=True, kw_only=True)
class SourceAppointment(SourceRecord):
    entity_type: ClassVar[str] = "appointment"
    patient_uuid: str | None
    professional_uuid: str | None
    chair_uuid: str | None
    recurrence_uuid: str | None
    scheduled_date: str
    scheduled_time: str
    duration_minutes: int | None
    coarse_status: str
    notes: str

    @classmethod
    def read(cls, p):
        return {
            "patient_uuid": p.ref("patient_uuid"),
            "professional_uuid": p.ref("professional_uuid"),
            "chair_uuid": p.ref("chair_uuid"),
            "recurrence_uuid": p.ref("recurrence_uuid"),
            "scheduled_date": p.text("scheduled_date"),
            "scheduled_time": p.text("scheduled_time"),
            "duration_minutes": p.integer("duration_minutes"),
            "coarse_status": p.text("coarse_status").lower(),
            "notes": p.text("notes"),
        }


@dataclass(frozen=True, kw_only=True)
class SourcePayment(SourceRecord):
    entity_type: ClassVar[str] = "payment"
    client_uuid: str | None
    patient_uuid: str | None
    amount: Decimal | None
    amount_text: str
    paid_on: dt.date | None
    payment_kind: int | None
    user_uuid: str | None
    related_payment_uuid: str | None
    applied_treatment_uuid: str | None
    notes: str

    @classmethod
    def read(cls, p):
        paid = p.date("paid_on") or p.date("paid_at") or p.date("payment_date")
        return {
            "client_uuid": p.ref("client_uuid"),
            "patient_uuid": p.ref("patient_uuid"),
            "amount": p.decimal("amount"),
            "amount_text": p.text("amount"),
            "paid_on": paid,
            "payment_kind": p.integer("payment_kind"),
            "user_uuid": p.ref("user_uuid"),
            "related_payment_uuid": p.ref("related_payment_uuid"),
            "applied_treatment_uuid": p.ref("applied_treatment_uuid"),
            "notes": p.text("notes"),
        }


@dataclass(frozen=True, kw_only=True)
class SourceFiscalDocument(SourceRecord):
    entity_type: ClassVar[str] = "fiscal_document"
    client_uuid: str | None
    patient_uuid: str | None
    guardian_client_uuid: str | None
    user_uuid: str | None
    series: str
    number: str
    year: str
    document_kind: str
    issued_on: dt.date | None
    subtotal: Decimal | None
    tax_total: Decimal | None
    total: Decimal | None
    status: str
    legal: dict[str, Any]

    @classmethod
    def row_values(cls, row):
        values = super().row_values(row)
        # Legal fields come from the untouched payload and raw data: verbatim (§11).
        values["legal"] = legal_fields(row.payload or {}, values["raw"])
        return values

    @classmethod
    def read(cls, p):
        return {
            "client_uuid": p.ref("client_uuid"),
            "patient_uuid": p.ref("patient_uuid"),
            "guardian_client_uuid": p.ref("guardian_client_uuid"),
            "user_uuid": p.ref("user_uuid"),
            "series": p.text("series"),
            "number": p.text("number"),
            "year": p.text("year"),
            "document_kind": p.text("document_kind") or "F",
            "issued_on": p.date("document_date") or p.date("issued_at"),
            "subtotal": p.decimal("subtotal"),
            "tax_total": p.decimal("tax_total"),
            "total": p.decimal("total"),
            "status": p.text("status").lower(),
            "legal": {},  # `row_values` fills it from the payload and raw data
        }


@dataclass(frozen=True, kw_only=True)
class SourceFiscalDocumentLine(SourceRecord):
    entity_type: ClassVar[str] = "fiscal_document_line"
    document_uuid: str | None
    applied_treatment_uuid: str | None
    line_number: int | None
    concept: str
    units: int | None
    amount: Decimal | None
    base_amount: Decimal | None
    vat_percent: Decimal | None
    vat_amount: Decimal | None
    discount_amount: Decimal | None

    @classmethod
    def read(cls, p):
        return {
            "document_uuid": p.ref("document_uuid"),
            "applied_treatment_uuid": p.ref("applied_treatment_uuid"),
            "line_number": p.integer("line_number"),
            "concept": p.text("concept"),
            "units": p.integer("units"),
            "amount": p.decimal("amount"),
            "base_amount": p.decimal("base_amount"),
            "vat_percent": p.decimal("vat_percent"),
            "vat_amount": p.decimal("vat_amount"),
            "discount_amount": p.decimal("discount_amount"),
        }


@dataclass(frozen=True, kw_only=True)
class SourcePatientDocument(SourceRecord):
    entity_type: ClassVar[str] = "patient_document"
    patient_uuid: str | None
    kind: str
    title: str
    captured_on: dt.date | None
    description: str

    @classmethod
    def read(cls, p):
        return {
            "patient_uuid": p.ref("patient_uuid"),
            "kind": p.text("kind"),
            "title": p.text("title"),
            "captured_on": p.date("captured_on"),
            "description": p.text("description"),
        }
