"""The four CSV sheets: their columns, and how a row becomes a record.

Cells are read by field name (`sheet_fields`); which column holds which field
is `sheet_headers.recognise`'s business, the words a coded column accepts
`sheet_vocabularies`'. Each sheet says which key identifies a
row: the canonical id is derived from the sheet's name and that key, so the
same row imported twice is recognised.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from dentalpin_import.reader.sheet_fields import FIELDS, SHEET_TYPES
from dentalpin_import.reader.sheet_records import (
    SheetRecord,
    SourceSheetAlert,
    SourceSheetMedication,
    SourceSheetNote,
    SourceSheetPatient,
    SourceSheetStaff,
)
from dentalpin_import.reader.sheet_values import AMBIGUOUS_VALUE, Cells
from dentalpin_import.reader.sheet_vocabularies import (
    ALERT_STATUSES,
    AMBIGUOUS_SEX_LETTER,
    BACKGROUND_KINDS,
    MEDICATION_STATUSES,
    NOTE_TYPES,
    PATIENT_WORDS,
    ROLES,
    SEVERITIES,
    SEXES,
    word_key,
)

PATIENT_ROLE = "PATIENT"
# The fields of the patient sheet a staff member has no field for.
NOT_STAFF_FIELDS = (
    "date_of_birth",
    "gender",
    "street_address",
    "city",
    "postcode",
    "emergency_contact_name",
    "emergency_contact_phone",
)


@dataclass(frozen=True)
class SheetSpec:
    """One kind of sheet: its columns and how one row's cells become a record."""

    name: str
    label: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    entity_types: tuple[str, ...]
    # (cells) -> (record class, record fields, legacy key)
    read: Callable[[Cells], tuple[type[SheetRecord], dict, str]]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


def _role(text: str) -> str:
    """The role a role cell names: PATIENT (blank too), a known staff role, else as written."""
    if not text or word_key(text) in PATIENT_WORDS:
        return PATIENT_ROLE
    known = ROLES.read(text)
    return known.upper() if known else " ".join(text.replace("_", " ").upper().split())


def _sex(c: Cells) -> str:
    """The sex cell's value; a bare M is refused where the headers may be Spanish (Mujer)."""
    value = c.text("gender")
    if len(value) <= 3 and word_key(value) == AMBIGUOUS_SEX_LETTER.lower():
        languages = c.language()
        if not languages or "es" in languages:
            c.problem("gender", value, AMBIGUOUS_VALUE)
            return ""
        return "male"
    return c.choice("gender", SEXES, "")


def read_person(c: Cells):
    role_text = c.text("role")
    role = _role(role_text)
    legacy_id = c.text("legacy_id", required=True, blocking=True)
    common = dict(
        legacy_id=legacy_id,
        given_name=c.text("first_name", required=True, blocking=True),
        family_name=c.text("last_name", required=True, blocking=True),
        email=c.email("email"),
        phone=c.text("mobile_phone"),
    )
    if role != PATIENT_ROLE:
        # Staff need no birth date or national id; a present value is still checked.
        c.date("date_of_birth")
        fields = dict(
            common,
            role=role.lower().replace(" ", "_"),
            role_as_written=role_text,
            **_national_id(c),
            # A staff member has nowhere for these: the columns that had a value are named.
            not_imported=tuple(
                c.labels.get(name, name) for name in NOT_STAFF_FIELDS if c.text(name)
            ),
        )
        return SourceSheetStaff, fields, legacy_id
    fields = dict(
        common,
        date_of_birth=c.date("date_of_birth", required=True),
        **_national_id(c),
        sex=_sex(c),
        address_street=c.text("street_address"),
        city=c.text("city"),
        postal_code=c.text("postcode"),
        emergency_contact_name=c.text("emergency_contact_name"),
        emergency_contact_phone=c.text("emergency_contact_phone"),
    )
    return SourceSheetPatient, fields, legacy_id


def _national_id(c: Cells) -> dict:
    """The national id column (any type) wins; an NHS Number column is an NHS-typed one."""
    number, kind = c.national_id("national_id", "national_id_type")
    if not number and not c.text("national_id"):
        number = c.nhs_number("nhs_number")
        kind = "nhs" if number else ""
    return dict(national_id=number, national_id_type=kind)


def read_background(c: Cells):
    code, system = c.clinical_code("clinical_code")
    fields = dict(
        patient_ref=c.text("patient_id", required=True, blocking=True),
        name=c.text("name", required=True, blocking=True),
        kind=c.choice("type", BACKGROUND_KINDS, "", blocking=True),
        onset_date=c.date("onset_date", required=True),
        severity=c.choice("severity", SEVERITIES, "unspecified"),
        status=c.choice("status", ALERT_STATUSES, "active"),
        clinical_code=code,
        code_system=system,
    )
    # The kind by its English name: "Alergia" and "ALLERGY" are one row.
    kind = BACKGROUND_KINDS.values[fields["kind"]][0] if fields["kind"] else ""
    key = "|".join((fields["patient_ref"], kind, fields["name"].casefold()))
    return SourceSheetAlert, fields, key


def read_note(c: Cells):
    code, system = c.clinical_code("clinical_code")
    fields = dict(
        patient_ref=c.text("patient_id", required=True, blocking=True),
        written_at=c.datetime("consultation_date", required=True),
        text=c.text("note_text", required=True, blocking=True),
        practitioner_ref=c.text("practitioner_id"),
        note_type=c.choice("note_type", NOTE_TYPES, "other"),
        diagnosis=c.text("diagnosis"),
        clinical_code=code,
        code_system=system,
    )
    # The note's own words identify it (a digest: the key is shown in warnings).
    digest = hashlib.sha256(fields["text"].encode()).hexdigest()[:16]
    written = c.text("consultation_date")
    key, former = (
        "|".join((fields["patient_ref"], when, digest))
        for when in (written_key(fields["written_at"], written), written)
    )
    return SourceSheetNote, _former(fields, key, former), key


def read_medication(c: Cells):
    fields = dict(
        patient_ref=c.text("patient_id", required=True, blocking=True),
        drug_name=c.text("drug_name", required=True, blocking=True),
        dosage=c.text("dosage"),
        instructions=c.text("instructions", required=True),
        prescribed_on=c.date("prescription_date", required=True),
        status=c.choice("status", MEDICATION_STATUSES, "active"),
        quantity=c.text("quantity"),
        practitioner_ref=c.text("practitioner_id"),
    )
    drug = (fields["patient_ref"], fields["drug_name"].casefold(), fields["dosage"].casefold())
    written = c.text("prescription_date")
    key, former = (
        "|".join((*drug, when)) for when in (day_key(fields["prescribed_on"], written), written)
    )
    return SourceSheetMedication, _former(fields, key, former), key


# A row's key holds its date as read, in the form the templates and the manual show
# (`2024-03-05`, `2024-03-05 10:30`): a sheet written that way keeps the key earlier
# imports gave it, and the same sheet saved again by a spreadsheet (`05/03/2024 10:30`) is
# the same rows. A date that cannot be read stays as written. Earlier versions keyed rows
# by the date as written: a row whose key differs carries that one too (`former_key`),
# and a run finds the clinic's rows under it (`SheetSource.take_former_keys`).


def _former(fields: dict, key: str, former: str) -> dict:
    return dict(fields, former_key=former) if former != key else fields


def day_key(day: dt.date | None, written: str) -> str:
    return day.isoformat() if day is not None else written


def written_key(when: dt.datetime | None, written: str) -> str:
    if when is None:
        return written
    if when.time() == dt.time():
        return when.date().isoformat()
    return when.isoformat(" ", "seconds" if when.second else "minutes")


def _columns(sheet: str, required: bool) -> tuple[str, ...]:
    return tuple(f.column for f in FIELDS[sheet] if f.required == required)


def _spec(name: str, entity_types: tuple[str, ...], read) -> SheetSpec:
    return SheetSpec(
        name, SHEET_TYPES[name], _columns(name, True), _columns(name, False), entity_types, read
    )


PATIENTS = _spec("patients", ("csv_staff", "csv_patient"), read_person)
CLINICAL_BACKGROUND = _spec("clinical_background", ("csv_clinical_background",), read_background)
CLINICAL_NOTES = _spec("clinical_notes", ("csv_clinical_note",), read_note)
MEDICATIONS = _spec("medications", ("csv_medication",), read_medication)
SHEETS: dict[str, SheetSpec] = {
    s.name: s for s in (PATIENTS, CLINICAL_BACKGROUND, CLINICAL_NOTES, MEDICATIONS)
}
