"""Medications sheet → `clinics.Medication`.

`Dosage / Strength` is appended to the drug name (and kept as the dose);
`Practitioner ID` names the prescriber, who stays in the notes when no staff
member matches.
"""

from __future__ import annotations

from clinics.models import Medication
from dentalpin_import.mapping.base import BaseMapper, MappingContext
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.sheet_background import note_match
from dentalpin_import.mapping.sheet_common import (
    PatientFinder,
    StaffFinder,
    check_issues,
    staff_uuid,
)
from dentalpin_import.mapping.text import cut
from dentalpin_import.reader.sheet_records import SourceSheetMedication


class SheetMedicationMapper(BaseMapper):
    entity = "csv_medication"
    record = SourceSheetMedication
    model = Medication

    def references(self, record: SourceSheetMedication):
        if record.practitioner_ref:
            yield "csv_staff", staff_uuid(record.practitioner_ref)

    def prepare(self, records, ctx: MappingContext) -> None:
        ctx.chunk["patients"] = PatientFinder(ctx, {r.patient_ref for r in records})
        ctx.chunk["staff"] = StaffFinder(ctx, {r.practitioner_ref for r in records})

    def map(self, record: SourceSheetMedication, ctx: MappingContext) -> Medication:
        check_issues(record, ctx)
        patient_id, how = ctx.chunk["patients"].find(record.patient_ref, record.line)
        note_match(record, how, ctx)
        prescriber = ctx.chunk["staff"].find(record.practitioner_ref, record.line)
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
