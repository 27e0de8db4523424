"""`budget` → `clinics.Budget`, `budget_line` → `BudgetLine` (FORMAT.md §8.5, §13.4).

Budgets are numbered `PRES-<quote year>-<number:04>`; Gesdén restarts its
numbers per patient (§14.13), so a taken number gets the next free one of that
year and a `budget.number_collision` warning. A line names the applied
treatment that carried it out, a type imported later: the link is made in a
second pass (`link_budget_lines`), run after every type, which only ever fills
empty links, so a re-run changes nothing. Budget totals are then recomputed
from their lines: unit price × units − discount, plus the VAT of the clinic's
catalogue item; a budget whose lines add up to more than its totals hold keeps
the file's totals, with a `budget_line.sum_too_large` warning.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db.models import BigIntegerField, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Cast

from clinics.models import (
    AppliedTreatment,
    Budget,
    BudgetLine,
    BudgetStatus,
    Professional,
    TreatmentCatalogItem,
)
from dentalpin_import.loader import sql
from dentalpin_import.mapping.base import BaseMapper, MappingContext
from dentalpin_import.mapping.catalogue import treatment_catalogue
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.text import cut
from dentalpin_import.models import EntityMapping
from dentalpin_import.reader.care_records import SourceBudget, SourceBudgetLine

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
PREFIX = "PRES-"


def budget_number(year: int, number: int) -> str:
    return f"{PREFIX}{year}-{number:04d}"


def numbers_in_use(clinic, years) -> dict[int, set[int]]:
    """Return {year: {numbers}} of the clinic's `PRES-<year>-<n>` budgets, in one query."""
    used: dict[int, set[int]] = {year: set() for year in years}
    wanted = Q()
    for year in years:
        wanted |= Q(number__startswith=f"{PREFIX}{year}-")
    budgets = Budget.objects.filter(wanted, clinic=clinic).order_by()
    for number in budgets.values_list("number", flat=True):
        _, year, tail = number.split("-", 2)
        if year.isdigit() and tail.isdigit() and int(year) in used:
            used[int(year)].add(int(tail))
    return used


class BudgetMapper(BaseMapper):
    entity = "budget"
    record = SourceBudget
    model = Budget
    depends_on = ("patient", "professional", "user")

    def references(self, record: SourceBudget):
        yield "patient", record.patient_uuid
        yield "professional", record.professional_uuid
        yield "user", record.elaborated_by_user_uuid
        yield "professional", record.elaborated_by_user_uuid

    def prepare(self, records, ctx: MappingContext) -> None:
        years = {self.year(r) for r in records}
        numbers = ctx.chunk["numbers"] = numbers_in_use(ctx.clinic, years)
        ctx.chunk["top"] = {year: max(used, default=0) for year, used in numbers.items()}

    @staticmethod
    def year(record: SourceBudget) -> int:
        return (record.quote_date or dt.date.today()).year

    def map(self, record: SourceBudget, ctx: MappingContext) -> Budget:
        patient_id = ctx.require("patient", record.patient_uuid, code=self.entity, what="patient")
        author = ctx.resolve_as("user", record.elaborated_by_user_uuid, Professional)
        if author is None:
            author = ctx.resolve_as("professional", record.elaborated_by_user_uuid, Professional)
        if record.rejected_date:
            status = BudgetStatus.REJECTED
        elif record.accepted_date:
            status = BudgetStatus.ACCEPTED
        else:
            status = BudgetStatus.DRAFT
        return build(
            Budget,
            clinic=ctx.clinic,
            patient_id=patient_id,
            professional_id=ctx.resolve_as("professional", record.professional_uuid, Professional),
            author_id=author,
            number=self.number(record, ctx),
            source_number=record.number,
            title=cut(record.title, 200),
            quoted_on=record.quote_date,
            accepted_on=record.accepted_date,
            rejected_on=record.rejected_date,
            status=status,
            rejection_notes=record.rejection_observations,
            notes=record.notes,
        )

    def number(self, record: SourceBudget, ctx: MappingContext) -> str:
        year = self.year(record)
        if record.quote_date is None:
            ctx.note(
                "budget.no_date",
                f"budget without a quote date: numbered in {year}",
                params={"year": year},
            )
        used = ctx.chunk["numbers"][year]
        top = ctx.chunk["top"]  # kept as numbers are given: max(used) per row was quadratic
        wanted = record.number
        if wanted is None or wanted <= 0:
            given = top[year] + 1
            ctx.note(
                "budget.no_number",
                f"budget without a number: {budget_number(year, given)}",
                params={"number": budget_number(year, given)},
            )
        elif wanted in used:
            given = top[year] + 1
            ctx.note(
                "budget.number_collision",
                f"{budget_number(year, wanted)} is taken; numbered {budget_number(year, given)}",
                severity="warn",
                params={
                    "wanted": budget_number(year, wanted),
                    "number": budget_number(year, given),
                },
            )
        else:
            given = wanted
        used.add(given)
        top[year] = max(top[year], given)
        return budget_number(year, given)


class BudgetLineMapper(BaseMapper):
    entity = "budget_line"
    record = SourceBudgetLine
    model = BudgetLine
    depends_on = ("budget", "treatment_catalog_item", "treatment_catalog_variant")
    # Lines read their budget and the catalogue, never each other; budgets are
    # promoted and totalled in finish(), from the touched set of both halves.

    def references(self, record: SourceBudgetLine):
        yield "budget", record.budget_uuid
        yield "treatment_catalog_item", record.treatment_uuid
        yield "treatment_catalog_variant", record.treatment_variant_uuid

    def prepare(self, records, ctx: MappingContext) -> None:
        variants = {
            ctx.resolve("treatment_catalog_variant", r.treatment_variant_uuid) for r in records
        }
        items = {ctx.resolve("treatment_catalog_item", r.treatment_uuid) for r in records}
        known, ctx.chunk["items"] = treatment_catalogue(ctx, variants, items)
        ctx.chunk["variant_items"] = {pk: known[pk].item_id for pk in variants if pk in known}

    def map(self, record: SourceBudgetLine, ctx: MappingContext) -> BudgetLine:
        budget_id = ctx.require("budget", record.budget_uuid, code=self.entity, what="budget")
        variant_id = ctx.resolve("treatment_catalog_variant", record.treatment_variant_uuid)
        item = self.item(record, variant_id, ctx)
        units = max(int((record.units or Decimal(1)).to_integral_value(ROUND_DOWN)), 1)
        unit_price = record.unit_amount
        if unit_price is None:
            unit_price = item.reference_price if item and item.reference_price else Decimal(0)
            ctx.note(
                "budget_line.no_price",
                f"line without a unit price: {unit_price}",
                params={"price": str(unit_price)},
            )
        line = build(
            BudgetLine,
            clinic=ctx.clinic,
            budget_id=budget_id,
            catalog_item=item,
            variant_id=variant_id,
            source_applied_treatment_uuid=record.applied_treatment_uuid or "",
            position=max(record.order_within_budget or 0, 0),
            description=cut(item.name if item else (record.notes or "—"), 200),
            tooth=record.teeth[0] if record.teeth else None,
            teeth=list(record.teeth),
            unit_price=unit_price,
            units=units,
            discount_percent=record.discount_percent or Decimal(0),
            vat_percent=item.vat_percent if item else Decimal(0),
            notes=record.notes,
        )
        price_line(line, record.discount_amount)
        return line

    def item(self, record, variant_id, ctx: MappingContext) -> TreatmentCatalogItem | None:
        """The line's catalogue item: the item reference first, then the variant's item."""
        items = ctx.chunk["items"]
        item_id = ctx.resolve("treatment_catalog_item", record.treatment_uuid)
        if item_id is None and variant_id is not None:
            item_id = ctx.chunk["variant_items"].get(variant_id)
        if item_id is not None:
            return items.get(item_id)
        if not record.treatment_uuid and not record.treatment_variant_uuid:
            ctx.note("budget_line.no_treatment", "line without a treatment", severity="warn")
        else:
            missing = record.treatment_uuid or record.treatment_variant_uuid
            ctx.note(
                "budget_line.unmapped_treatment",
                f"treatment {missing} is not in the file or not imported; line kept without it",
                severity="warn",
            )
        return None

    def finish(self, ctx: MappingContext) -> None:
        _, unlinked = link_budget_lines(ctx)
        self.report_unlinked(unlinked, ctx)
        touched = budgets_of_run(ctx)
        promote_executed_budgets(ctx.clinic, touched)
        too_large = recompute_totals(ctx.clinic, touched)
        if too_large:
            self.report_too_large(too_large, ctx)

    def report_too_large(self, budget_ids: list[int], ctx: MappingContext) -> None:
        """Warn about budgets whose lines add up to more than their totals hold."""
        budgets = Budget.objects.filter(clinic=ctx.clinic, pk__in=budget_ids).order_by("number")
        for number in budgets.values_list("number", flat=True):
            ctx.note(
                "budget_line.sum_too_large",
                f"budget {number}: its lines add up to more than a budget total holds; "
                "it keeps the totals of the file",
                severity="warn",
                params={"number": number},
            )

    def report_unlinked(self, unlinked: dict[int, str], ctx: MappingContext) -> None:
        """Warn about lines of this run whose treatment is missing or not a treatment."""
        if not unlinked:
            return
        mine = set(
            BudgetLine.objects.filter(
                clinic=ctx.clinic,
                pk__in=Subquery(ctx.mapped_by_run("budget_line", BudgetLine)),
            ).values_list("pk", flat=True)
        )
        unlinked = {pk: uuid for pk, uuid in unlinked.items() if pk in mine}
        if not unlinked:
            return
        notes = set(
            EntityMapping.objects.filter(
                clinic=ctx.clinic,
                source_system=ctx.source_system,
                entity_type="applied_treatment",
                canonical_uuid__in=set(unlinked.values()),
            ).values_list("canonical_uuid", flat=True)
        )
        for pk, uuid in sorted(unlinked.items()):
            why = "became an administrative note" if uuid in notes else "is not in the file"
            ctx.note(
                "budget_line.unmapped_applied_treatment",
                f"budget line #{pk}: applied treatment {uuid} {why}; line kept without the link",
                raw_data={"budget_line": pk, "applied_treatment_uuid": uuid},
                params={"variant": "note" if uuid in notes else "missing"},
            )


def price_line(line: BudgetLine, discount_amount: Decimal | None) -> None:
    """Fill a line's money: the absolute discount wins over the percentage (§8.5)."""
    gross = line.unit_price * line.units
    if discount_amount:
        discount = discount_amount
    else:
        discount = gross * line.discount_percent / HUNDRED
    discount = discount.quantize(CENT, ROUND_HALF_UP)
    net = (gross - discount).quantize(CENT, ROUND_HALF_UP)
    vat = (net * line.vat_percent / HUNDRED).quantize(CENT, ROUND_HALF_UP)
    line.discount_amount = discount
    line.subtotal = gross.quantize(CENT, ROUND_HALF_UP)
    line.vat_amount = vat
    line.total = net + vat


def link_budget_lines(ctx: MappingContext) -> tuple[int, dict[int, str]]:
    """Second pass: point each unlinked line at the applied treatment that carried it out.

    Only fills empty links to rows mapped as real treatments (a source row that
    became an administrative note is not a treatment), so running it again, in
    this job or another, changes nothing. Returns how many lines it linked and
    {line id: source uuid} of the lines it could not link.
    """
    waiting = BudgetLine.objects.filter(clinic=ctx.clinic, applied_treatment__isnull=True).exclude(
        source_applied_treatment_uuid=""
    )
    treatment = EntityMapping.objects.filter(
        clinic=ctx.clinic,
        source_system=ctx.source_system,
        entity_type="applied_treatment",
        target_table=AppliedTreatment._meta.db_table,
        canonical_uuid=OuterRef("source_applied_treatment_uuid"),
    ).values(target=Cast("target_id", BigIntegerField()))[:1]
    # One UPDATE joined to the mappings through their unique index: an UPDATE per
    # line took 1,876 statements for a file of 1,000 patients. `updated_at` is left
    # alone: a link is not an operator's edit (undo).
    linked = waiting.filter(Exists(treatment)).update(applied_treatment_id=Subquery(treatment))
    ctx.state["budget_lines_linked"] = True  # every line of the clinic, as the run left them
    return linked, dict(waiting.order_by().values_list("pk", "source_applied_treatment_uuid"))


def budgets_of_run(ctx: MappingContext) -> set[int]:
    """Budgets with lines of `ctx.finishing_jobs`: this job's, and those of jobs that stopped.

    Those lines' budgets are promoted and totalled here whichever attempt wrote
    them; doing it again for a budget that is right changes nothing.
    """
    lines = ctx.mapped_by_run("budget_line", BudgetLine)
    found = BudgetLine.objects.filter(clinic=ctx.clinic, pk__in=Subquery(lines)).order_by()
    return set(found.values_list("budget_id", flat=True))


def promote_executed_budgets(clinic, budget_ids) -> None:
    """A draft whose lines were carried out was accepted, whatever the source recorded.

    Set-wise in plain SQL (`loader.sql`): the clinic scope would add the clinic
    to every line subquery, and SQLite then walks all the clinic's lines per
    budget instead of the budget's own lines (minutes at 10,000 patients).
    """
    sql.accept_budgets_with_done_lines(
        Budget, BudgetLine, clinic.pk, budget_ids, BudgetStatus.ACCEPTED, BudgetStatus.DRAFT
    )


def recompute_totals(clinic, budget_ids) -> list[int]:
    """Set each budget's totals to the sums of its lines (FORMAT.md §13.4).

    Sums rounded to the cent in the database: reading them back and writing
    them row by row took a second at 10,000 patients. A budget without lines
    keeps the totals it came with, and so does one whose sums are too large for
    them: their ids are returned.
    """
    sums = {"subtotal": "subtotal", "discount_total": "discount_amount"}
    sums.update(tax_total="vat_amount", total="total")
    return sql.total_budgets_from_lines(Budget, BudgetLine, clinic.pk, budget_ids, sums)
