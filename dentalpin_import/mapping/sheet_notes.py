"""Clinical notes sheet → `clinics.ClinicalNote` (text and diagnosis encrypted at rest).

The consultation time is read in the clinic's time zone. The author is the
staff member named by `Practitioner ID` (legacy id or e-mail); a note whose
author cannot be found is still imported, without one, with a warning.
"""

from __future__ import annotations

from clinics.models import ClinicalNote, NoteKind
from dentalpin_import.mapping.base import MappingContext
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.sheet_common import (
    PatientRowMapper,
    clinic_datetime,
)
from dentalpin_import.reader.sheet_records import SourceSheetNote


class SheetNoteMapper(PatientRowMapper):
    entity = "csv_clinical_note"
    record = SourceSheetNote
    model = ClinicalNote

    def map(self, record: SourceSheetNote, ctx: MappingContext) -> ClinicalNote:
        patient_id = self.patient(record, ctx)
        return build(
            ClinicalNote,
            clinic=ctx.clinic,
            patient_id=patient_id,
            author_id=self.practitioner(record, ctx),
            kind=NoteKind.CLINICAL,
            note_type=record.note_type,
            written_at=clinic_datetime(record.written_at, ctx),
            text=record.text,
            diagnosis=record.diagnosis,
            clinical_code=record.clinical_code,
            code_system=record.code_system,
        )
