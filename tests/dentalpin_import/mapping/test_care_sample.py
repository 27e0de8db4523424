"""On a whole sample clinic: none of these types is left raw, budgets add up, lines are linked."""

import pytest
from django.db.models import Sum
from django_scopes import scope

from clinics.models import AppliedTreatment, Budget, BudgetLine
from dentalpin_import.models import EntityMapping, RawEntity
from dentalpin_import.sample.generator import generate_sample
from tests.dentalpin_import.commands.helpers import run_import

MY_TYPES = (
    "center",
    "catalog_item",
    "treatment_catalog_item",
    "treatment_catalog_variant",
    "treatment_phase_template",
    "work_calendar",
    "work_calendar_day",
    "work_calendar_shift",
    "appointment_recurrence",
    "budget",
    "budget_line",
    "appointment",
    "applied_treatment",
    "applied_treatment_phase",
    "recall",
)


@pytest.mark.django_db
def test_a_sample_clinic_maps_every_plan_schedule_and_treatment_row(tmp_path, clinic):
    sample = generate_sample(tmp_path / "s.dpm", patients=30, seed=5, binaries=False)
    status, out, report = run_import(sample.path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0, out
    assert not RawEntity.objects.filter(entity_type__in=MY_TYPES).exists()
    for entity_type in MY_TYPES:
        counts = report["entities"][entity_type]
        assert counts["raw"] == 0 and counts["created"] > 0, entity_type
    with scope(clinic=clinic):
        for budget in Budget.objects.all():
            lines = budget.lines.aggregate(t=Sum("total"))["t"] or 0
            assert budget.total == lines, budget.number
        treatments = set(
            EntityMapping.objects.filter(
                entity_type="applied_treatment",
                target_table=AppliedTreatment._meta.db_table,
            ).values_list("canonical_uuid", flat=True)
        )
        carried = BudgetLine.objects.filter(source_applied_treatment_uuid__in=treatments)
        assert carried.exists()
        assert not carried.filter(applied_treatment__isnull=True).exists()
        links = dict(carried.values_list("pk", "applied_treatment_id"))
    status, _, again = run_import(sample.path, clinic.slug, report=tmp_path / "r2.json")
    assert again["warnings"] == 0
    assert all(again["entities"][t]["created"] == 0 for t in MY_TYPES)
    with scope(clinic=clinic):
        assert dict(carried.values_list("pk", "applied_treatment_id")) == links
