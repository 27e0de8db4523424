"""Reconciliation of derived values: what the second passes computed still holds.

Three checks, each over what this job (and any job it finished) wrote:
- budget totals equal the rounded sums of their lines;
- a payment split over a family adds up to the amount received;
- every mapping of the job points at a row that exists.
A failed check makes the job "completed with problems" and names it.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, IntegerField, Subquery

from clinics.models import Budget, BudgetLine, Payment
from dentalpin_import.loader import sql
from dentalpin_import.loader.changes import models_by_table
from dentalpin_import.mapping.base import MappingContext
from dentalpin_import.models import SKIP_TABLE, EntityMapping
from dentalpin_import.reader.batches import batched

EXAMPLES = 5
TOTALS = {"subtotal": "subtotal", "discount_total": "discount_amount"}
TOTALS.update(tax_total="vat_amount", total="total")


def _result(checked: int, wrong: list) -> dict:
    return {"checked": checked, "mismatched": len(wrong), "examples": wrong[:EXAMPLES]}


def budget_totals(ctx: MappingContext) -> dict:
    """Budgets of the run's lines whose totals differ from the sums of their lines."""
    lines = BudgetLine.objects.filter(
        clinic=ctx.clinic, pk__in=Subquery(ctx.mapped_by_run("budget_line", BudgetLine))
    )
    ids = sorted(set(lines.order_by().values_list("budget_id", flat=True)))
    wrong = sql.budgets_with_wrong_totals(
        Budget._meta.db_table, BudgetLine._meta.db_table, ctx.clinic.pk, ids, TOTALS
    )
    return _result(len(ids), wrong)


def payment_splits(ctx: MappingContext) -> dict:
    """Family payments of the run whose shares do not add up to the amount received."""
    firsts = Payment.objects.filter(
        clinic=ctx.clinic,
        split_of__isnull=True,
        split_total__isnull=False,
        pk__in=Subquery(ctx.mapped_by_run("payment", Payment)),
    )
    ids = sorted(firsts.order_by().values_list("pk", flat=True))
    wrong = sql.payments_not_adding_up(Payment._meta.db_table, ctx.clinic.pk, ids)
    return _result(len(ids), [f"payment #{pk}" for pk in wrong])


def dangling_mappings(ctx: MappingContext) -> dict:
    """Mappings of this job whose clinic row does not exist (or is in a table nobody has).

    One look-up per (type, table) through the mappings' (job, type) index, each
    row's target found by primary key: a scan of the job's mappings per table
    took a tenth of a small import.
    """
    mine = EntityMapping.objects.filter(clinic=ctx.clinic, job=ctx.job.pk).exclude(
        target_table__in=(SKIP_TABLE, "__copied__")
    )
    groups = (
        mine.order_by()
        .values_list("entity_type", "target_table")
        .annotate(n=Count("id"))
        .order_by("entity_type", "target_table")
    )
    tables = models_by_table()
    job = EntityMapping._meta.get_field("job").get_db_prep_value(ctx.job.pk, connection)
    checked, wrong = 0, []
    for entity_type, table, n in groups:
        checked += n
        model = tables.get(table)
        if model is None:
            wrong += [f"{entity_type}: {n} rows in {table} (no such table)"]
            continue
        rows = mine.filter(entity_type=entity_type, target_table=table)
        if not isinstance(model._meta.pk, IntegerField):
            wrong += _missing_by_key(rows, model)
            continue
        missing = sql.mappings_without_row(
            EntityMapping._meta.db_table, job, entity_type, table, model._meta.pk.column
        )
        wrong += [f"{entity_type} {u}" for u in missing]
    return _result(checked, wrong)


def _missing_by_key(mappings, model) -> list[str]:
    """The mappings among `mappings` whose `model` row is gone, for a key that is no number."""
    wrong = []
    rows = mappings.order_by("entity_type", "canonical_uuid")
    for part in batched(rows.values_list("entity_type", "canonical_uuid", "target_id"), 500):
        there = {
            str(pk)
            for pk in model._base_manager.filter(pk__in=[t for *_, t in part]).values_list(
                "pk", flat=True
            )
        }
        wrong += [f"{e} {u}" for e, u, t in part if t not in there]
    return wrong


def derived(ctx: MappingContext) -> dict:
    """The three checks, by name."""
    return {
        "budget_totals": budget_totals(ctx),
        "payment_splits": payment_splits(ctx),
        "mappings": dangling_mappings(ctx),
    }
