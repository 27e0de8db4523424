"""A first import skips the look-up of mapped rows; rows another job maps meanwhile still count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from clinics.models import AppliedTreatment, Patient, Payment
from dentalpin_import.jobs import chunks
from dentalpin_import.models import EntityMapping, ImportWarning
from dentalpin_import.sample.generator import generate_sample
from tests.dentalpin_import.commands.helpers import run_import

LOOK_UP = "CASE WHEN job_id"  # the per-chunk query for rows already mapped


def look_ups(queries) -> int:
    return sum(LOOK_UP in q["sql"] for q in queries)


@pytest.fixture
def sample(tmp_path):
    return generate_sample(tmp_path / "s.dpm", patients=40, seed=5, layer="raw")


@pytest.mark.django_db
def test_only_types_the_clinic_already_has_are_looked_up(tmp_path, clinic, sample):
    with CaptureQueriesContext(connection) as first:
        assert run_import(sample.path, clinic.slug)[0] == 0
    assert look_ups(first.captured_queries) == 0
    with CaptureQueriesContext(connection) as again:
        status, _, report = run_import(sample.path, clinic.slug, report=tmp_path / "r.json")
    assert status == 0
    assert look_ups(again.captured_queries) >= len(report["entities"])  # one per type at least
    assert all(c["created"] == 0 for c in report["entities"].values())


@pytest.mark.django_db
def test_rows_another_job_mapped_meanwhile_count_as_already_mapped(
    tmp_path, clinic, sample, monkeypatch
):
    assert run_import(sample.path, clinic.slug)[0] == 0
    with scopes_disabled():
        before = [m.objects.count() for m in (Patient, Payment, AppliedTreatment, EntityMapping)]
    # As if each type had started before the first job wrote it: no look-up, and
    # every insert of a mapping meets the other job's row.
    monkeypatch.setattr(chunks, "has_mappings", lambda ctx, entity_type: False)
    status, out, raced = run_import(sample.path, clinic.slug, report=tmp_path / "raced.json")
    assert status == 0, out
    monkeypatch.undo()
    status, _, plain = run_import(sample.path, clinic.slug, report=tmp_path / "plain.json")
    assert status == 0
    assert raced["entities"] == plain["entities"]
    assert plain["warnings"] == 0
    # No row is warned about again. (The post-passes' notes, which come from what
    # the run mapped, may repeat: this job did map those rows before it met the
    # other job's mappings.)
    assert not ImportWarning.objects.filter(job_id=raced["job_id"]).exclude(source_id="").exists()
    assert all(c["created"] == 0 for c in raced["entities"].values())
    assert raced["reconciliation"]["adds_up"] is True
    with scopes_disabled():
        after = [m.objects.count() for m in (Patient, Payment, AppliedTreatment, EntityMapping)]
    assert after == before
