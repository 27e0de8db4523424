"""`payment` → `clinics.Payment`: receipts, family splits and refunds (§8.7, §13.2).

A receipt from a payer who pays for several patients is split over them in
proportion to each one's earned ledger (debts are imported before payments),
evenly when nobody has any. Refunds are deferred to a second pass over the
type, so a refund whose original payment sorts after it still finds it.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import BigIntegerField, Subquery
from django.db.models.functions import Cast

from clinics.models import AppliedTreatment, Payment, PaymentMethod
from dentalpin_import.mapping.base import BaseMapper, Defer, MappingContext, MappingWarning
from dentalpin_import.mapping.clients import patients_by_client
from dentalpin_import.mapping.debts import earned_by_patient
from dentalpin_import.mapping.instances import build
from dentalpin_import.models import EntityMapping
from dentalpin_import.reader.records import SourcePayment
from dentalpin_import.reader.values import to_cents

CENT = Decimal("0.01")
METHODS = {
    1: PaymentMethod.CASH,
    2: PaymentMethod.TRANSFER,
    3: PaymentMethod.CARD,
    4: PaymentMethod.DIRECT_DEBIT,
    5: PaymentMethod.INSURANCE,
}


def split_amount(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `total` by `weights` (evenly when all are zero), half-up to cents.

    The last share takes the remainder, so the shares always add up exactly.
    """
    count = len(weights)
    weight_sum = sum(weights)
    if weight_sum <= 0:
        weights, weight_sum = [Decimal(1)] * count, Decimal(count)
    shares = [(total * w / weight_sum).quantize(CENT, ROUND_HALF_UP) for w in weights[:-1]]
    return shares + [total - sum(shares)]


class PaymentMapper(BaseMapper):
    entity = "payment"
    record = SourcePayment
    model = Payment
    depends_on = ("client", "patient", "user", "professional", "debt", "applied_treatment")
    refers_to_itself = True  # a refund names the payment it returns

    def references(self, record: SourcePayment):
        yield "client", record.client_uuid
        yield "patient", record.patient_uuid
        yield "user", record.user_uuid
        yield "professional", record.user_uuid
        yield "payment", record.related_payment_uuid
        yield "applied_treatment", record.applied_treatment_uuid

    def prepare(self, records, ctx: MappingContext) -> None:
        clients = {ctx.resolve("client", r.client_uuid) for r in records} - {None}
        family = patients_by_client(ctx.clinic, clients)
        ctx.chunk["family"] = family
        ctx.chunk["earned"] = earned_by_patient(
            ctx.clinic, {p for patients in family.values() if len(patients) > 1 for p in patients}
        )
        if ctx.final_pass:
            refunds = [r for r in records if r.amount is not None and r.amount < 0]
            ctx.chunk["originals"] = RefundOriginals.load(refunds, ctx)

    def map(self, record: SourcePayment, ctx: MappingContext):
        amount = record.amount
        if amount is None:
            raise MappingWarning(
                "payment.invalid_amount",
                f"amount {record.amount_text!r}",
                params={"amount": str(record.amount_text)[:40]},
            )
        if to_cents(amount) != amount:
            ctx.note(
                "payment.amount_rounded",
                f"{amount} rounded to {to_cents(amount)}",
                params={"amount": str(amount), "rounded": str(to_cents(amount))},
            )
            amount = to_cents(amount)
        if amount == 0:
            raise MappingWarning("payment.zero_amount", "payment of 0 ignored", severity="info")
        if amount < 0 and not ctx.final_pass:
            raise Defer()
        paid_on = record.paid_on
        if paid_on is None:
            paid_on = dt.date.today()
            ctx.note("payment.no_date", "payment without a date: dated today", severity="warn")
        base = dict(
            clinic=ctx.clinic,
            client_id=ctx.resolve("client", record.client_uuid),
            paid_on=paid_on,
            method=METHODS.get(record.payment_kind, PaymentMethod.OTHER),
            cashier_id=ctx.resolve("user", record.user_uuid)
            or ctx.resolve("professional", record.user_uuid),
            notes=record.notes,
            applied_treatment_id=ctx.resolve_as(
                "applied_treatment", record.applied_treatment_uuid, AppliedTreatment
            ),
            applied_treatment_uuid=record.applied_treatment_uuid or "",
        )
        if amount < 0:
            return self.refund(record, -amount, base, ctx)
        return self.receipt(record, amount, base, ctx)

    def receipt(self, record, amount: Decimal, base: dict, ctx: MappingContext):
        patients = list(ctx.chunk["family"].get(base["client_id"], []))
        if not patients:
            direct = ctx.resolve("patient", record.patient_uuid)
            patients = [direct] if direct else []
        if not patients:
            raise MappingWarning(
                "payment.no_patient_for_client",
                f"no imported patient for client {record.client_uuid} or patient "
                f"{record.patient_uuid}",
            )
        if len(patients) == 1:
            return build(Payment, patient_id=patients[0], amount=amount, **base)
        earned = ctx.chunk["earned"]
        shares = split_amount(amount, [earned.get(p, Decimal(0)) for p in patients])
        ctx.note(
            "payment.split_across_family",
            f"{amount} split over {len(patients)} patients: {', '.join(map(str, shares))}",
            severity="warn",
            params={
                "amount": str(amount),
                "n": len(patients),
                "shares": ", ".join(map(str, shares)),
            },
        )
        n = len(patients)
        first = None
        payments = []
        for i, (patient_id, share) in enumerate(zip(patients, shares, strict=True), 1):
            payment = build(
                Payment,
                patient_id=patient_id,
                amount=share,
                split_total=amount,
                split_of=first,
                **{**base, "notes": f"{base['notes']}\nreparto familiar {i}/{n}".strip()},
            )
            first = first or payment
            payments.append(payment)
        return payments

    def refund(self, record, amount: Decimal, base: dict, ctx: MappingContext) -> Payment:
        original = self.original(record, amount, base, ctx)
        if original is None:
            raise MappingWarning(
                "payment.refund_unmappable",
                f"refund of {amount} has no payment to attach to",
                params={"amount": str(-amount if amount < 0 else amount)},
            )
        # Refunds of this chunk are not saved yet: count them too.
        pending = ctx.chunk.setdefault("refunding", {})
        refunded = ctx.chunk["originals"].refunded.get(original.pk, 0)
        refunded += pending.get(original.pk, Decimal(0))
        if refunded + amount > (original.split_total or original.amount):
            raise MappingWarning(
                "payment.refund_exceeds",
                f"refund of {amount} exceeds what is left of payment #{original.pk}",
                params={"amount": str(amount)},
            )
        pending[original.pk] = pending.get(original.pk, Decimal(0)) + amount
        return build(
            Payment,
            patient_id=original.patient_id,
            amount=amount,
            is_refund=True,
            refund_of=original,
            **{**base, "client_id": base["client_id"] or original.client_id},
        )

    def original(self, record, amount, base, ctx: MappingContext) -> Payment | None:
        """The payment a refund returns, looked up in the order of FORMAT.md §13.2."""
        originals = ctx.chunk["originals"]
        related = ctx.resolve("payment", record.related_payment_uuid)
        if related is not None:
            return originals.by_pk.get(related)
        if record.applied_treatment_uuid:
            booked = originals.by_treatment.get(record.applied_treatment_uuid)
            if booked is not None:
                return booked
        if base["client_id"] is not None:
            # The whole amount of a family payment, not one share of it.
            for payment in originals.by_client.get(base["client_id"], []):
                if payment.split_total == amount or (
                    payment.split_total is None and payment.amount == amount
                ):
                    return payment
        return None


class RefundOriginals:
    """The payments a chunk's refunds may return, and what was refunded of them already.

    Loaded once per chunk (a handful of queries whatever its size); the lookup
    order itself stays in `PaymentMapper.original`. Only whole payments (no
    refunds, no family shares after the first) can be returned, in id order.
    """

    def __init__(self):
        self.by_pk: dict[int, Payment] = {}
        self.by_treatment: dict[str, Payment] = {}
        self.by_client: dict[int, list[Payment]] = {}
        self.refunded: dict[int, Decimal] = {}

    @classmethod
    def load(cls, refunds, ctx: MappingContext) -> RefundOriginals:
        found = cls()
        if not refunds:
            return found
        payments = Payment.objects.filter(
            clinic=ctx.clinic, is_refund=False, split_of__isnull=True
        ).order_by("pk")
        related = {ctx.resolve("payment", r.related_payment_uuid) for r in refunds} - {None}
        treatments = {r.applied_treatment_uuid for r in refunds if r.applied_treatment_uuid}
        clients = {ctx.resolve("client", r.client_uuid) for r in refunds} - {None}
        if related:
            found.by_pk = payments.in_bulk(related)
        if treatments:
            for payment in payments.filter(applied_treatment_uuid__in=treatments):
                found.by_treatment.setdefault(payment.applied_treatment_uuid, payment)
        if clients:
            for payment in payments.filter(client_id__in_ids=clients):
                found.by_client.setdefault(payment.client_id, []).append(payment)
        candidates = set(found.by_pk) | {p.pk for p in found.by_treatment.values()}
        candidates |= {p.pk for group in found.by_client.values() for p in group}
        if candidates:
            rows = Payment.objects.filter(
                clinic=ctx.clinic, refund_of__in_ids=candidates
            ).order_by()
            if ctx.updating:
                # Refunds a later file changed are mapped again: what they refunded before
                # is not refunded on top of what they refund now.
                rows = rows.exclude(pk__in=Subquery(again(ctx, refunds)))
            for original_id, amount in rows.values_list("refund_of_id", "amount"):
                found.refunded[original_id] = found.refunded.get(original_id, 0) + amount
        return found


def again(ctx: MappingContext, records):
    """Ids of the payments these records were mapped to (a cutover maps them again)."""
    mapped = EntityMapping.objects.filter(
        clinic=ctx.clinic,
        source_system=ctx.source_system,
        entity_type="payment",
        canonical_uuid__in=[r.canonical_uuid for r in records],
    )
    return mapped.values(target=Cast("target_id", BigIntegerField()))
