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


@pytest.mark.django_db
def test_a_job_is_undone_only_through_undoing_and_nothing_else_moves_it_meanwhile(job):
    job.transition_to(JobStatus.FAILED)
    with pytest.raises(TransitionError, match="cannot go from failed to undone"):
        job.transition_to(JobStatus.UNDONE)
    job.transition_to(JobStatus.UNDOING)
    moves = (JobStatus.QUEUED, JobStatus.CANCELLED, JobStatus.RUNNING, JobStatus.FAILED)
    for elsewhere in (*moves, JobStatus.SUCCEEDED):
        with pytest.raises(TransitionError, match="cannot go from undoing to"):
            job.transition_to(elsewhere)  # no resume, cancel, run or failure meanwhile
    # Refused or stopped, it goes back to the status it had, and to no other.
    with pytest.raises(TransitionError):
        job.transition_to(JobStatus.SUCCEEDED, only_from=JobStatus.FAILED)
    job.transition_to(JobStatus.FAILED, only_from=JobStatus.UNDOING)
    assert ImportJob.objects.get(pk=job.pk).status == "failed"
    job.transition_to(JobStatus.UNDOING)
    assert not ImportJob.objects.get(pk=job.pk).is_finished  # the job page keeps polling
    job.transition_to(JobStatus.UNDONE)
    with pytest.raises(TransitionError):
        job.transition_to(JobStatus.UNDOING)
