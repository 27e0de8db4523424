"""Clinical background sheet → `clinics.MedicalAlert` (allergies and medical conditions).

An allergy is never dropped for want of its onset date or severity: those are
left empty with a warning. The row waits for a later run when its patient is
not in the clinic yet.
"""

from __future__ import annotations

from clinics.models import AlertKind, MedicalAlert
from dentalpin_import.mapping.base import MappingContext
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.sheet_common import PatientRowMapper
from dentalpin_import.mapping.text import cut
from dentalpin_import.reader.sheet_records import SourceSheetAlert

KINDS = {"allergy": AlertKind.ALLERGY, "medical_condition": AlertKind.DISEASE}


class SheetAlertMapper(PatientRowMapper):
    entity = "csv_clinical_background"
    record = SourceSheetAlert
    model = MedicalAlert
    names_staff = False

    def map(self, record: SourceSheetAlert, ctx: MappingContext) -> MedicalAlert:
        patient_id = self.patient(record, ctx)
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
