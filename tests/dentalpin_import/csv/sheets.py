"""Write real CSV sheets (any encoding, any delimiter) and run the sheet commands on them."""

from __future__ import annotations

import csv
import io
import json

from django.core.management import call_command
from django.core.management.base import CommandError

PATIENT_HEADER = [
    "LegacyPatientID",
    "First Name",
    "Last Name",
    "Date of Birth",
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
]
VALID_NHS = "943 476 5919"  # the NHS's own published example of a valid number
NOTES_HEADER = [
    "PatientID",
    "Consultation Date",
    "Clinical Note Text",
    "Practitioner ID",
    "Note Type",
    "Diagnosis",
    "ClinicalCode",
]
BACKGROUND_HEADER = ["PatientID", "Name", "Type", "OnsetDate", "Severity", "Status", "ClinicalCode"]
MEDICATION_HEADER = [
    "PatientID",
    "Drug Name",
    "Dosage / Strength",
    "Frequency / Instructions",
    "Prescription Date",
    "Status",
    "Quantity Authorised",
    "Practitioner ID",
]


def patient(legacy_id, first, last, born="1980-02-03", nhs="", email="", role="", **more):
    row = dict(
        zip(PATIENT_HEADER, [legacy_id, first, last, born, nhs, email], strict=False),
    )
    row["Role"] = role
    row.update({k.replace("_", " "): v for k, v in more.items()})
    return [row.get(h, "") for h in PATIENT_HEADER]


def patients_rows():
    """Two patients (accents everywhere), a clinician and a practice manager."""
    return [
        PATIENT_HEADER,
        patient(
            "P001",
            "José",
            "Muñoz Peña",
            nhs=VALID_NHS,
            email="jose@example.test",
            Gender="MALE",
            City="Cádiz",
        ),
        patient(
            "P002", "Zoë", "Brontë", born="1975-12-31", email="Zoe@Example.test", Gender="FEMALE"
        ),
        patient("S01", "Ana", "Núñez", born="", email="ana.nunez@example.test", role="CLINICIAN"),
        patient("S02", "Iñaki", "Goñi", born="", role="PRACTICE_MANAGER"),
    ]


def write(path, rows, *, encoding="utf-8", delimiter=","):
    """Write `rows` as a real CSV file in `encoding` (quoting as spreadsheets do)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def run(command, path, clinic_slug, *extra, report=None):
    """Call a sheet command; return (exit status, printed text, report dict or None)."""
    out = io.StringIO()
    args = ["--file", str(path), "--clinic", clinic_slug, *extra]
    if report is not None:
        args += ["--report-json", str(report)]
    try:
        call_command(command, *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, str(exc), None
    data = json.loads(report.read_text()) if report is not None else None
    return 0, out.getvalue(), data
