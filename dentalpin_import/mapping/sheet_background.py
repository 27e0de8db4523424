"""Clinical background sheet → `clinics.MedicalAlert` (allergies and medical conditions).

An allergy is never dropped for want of its onset date or severity: those are
left empty with a warning. The row waits for a later run when its patient is
not in the clinic yet.
"""

from __future__ import annotations

from clinics.models import AlertKind, MedicalAlert
from dentalpin_import.mapping.base import BaseMapper, MappingContext
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.sheet_common import PatientFinder, check_issues
from dentalpin_import.mapping.text import cut
from dentalpin_import.reader.sheet_records import SourceSheetAlert

KINDS = {"allergy": AlertKind.ALLERGY, "medical_condition": AlertKind.DISEASE}


class SheetAlertMapper(BaseMapper):
    entity = "csv_clinical_background"
    record = SourceSheetAlert
    model = MedicalAlert

    def prepare(self, records, ctx: MappingContext) -> None:
        ctx.chunk["patients"] = PatientFinder(ctx, {r.patient_ref for r in records})

    def map(self, record: SourceSheetAlert, ctx: MappingContext) -> MedicalAlert:
        check_issues(record, ctx)
        patient_id, how = ctx.chunk["patients"].find(record.patient_ref, record.line)
        note_match(record, how, ctx)
        return build(
            MedicalAlert,
            clinic=ctx.clinic,
            patient_id=patient_id,
            kind=KINDS[record.kind],
            name=cut(record.name, 300),
            text=record.name if len(record.name) > 300 else "",
            severity=record.severity,
            status=record.status,
            onset_date=record.onset_date,
            clinical_code=record.clinical_code,
            code_system=record.code_system,
        )


def note_match(record, how: str, ctx: MappingContext) -> None:
    """Say so when a row found its patient by something other than the legacy id."""
    if how != "legacy id":
        ctx.note(
            "csv.patient_matched_by_" + ("email" if how == "e-mail" else "national_id"),
            f"line {record.line}: PatientID {record.patient_ref!r} matched a patient by {how}",
        )
