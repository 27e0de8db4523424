"""`patient` → `clinics.Patient` (FORMAT.md §8.4).

The payer ("client") named in the raw Gesdén keys supplies contact details the
patient lacks, and becomes the billing identity when it is another person.
Each line of the free-text notes is classified like a patient alert: medical
lines also become `MedicalAlert` rows, and the notes are kept whole.
"""

import re

from clinics.models import Client, Patient, Sex
from dentalpin_import.mapping.alerts import medical_lines
from dentalpin_import.mapping.base import BaseMapper, MappingContext
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.text import cut, join_lines
from dentalpin_import.reader.batches import batched
from dentalpin_import.reader.records import SourcePatient

SEXES = {"male": Sex.MALE, "female": Sex.FEMALE, "other": Sex.OTHER, "unknown": Sex.UNDISCLOSED}
DNI = re.compile(r"^\d{8}[A-Z]$")
NIE = re.compile(r"^[XYZ]\d{7}[A-Z]$")
CIF = re.compile(r"^[ABCDEFGHJNPQRSUVW]\d{7}[0-9A-J]$")


def national_id_type(value: str) -> str:
    """Classify a Spanish identity number; anything else is 'other'."""
    compact = value.replace("-", "").replace(" ", "").upper()
    if DNI.match(compact):
        return "dni"
    if NIE.match(compact):
        return "nie"
    if CIF.match(compact):
        return "cif"
    return "other" if compact else ""


# What a patient takes from its payer: contact details it lacks, and the billing identity.
PAYER_FIELDS = (
    "pk",
    "phone",
    "email",
    "address_street",
    "address_postal_code",
    "city",
    "national_id",
    "legal_name",
    "given_name",
    "family_name",
)


class PatientMapper(BaseMapper):
    entity = "patient"
    record = SourcePatient
    model = Patient
    depends_on = ("client",)

    def references(self, record: SourcePatient):
        for uuid in record.client_uuids:
            yield "client", uuid

    def prepare(self, records, ctx: MappingContext) -> None:
        wanted = {ctx.resolve("client", u) for r in records for u in r.client_uuids}
        wanted.discard(None)
        # Plain rows, not instances: only these fields are read.
        clients = ctx.chunk["clients"] = {}
        for batch in batched(wanted, 900):  # within any SQLite's limit of bound values
            rows = Client.objects.filter(clinic=ctx.clinic, pk__in_ids=batch)
            clients.update((c.pk, c) for c in rows.values_list(*PAYER_FIELDS, named=True))

    def map(self, record: SourcePatient, ctx: MappingContext):
        client = self.payer(record, ctx)
        notes = [record.notes]
        if record.patient_number:
            notes.append(f"Nº historia (origen): {record.patient_number}")
        if record.deceased:
            notes.append("Exitus")
        phone = record.phone or (client.phone if client else "")
        if len(phone) > 20:
            ctx.note("patient.phone_truncated", f"phone cut to 20 characters: {phone}")
            notes.append(f"Teléfono (origen): {phone}")
        patient = build(
            Patient,
            clinic=ctx.clinic,
            given_name=cut(record.given_name or "Sin nombre", 150),
            family_name=cut(record.family_name or "—", 150),
            national_id=cut(record.national_id, 40),
            national_id_type=national_id_type(record.national_id),
            date_of_birth=record.date_of_birth,
            sex=SEXES.get(record.sex, ""),
            phone=phone[:20],
            email=cut(record.email or (client.email if client else ""), 254),
            address_street=cut(
                record.address_street or (client.address_street if client else ""), 300
            ),
            address_postal_code=cut(
                record.address_postal_code or (client.address_postal_code if client else ""), 20
            ),
            city=cut(record.city or (client.city if client else ""), 120),
            chart_number=cut(record.patient_number, 40),
            registered_on=record.registered_on,
            notes=join_lines(*notes),
            is_archived=record.deceased or record.deactivated_on is not None,
            do_not_contact=record.gdpr_consent is False or record.sms_consent is False,
        )
        if client and client.national_id and client.national_id != record.national_id:
            # A third party pays (parent, company, insurer): bill them, not the patient.
            name = client.legal_name or f"{client.given_name} {client.family_name}".strip()
            patient.billing_name = cut(name, 300)
            patient.billing_tax_id = client.national_id
        alerts = medical_lines(ctx, record.notes, patient=patient)
        return [patient, *alerts] if alerts else patient

    def payer(self, record: SourcePatient, ctx: MappingContext):
        """The first of the record's clients that was imported, as a row of PAYER_FIELDS."""
        for uuid in record.client_uuids:
            client = ctx.chunk["clients"].get(ctx.resolve("client", uuid))
            if client is not None:
                return client
        return None
