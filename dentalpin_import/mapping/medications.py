"""`pharmacological_history` → `clinics.Medication` (FORMAT.md §8.6).

Dose and dosage are joined; the source's opaque `record_kind` is kept in the
notes, since its meaning differs per source system (§14.12).
"""

from clinics.models import Medication, MedicationStatus
from dentalpin_import.mapping.base import BaseMapper, MappingContext, MappingWarning
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.text import cut, join_lines
from dentalpin_import.reader.records_clinical import SourcePharmacologicalHistory


class PharmacologicalHistoryMapper(BaseMapper):
    entity = "pharmacological_history"
    record = SourcePharmacologicalHistory
    model = Medication
    depends_on = ("patient", "professional")

    def references(self, record: SourcePharmacologicalHistory):
        yield "patient", record.patient_uuid
        yield "professional", record.professional_uuid

    def map(self, record: SourcePharmacologicalHistory, ctx: MappingContext) -> Medication:
        patient_id = ctx.require("patient", record.patient_uuid, code="pharm", what="patient")
        if not record.drug_description:
            raise MappingWarning("pharm.no_drug_name", "medication without a drug name")
        dose = " ".join(part for part in (record.dose, record.dosage) if part)
        notes = [record.observations]
        if len(dose) > 120:
            notes.append(f"Dosis (origen): {dose}")
        if len(record.drug_description) > 300:
            notes.append(f"Fármaco (origen): {record.drug_description}")
        if record.record_kind is not None:
            notes.append(f"Tipo de registro (origen): {record.record_kind}")
        return build(
            Medication,
            clinic=ctx.clinic,
            patient_id=patient_id,
            prescriber_id=ctx.resolve("professional", record.professional_uuid),
            drug_name=cut(record.drug_description, 300),
            dose=cut(dose, 120),
            instructions=record.frequency,
            route=cut(record.administration_route, 60),
            started_on=record.start_date,
            status=MedicationStatus.ACTIVE,
            notes=join_lines(*notes),
        )
