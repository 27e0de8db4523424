"""Jobs move only along the allowed transitions; two workers cannot both start one."""

import pytest

from dentalpin_import.jobs import services
from dentalpin_import.models import ImportJob, JobStatus, TransitionError


@pytest.fixture
def job(clinic, tmp_path):
    path = tmp_path / "f.dpm"
    path.write_bytes(b"x")
    return services.create_job(clinic=clinic, path=path)


@pytest.mark.django_db
def test_a_job_cannot_skip_validation(job):
    with pytest.raises(TransitionError, match="cannot go from uploaded to running"):
        job.transition_to(JobStatus.RUNNING)
    assert ImportJob.objects.get(pk=job.pk).status == "uploaded"


@pytest.mark.django_db
def test_only_one_of_two_workers_starts_a_queued_job(job):
    job.transition_to(JobStatus.VALIDATED)
    job.transition_to(JobStatus.QUEUED)
    first = ImportJob.objects.get(pk=job.pk)
    second = ImportJob.objects.get(pk=job.pk)  # a second worker with a stale copy
    first.transition_to(JobStatus.RUNNING)
    with pytest.raises(TransitionError):
        second.transition_to(JobStatus.RUNNING)


@pytest.mark.django_db
def test_a_failed_job_may_run_again_but_a_cancelled_one_may_not(job):
    job.transition_to(JobStatus.FAILED)
    job.transition_to(JobStatus.QUEUED)
    job.transition_to(JobStatus.CANCELLED)
    with pytest.raises(TransitionError):
        job.transition_to(JobStatus.QUEUED)
