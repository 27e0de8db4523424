"""`prescription` → `clinics.Prescription`, `prescription_item` → `PrescriptionItem` (§8.6).

The spec's fields for both are illustrative (§14.21): payload keys not read
here are kept verbatim in `source_extra`.
"""

from clinics.models import Prescription, PrescriptionItem
from dentalpin_import.mapping.base import BaseMapper, MappingContext, MappingWarning
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.text import cut, join_lines
from dentalpin_import.reader.records_clinical import SourcePrescription, SourcePrescriptionItem


def source_extra(record) -> dict:
    """The unread payload keys of a record, plus its raw source data when it has any."""
    extra = dict(record.extra)
    if record.raw:
        extra["raw_source_data"] = record.raw
    return extra


class PrescriptionMapper(BaseMapper):
    entity = "prescription"
    record = SourcePrescription
    model = Prescription
    depends_on = ("patient", "professional")

    def references(self, record: SourcePrescription):
        yield "patient", record.patient_uuid
        yield "professional", record.professional_uuid

    def map(self, record: SourcePrescription, ctx: MappingContext) -> Prescription:
        patient_id = ctx.require("patient", record.patient_uuid, code=self.entity, what="patient")
        return build(
            Prescription,
            clinic=ctx.clinic,
            patient_id=patient_id,
            prescriber_id=ctx.resolve("professional", record.professional_uuid),
            prescribed_on=record.prescribed_on,
            diagnosis=record.diagnosis,
            notes=record.notes,
            source_extra=source_extra(record),
        )


class PrescriptionItemMapper(BaseMapper):
    entity = "prescription_item"
    record = SourcePrescriptionItem
    model = PrescriptionItem
    depends_on = ("prescription",)

    def references(self, record: SourcePrescriptionItem):
        yield "prescription", record.prescription_uuid

    def map(self, record: SourcePrescriptionItem, ctx: MappingContext) -> PrescriptionItem:
        prescription_id = ctx.require(
            "prescription", record.prescription_uuid, code=self.entity, what="prescription"
        )
        if not record.drug_description:
            raise MappingWarning(f"{self.entity}.no_drug_name", "prescribed item without a drug")
        long_drug = len(record.drug_description) > 300
        return build(
            PrescriptionItem,
            clinic=ctx.clinic,
            prescription_id=prescription_id,
            drug_name=cut(record.drug_description, 300),
            frequency=cut(record.frequency, 200),
            duration_days=record.duration_days if (record.duration_days or 0) > 0 else None,
            units=cut(record.units, 60),
            route=cut(record.administration_route, 60),
            notes=join_lines(
                record.notes,
                f"Fármaco (origen): {record.drug_description}" if long_drug else "",
                f"Frecuencia (origen): {record.frequency}" if len(record.frequency) > 200 else "",
            ),
            source_extra=source_extra(record),
        )
