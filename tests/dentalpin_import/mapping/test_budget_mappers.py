"""Budgets, their lines, the second-pass link to the treatment that carried a line out."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinics.models import (
    AppliedTreatment,
    Budget,
    BudgetLine,
    Patient,
    Professional,
    TreatmentCatalogItem,
    TreatmentCatalogVariant,
)
from dentalpin_import.mapping.budgets import promote_executed_budgets, recompute_totals
from dentalpin_import.models import EntityMapping, ImportWarning
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.mapping.care_rows import GHOST
from tests.dpmf_builder import uid


def test_budgets_are_numbered_per_year_and_a_taken_number_gets_the_next_one(care, mapped, warned):
    first = mapped(Budget, "budget", 1)
    assert first.patient == mapped(Patient, "patient", 1)
    assert first.professional == mapped(Professional, "professional", 1)
    assert first.author == mapped(Professional, "user", 1)
    assert (first.number, first.source_number, first.title) == (
        "PRES-2025-0001",
        1,
        "Plan de tratamiento",
    )
    assert (first.quoted_on, first.notes) == (dt.date(2025, 9, 1), "Financiación en 3 meses")
    # Gesdén restarts numbers per patient: the second "1" of 2025 takes the next free one.
    second = mapped(Budget, "budget", 2)
    assert second.number == "PRES-2025-0006" and second.source_number == 1
    assert len(second.title) == 200
    rejected = mapped(Budget, "budget", 3)
    assert (rejected.number, rejected.status) == ("PRES-2025-0005", "rejected")
    assert (rejected.accepted_on, rejected.rejected_on) == (
        dt.date(2025, 9, 10),
        dt.date(2025, 9, 12),
    )
    assert rejected.rejection_notes == "Prefiere pensarlo"
    assert warned("budget") == {
        "budget.number_collision": ["2"],
        "budget.no_patient": ["4"],
        "budget.unmapped_patient": ["5"],
        "text.cut_to_length": ["2"],  # the title, cut to its 200 characters
    }


def test_a_draft_whose_lines_were_carried_out_is_accepted(care, mapped):
    assert mapped(Budget, "budget", 1).status == "accepted"  # no acceptance date in the file
    assert mapped(Budget, "budget", 2).status == "draft"


def test_only_drafts_are_promoted_a_rejected_budget_with_work_done_stays_rejected(care, mapped):
    carried_out = mapped(Budget, "budget", 1)  # one of its lines names a treatment
    for before, after in (("rejected", "rejected"), ("draft", "accepted")):
        Budget.objects.filter(pk=carried_out.pk).update(status=before)
        promote_executed_budgets(care, [carried_out.pk])
        carried_out.refresh_from_db()
        assert carried_out.status == after


def test_lines_are_priced_with_decimals_and_the_catalogue_vat(care, mapped, warned):
    one = mapped(BudgetLine, "budget_line", 1)
    assert one.budget == mapped(Budget, "budget", 1)
    assert one.catalog_item == mapped(TreatmentCatalogItem, "treatment_catalog_item", 1)
    assert one.variant == mapped(TreatmentCatalogVariant, "treatment_catalog_variant", 1)
    assert (one.unit_price, one.units) == (Decimal("60.005"), 2)  # "2.7" units → 2
    assert (one.tooth, one.teeth, one.position) == (16, [16, 17], 1)
    assert (one.description, one.notes) == ("OBT", "Piezas 16 y 17")
    # 60.005 × 2 = 120.01; −10 % = 12.00 → 108.01; VAT 21 % of the catalogue item = 22.68.
    assert (one.subtotal, one.discount_amount, one.vat_percent, one.vat_amount, one.total) == (
        Decimal("120.01"),
        Decimal("12.00"),
        Decimal("21"),
        Decimal("22.68"),
        Decimal("130.69"),
    )
    two = mapped(BudgetLine, "budget_line", 2)
    assert two.catalog_item == one.catalog_item  # found through the variant
    assert (two.discount_amount, two.total) == (Decimal("5.00"), Decimal("61.11"))  # absolute wins
    loose = mapped(BudgetLine, "budget_line", 3)
    assert loose.catalog_item is None and loose.units == 1 and loose.total == Decimal("10.00")
    assert loose.description == "Línea suelta"
    codes = warned("budget_line")
    assert codes["budget_line.unmapped_treatment"] == ["3"]
    assert codes["budget_line.unmapped_budget"] == ["4"]


def test_budget_totals_are_the_sums_of_their_lines(care, mapped):
    budget = mapped(Budget, "budget", 1)
    assert (budget.subtotal, budget.discount_total, budget.tax_total, budget.total) == (
        Decimal("185.51"),
        Decimal("17.00"),
        Decimal("33.29"),
        Decimal("201.80"),
    )
    assert mapped(Budget, "budget", 2).total == Decimal("100.00")
    assert mapped(Budget, "budget", 3).total == Decimal("0")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query planner")
def test_the_totals_pass_reads_each_budgets_own_lines_not_the_whole_clinics(care):
    # Through the clinic's index, every budget walked every line of the clinic: minutes
    # at 10,000 patients for what takes a fraction of a second.
    budgets = list(Budget.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as run:
        promote_executed_budgets(care, budgets)
        recompute_totals(care, budgets)
    updates = [q["sql"] for q in run.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 2
    with connection.cursor() as cursor:
        for sql in updates:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            searches = [r[-1] for r in cursor.fetchall() if "clinics_budgetline" in r[-1]]
            assert searches and all("budget_id" in step for step in searches), searches


def test_a_line_is_linked_to_the_treatment_that_carried_it_out_in_a_second_pass(care, mapped):
    done = mapped(AppliedTreatment, "applied_treatment", "done")
    line = mapped(BudgetLine, "budget_line", 1)
    assert line.applied_treatment == done
    assert done.budget_line == line
    # A line whose treatment became an administrative note, or is missing, stays unlinked.
    assert mapped(BudgetLine, "budget_line", 2).applied_treatment is None
    assert mapped(BudgetLine, "budget_line", 3).applied_treatment is None
    why = {
        w.raw_data["applied_treatment_uuid"]: w.message
        for w in ImportWarning.objects.filter(code="budget_line.unmapped_applied_treatment")
    }
    assert "administrative note" in why[uid("applied_treatment", "missed")]
    assert "not in the file" in why[GHOST]


def test_a_rerun_creates_nothing_warns_nothing_and_keeps_the_link(care, care_file, mapped):
    before = EntityMapping.objects.count()
    line = mapped(BudgetLine, "budget_line", 1)
    status, _, report = run_import(care_file, care.slug, report=care_file.with_suffix(".json"))
    assert status == 0
    assert all(c["created"] == 0 for c in report["entities"].values())
    assert report["warnings"] == 0
    assert EntityMapping.objects.count() == before
    line.refresh_from_db()
    assert line.applied_treatment == mapped(AppliedTreatment, "applied_treatment", "done")
    # Linking is not an operator's edit: undo still sees the line as untouched.
    assert line.updated_at == line.created_at


def test_a_line_imported_before_its_treatment_is_linked_by_the_later_job(tmp_path, clinic, mapped):
    from django_scopes import scope

    from tests import dpmf_builder as b
    from tests.dentalpin_import.mapping.care_rows import budget_rows, catalogue_rows, treatment_rows

    people = [b.professional(1), b.client(1), b.patient(1, client_sid=1), b.patient(2)]
    people.append(b.row("user", 1, given_name="Rosa", email="rosa@clinic.test"))
    plans = b.build(tmp_path, [*people, *catalogue_rows(), *budget_rows()], name="plans")
    work = b.build(tmp_path, [*people, *catalogue_rows(), *treatment_rows()], name="work")
    assert run_import(plans, clinic.slug)[0] == 0
    with scope(clinic=clinic):
        assert mapped(BudgetLine, "budget_line", 1).applied_treatment is None
    assert run_import(work, clinic.slug)[0] == 0
    with scope(clinic=clinic):
        line = mapped(BudgetLine, "budget_line", 1)
        assert line.applied_treatment == mapped(AppliedTreatment, "applied_treatment", "done")


def test_a_run_with_lines_and_treatments_links_the_lines_once(care_file, other_clinic):
    with CaptureQueriesContext(connection) as queries:
        assert run_import(care_file, other_clinic.slug)[0] == 0
    links = [q for q in queries.captured_queries if 'SET "applied_treatment_id"' in q["sql"]]
    assert len(links) == 1


def test_each_clinic_links_its_lines_to_its_own_treatments(care, care_file, other_clinic):
    from django_scopes import scopes_disabled

    assert run_import(care_file, other_clinic.slug)[0] == 0

    def row_of(model, clinic, entity_type, sid):
        mapping = EntityMapping.objects.get(
            clinic=clinic, entity_type=entity_type, canonical_uuid=uid(entity_type, sid)
        )
        return model.objects.get(pk=int(mapping.target_id))

    with scopes_disabled():
        for clinic in (care, other_clinic):
            line = row_of(BudgetLine, clinic, "budget_line", 1)
            done = row_of(AppliedTreatment, clinic, "applied_treatment", "done")
            assert line.applied_treatment == done and done.clinic == clinic
