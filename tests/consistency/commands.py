"""Run the real commands in other processes, on this test's database or on another one.

Each process starts in its own process group and the whole group is killed
when it is done with, so nothing it started outlives it.
"""

from __future__ import annotations

import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.processes import Process, project_env

PASSPHRASE = "frase-de-paso-de-la-prueba"
CLINIC_NAME = "Clínica de la prueba"
# Every process waits at most this long; far beyond any import here, it only keeps a
# hung process from hanging the suite (the test then fails, it never passes by time).
HANG_S = 600


@dataclass(frozen=True)
class Outcome:
    status: int  # the exit status, or minus the signal that ended the process
    output: str


@dataclass
class Commands:
    """Runs `manage.py` and helper modules with one database and one set of settings."""

    directory: Path
    database_url: str
    env_overrides: dict = field(default_factory=dict)
    count: int = 0

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict:
        return project_env(
            self.directory,
            DATABASE_URL=self.database_url,
            DPMF_STAGING_DIR=str(self.directory / "staging"),
            MEDIA_ROOT=str(self.directory / "media"),
            DPMF_PASSPHRASE=PASSPHRASE,
            **self.env_overrides,
        )

    def run(self, args: list[str]) -> Outcome:
        """Run `python ARGS...` from the project folder to its end; return status and output."""
        self.count += 1
        log = self.directory / f"process-{self.count}.log"
        proc = Process(f"p{self.count}", [sys.executable, *args], log, env=self.env())
        try:
            status = proc.popen.wait(timeout=HANG_S)
        finally:
            proc.signal(signal.SIGKILL)  # whatever the process left in its group
            proc.popen.wait()
        return Outcome(status, proc.output())

    def manage(self, *args: str) -> Outcome:
        return self.run(["manage.py", *args])

    def start(self, args: list[str]) -> Process:
        """Start `python ARGS...` and return it running; the caller stops it."""
        self.count += 1
        log = self.directory / f"process-{self.count}.log"
        return Process(f"p{self.count}", [sys.executable, *args], log, env=self.env())

    def must(self, *args: str) -> str:
        """`manage.py ARGS` must exit 0; return its output."""
        outcome = self.manage(*args)
        if outcome.status != 0:
            raise AssertionError(
                f"`manage.py {' '.join(args)}` exited {outcome.status}:\n{outcome.output[-4000:]}"
            )
        return outcome.output


def import_args(path: str, slug: str, *, encrypted: bool) -> list[str]:
    """The `import_dpmf` arguments every run of a scenario uses, the same each time."""
    args = [str(path), "--clinic", slug, "--import-verifactu"]
    if encrypted:
        args += ["--passphrase-env", "DPMF_PASSPHRASE"]
    return args
