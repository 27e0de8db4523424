"""`patient_document` → `clinics.Document` awaiting its binary (FORMAT.md §8.8, §9).

The bytes arrive later from the sync agent, matched by sha256 through the
staged `_files` rows that name this document as their parent.
"""

from clinics.models import Document, DocumentStatus
from dentalpin_import.mapping.base import BaseMapper, MappingContext
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.text import cut
from dentalpin_import.reader.records import SourcePatientDocument


class PatientDocumentMapper(BaseMapper):
    entity = "patient_document"
    record = SourcePatientDocument
    model = Document
    depends_on = ("patient",)

    def references(self, record):
        yield "patient", record.patient_uuid

    def map(self, record: SourcePatientDocument, ctx: MappingContext) -> Document:
        patient_id = ctx.require("patient", record.patient_uuid, code=self.entity, what="patient")
        title = record.title or (f"Documento ({record.kind})" if record.kind else "Documento")
        return build(
            Document,
            clinic=ctx.clinic,
            patient_id=patient_id,
            title=cut(title, 255),
            kind=cut(record.kind, 40),
            description=record.description,
            captured_on=record.captured_on,
            status=DocumentStatus.AWAITING_BINARY,
        )
