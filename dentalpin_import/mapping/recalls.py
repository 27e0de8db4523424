"""`recall` → `clinics.Recall`, the follow-up call queue (FORMAT.md §8.6).

Status: attended (or status code 1) → done; an appointment booked →
contacted, scheduled; a last call recorded → contacted, no answer; else
pending. Reason and result are `catalog_item` rows (kinds `recall_reason`,
`recall_result`); a dangling one is reported and the recall kept without it.
"""

from __future__ import annotations

from clinics.models import CatalogItem, Professional, Recall, RecallStatus
from dentalpin_import.mapping.base import BaseMapper, MappingContext, MappingWarning
from dentalpin_import.mapping.calendars import optional_link
from dentalpin_import.mapping.instances import build
from dentalpin_import.reader.care_records import SourceRecall

ATTENDED_CODE = 1


def status_of(record: SourceRecall) -> str:
    if record.attended or record.status_code == ATTENDED_CODE:
        return RecallStatus.DONE
    if record.scheduled:
        return RecallStatus.CONTACTED_SCHEDULED
    if record.contacted_at is not None:
        return RecallStatus.CONTACTED_NO_ANSWER
    return RecallStatus.PENDING


class RecallMapper(BaseMapper):
    entity = "recall"
    record = SourceRecall
    model = Recall
    depends_on = ("patient", "professional", "catalog_item")

    def references(self, record: SourceRecall):
        yield "patient", record.patient_uuid
        yield "professional", record.professional_uuid
        yield "catalog_item", record.reason_uuid
        yield "catalog_item", record.result_uuid

    def map(self, record: SourceRecall, ctx: MappingContext) -> Recall:
        if not record.patient_uuid:
            # Informative in the format's catalogue, but a problem of the file, not a rule.
            raise MappingWarning(
                "recall.missing_patient", "recall without a patient", severity="info", by_rule=False
            )
        patient_id = ctx.resolve("patient", record.patient_uuid)
        if patient_id is None:
            raise MappingWarning(
                "recall.unmapped_patient",
                f"patient {record.patient_uuid} is not in the file or not imported",
                severity="info",
                by_rule=False,
            )
        return build(
            Recall,
            clinic=ctx.clinic,
            patient_id=patient_id,
            professional_id=ctx.resolve_as("professional", record.professional_uuid, Professional),
            due_on=record.scheduled_date,
            last_contact_at=record.contacted_at,
            status=status_of(record),
            reason_id=optional_link(
                ctx,
                "catalog_item",
                record.reason_uuid,
                CatalogItem,
                code="recall.unmapped_reason",
                what="recall reason",
            ),
            result_id=optional_link(
                ctx,
                "catalog_item",
                record.result_uuid,
                CatalogItem,
                code="recall.unmapped_result",
                what="recall result",
            ),
            comments=record.comments,
            observations=record.observations,
        )
