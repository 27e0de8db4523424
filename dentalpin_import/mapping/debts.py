"""`debt` → `LedgerEntry`, `debt_payment_application` → `DebtPaymentApplication` (§8.7, §13.3).

A debt is what the clinic really charged, so it builds the patient's earned
ledger (a treatment's catalogue price never does). Zero or empty amounts are
skipped silently; voided and written-off debts are skipped with a warning.
The billed treatment is linked when it was imported as a treatment, and its
key is kept as the file names it (`applied_treatment_uuid`); a treatment the
file and the clinic do not know is reported as an orphan, and one that was
imported as an administrative note is no clinical target: unlike the
reference, such debts stay in the ledger (with a warning), since they were
really billed.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q, Sum

from clinics.models import (
    AppliedTreatment,
    ClinicalNote,
    DebtPaymentApplication,
    EntryKind,
    LedgerEntry,
    Payment,
)
from dentalpin_import.mapping.base import BaseMapper, MappingContext, MappingWarning
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.text import cut
from dentalpin_import.models import SKIP_SUFFIX, SKIP_TABLE, EntityMapping, RawEntity
from dentalpin_import.reader.records_ledger import SourceDebt, SourceDebtPaymentApplication
from dentalpin_import.reader.values import to_cents

KEPT_RAW = "__raw__"


def earned_by_patient(clinic, patient_ids) -> dict[int, Decimal]:
    """Σ earned ledger entries per patient, for the patients given."""
    rows = (
        LedgerEntry.objects.filter(clinic=clinic, patient_id__in_ids=patient_ids)
        .filter(kind=EntryKind.EARNED)
        .values("patient_id")
        .annotate(total=Sum("amount"))
    )
    return {row["patient_id"]: row["total"] for row in rows}


def treatment_tables(ctx: MappingContext, uuids: set[str]) -> dict[str, str]:
    """{applied treatment uuid: table it became} for treatments the clinic knows.

    A treatment kept verbatim as a raw entity counts as known (`KEPT_RAW`).
    """
    if not uuids:
        return {}
    found = dict(
        EntityMapping.objects.filter(
            clinic=ctx.clinic,
            source_system=ctx.source_system,
            entity_type__in=["applied_treatment", "applied_treatment" + SKIP_SUFFIX],
            canonical_uuid__in=uuids,
        ).values_list("canonical_uuid", "target_table")
    )
    raw = RawEntity.objects.filter(
        clinic=ctx.clinic,
        source_system=ctx.source_system,
        entity_type="applied_treatment",
        canonical_uuid__in=uuids - set(found),
    ).values_list("canonical_uuid", flat=True)
    found.update(dict.fromkeys(raw, KEPT_RAW))
    return found


class DebtMapper(BaseMapper):
    entity = "debt"
    record = SourceDebt
    model = LedgerEntry
    depends_on = ("patient", "client", "applied_treatment")

    def references(self, record: SourceDebt):
        yield "patient", record.patient_uuid
        yield "client", record.client_uuid
        yield "applied_treatment", record.applied_treatment_uuid

    def prepare(self, records, ctx: MappingContext) -> None:
        uuids = {r.applied_treatment_uuid for r in records} - {None}
        ctx.chunk["treatments"] = treatment_tables(ctx, uuids)

    def map(self, record: SourceDebt, ctx: MappingContext) -> LedgerEntry | None:
        amount = record.owed_amount
        if amount is None and record.owed_amount_text:
            raise MappingWarning(
                "debt.invalid_amount",
                f"owed amount {record.owed_amount_text!r}",
                params={"amount": str(record.owed_amount_text)[:40]},
            )
        if not amount:
            return None  # nothing owed: skipped silently (§8.7)
        if record.cancelled_by_uuid:
            raise MappingWarning(
                "debt.skipped_anulado",
                f"debt of {amount} voided in the source",
                params={"amount": str(amount)},
            )
        if record.uncollectible:
            reason = record.uncollectible_description or "no reason given"
            raise MappingWarning(
                "debt.skipped_uncollectible",
                f"debt of {amount} written off: {reason}",
                params={"amount": str(amount)},
            )
        if amount < 0:
            raise MappingWarning(
                "debt.negative_amount",
                f"owed amount {amount} is negative",
                params={"amount": str(amount)},
            )
        patient_id = ctx.require("patient", record.patient_uuid, code="debt", what="patient")
        self.check_treatment(record, ctx)
        if to_cents(amount) != amount:
            ctx.note(
                "debt.amount_rounded",
                f"{amount} rounded to {to_cents(amount)}",
                params={"amount": str(amount), "rounded": str(to_cents(amount))},
            )
        return build(
            LedgerEntry,
            clinic=ctx.clinic,
            patient_id=patient_id,
            client_id=ctx.resolve("client", record.client_uuid),
            kind=EntryKind.EARNED,
            amount=to_cents(amount),
            entry_date=record.due_date,
            applied_treatment_id=ctx.resolve_as(
                "applied_treatment", record.applied_treatment_uuid, AppliedTreatment
            ),
            applied_treatment_uuid=record.applied_treatment_uuid or "",
            # One key per debt keeps several debts of one treatment apart.
            session_key=f"debt:{record.canonical_uuid}",
            treatment_number=cut(record.treatment_number, 40),
            phase_number=cut(record.phase_number, 40),
            label=cut(self.label(record), 300),
        )

    @staticmethod
    def label(record: SourceDebt) -> str:
        parts = []
        if record.treatment_number:
            parts.append(f"Tratamiento nº {record.treatment_number}")
        if record.phase_number:
            parts.append(f"fase {record.phase_number}")
        return ", ".join(parts) or "Deuda importada"

    def check_treatment(self, record: SourceDebt, ctx: MappingContext) -> None:
        uuid = record.applied_treatment_uuid
        if not uuid:
            return
        table = ctx.chunk["treatments"].get(uuid)
        if table == ClinicalNote._meta.db_table:
            # The reference drops such a debt; but the charge was really billed, and
            # dropping it would make the clinic's ledger disagree with the file.
            ctx.note(
                "debt.no_clinical_target",
                f"treatment {uuid} was imported as an administrative note, not a treatment; "
                "debt kept without a treatment link",
                severity="warn",
            )
            return
        if table is None or table == SKIP_TABLE:
            ctx.note(
                "debt.orphan_treatment",
                f"treatment {uuid} is not in the file or not imported; debt kept without it",
                severity="warn",
            )


class DebtPaymentApplicationMapper(BaseMapper):
    entity = "debt_payment_application"
    record = SourceDebtPaymentApplication
    model = DebtPaymentApplication
    depends_on = ("debt", "payment")

    def references(self, record: SourceDebtPaymentApplication):
        yield "debt", record.debt_uuid
        yield "payment", record.payment_uuid

    def prepare(self, records, ctx: MappingContext) -> None:
        debts = {ctx.resolve("debt", r.debt_uuid) for r in records} - {None}
        payments = {ctx.resolve("payment", r.payment_uuid) for r in records} - {None}
        ctx.chunk["debt_patient"] = dict(
            LedgerEntry.objects.filter(clinic=ctx.clinic, pk__in_ids=debts)
            .order_by()
            .values_list("pk", "patient_id")
        )
        shares: dict[int, dict[int, int]] = {}
        rows = Payment.objects.filter(clinic=ctx.clinic).filter(
            Q(pk__in_ids=payments) | Q(split_of__in_ids=payments)
        )
        for pk, first, patient_id in rows.values_list("pk", "split_of_id", "patient_id"):
            shares.setdefault(first or pk, {}).setdefault(patient_id, pk)
        ctx.chunk["shares"] = shares

    def map(self, record: SourceDebtPaymentApplication, ctx: MappingContext):
        debt_id = ctx.require("debt", record.debt_uuid, code=self.entity, what="debt")
        payment_id = ctx.require("payment", record.payment_uuid, code=self.entity, what="payment")
        # A family payment: the share of the debt's own patient settled it.
        patient_id = ctx.chunk["debt_patient"].get(debt_id)
        payment_id = ctx.chunk["shares"].get(payment_id, {}).get(patient_id, payment_id)
        return build(
            DebtPaymentApplication,
            clinic=ctx.clinic,
            debt_id=debt_id,
            payment_id=payment_id,
            amount=to_cents(record.amount) if record.amount is not None else None,
            applied_on=record.applied_on,
        )
