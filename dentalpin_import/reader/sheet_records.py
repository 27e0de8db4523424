"""Typed, frozen source records for the rows of the four CSV sheets (docs/manual.en.md).

They share `SourceRecord`'s identity (canonical id, source id, source system)
so the same runner imports them; `line` and `issues` say where a value could
not be used. `raw` keeps the row's cells exactly as read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from dentalpin_import.reader.records import SourceRecord
from dentalpin_import.reader.sheet_values import RowProblem


@dataclass(frozen=True, kw_only=True)
class SheetRecord(SourceRecord):
    """A record read from one sheet row (physical line `line` of the file)."""

    line: int
    issues: tuple[RowProblem, ...] = ()
    # The key earlier versions gave the row, when it is not its key (a date written
    # otherwise than YYYY-MM-DD): a row the clinic has under it is the same row.
    former_key: str = ""

    @classmethod
    def from_row(cls, row) -> SheetRecord:
        """Sheet rows arrive already typed: return the row's record (see `SheetRow`)."""
        record = getattr(row, "record", None)
        if not isinstance(record, cls):
            raise TypeError(f"{cls.__name__} reads CSV sheet rows only")
        return record

    @property
    def blocking(self) -> list[RowProblem]:
        return [p for p in self.issues if p.blocking]


@dataclass(frozen=True, kw_only=True)
class SourceSheetPatient(SheetRecord):
    """A `PATIENT` row of the patient demographics sheet."""

    entity_type: ClassVar[str] = "csv_patient"
    legacy_id: str
    given_name: str
    family_name: str
    date_of_birth: dt.date | None
    national_id: str  # as stored (compact, capitals), "" when absent or not valid
    national_id_type: str  # a clinics.national_ids.NationalIdType value, or ""
    email: str
    phone: str
    sex: str
    address_street: str
    city: str
    postal_code: str
    emergency_contact_name: str
    emergency_contact_phone: str

    @property
    def nhs_number(self) -> str:
        return self.national_id if self.national_id_type == "nhs" else ""


@dataclass(frozen=True, kw_only=True)
class SourceSheetStaff(SheetRecord):
    """A staff row (any `Role` but `PATIENT`) of the patient demographics sheet."""

    entity_type: ClassVar[str] = "csv_staff"
    legacy_id: str
    given_name: str
    family_name: str
    role: str
    role_as_written: str
    email: str
    phone: str
    national_id: str = ""  # as stored (compact, capitals), "" when absent or not valid
    national_id_type: str = ""
    not_imported: tuple[str, ...] = ()  # the columns with a value a staff member has no field for


@dataclass(frozen=True, kw_only=True)
class SourceSheetAlert(SheetRecord):
    """A row of the clinical background sheet: an allergy or a medical condition."""

    entity_type: ClassVar[str] = "csv_clinical_background"
    patient_ref: str
    name: str
    kind: str | None
    onset_date: dt.date | None
    severity: str
    status: str
    clinical_code: str
    code_system: str


@dataclass(frozen=True, kw_only=True)
class SourceSheetNote(SheetRecord):
    """A row of the clinical notes sheet."""

    entity_type: ClassVar[str] = "csv_clinical_note"
    patient_ref: str
    written_at: dt.datetime | None
    text: str
    practitioner_ref: str
    note_type: str
    diagnosis: str
    clinical_code: str
    code_system: str


@dataclass(frozen=True, kw_only=True)
class SourceSheetMedication(SheetRecord):
    """A row of the medications sheet."""

    entity_type: ClassVar[str] = "csv_medication"
    patient_ref: str
    drug_name: str
    dosage: str
    instructions: str
    prescribed_on: dt.date | None
    status: str
    quantity: str
    practitioner_ref: str
