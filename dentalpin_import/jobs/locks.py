"""The per-clinic import lock: held by the process that imports, gone the moment it dies.

PostgreSQL: a session-level advisory lock, taken on a connection of its own so
the import's transactions and commits never touch it; the server frees it when
the session ends (a killed process closes its socket; a machine that vanished
is noticed by the TCP keepalives this session asks for). Anyone connected to
the same database sees it in `pg_locks`.

SQLite: `flock` on a file per clinic in a folder next to the database file
(`<database>.locks/`, or `DPMF_STAGING_DIR/locks/` for a database that is not a
plain file); the kernel frees it when the holder's process ends. SQLite's
file sits on one machine, so every process that can use it can see the lock.

The holder writes the id of the job it runs into the lock (the file's content,
the session's `application_name`), so others can tell which job is alive.
A lock is re-entrant within one thread: a command that holds it while it
validates a file may call `run_job`, which asks for it again.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections

from dentalpin_import.loader import sql_postgres

log = logging.getLogger(__name__)
ALIAS = "default"
APP_NAME = "dentalpin_import job "  # + job id: how a PostgreSQL holder names its job
UNBOUND = ""  # held, by a process that has not said for which job yet
# A probe takes the shared lock for an instant (flock cannot test without taking);
# a starter that meets one tries again this many times, this far apart.
ACQUIRE_TRIES, ACQUIRE_PAUSE_S = 20, 0.05
# How often a long import checks that its PostgreSQL lock session is still there.
CHECK_EVERY_S = 15.0


class LockLost(Exception):
    """The session holding a clinic's lock ended while the import was still running."""


@dataclass
class Held:
    """A lock this thread holds: which clinic, for which job, and how it is held."""

    clinic_id: int
    handle: object
    backend: object
    job_id: str = UNBOUND
    depth: int = 1
    checked_at: float = 0.0

    def bind(self, job_id) -> None:
        """Record which job this lock is held for, where other processes can read it."""
        if str(job_id) != self.job_id:
            self.backend.bind(self.handle, str(job_id))
            self.job_id = str(job_id)


_local = threading.local()


def _held() -> dict[int, Held]:
    if not hasattr(_local, "locks"):
        _local.locks = {}
    return _local.locks


def held_here(clinic_id: int) -> Held | None:
    """The lock of `clinic_id` if this thread holds it."""
    return _held().get(clinic_id)


def acquire(clinic_id: int) -> Held | None:
    """Take the clinic's lock for this thread (again if it has it); None if another holds it."""
    held = _held().get(clinic_id)
    if held is not None:
        held.depth += 1
        return held
    backend = current()
    handle = backend.acquire(clinic_id)
    if handle is None:
        return None
    held = Held(clinic_id, handle, backend, checked_at=time.monotonic())
    _held()[clinic_id] = held
    return held


def release(held: Held) -> None:
    """Give back one hold; the lock itself goes with the outermost one."""
    held.depth -= 1
    if held.depth > 0:
        return
    _held().pop(held.clinic_id, None)
    held.backend.release(held.handle)


def holder(clinic_id: int) -> str | None:
    """Who holds the clinic's lock: a job id, UNBOUND (not said yet), or None (nobody)."""
    return current().holder(clinic_id)


def visible() -> bool:
    """Whether this database's locks can be seen at all (else heartbeats decide)."""
    return current().visible


def check(clinic_id: int) -> None:
    """Raise LockLost when this thread's lock of `clinic_id` is no longer held.

    Cheap: it asks the database at most every CHECK_EVERY_S, and a flock
    cannot be lost. A thread that holds no lock for the clinic has nothing to check.
    """
    held = _held().get(clinic_id)
    if held is None or time.monotonic() - held.checked_at < CHECK_EVERY_S:
        return
    held.checked_at = time.monotonic()
    if not held.backend.still_held(held.handle):
        raise LockLost(f"the lock of clinic {clinic_id} was lost")


def current():
    vendor = connections[ALIAS].vendor
    if vendor == "postgresql":
        return POSTGRES
    if vendor == "sqlite":
        return SQLITE
    return NO_LOCKS


# --- PostgreSQL ---------------------------------------------------------------------


def advisory_key(clinic_id: int) -> int:
    """A signed 64-bit advisory lock key for the clinic, unlikely to meet another app's."""
    digest = hashlib.sha256(f"dentalpin_import.clinic:{clinic_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


# Settings of the lock's own session: the server notices a vanished client
# within about a minute, and never ends the session for being idle. Each is
# tried alone: an older server or a Unix socket may not know one.
SESSION_SETTINGS = (
    "SET tcp_keepalives_idle = 30",
    "SET tcp_keepalives_interval = 10",
    "SET tcp_keepalives_count = 3",
    "SET idle_session_timeout = 0",
)


class _Postgres:
    visible = True

    def acquire(self, clinic_id: int):
        key = advisory_key(clinic_id)
        conn = sql_postgres.lock_session(ALIAS, SESSION_SETTINGS, APP_NAME, key)
        return None if conn is None else (conn, clinic_id)

    def bind(self, handle, job_id: str) -> None:
        conn, _ = handle
        sql_postgres.name_session(conn, APP_NAME + job_id)

    def release(self, handle) -> None:
        conn, clinic_id = handle
        try:
            sql_postgres.unlock(conn, advisory_key(clinic_id))
        except DatabaseError:  # the session is gone: so is the lock
            log.warning("could not release the import lock of clinic %s", clinic_id)
        finally:
            conn.close()

    def still_held(self, handle) -> bool:
        conn, _ = handle
        try:
            sql_postgres.ping(conn)
            return True
        except DatabaseError:
            return False

    def holder(self, clinic_id: int) -> str | None:
        name = sql_postgres.lock_holder_name(ALIAS, advisory_key(clinic_id))
        if name is None:
            return None
        return name.removeprefix(APP_NAME) if name.startswith(APP_NAME) else UNBOUND


# --- SQLite -------------------------------------------------------------------------


def lock_dir() -> Path:
    """Where the clinics' lock files are: next to the SQLite file, else in the staging area."""
    name = str(connections[ALIAS].settings_dict["NAME"])
    if name and name != ":memory:" and not name.startswith("file:") and "mode=memory" not in name:
        path = Path(name).resolve()
        return path.with_name(path.name + ".locks")
    return Path(settings.DPMF_STAGING_DIR) / "locks"


def lock_file(clinic_id: int) -> Path:
    return lock_dir() / f"clinic-{int(clinic_id)}.lock"


class _Sqlite:
    visible = True

    def acquire(self, clinic_id: int):
        path = lock_file(clinic_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Group-writable: the web server, the workers and a command may run as different
        # users of one group, as they must to share the database file itself.
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o660)
        for attempt in range(ACQUIRE_TRIES):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if attempt + 1 < ACQUIRE_TRIES:
                    time.sleep(ACQUIRE_PAUSE_S)
                continue
            os.ftruncate(fd, 0)
            return fd
        os.close(fd)
        return None

    def bind(self, fd: int, job_id: str) -> None:
        os.ftruncate(fd, 0)
        os.pwrite(fd, job_id.encode(), 0)

    def release(self, fd: int) -> None:
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the last descriptor frees the flock

    def still_held(self, fd: int) -> bool:
        return True

    def holder(self, clinic_id: int) -> str | None:
        try:
            return self._probe(lock_file(clinic_id))
        except FileNotFoundError:
            return None
        except OSError:
            log.warning("cannot read the import lock of clinic %s", clinic_id, exc_info=True)
            return UNBOUND  # unseen is not free: nobody is declared dead on it

    @staticmethod
    def _probe(path: Path) -> str | None:
        fd = os.open(path, os.O_RDONLY)
        try:
            try:
                # Shared: two probes never take each other for a holder.
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            return None
        finally:
            os.close(fd)


class _NoLocks:
    """Another database: no lock to see; liveness falls back on heartbeats."""

    visible = False

    def acquire(self, clinic_id: int):
        return clinic_id

    def bind(self, handle, job_id: str) -> None:
        pass

    def release(self, handle) -> None:
        pass

    def still_held(self, handle) -> bool:
        return True

    def holder(self, clinic_id: int) -> str | None:
        return None


POSTGRES, SQLITE, NO_LOCKS = _Postgres(), _Sqlite(), _NoLocks()
