"""Cancelling a running import stops it part-way; what it wrote stays consistent."""

from collections import Counter

import pytest
from django_scopes import scope

from clinics.models import Invoice, Patient
from dentalpin_import.jobs import services
from dentalpin_import.loader import runner
from dentalpin_import.loader.runner import JobCancelled
from dentalpin_import.models import EntityMapping, ImportJob
from dentalpin_import.sample.generator import generate_sample


def cancelled_after_the_patients(tmp_path, clinic) -> ImportJob:
    """Import a 30-patient sample in chunks of 10, cancelled when level 2 ends."""
    sample = generate_sample(tmp_path / "s.dpm", patients=30, seed=4, layer="raw")
    job = services.create_job(clinic=clinic, path=sample.path)

    def cancel_after_the_patients(entry):
        # As the job page's cancel button would: from outside the running chunk.
        if entry["phase"].startswith("level 2"):
            services.cancel_job(job=ImportJob.objects.get(pk=job.pk))

    with services.open_job_file(job=job) as container:
        services.validate_job(job=job, container=container)
        with pytest.raises(JobCancelled):
            services.run_job(job=job, container=container, on_phase=cancel_after_the_patients)
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_a_job_cancelled_while_it_runs_stops_before_the_later_types(tmp_path, clinic, settings):
    settings.DPMF_CHUNK_SIZE = 10
    job = cancelled_after_the_patients(tmp_path, clinic)
    assert job.status == "cancelled"
    with scope(clinic=clinic):
        assert Patient.objects.exists()
        assert not Invoice.objects.exists()  # a later level never started
        # Every row written has its mapping: the chunks that ran are whole.
        assert EntityMapping.objects.filter(entity_type="patient").count() == (
            Patient.objects.count()
        )


@pytest.mark.django_db
def test_a_stopped_job_shows_the_counters_of_every_chunk_it_committed(
    tmp_path, clinic, settings, monkeypatch
):
    settings.DPMF_CHUNK_SIZE = 10
    settings.DPMF_COMMIT_ROWS = 1  # every chunk its own commit
    # Progress is then saved only at phase ends: the counters of the chunks
    # committed since would be lost with the refused save of a cancelled job.
    monkeypatch.setattr(runner, "PROGRESS_EVERY_S", 3600)
    job = cancelled_after_the_patients(tmp_path, clinic)
    with scope(clinic=clinic):
        mapped = Counter(
            EntityMapping.objects.filter(job=job).values_list("entity_type", flat=True)
        )
    created = {t: c["created"] for t, c in job.counters.items() if c["created"]}
    assert created == {t: n for t, n in mapped.items() if t in job.counters}
    assert created["work_calendar_day"] > 0  # a level after the cancel committed rows
    assert job.processed_entities == sum(
        sum(v for k, v in c.items() if k not in ("in_file", "linked"))
        for c in job.counters.values()
    )


@pytest.mark.django_db
def test_a_cancel_rolls_back_the_chunks_not_yet_committed_and_their_counters(
    tmp_path, clinic, settings, monkeypatch
):
    settings.DPMF_CHUNK_SIZE = 10
    # Chunks committed together: none of level 3 is committed before the cancel is seen.
    settings.DPMF_COMMIT_ROWS = 100_000
    settings.DPMF_COMMIT_SECONDS = 3600
    monkeypatch.setattr(runner, "PROGRESS_EVERY_S", 3600)
    job = cancelled_after_the_patients(tmp_path, clinic)
    with scope(clinic=clinic):
        mapped = Counter(
            EntityMapping.objects.filter(job=job).values_list("entity_type", flat=True)
        )
        assert Patient.objects.count() == mapped["patient"] == 30  # committed at its level's end
    assert not any(t.startswith("work_calendar") for t in mapped)
    created = {t: c["created"] for t, c in job.counters.items() if c["created"]}
    assert created == {t: n for t, n in mapped.items() if t in job.counters}
