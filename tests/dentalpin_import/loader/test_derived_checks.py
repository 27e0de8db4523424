"""Reconciliation checks what the second passes computed: a wrong total is named, not hidden."""

import pytest
from django_scopes import scope

from clinics.models import Budget, Payment, Recall
from dentalpin_import.jobs import services
from dentalpin_import.loader import derived
from dentalpin_import.loader.runner import Runner
from dentalpin_import.mapping.budgets import BudgetLineMapper
from dentalpin_import.models import ImportJob
from dentalpin_import.sample.generator import generate_sample


@pytest.fixture
def imported(tmp_path, clinic):
    path = generate_sample(tmp_path / "s.dpm", patients=25, seed=11, layer="raw").path
    job = services.create_job(clinic=clinic, path=path)
    with services.open_job_file(job=job) as container:
        services.validate_job(job=job, container=container)
        services.run_job(job=job, container=container)
    job.refresh_from_db()
    return job


def checks(job):
    """The derived checks as a run of `job` would compute them now."""
    with services.open_job_file(job=job) as container, scope(clinic=job.clinic):
        runner = Runner(job, container)
        runner.ctx.finishing_jobs = (job.pk,)
        return derived.derived(runner.ctx)


@pytest.mark.django_db
def test_a_whole_import_passes_every_check_and_each_check_had_rows(imported):
    assert imported.status == "succeeded"
    found = imported.reconciliation["derived"]
    assert set(found) == {"budget_totals", "payment_splits", "mappings"}
    for name, check in found.items():
        assert check["mismatched"] == 0, (name, check)
        assert check["checked"] > 0, name
    assert services.report(imported)["reconciliation"]["derived"] == found


@pytest.mark.django_db
def test_a_budget_whose_total_is_not_the_sum_of_its_lines_is_named(imported):
    with scope(clinic=imported.clinic):
        budget = Budget.objects.filter(total__gt=0).order_by("number").first()
        Budget.objects.filter(pk=budget.pk).update(total=0)
    found = checks(imported)["budget_totals"]
    assert found["mismatched"] == 1 and found["examples"] == [budget.number]


@pytest.mark.django_db
def test_a_family_payment_whose_shares_do_not_add_up_is_named(imported):
    with scope(clinic=imported.clinic):
        share = Payment.objects.filter(split_of__isnull=False).first()
        Payment.objects.filter(pk=share.pk).update(amount=share.amount + 1)
    found = checks(imported)["payment_splits"]
    assert found["mismatched"] == 1 and found["examples"] == [f"payment #{share.split_of_id}"]


@pytest.mark.django_db
def test_a_mapping_whose_row_is_gone_is_named(imported):
    with scope(clinic=imported.clinic):
        recall = Recall.objects.order_by("pk").first()
        Recall.objects.filter(pk=recall.pk).delete()
    found = checks(imported)["mappings"]
    assert found["mismatched"] == 1 and found["examples"][0].startswith("recall ")


@pytest.mark.django_db
def test_a_run_whose_budget_totals_come_out_wrong_completes_with_problems(
    tmp_path, clinic, monkeypatch
):
    monkeypatch.setattr(BudgetLineMapper, "finish", lambda self, ctx: None)  # totals never set
    path = generate_sample(tmp_path / "s.dpm", patients=25, seed=11, layer="raw").path
    job = services.create_job(clinic=clinic, path=path)
    with services.open_job_file(job=job) as container:
        services.validate_job(job=job, container=container)
        services.run_job(job=job, container=container)
    job = ImportJob.objects.get(pk=job.pk)
    assert job.status == "problems"
    assert job.reconciliation["derived"]["budget_totals"]["mismatched"] > 0
