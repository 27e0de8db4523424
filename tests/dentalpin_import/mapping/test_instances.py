"""`build()` must give the very instance `Model(**values)` gives, only faster."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django_scopes import scope

from clinics.models import AppliedTreatment, ClinicalNote, Document, Patient
from dentalpin_import.mapping.instances import build
from dentalpin_import.models import ImportJob, ImportWarning

VOLATILE = {"id", "created_at", "updated_at", "action_time", "date_joined"}


def _fields(obj):
    return {k: v for k, v in vars(obj).items() if k != "_state" and k not in VOLATILE}


@pytest.mark.parametrize(
    "model", [m for m in apps.get_models() if m._meta.app_label in ("clinics", "dentalpin_import")]
)
def test_defaults_match_django(model):
    built, made = build(model), model()
    assert _fields(built) == _fields(made)
    assert built._state.adding and built._state.db is None


def test_values_and_related_instances_are_set_like_django(clinic):
    patient = Patient(clinic=clinic, given_name="Íñigo")  # unsaved: its pk comes later
    values = dict(
        clinic=clinic,
        patient=patient,
        professional_id=None,
        description="Corona",
        amount=Decimal("12.50"),
        started_on=dt.date(2020, 1, 2),
        teeth=[11, 12],
    )
    built, made = build(AppliedTreatment, **values), AppliedTreatment(**values)
    assert _fields(built) == _fields(made)
    assert built.patient is patient and built.clinic is clinic
    assert built.clinic_id == clinic.pk and built.patient_id is None


def test_mutable_defaults_are_not_shared():
    first, second = build(AppliedTreatment), build(AppliedTreatment)
    first.teeth.append(11)
    assert second.teeth == []


def test_wrong_related_type_and_unknown_names_are_refused(clinic):
    with pytest.raises(ValueError, match='must be a "Patient" instance'):
        build(ClinicalNote, patient=clinic)
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        build(Document, colour="red")


def test_a_built_instance_saves_with_the_orm(clinic):
    with scope(clinic=clinic):
        job = ImportJob.objects.create(clinic=clinic, original_name="a.dpm")
        warning = build(ImportWarning, job=job, clinic=clinic, code="x.y", message="m")
        warning.save()
        assert ImportWarning.objects.get(pk=warning.pk).message == "m"
