"""A first import skips the look-up of mapped rows; rows another job maps meanwhile still count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from clinics.models import AppliedTreatment, Patient, Payment
from dentalpin_import.loader import runner
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
    monkeypatch.setattr(runner, "mapped_types", lambda ctx, entity_types: set())
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


@pytest.mark.django_db
def test_the_types_already_mapped_are_found_in_one_query(clinic, other_clinic):
    from dentalpin_import.loader.chunks import has_mappings, mapped_types
    from dentalpin_import.mapping.base import MappingContext
    from dentalpin_import.models import ImportJob
    from dentalpin_import.models.records import SKIP_SUFFIX

    jobs = {
        c: ImportJob.objects.create(clinic=c, original_name="a.dpm") for c in (clinic, other_clinic)
    }
    for owner, system, entity_type in [
        (clinic, "gesden", "patient"),
        (clinic, "gesden", "budget" + SKIP_SUFFIX),  # only skipped rows: mapped all the same
        (clinic, "other", "appointment"),  # another source system
        (other_clinic, "gesden", "payment"),  # another clinic
    ]:
        EntityMapping.objects.create(
            clinic=owner,
            job=jobs[owner],
            source_system=system,
            entity_type=entity_type,
            canonical_uuid="0b5e7a52-0000-5000-8000-000000000001",
            target_table="clinics_patient",
            target_id="1",
        )
    ctx = MappingContext(clinic=clinic, job=jobs[clinic], source_system="gesden", options={})
    asked = ["patient", "budget", "payment", "appointment", "debt", "patient"]
    with CaptureQueriesContext(connection) as queries:
        found = mapped_types(ctx, asked)
    assert found == {"patient", "budget"}
    assert len(queries.captured_queries) == 1
    assert found == {t for t in asked if has_mappings(ctx, t)}
    many = [f"type_{n}" for n in range(250)] + ["patient"]  # more than one compound SELECT
    assert mapped_types(ctx, many) == {"patient"}
