"""The four CSV sheets: their columns, their vocabularies, and how a row becomes a record.

Column names are written as in the operator manual ("CSV sheets"); matching
ignores case and surrounding spaces. Each sheet says which key identifies a
row: the canonical id is derived from the sheet's name and that key, so the
same row imported twice is recognised.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from dentalpin_import.reader.sheet_records import (
    SheetRecord,
    SourceSheetAlert,
    SourceSheetMedication,
    SourceSheetNote,
    SourceSheetPatient,
    SourceSheetStaff,
)
from dentalpin_import.reader.sheet_values import Cells


def _vocabulary(*words: str) -> dict[str, str]:
    """{'MEDICAL CONDITION': 'medical_condition', …} for values written in capitals."""
    return {w: w.lower().replace(" ", "_") for w in words}


GENDERS = {
    **_vocabulary("MALE", "FEMALE", "UNKNOWN", "OTHER", "NOT STATED"),
    "M": "male",
    "F": "female",
}
BACKGROUND_TYPES = _vocabulary("ALLERGY", "MEDICAL CONDITION")
SEVERITIES = _vocabulary("MILD", "MODERATE", "SEVERE", "UNSPECIFIED")
ALERT_STATUSES = _vocabulary("ACTIVE", "RESOLVED")
NOTE_TYPES = _vocabulary(
    "GP NOTE", "CONSULTATION", "TRIAGE", "REFERRAL", "DENTAL PROGRESS", "OTHER"
)
MEDICATION_STATUSES = _vocabulary(
    "ACTIVE", "ACUTE", "REPEAT", "DISPENSED", "DISCONTINUED", "CANCELLED", "EXPIRED"
)
PATIENT_ROLE = "PATIENT"


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


def read_person(c: Cells):
    role_text = c.text("Role")
    role = " ".join(role_text.replace("_", " ").upper().split()) or PATIENT_ROLE
    legacy_id = c.text("LegacyPatientID", required=True, blocking=True)
    common = dict(
        legacy_id=legacy_id,
        given_name=c.text("First Name", required=True, blocking=True),
        family_name=c.text("Last Name", required=True, blocking=True),
        email=c.email("Email Address"),
        phone=c.text("Mobile Phone"),
    )
    if role != PATIENT_ROLE:
        # Staff need no birth date or NHS number; a present value is still checked.
        c.date("Date of Birth")
        fields = dict(common, role=role.lower().replace(" ", "_"), role_as_written=role_text)
        return SourceSheetStaff, fields, legacy_id
    fields = dict(
        common,
        date_of_birth=c.date("Date of Birth", required=True),
        nhs_number=c.nhs_number("NHS Number"),
        nhs_number_as_written=c.text("NHS Number"),
        sex=c.choice("Gender", GENDERS, ""),
        address_street=c.text("Street Address"),
        city=c.text("City"),
        postal_code=c.text("Postcode"),
        emergency_contact_name=c.text("Emergency Contact Name"),
        emergency_contact_phone=c.text("Emergency Contact Phone"),
    )
    return SourceSheetPatient, fields, legacy_id


def read_background(c: Cells):
    code, system = c.clinical_code("ClinicalCode")
    fields = dict(
        patient_ref=c.text("PatientID", required=True, blocking=True),
        name=c.text("Name", required=True, blocking=True),
        kind=c.choice("Type", BACKGROUND_TYPES, "", blocking=True),
        onset_date=c.date("OnsetDate", required=True),
        severity=c.choice("Severity", SEVERITIES, "unspecified"),
        status=c.choice("Status", ALERT_STATUSES, "active"),
        clinical_code=code,
        code_system=system,
    )
    key = "|".join((fields["patient_ref"], c.text("Type").upper(), fields["name"].casefold()))
    return SourceSheetAlert, fields, key


def read_note(c: Cells):
    code, system = c.clinical_code("ClinicalCode")
    fields = dict(
        patient_ref=c.text("PatientID", required=True, blocking=True),
        written_at=c.datetime("Consultation Date", required=True),
        text=c.text("Clinical Note Text", required=True, blocking=True),
        practitioner_ref=c.text("Practitioner ID"),
        note_type=c.choice("Note Type", NOTE_TYPES, "other"),
        diagnosis=c.text("Diagnosis"),
        clinical_code=code,
        code_system=system,
    )
    # The note's own words identify it (a digest: the key is shown in warnings).
    digest = hashlib.sha256(fields["text"].encode()).hexdigest()[:16]
    key = "|".join((fields["patient_ref"], c.text("Consultation Date"), digest))
    return SourceSheetNote, fields, key


def read_medication(c: Cells):
    fields = dict(
        patient_ref=c.text("PatientID", required=True, blocking=True),
        drug_name=c.text("Drug Name", required=True, blocking=True),
        dosage=c.text("Dosage / Strength"),
        instructions=c.text("Frequency / Instructions", required=True),
        prescribed_on=c.date("Prescription Date", required=True),
        status=c.choice("Status", MEDICATION_STATUSES, "active"),
        quantity=c.text("Quantity Authorised"),
        practitioner_ref=c.text("Practitioner ID"),
    )
    key = "|".join(
        (
            fields["patient_ref"],
            fields["drug_name"].casefold(),
            fields["dosage"].casefold(),
            c.text("Prescription Date"),
        )
    )
    return SourceSheetMedication, fields, key


PATIENTS = SheetSpec(
    name="patients",
    label="Patient demographics",
    required=("LegacyPatientID", "First Name", "Last Name", "Date of Birth"),
    optional=(
        "NHS Number",
        "Email Address",
        "Mobile Phone",
        "Gender",
        "Street Address",
        "City",
        "Postcode",
        "Emergency Contact Name",
        "Emergency Contact Phone",
        "Role",
    ),
    entity_types=("csv_staff", "csv_patient"),
    read=read_person,
)
CLINICAL_BACKGROUND = SheetSpec(
    name="clinical_background",
    label="Clinical background",
    required=("PatientID", "Name", "Type", "OnsetDate"),
    optional=("Severity", "Status", "ClinicalCode"),
    entity_types=("csv_clinical_background",),
    read=read_background,
)
CLINICAL_NOTES = SheetSpec(
    name="clinical_notes",
    label="Clinical notes",
    required=("PatientID", "Consultation Date", "Clinical Note Text"),
    optional=("Practitioner ID", "Note Type", "Diagnosis", "ClinicalCode"),
    entity_types=("csv_clinical_note",),
    read=read_note,
)
MEDICATIONS = SheetSpec(
    name="medications",
    label="Medications",
    required=("PatientID", "Drug Name", "Frequency / Instructions", "Prescription Date"),
    optional=("Dosage / Strength", "Status", "Quantity Authorised", "Practitioner ID"),
    entity_types=("csv_medication",),
    read=read_medication,
)
SHEETS: dict[str, SheetSpec] = {
    s.name: s for s in (PATIENTS, CLINICAL_BACKGROUND, CLINICAL_NOTES, MEDICATIONS)
}
