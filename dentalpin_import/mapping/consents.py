"""`consent` → `clinics.Consent` (FORMAT.md §8.6).

A signed scan arrives through `_files` with `parent_entity_type = consent`;
once the consent is mapped, the upload endpoint finds its patient through
this row (`binaries.store.resolve_owner`) and files the scan as a document.
"""

from clinics.models import Consent
from dentalpin_import.mapping.base import BaseMapper, MappingContext
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.prescriptions import source_extra
from dentalpin_import.mapping.text import cut
from dentalpin_import.reader.records_clinical import SourceConsent


class ConsentMapper(BaseMapper):
    entity = "consent"
    record = SourceConsent
    model = Consent
    depends_on = ("patient", "professional")

    def references(self, record: SourceConsent):
        yield "patient", record.patient_uuid
        yield "professional", record.professional_uuid

    def map(self, record: SourceConsent, ctx: MappingContext) -> Consent:
        patient_id = ctx.require("patient", record.patient_uuid, code=self.entity, what="patient")
        if record.revoked_on and record.signed_on and record.revoked_on < record.signed_on:
            ctx.note(
                "consent.revoked_before_signed",
                f"revoked on {record.revoked_on}, signed on {record.signed_on}",
                severity="warn",
                params={"revoked": str(record.revoked_on), "signed": str(record.signed_on)},
            )
        title = record.title or record.template_code or "Consentimiento informado"
        return build(
            Consent,
            clinic=ctx.clinic,
            patient_id=patient_id,
            professional_id=ctx.resolve("professional", record.professional_uuid),
            template_code=cut(record.template_code, 60),
            title=cut(title, 300),
            signed_on=record.signed_on,
            revoked_on=record.revoked_on,
            notes=record.notes,
            source_extra=source_extra(record),
        )
