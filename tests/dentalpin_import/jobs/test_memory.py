"""Memory-bounded runs: forgetting resolved keys changes nothing, the collector is handed back."""

import gc
from collections import Counter

import pytest
from django.apps import apps
from django_scopes import scope

from dentalpin_import.models import ImportWarning
from dentalpin_import.sample.generator import generate_sample
from tests.dentalpin_import.commands.helpers import run_import


def fingerprint(clinic) -> dict:
    """Rows per clinic table, filled links per foreign key, and warnings by code."""
    shape = {}
    with scope(clinic=clinic):
        for model in apps.get_app_config("clinics").get_models():
            if not any(f.name == "clinic" for f in model._meta.concrete_fields):
                continue
            rows = model.objects.filter(clinic=clinic)
            shape[model.__name__] = rows.count()
            for f in model._meta.concrete_fields:
                if f.is_relation and f.name != "clinic":
                    shape[f"{model.__name__}.{f.name}"] = rows.exclude(**{f.attname: None}).count()
    warnings = ImportWarning.objects.filter(clinic=clinic).values_list("entity_type", "code")
    shape["warnings"] = Counter(warnings)
    return shape


@pytest.mark.django_db
def test_forgetting_resolved_keys_changes_nothing(tmp_path, clinic, other_clinic, settings):
    sample = generate_sample(tmp_path / "s.dpm", patients=40, seed=11, layer="raw")
    settings.DPMF_CHUNK_SIZE = 25
    status, out, _ = run_import(sample.path, clinic.slug)
    assert status == 0, out
    settings.DPMF_ID_CACHE_SIZE = 0  # forget before every chunk
    status, out, _ = run_import(sample.path, other_clinic.slug)
    assert status == 0, out
    kept, forgotten = fingerprint(clinic), fingerprint(other_clinic)
    assert kept["Patient"] == 40 and kept["AppliedTreatment"] > 0
    assert kept["AppliedTreatment.budget_line"] > 0 and kept["Payment.applied_treatment"] > 0
    assert forgotten == kept


@pytest.mark.django_db
def test_objects_frozen_for_the_run_are_handed_back_to_the_collector(tmp_path, clinic):
    sample = generate_sample(tmp_path / "s.dpm", patients=5, seed=2, layer="raw")
    before = gc.get_freeze_count()
    status, out, _ = run_import(sample.path, clinic.slug)
    assert status == 0, out
    # A worker running many jobs must not keep a growing set of uncollectable objects.
    assert gc.get_freeze_count() == before == 0
