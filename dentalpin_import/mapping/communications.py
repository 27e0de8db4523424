"""`communication` → `clinics.Communication` (FORMAT.md §8.6).

A message concerns a patient, a payer or both. A patient or payer that is
named but missing is reported; the message is still kept when the other one
resolves, and skipped with a warning when neither does.
"""

from clinics.models import Communication, CommunicationChannel, CommunicationDirection
from dentalpin_import.mapping.base import BaseMapper, MappingContext, MappingWarning
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.prescriptions import source_extra
from dentalpin_import.mapping.text import cut
from dentalpin_import.reader.records_clinical import SourceCommunication

CHANNELS = {
    "sms": CommunicationChannel.SMS,
    "email": CommunicationChannel.EMAIL,
    "e-mail": CommunicationChannel.EMAIL,
    "mail": CommunicationChannel.EMAIL,
    "phone": CommunicationChannel.PHONE,
    "call": CommunicationChannel.PHONE,
    "telefono": CommunicationChannel.PHONE,
    "letter": CommunicationChannel.LETTER,
    "carta": CommunicationChannel.LETTER,
    "whatsapp": CommunicationChannel.WHATSAPP,
}
DIRECTIONS = {
    "outbound": CommunicationDirection.OUTBOUND,
    "out": CommunicationDirection.OUTBOUND,
    "sent": CommunicationDirection.OUTBOUND,
    "saliente": CommunicationDirection.OUTBOUND,
    "inbound": CommunicationDirection.INBOUND,
    "in": CommunicationDirection.INBOUND,
    "received": CommunicationDirection.INBOUND,
    "entrante": CommunicationDirection.INBOUND,
}


class CommunicationMapper(BaseMapper):
    entity = "communication"
    record = SourceCommunication
    model = Communication
    depends_on = ("patient", "client")

    def references(self, record: SourceCommunication):
        yield "patient", record.patient_uuid
        yield "client", record.client_uuid

    def map(self, record: SourceCommunication, ctx: MappingContext) -> Communication:
        patient_id = ctx.resolve("patient", record.patient_uuid)
        client_id = ctx.resolve("client", record.client_uuid)
        if not record.patient_uuid and not record.client_uuid:
            raise MappingWarning(f"{self.entity}.no_recipient", "message without patient or payer")
        missing = [
            f"{what} {uuid}"
            for what, uuid, found in (
                ("patient", record.patient_uuid, patient_id),
                ("client", record.client_uuid, client_id),
            )
            if uuid and found is None
        ]
        if patient_id is None and client_id is None:
            raise MappingWarning(
                f"{self.entity}.unmapped_recipient",
                f"{' and '.join(missing)} not imported",
                params={"variant": "none"},
            )
        if missing:
            ctx.note(
                f"{self.entity}.unmapped_recipient",
                f"{missing[0]} not imported; kept with the other recipient",
                severity="warn",
                params={"variant": "kept", "kind": missing[0].split(" ")[0]},
            )
        extra = source_extra(record)
        if record.channel and record.channel not in CHANNELS:
            extra["channel"] = record.channel  # shown as "other"; the source's word is kept
        return build(
            Communication,
            clinic=ctx.clinic,
            patient_id=patient_id,
            client_id=client_id,
            channel=CHANNELS.get(record.channel, CommunicationChannel.OTHER),
            direction=DIRECTIONS.get(record.direction, CommunicationDirection.UNKNOWN),
            sent_at=record.sent_at,
            subject=cut(record.subject, 300),
            body=record.body,
            status=cut(record.status, 40),
            source_extra=extra,
        )
