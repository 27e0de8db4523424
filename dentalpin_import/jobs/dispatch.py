"""The one place that knows where a job runs: a Celery worker, or a thread in this process."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import connections, transaction

from dentalpin_import.models import ImportJob, JobStatus

log = logging.getLogger(__name__)
_threads: list[threading.Thread] = []


def enqueue(job: ImportJob) -> None:
    """Queue `job`, to start after commit; TransitionError if it is already queued or running."""
    job.transition_to(JobStatus.QUEUED)
    job_id = str(job.pk)
    transaction.on_commit(lambda: _start(job_id))


def _start(job_id: str) -> None:
    if settings.CELERY_BROKER_URL:
        from dentalpin_import import tasks

        tasks.run_import_job.delay(job_id)  # the id only: never a passphrase or a path
        return
    thread = threading.Thread(
        target=_run_here, args=(job_id,), name=f"import-{job_id}", daemon=True
    )
    _threads.append(thread)
    thread.start()


def _run_here(job_id: str) -> None:
    from dentalpin_import import tasks

    try:
        tasks.execute(job_id)
    except Exception:
        log.exception("import job %s failed", job_id)
    finally:
        connections.close_all()


def wait_for_background_jobs(timeout: float = 60.0) -> None:
    """Wait for in-process runs to finish (tests, and a graceful shutdown)."""
    for thread in list(_threads):
        thread.join(timeout)
        if not thread.is_alive():
            _threads.remove(thread)
