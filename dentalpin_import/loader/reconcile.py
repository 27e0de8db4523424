"""After every run: do the figures add up, are there orphans, does the money match the file?"""

from __future__ import annotations

from decimal import Decimal

from clinics.models import (
    AppliedTreatment,
    AppliedTreatmentPhase,
    Appointment,
    Budget,
    BudgetLine,
    Communication,
    Consent,
    DebtPaymentApplication,
    Document,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    MedicalAlert,
    Medication,
    Patient,
    Payment,
    Prescription,
    PrescriptionItem,
    Recall,
)
from dentalpin_import.loader import sql
from dentalpin_import.loader.counts import TypeCounts
from dentalpin_import.loader.derived import derived
from dentalpin_import.loader.source_keys import each_mapping
from dentalpin_import.reader.batches import batched
from dentalpin_import.reader.values import Payload, to_cents

# (child model, foreign key field, parent model): rows whose parent is gone or in another clinic.
ORPHAN_CHECKS = (
    (Appointment, "patient", Patient),
    (Payment, "patient", Patient),
    (InvoiceLine, "invoice", Invoice),
    (Document, "patient", Patient),
    (MedicalAlert, "patient", Patient),
    (Medication, "patient", Patient),
    (Prescription, "patient", Patient),
    (PrescriptionItem, "prescription", Prescription),
    (Consent, "patient", Patient),
    (Communication, "patient", Patient),
    (LedgerEntry, "patient", Patient),
    (DebtPaymentApplication, "debt", LedgerEntry),
    (DebtPaymentApplication, "payment", Payment),
    (Budget, "patient", Patient),
    (BudgetLine, "budget", Budget),
    (BudgetLine, "applied_treatment", AppliedTreatment),
    (AppliedTreatment, "patient", Patient),
    (AppliedTreatmentPhase, "treatment", AppliedTreatment),
    (Recall, "patient", Patient),
)
ZERO = Decimal("0.00")


def counts_add_up(counts: dict[str, TypeCounts]) -> dict[str, bool]:
    return {t: c.in_file == c.processed for t, c in counts.items()}


def orphans(clinic) -> dict[str, int]:
    """Count clinic rows whose parent is missing or belongs to another clinic."""
    found = {}
    for child, fk, parent in ORPHAN_CHECKS:
        column = child._meta.get_field(fk).column
        found[f"{child._meta.model_name}.{fk}"] = sql.orphan_count(
            child._meta.db_table, column, parent._meta.db_table, clinic.pk
        )
    return found


def _mapped_ids(ctx, entity_type: str, uuids: list[str]) -> dict[str, int]:
    # One pass over the type's mappings: cheaper than thousands of IN lists.
    wanted = set(uuids)
    return {
        key: int(target) for key, _, target, _ in each_mapping(ctx, entity_type) if key in wanted
    }


def _kept_rows(container, entity_type: str):
    """(canonical id, payload) of each row of `entity_type` the import keeps, none when the
    file has no such type.

    A key's copies follow its first row, the one the import kept (`row.duplicate`): the
    file's side counts what the clinic's does, whatever amount a copy gives.
    """
    if entity_type not in {t.entity_type for t in container.entity_types}:
        return
    last = None
    for rows in container.iter_rows(entity_type, chunk_size=2000):
        for row in rows:
            if row.canonical_uuid != last:
                last = row.canonical_uuid
                yield row.canonical_uuid, Payload(row.payload)


def _file_amounts(container, entity_type: str, key: str) -> dict[str, Decimal]:
    amounts = {}
    for uuid, p in _kept_rows(container, entity_type):
        amount = p.decimal(key)
        if amount is not None:
            # Stored to the cent, rounded half-up as the mappers do.
            amounts[uuid] = to_cents(amount)
    return amounts


def _file_debts(container) -> dict[str, Decimal]:
    """Debts of the file that are earned (§13.3): owed > 0, not voided, not written off."""
    amounts = {}
    for uuid, p in _kept_rows(container, "debt"):
        owed = p.decimal("owed_amount")
        if owed and owed > 0 and not p.ref("cancelled_by_uuid") and not p.boolean("uncollectible"):
            amounts[uuid] = to_cents(owed)
    return amounts


def _clinic_amounts(clinic, model, ids, field: str = "amount") -> dict[int, Decimal]:
    found = {}
    for batch in batched(ids, 1000):
        rows = model.objects.filter(clinic=clinic, pk__in_ids=batch).order_by()
        found.update(rows.values_list("pk", field))
    return found


def money(container, ctx) -> dict[str, dict]:
    """File totals vs the clinic rows mapped from this file, per kind of money."""
    payments = _file_amounts(container, "payment", "amount")
    invoices = _file_amounts(container, "fiscal_document", "total")
    paid = _mapped_ids(ctx, "payment", list(payments))
    billed = _mapped_ids(ctx, "fiscal_document", list(invoices))
    clinic_pay = {}
    for batch in batched(paid.values(), 1000):
        for pk, amount, split_total in (
            Payment.objects.filter(clinic=ctx.clinic, pk__in_ids=batch)
            .order_by()
            .values_list("pk", "amount", "split_total")
        ):
            clinic_pay[pk] = split_total or amount
    clinic_inv = _clinic_amounts(ctx.clinic, Invoice, billed.values(), "total")
    receipts = {u: a for u, a in payments.items() if a > 0}
    refunds = {u: -a for u, a in payments.items() if a < 0}
    debts = _file_debts(container)
    booked = _mapped_ids(ctx, "debt", list(debts))
    return {
        "payments": _totals(receipts, paid, clinic_pay),
        "refunds": _totals(refunds, paid, clinic_pay),
        "invoices": _totals(invoices, billed, clinic_inv),
        "debts": _totals(debts, booked, _clinic_amounts(ctx.clinic, LedgerEntry, booked.values())),
    }


def _totals(file_amounts: dict, mapped: dict, clinic_amounts: dict) -> dict:
    in_file = sum(file_amounts.values(), ZERO)
    in_clinic = sum(
        (clinic_amounts.get(mapped[u], ZERO) for u in file_amounts if u in mapped), ZERO
    )
    not_imported = sum((a for u, a in file_amounts.items() if u not in mapped), ZERO)
    return {
        "file": str(in_file),
        "clinic": str(in_clinic),
        "not_imported": str(not_imported),
        "matches": in_file == in_clinic + not_imported,
    }


def reconcile(container, ctx, counts: dict[str, TypeCounts]) -> dict:
    """The reconciliation object of the report: `adds_up`, `orphans`, `money`, per type."""
    per_type = counts_add_up(counts)
    found = orphans(ctx.clinic)
    totals = money(container, ctx)
    checks = derived(ctx)
    return {
        "adds_up": all(per_type.values()),
        "ok": all(per_type.values())
        and not any(found.values())
        and all(m["matches"] for m in totals.values())
        and not any(c["mismatched"] for c in checks.values()),
        "types": {t: {**counts[t].as_dict(), "adds_up": ok} for t, ok in per_type.items()},
        "orphans": found,
        "money": totals,
        "derived": checks,
    }
