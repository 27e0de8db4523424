"""The one place that knows where a job runs: a Celery worker, or a thread in this process.

Tasks are found by their registered name in the Celery app, so nothing here
imports `dentalpin_import.tasks` (which imports the job layer that calls this
module). Without a broker the same task object runs on a thread of this process.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import connections, transaction

from config.celery import app
from dentalpin_import.models import ImportJob, JobStatus

log = logging.getLogger(__name__)
RUN_TASK = "dentalpin_import.run_import_job"
VALIDATE_TASK = "dentalpin_import.validate_import_upload"
UNDO_TASK = "dentalpin_import.undo_import_job"
COUNT_UNDO_TASK = "dentalpin_import.count_undo_job"
_threads: list[threading.Thread] = []


def _task(name: str):
    """The registered task `name`; its module is discovered the way a worker discovers it."""
    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]


def enqueue(job: ImportJob) -> None:
    """Queue `job`, to start after commit; TransitionError if it is already queued or running."""
    job.transition_to(JobStatus.QUEUED)
    job_id = str(job.pk)
    transaction.on_commit(lambda: _start(job_id))


def _start(job_id: str) -> None:
    if settings.CELERY_BROKER_URL:
        _task(RUN_TASK).delay(job_id)  # the id only: never a passphrase or a path
        return
    _spawn(RUN_TASK, "import job %s failed", job_id)


def undo_later(job: ImportJob) -> None:
    """Run the undo asked for `job` (marked undoing) where runs go, after commit.

    By id only, as a run: what to undo and whether edited rows go too are on the job.
    """
    job_id = str(job.pk)
    if settings.CELERY_BROKER_URL:
        transaction.on_commit(lambda: _task(UNDO_TASK).delay(job_id))
        return
    # A crash is on the job page already (jobs.undo records it before raising).
    transaction.on_commit(lambda: _spawn(UNDO_TASK, "undoing import job %s failed", job_id))


def count_undo_later(job: ImportJob) -> None:
    """Count what undoing `job` would delete (for its undo page) where runs go, after commit."""
    job_id = str(job.pk)
    if settings.CELERY_BROKER_URL:
        transaction.on_commit(lambda: _task(COUNT_UNDO_TASK).delay(job_id))
        return
    failed = "counting the undo of import job %s failed"
    transaction.on_commit(lambda: _spawn(COUNT_UNDO_TASK, failed, job_id))


def validate_later(job: ImportJob, passphrase: str | None) -> None:
    """Validate a large upload in the background, after the current transaction commits.

    A file with no passphrase goes where runs go (Celery when a broker is set,
    else a thread). An encrypted file is always validated on a thread of THIS
    web process, even when Celery is configured: the passphrase would otherwise
    have to travel through the broker, which stores task arguments in clear.
    It stays a local variable of the thread and is gone when validation ends
    (docs/security.md).
    """
    job_id = str(job.pk)
    if passphrase is None and settings.CELERY_BROKER_URL:
        transaction.on_commit(lambda: _task(VALIDATE_TASK).delay(job_id))
        return
    failed = "validating the upload of import job %s failed"
    transaction.on_commit(lambda: _spawn(VALIDATE_TASK, failed, job_id, passphrase))


def _spawn(name: str, failed: str, job_id: str, *args) -> None:
    """Run task `name` on a thread of this process; `failed` is what the log says on a crash."""
    thread = threading.Thread(
        target=_here, args=(name, failed, job_id, *args), name=f"import-{job_id}", daemon=True
    )
    _threads.append(thread)
    thread.start()


def _here(name: str, failed: str, job_id: str, *args) -> None:
    try:
        _task(name)(job_id, *args)
    except Exception:
        log.exception(failed, job_id)
    finally:
        connections.close_all()


def wait_for_background_jobs(timeout: float = 60.0) -> None:
    """Wait for in-process runs to finish (tests, and a graceful shutdown)."""
    for thread in list(_threads):
        thread.join(timeout)
        if not thread.is_alive():
            _threads.remove(thread)
