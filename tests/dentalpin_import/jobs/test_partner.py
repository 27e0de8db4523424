"""A partner process that imports half of the large types leaves the clinic exactly as
one process would, and a partner that dies or a job cancelled mid-type loses nothing."""

import logging
from collections import Counter

import pytest
from django.apps import apps
from django_scopes import scope

from clinics.models import AppliedTreatment, Budget, BudgetLine
from dentalpin_import import events
from dentalpin_import.jobs import services
from dentalpin_import.jobs.partner import Partner, can_share
from dentalpin_import.jobs.runner import JobCancelled
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.registry import MAPPERS
from dentalpin_import.models import EntityMapping, ImportJob
from dentalpin_import.sample.generator import generate_sample
from tests.dentalpin_import.jobs.test_memory import fingerprint

# The partner is another process: it sees only what this test has committed.
pytestmark = pytest.mark.django_db(transaction=True)
SPLIT_TYPES = {"budget_line", "applied_treatment", "applied_treatment_phase"}


@pytest.fixture
def partner_runs(settings):
    """Small chunks and a low threshold, so a 40-patient sample splits its large types."""
    settings.DPMF_PARTNER_WRITER = True
    settings.DPMF_PARTNER_MIN_ROWS = 20
    settings.DPMF_CHUNK_SIZE = 10
    # The typing helper too: it must stop at the split key and the partner type the rest.
    settings.DPMF_TYPING_PROCESS = True
    settings.DPMF_TYPING_PROCESS_MIN_ROWS = 0


@pytest.fixture
def sample(tmp_path):
    return generate_sample(tmp_path / "s.dpm", patients=40, seed=11, layer="raw").path


def run(path, clinic, **kw):
    """Create, validate and run a job; return it with the run's result."""
    job = services.create_job(clinic=clinic, path=path)
    with services.open_job_file(job=job) as container:
        services.validate_job(job=job, container=container)
        result = services.run_job(job=job, container=container, **kw)
    job.refresh_from_db()
    return job, result


def alone(path, clinic, settings):
    settings.DPMF_PARTNER_WRITER = False
    job, result = run(path, clinic)
    settings.DPMF_PARTNER_WRITER = True
    assert not result.shared
    return job


def content(clinic) -> dict:
    """What the rows say, beyond their number and links: budgets' totals and states."""
    with scope(clinic=clinic):
        return {
            "budgets": Counter(Budget.objects.values_list("status", "total")),
            "treatments": Counter(AppliedTreatment.objects.values_list("status", "amount")),
            "lines": Counter(BudgetLine.objects.values_list("description", "total")),
        }


def same_report(a: ImportJob, b: ImportJob) -> bool:
    keys = ("status", "warnings", "entities", "reconciliation")
    ra, rb = services.report(a), services.report(b)
    return {k: ra[k] for k in keys} == {k: rb[k] for k in keys}


def test_a_partner_imports_half_of_each_large_type_and_the_clinic_ends_the_same(
    sample, clinic, other_clinic, settings, partner_runs
):
    solo = alone(sample, clinic, settings)
    shared, result = run(sample, other_clinic)
    assert set(result.shared) == SPLIT_TYPES
    for entity_type, rows in result.shared.items():
        in_file = result.counts[entity_type].in_file
        assert in_file // 3 < rows < in_file, entity_type  # about half, never all
    assert same_report(solo, shared)
    assert shared.warnings_count == solo.warnings_count == result.warnings
    assert fingerprint(other_clinic) == fingerprint(clinic)
    assert content(other_clinic) == content(clinic)
    # Planned treatments wait for the final pass, shared too: every one is there once.
    assert fingerprint(other_clinic)["AppliedTreatment"] > 0


def test_a_partner_that_dies_mid_type_leaves_the_rest_to_the_importer(
    sample, clinic, other_clinic, settings, partner_runs, monkeypatch, caplog
):
    solo = alone(sample, clinic, settings)
    monkeypatch.setattr(Partner, "command", ("-m", "tests.dentalpin_import.jobs.crashing_partner"))
    with caplog.at_level(logging.WARNING, logger="dentalpin_import.jobs.partner"):
        helped, result = run(sample, other_clinic)
    assert "the partner writer stopped" in caplog.text
    assert "budget_line" in result.shared  # it worked before it died
    assert "applied_treatment" not in result.shared  # ... and died after one chunk of these
    # Its chunk was found by key and counted as this job's: not "already mapped".
    assert same_report(solo, helped)
    assert helped.warnings_count == solo.warnings_count
    assert fingerprint(other_clinic) == fingerprint(clinic)
    assert content(other_clinic) == content(clinic)


def test_a_job_cancelled_while_the_partner_writes_keeps_whole_chunks_only(
    sample, clinic, other_clinic, settings, partner_runs
):
    solo = alone(sample, clinic, settings)
    job = services.create_job(clinic=other_clinic, path=sample)
    partners = []
    start = Partner.start

    def started(self):
        partners.append(self)
        return start(self)

    def cancel_during_the_treatments(entity_type, done, total):
        # As the job page's cancel button would, once: from outside the running chunk.
        if entity_type == "applied_treatment" and done and not cancelled:
            cancelled.append(done)
            services.cancel_job(job=ImportJob.objects.get(pk=job.pk))

    cancelled = []

    Partner.start = started
    try:
        with services.open_job_file(job=job) as container:
            services.validate_job(job=job, container=container)
            with pytest.raises(JobCancelled):
                services.run_job(
                    job=job, container=container, progress=cancel_during_the_treatments
                )
    finally:
        Partner.start = start
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert partners and all(p.proc is None for p in partners)  # stopped and reaped
    with scope(clinic=other_clinic):
        treatments = set(AppliedTreatment.objects.values_list("pk", flat=True))
        mapped = set(
            int(t)
            for t in EntityMapping.objects.filter(
                clinic=other_clinic,
                entity_type="applied_treatment",
                target_table=AppliedTreatment._meta.db_table,
            ).values_list("target_id", flat=True)
        )
    assert treatments == mapped  # no row without its mapping, no mapping without its row
    # A new import of the same file finishes the job's work without a duplicate. (Not
    # compared: the warnings that finish() raises about rows the cancelled job wrote.)
    again, _ = run(sample, other_clinic)
    assert again.status == solo.status == "succeeded"
    finished, whole = fingerprint(other_clinic), fingerprint(clinic)
    assert finished.pop("warnings") != {} and whole.pop("warnings") != {}
    assert finished == whole
    assert content(other_clinic) == content(clinic)


def test_no_partner_when_another_process_could_not_see_the_rows(
    sample, clinic, settings, partner_runs
):
    job = services.create_job(clinic=clinic, path=sample)
    with services.open_job_file(job=job) as container:
        assert can_share(job, container) is None
        job.dry_run = True
        assert "one transaction" in can_share(job, container)
        job.dry_run = False
        settings.DPMF_PARTNER_WRITER = False
        assert "switched off" in can_share(job, container)
    settings.DPMF_PARTNER_WRITER = True
    job = services.create_job(clinic=clinic, path=sample, dry_run=True)
    with services.open_job_file(job=job) as container:
        services.validate_job(job=job, container=container)
        result = services.run_job(job=job, container=container)
    assert result.shared == {}


def test_splittable_types_write_no_rows_that_raise_domain_events(clinic):
    # A partner's events would go to its own subscribers, not the importer's.
    def listener(**kwargs):
        pass

    events.migration_event.connect(listener)
    try:
        splittable = [m for m in MAPPERS.values() if m.splittable]
        assert {m.entity for m in splittable} == SPLIT_TYPES
        for mapper in splittable:
            for model in apps.get_app_config("clinics").get_models():
                if model is mapper.model or model._meta.db_table.endswith("clinicalnote"):
                    row = build(model, id=1)
                    assert events.domain_events([row], clinic.pk) == [], model
    finally:
        events.migration_event.disconnect(listener)
