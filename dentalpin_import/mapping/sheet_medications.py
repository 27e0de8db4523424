"""Medications sheet → `clinics.Medication`.

`Dosage / Strength` is appended to the drug name (and kept as the dose);
`Practitioner ID` names the prescriber, who stays in the notes when no staff
member matches.
"""

from __future__ import annotations

from clinics.models import Medication
from dentalpin_import.mapping.base import MappingContext
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.sheet_common import (
    PatientRowMapper,
)
from dentalpin_import.mapping.text import cut
from dentalpin_import.reader.sheet_records import SourceSheetMedication


class SheetMedicationMapper(PatientRowMapper):
    entity = "csv_medication"
    record = SourceSheetMedication
    model = Medication

    def map(self, record: SourceSheetMedication, ctx: MappingContext) -> Medication:
        patient_id = self.patient(record, ctx)
        prescriber = self.practitioner(record, ctx)
        notes = ""
        if record.practitioner_ref and prescriber is None:
            notes = f"Prescriber in the sheet: {record.practitioner_ref}"
        return build(
            Medication,
            clinic=ctx.clinic,
            patient_id=patient_id,
            prescriber_id=prescriber,
            drug_name=cut(f"{record.drug_name} {record.dosage}".strip(), 300),
            dose=cut(record.dosage, 120),
            instructions=record.instructions,
            started_on=record.prescribed_on,
            status=record.status,
            quantity=cut(record.quantity, 60),
            notes=notes,
        )
