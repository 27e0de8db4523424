"""The database the suite is not running on, made here and removed afterwards.

In the SQLite run of the suite that is a throw-away PostgreSQL cluster on a free
loopback port (initdb and pg_ctl from /usr/lib/postgresql/*/bin, as the
`postgres` user when we are root); in the PostgreSQL run, a SQLite file.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from tests.processes import free_port


def postgres_bin() -> Path:
    """The newest PostgreSQL's bin folder; without one, fail under CI (it installs one) or skip."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    reason = "no PostgreSQL binaries in /usr/lib/postgresql/*/bin: `apt-get install -y postgresql`"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(reason + " (.ci/run installs it)")
    pytest.skip(reason)


def as_postgres(command: list[str]) -> list[str]:
    """`command` run as the `postgres` user when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return command
    return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(command)]


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """Start a PostgreSQL cluster of our own on 127.0.0.1; yield its URL; stop and remove it."""
    bin_dir = postgres_bin()
    # Not under pytest's tmp_path: its parents are closed to the postgres user.
    home = Path(tempfile.mkdtemp(prefix="dentalpin-other-pg-"))
    data, sockets = home / "data", home / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
        shutil.chown(sockets, "postgres")
    port = free_port()
    started = False
    try:
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]
        run(as_postgres(initdb))
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off"
        log = str(home / "server.log")
        run(
            as_postgres(
                [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", log, "-w", "start"]
            )
        )
        started = True
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            stop = [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
            subprocess.run(as_postgres(stop), capture_output=True, check=False)
        shutil.rmtree(home, ignore_errors=True)


def run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"{command[0]} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )


@contextmanager
def sqlite_file() -> Iterator[str]:
    home = Path(tempfile.mkdtemp(prefix="dentalpin-other-sqlite-"))
    try:
        yield f"sqlite:///{home / 'other.sqlite3'}"
    finally:
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def other_database() -> Iterator[tuple[str, str]]:
    """Yield (vendor, URL) of an empty database of the kind this run is not on."""
    if connection.vendor == "sqlite":
        with postgres_cluster() as url:
            yield "postgresql", url
    else:
        with sqlite_file() as url:
            yield "sqlite", url
