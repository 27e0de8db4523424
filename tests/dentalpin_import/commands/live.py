"""Real processes for the crash and lock tests: `manage.py` commands and lock holders.

They run with the production settings module on this test's database (a file
for SQLite, the test database on PostgreSQL) and staging directory, as a
second terminal or a worker would; the tests that use them need
`django_db(transaction=True)` so both sides see each other's rows.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

from dentalpin_import.jobs import locks
from dentalpin_import.models import ImportJob
from tests.processes import Process, project_env, wait_until

# Chunks of 10 rows each committed alone: an import of a few hundred patients lasts
# long enough to be caught part-way, and the test's own writes find the database free.
SMALL_CHUNKS = {"DPMF_CHUNK_SIZE": "10", "DPMF_COMMIT_ROWS": "1"}

HOLD_LOCK = """
import sys, time, django
django.setup()
from dentalpin_import.jobs import liveness
from dentalpin_import.models import ImportJob
job = ImportJob.objects.select_related("clinic").get(pk=sys.argv[1])
with liveness.holding(job.clinic, job):
    print("holding", flush=True)
    while True:
        time.sleep(60)
"""

HOLD_WORK_FOLDER = """
import time, django
django.setup()
from dentalpin_import.jobs import workarea
with workarea.work_folder() as folder:
    (folder / "plain.sqlite3").write_bytes(b"decrypted" * 100)
    print("folder", folder, flush=True)
    while True:
        time.sleep(60)
"""


class LockHolder(Process):
    """A child that holds a clinic's import lock; killed, it returns once the lock is free.

    PostgreSQL lets go of a killed client's advisory lock when its backend notices the
    closed connection. On a loaded machine that can be after the test's next query, which
    would then still see the dead process's import as alive.
    """

    clinic_id: int

    def kill(self) -> None:
        super().kill()
        wait_until(
            lambda: locks.holder(self.clinic_id) is None,
            what="the database to let go of the killed process's clinic lock",
        )


class Started:
    """Processes a test started; every one is stopped when the test ends."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.processes: list[Process] = []

    def python(self, args: list[str], clinic_id: int | None = None, **overrides: str) -> Process:
        """A child process; one given `clinic_id` holds that clinic's lock (`LockHolder`)."""
        name = f"p{uuid.uuid4().hex[:6]}"
        kind = Process if clinic_id is None else LockHolder
        proc = kind(
            name,
            [sys.executable, *args],
            self.directory / f"{name}.log",
            env=project_env(self.directory, **overrides),
        )
        if clinic_id is not None:
            proc.clinic_id = clinic_id
        self.processes.append(proc)
        return proc

    def manage(self, *args: str, clinic_id: int | None = None, **overrides: str) -> Process:
        return self.python(["manage.py", *args], clinic_id, **overrides)

    def import_caught_mid_run(self, path, clinic) -> tuple[Process, ImportJob]:
        """`import_dpmf PATH --clinic` in another process, returned once it has committed rows."""
        proc = self.manage(
            "import_dpmf", str(path), "--clinic", clinic.slug, clinic_id=clinic.pk, **SMALL_CHUNKS
        )

        def mid_run():
            if not proc.alive():
                pytest.fail(f"the import ended before it was caught mid-run:\n{proc.output()}")
            job = ImportJob.objects.filter(clinic=clinic).order_by("-created_at").first()
            return job if job and job.status == "running" and job.processed_entities else None

        return proc, wait_until(mid_run, what="the import to be part-way through")

    def lock_holder(self, job: ImportJob) -> Process:
        """Another process holding `job`'s clinic lock for it, until it is killed."""
        proc = self.python(["-c", HOLD_LOCK, str(job.pk)], job.clinic_id)
        self.wait_for(proc, "holding")
        return proc

    def work_folder_holder(self) -> tuple[Process, Path]:
        """Another process holding a work folder with a plaintext file in it."""
        proc = self.python(["-c", HOLD_WORK_FOLDER])
        line = self.wait_for(proc, "folder ")
        return proc, Path(line.split("folder ", 1)[1].strip())

    @staticmethod
    def wait_for(proc: Process, marker: str) -> str:
        def said() -> str | None:
            if not proc.alive():
                pytest.fail(f"the helper process ended:\n{proc.output()}")
            lines = [line for line in proc.output().splitlines() if line.startswith(marker)]
            return lines[0] if lines else None

        return wait_until(said, what=f"the helper to say {marker!r}")

    def stop_all(self) -> None:
        for proc in self.processes:
            proc.stop()


def processes(tmp_path):
    """The `started` fixture: `pytest.fixture(processes, name="started")` where needed."""
    started = Started(tmp_path)
    yield started
    started.stop_all()
