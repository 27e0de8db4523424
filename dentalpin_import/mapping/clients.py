"""`client` → `clinics.Client` and `patient_client_link` → `PatientClientLink` (§8.4).

Clients are imported before patients (they depend on nothing) so that the
patient mapper can read the payer's contact details from the database.
"""

from django.db.models import Count, Subquery

from clinics.models import Client, PatientClientLink
from dentalpin_import.mapping.base import BaseMapper, MappingContext
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.text import cut
from dentalpin_import.reader.records import SourceClient, SourcePatientClientLink


class ClientMapper(BaseMapper):
    entity = "client"
    record = SourceClient
    model = Client

    def map(self, record: SourceClient, ctx: MappingContext) -> Client:
        if len(record.phone) > 20:
            ctx.note("client.phone_truncated", f"phone cut to 20 characters: {record.phone}")
        return build(
            Client,
            clinic=ctx.clinic,
            kind=cut(record.kind, 20),
            given_name=cut(record.given_name, 150),
            family_name=cut(record.family_name, 150),
            legal_name=cut(record.legal_name, 300),
            national_id=cut(record.national_id, 40),
            email=cut(record.email, 254),
            phone=record.phone[:20],
            address_street=cut(record.address_street, 300),
            address_postal_code=cut(record.address_postal_code, 20),
            city=cut(record.city, 120),
        )


class PatientClientLinkMapper(BaseMapper):
    entity = "patient_client_link"
    record = SourcePatientClientLink
    model = PatientClientLink
    depends_on = ("patient", "client")

    def references(self, record):
        yield "patient", record.patient_uuid
        yield "client", record.client_uuid

    def map(self, record: SourcePatientClientLink, ctx: MappingContext) -> PatientClientLink:
        # Unlike the reference importer, a link to a missing patient is reported.
        patient_id = ctx.require("patient", record.patient_uuid, code=self.entity, what="patient")
        client_id = ctx.require("client", record.client_uuid, code=self.entity, what="client")
        return build(
            PatientClientLink,
            clinic=ctx.clinic,
            patient_id=patient_id,
            client_id=client_id,
            relationship=cut(record.relationship, 20),
            valid_from=record.valid_from,
            valid_to=record.valid_to,
            is_default=record.is_default,
        )

    def finish(self, ctx: MappingContext) -> None:
        # Only payers this job linked: a re-run that links nothing says nothing.
        links = ctx.mapped_by_run(self.entity, PatientClientLink)
        linked = PatientClientLink.objects.filter(clinic=ctx.clinic, pk__in=Subquery(links))
        shared = (
            PatientClientLink.objects.filter(
                clinic=ctx.clinic, client_id__in=Subquery(linked.values("client_id"))
            )
            .values("client_id")
            .annotate(n=Count("patient_id", distinct=True))
            .filter(n__gt=1)
        )
        for row in shared:
            ctx.note(
                "patient_client_link.ambiguous_payer",
                f"client #{row['client_id']} pays for {row['n']} patients",
                params={"n": row["n"]},
            )


def patients_by_client(clinic, client_ids) -> dict[int, list[int]]:
    """Return {client id: [patient ids in link order]} for the given clients."""
    links = (
        PatientClientLink.objects.filter(clinic=clinic, client_id__in_ids=client_ids)
        .order_by("id")
        .values_list("client_id", "patient_id")
    )
    result: dict[int, list[int]] = {}
    for client_id, patient_id in links:
        patients = result.setdefault(client_id, [])
        if patient_id not in patients:
            patients.append(patient_id)
    return result
