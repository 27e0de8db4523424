"""Background runs on a real Celery worker and a real redis-server, both on loopback.

The worker is another process with the production settings module; it shares
this test's database (a file for SQLite, the test database on PostgreSQL) and
staging directory, and reads the re-wrapped upload without any passphrase.
"""

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import override_settings
from django_scopes import scope, scopes_disabled

from clinics.models import Invoice, Patient, Payment
from config.celery import app as celery_app
from dentalpin_import import tasks
from dentalpin_import.jobs import liveness, services
from dentalpin_import.models import EntityMapping, TransitionError
from dentalpin_import.sample.generator import generate_sample
from tests import dpmf_builder as b
from tests.processes import start_celery_worker, start_redis, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PASSPHRASE = "frase-de-paso-del-worker"
# Big enough (with tiny chunks) that a run lasts a few seconds, so it can be caught mid-way.
BIG_PATIENTS = 600
# Small chunks, each committed alone: the run lasts long enough to be caught part-way, and
# this test's own writes (a second start, a cancel) find the write lock free between chunks
# instead of waiting behind a commit group for most of the run.
SMALL_CHUNKS = {"DPMF_CHUNK_SIZE": "10", "DPMF_COMMIT_ROWS": "1"}


@pytest.fixture
def broker(tmp_path):
    """A redis-server of this test's own, with the web side's dispatch pointed at it."""
    from kombu import pools

    redis_proc, url = start_redis(tmp_path)
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.broker_url = url
    celery_app.conf.task_always_eager = False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        with override_settings(CELERY_BROKER_URL=url):
            yield url
    finally:
        pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
        redis_proc.stop()


@pytest.fixture
def workers(tmp_path, broker):
    """Start Celery workers on demand; every one is stopped when the test ends."""
    started = []

    def start(**env):
        worker = start_celery_worker(tmp_path, broker, **env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def validated_upload(clinic, source):
    """Stage `source` as the wizard does and validate it with the passphrase (re-wrapped)."""
    source = Path(source)
    staged = source.parent / f"upload-{source.name}"
    shutil.copy(source, staged)
    job = services.create_job(clinic=clinic, path=staged, original_name=source.name)
    services.validate_upload(job=job, passphrase=PASSPHRASE)
    assert job.status == "validated" and job.options["rewrapped"], job.error
    return job


def big_sample(tmp_path):
    return generate_sample(
        tmp_path / "big.dpm.zst.enc",
        patients=BIG_PATIENTS,
        seed=11,
        layer="zstd-enc",
        passphrase=PASSPHRASE,
        binaries=False,
    )


def status_of(job) -> str:
    job.refresh_from_db()
    return job.status


def mid_run(job):
    """True once the worker has committed some rows and is still running."""
    job.refresh_from_db()
    if job.status not in ("queued", "running"):
        pytest.fail(f"the job ended ({job.status}) before it could be caught mid-run")
    return job.status == "running" and job.processed_entities > 0


def finished(job):
    return status_of(job) in ("succeeded", "problems", "failed", "interrupted", "cancelled")


def assert_money_matches_the_file(clinic, expected):
    """Each receipt, refund and invoice once: the totals equal the file's to the cent."""

    def total(queryset, field):
        # Summed here: SQLite's SUM over decimals works in floating point.
        return sum(queryset.values_list(field, flat=True), Decimal(0))

    with scope(clinic=clinic):
        assert total(Payment.objects.filter(is_refund=False), "amount") == expected.payments_total
        assert total(Payment.objects.filter(is_refund=True), "amount") == expected.refunds_total
        assert total(Invoice.objects.all(), "total") == expected.invoices_total


def test_a_job_started_from_the_web_runs_on_the_worker_and_fills_the_clinic(
    workers, clinic, tmp_path
):
    worker = workers()
    source = b.small_clinic(tmp_path, layer="zstd-enc", passphrase=PASSPHRASE)
    job = validated_upload(clinic, source)
    services.start_job(job=job)
    wait_until(lambda: finished(job), what="the worker to finish the job")
    assert job.status == "succeeded", job.error
    assert "Task dentalpin_import.run_import_job[" in worker.output()
    with scope(clinic=clinic):
        names = sorted(Patient.objects.values_list("given_name", flat=True))
    assert names == ["José", "Paciente1", "Sin nombre"]
    report = services.report(job)
    assert report["entities"]["patient"]["created"] == 3
    assert report["entities"]["appointment"]["created"] == 2
    assert job.heartbeat_at is not None and job.processed_entities == job.total_entities


def test_a_killed_worker_leaves_an_interrupted_job_that_resume_finishes_without_duplicates(
    workers, clinic, tmp_path, settings
):
    sample = big_sample(tmp_path)
    job = validated_upload(clinic, sample.path)
    first = workers(**SMALL_CHUNKS)
    services.start_job(job=job)
    wait_until(lambda: mid_run(job), what="the worker to be part-way through the job")
    assert services.mark_stale_jobs_interrupted() == 0  # the live worker holds the clinic's lock
    first.kill()
    assert status_of(job) == "running"  # nobody told the database

    # The lock died with the worker: the next look sees it, no heartbeat timeout needed.
    assert services.mark_stale_jobs_interrupted() == 1
    job.refresh_from_db()
    assert job.status == "interrupted" and job.error == liveness.MSG_STOPPED
    assert job.processed_entities < job.total_entities

    workers(**SMALL_CHUNKS)
    services.resume_job(job=job)
    wait_until(lambda: finished(job), what="the resumed job to finish", timeout=180)
    assert job.status == "succeeded", job.error
    with scope(clinic=clinic):
        assert Patient.objects.count() == BIG_PATIENTS
    assert_money_matches_the_file(clinic, sample.expected)
    report = services.report(job)
    assert report["entities"]["patient"]["created"] == BIG_PATIENTS
    with scopes_disabled():
        patient_mappings = EntityMapping.objects.filter(clinic=clinic, entity_type="patient")
        assert patient_mappings.count() == BIG_PATIENTS


def test_a_second_execute_of_a_running_job_is_refused(workers, clinic, tmp_path):
    sample = big_sample(tmp_path)
    job = validated_upload(clinic, sample.path)
    pair = [workers(**SMALL_CHUNKS), workers(**SMALL_CHUNKS)]  # one runs it, one stays idle
    services.start_job(job=job)
    wait_until(lambda: mid_run(job), what="a worker to be part-way through the job")
    with pytest.raises(TransitionError, match="cannot go from running to queued"):
        services.start_job(job=job)
    duplicate = tasks.run_import_job.delay(str(job.pk))  # as a redelivered message would be
    # The idle worker takes the duplicate and ignores it: the job is not queued.
    refusal = f"job {job.pk} is running, not queued: task ignored"
    wait_until(lambda: any(refusal in w.output() for w in pair), what="the idle worker to refuse")
    done = f"run_import_job[{duplicate.id}] succeeded"
    wait_until(lambda: any(done in w.output() for w in pair), what="the duplicate to end quietly")
    wait_until(lambda: finished(job), what="the job to finish", timeout=180)
    assert job.status == "succeeded", job.error
    with scope(clinic=clinic):
        assert Patient.objects.count() == BIG_PATIENTS
    assert_money_matches_the_file(clinic, sample.expected)


def test_an_undo_asked_on_the_job_page_runs_on_the_worker(workers, clinic, staff_client, tmp_path):
    worker = workers()
    job = validated_upload(
        clinic, b.small_clinic(tmp_path, layer="zstd-enc", passphrase=PASSPHRASE)
    )
    services.start_job(job=job)
    wait_until(lambda: finished(job), what="the worker to finish the job")
    asked = staff_client.post(f"/import/jobs/{job.pk}/undo/", {"confirm": "yes"})
    assert asked.status_code == 302  # at once: the request only asked
    wait_until(lambda: status_of(job) == "undone", what="the worker to undo the job")
    assert "Task dentalpin_import.undo_import_job[" in worker.output()
    with scope(clinic=clinic):
        assert not Patient.objects.exists()
    assert "Undone: " in staff_client.get(asked.url).content.decode()
