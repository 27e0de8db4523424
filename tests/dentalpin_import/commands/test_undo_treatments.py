"""undo_import removes catalogues, schedules, budgets, treatments, notes and recalls it created."""

import io

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from clinics.models import (
    AppliedTreatment,
    AppliedTreatmentPhase,
    Appointment,
    AppointmentRecurrence,
    Budget,
    BudgetLine,
    CatalogItem,
    Chair,
    ClinicalNote,
    Patient,
    Recall,
    TreatmentCatalogItem,
    TreatmentCatalogVariant,
    TreatmentPhaseTemplate,
    WorkCalendar,
    WorkCalendarDay,
    WorkCalendarShift,
)
from dentalpin_import.models import EntityMapping, ImportJob
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import
from tests.dentalpin_import.mapping.care_rows import care_clinic_rows

MODELS = (
    Chair,
    CatalogItem,
    TreatmentCatalogItem,
    TreatmentCatalogVariant,
    TreatmentPhaseTemplate,
    WorkCalendar,
    WorkCalendarDay,
    WorkCalendarShift,
    AppointmentRecurrence,
    Appointment,
    Budget,
    BudgetLine,
    AppliedTreatment,
    AppliedTreatmentPhase,
    ClinicalNote,
    Recall,
    Patient,
)


def counts(clinic):
    with scopes_disabled():
        return {m.__name__: m.objects.filter(clinic=clinic).count() for m in MODELS}


@pytest.mark.django_db
def test_undo_deletes_every_row_the_job_created_and_keeps_what_it_only_linked(tmp_path, clinic):
    with scopes_disabled():
        chair = Chair.objects.create(clinic=clinic, name="Gabinete existente")
        endo = TreatmentCatalogItem.objects.create(clinic=clinic, name="Endodoncia")
    path = b.build(tmp_path, care_clinic_rows())
    status, out, report = run_import(path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0, out
    before = counts(clinic)
    assert before["BudgetLine"] == 4 and before["AppliedTreatment"] == 7
    # two treatments' notes, one administrative entry, one appointment's note
    assert before["ClinicalNote"] == 4
    call_command("undo_import", str(report["job_id"]), stdout=io.StringIO())
    after = counts(clinic)
    assert after == {name: 0 for name in after} | {"Chair": 1, "TreatmentCatalogItem": 1}
    with scopes_disabled():
        assert list(Chair.objects.filter(clinic=clinic)) == [chair]
        assert list(TreatmentCatalogItem.objects.filter(clinic=clinic)) == [endo]
    assert not EntityMapping.objects.filter(job_id=report["job_id"]).exists()
    assert ImportJob.objects.get(pk=report["job_id"]).status == "undone"
