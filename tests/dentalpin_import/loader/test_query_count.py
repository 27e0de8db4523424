"""References are resolved per chunk, never with a query per row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from clinics.models import Payment
from dentalpin_import.models import ImportWarning
from tests import dpmf_builder as b
from tests.dentalpin_import.commands.helpers import run_import


def clinic_with(patients: int):
    rows = [b.professional(1)]
    for n in range(1, patients + 1):
        rows += [
            b.client(n),
            b.patient(n, client_sid=n),
            b.appointment(n, n, 1),
            b.payment(n, n, "10.00"),
            b.link(n, n, n),
            # Refunds: one naming its payment, one found by client and whole amount
            # (it exceeds what is left, so it becomes a warning).
            b.payment(f"r{n}", n, "-1.00", related_payment_uuid=b.uid("payment", n)),
            b.payment(f"s{n}", n, "-10.00"),
        ]
    return rows


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_rows_of_a_chunk(
    tmp_path, clinic, other_clinic
):
    small = b.build(tmp_path, clinic_with(5), name="small")
    large = b.build(tmp_path, clinic_with(120), name="large")
    with CaptureQueriesContext(connection) as few:
        assert run_import(small, clinic.slug)[0] == 0
    with CaptureQueriesContext(connection) as many:
        assert run_import(large, other_clinic.slug)[0] == 0
    assert len(many.captured_queries) == len(few.captured_queries)
    with scopes_disabled():
        refunds = Payment.objects.filter(clinic=other_clinic, is_refund=True)
        assert refunds.count() == 120
        assert (
            ImportWarning.objects.filter(clinic=other_clinic, code="payment.refund_exceeds").count()
            == 120
        )


@pytest.mark.django_db
def test_chunks_with_warnings_do_not_each_update_the_job_row(
    tmp_path, clinic, settings, monkeypatch
):
    from dentalpin_import.jobs import services
    from dentalpin_import.loader import runner
    from dentalpin_import.sample.generator import generate_sample

    settings.DPMF_CHUNK_SIZE = 10
    monkeypatch.setattr(runner, "PROGRESS_EVERY_S", 3600)
    flushes = []  # the stores of a chunk's warnings
    store = runner.inserts.insert_instances

    def counted(objs):
        flushes.extend(objs[:1] if objs and isinstance(objs[0], ImportWarning) else [])
        store(objs)

    monkeypatch.setattr(runner.inserts, "insert_instances", counted)
    sample = generate_sample(tmp_path / "s.dpm", patients=30, seed=4, layer="raw")
    job = services.create_job(clinic=clinic, path=sample.path)
    with services.open_job_file(job=job) as container:
        services.validate_job(job=job, container=container)
        with CaptureQueriesContext(connection) as run:
            services.run_job(job=job, container=container)
    job.refresh_from_db()
    sql = [q["sql"] for q in run.captured_queries]
    saves = [s for s in sql if s.startswith('UPDATE "dentalpin_import_importjob" SET "counters"')]
    # Counted when a group commits and when a phase ends, not once per chunk that warned.
    assert len(saves) <= 2 * len(job.phase_log) + 2 < len(flushes)
    with scopes_disabled():
        assert job.warnings_count == ImportWarning.objects.filter(job=job).count() > 0
