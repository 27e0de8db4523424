"""Clinical notes sheet → `clinics.ClinicalNote` (text and diagnosis encrypted at rest).

The consultation time is read in the clinic's time zone. The author is the
staff member named by `Practitioner ID` (legacy id or e-mail); a note whose
author cannot be found is still imported, without one, with a warning.
"""

from __future__ import annotations

from clinics.models import ClinicalNote, NoteKind
from dentalpin_import.mapping.base import BaseMapper, MappingContext
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.sheet_background import note_match
from dentalpin_import.mapping.sheet_common import (
    PatientFinder,
    StaffFinder,
    check_issues,
    clinic_datetime,
    staff_uuid,
)
from dentalpin_import.reader.sheet_records import SourceSheetNote


class SheetNoteMapper(BaseMapper):
    entity = "csv_clinical_note"
    record = SourceSheetNote
    model = ClinicalNote

    def references(self, record: SourceSheetNote):
        if record.practitioner_ref:
            yield "csv_staff", staff_uuid(record.practitioner_ref)

    def prepare(self, records, ctx: MappingContext) -> None:
        ctx.chunk["patients"] = PatientFinder(ctx, {r.patient_ref for r in records})
        ctx.chunk["staff"] = StaffFinder(ctx, {r.practitioner_ref for r in records})

    def map(self, record: SourceSheetNote, ctx: MappingContext) -> ClinicalNote:
        check_issues(record, ctx)
        patient_id, how = ctx.chunk["patients"].find(record.patient_ref, record.line)
        note_match(record, how, ctx)
        return build(
            ClinicalNote,
            clinic=ctx.clinic,
            patient_id=patient_id,
            author_id=ctx.chunk["staff"].find(record.practitioner_ref, record.line),
            kind=NoteKind.CLINICAL,
            note_type=record.note_type,
            written_at=clinic_datetime(record.written_at, ctx),
            text=record.text,
            diagnosis=record.diagnosis,
            clinical_code=record.clinical_code,
            code_system=record.code_system,
        )
