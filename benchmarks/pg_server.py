"""A throw-away PostgreSQL server on loopback for the benchmarks, removed when they end.

Debian's `initdb` and `pg_ctl` (the newest /usr/lib/postgresql/*/bin, else the ones on PATH) make
a cluster in a new temporary directory that also holds its unix socket; the server listens on
127.0.0.1 only, on a free port, with stock settings otherwise, so its speed is a plain
installation's. As root both run as the `postgres` user (initdb refuses root), as `.ci/run` does.
"""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

INSTALL_HINT = "install PostgreSQL (`apt-get install -y postgresql`) or set DATABASE_URL"


class PostgresUnavailable(Exception):
    """No server could be started here; the message says why and what to do."""


def postgres_bin() -> Path | None:
    """The folder of the newest `initdb` found, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _version(initdb: str) -> tuple[int, ...]:
    version = Path(initdb).parent.parent.name
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(command: list[str]) -> list[str]:
    """`command` as the `postgres` user (`su postgres -c`) when we are root, else as it is."""
    if os.geteuid() != 0:
        return command
    return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(command)]


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(as_postgres(command), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()[-2000:]
        raise PostgresUnavailable(f"{what} exited {done.returncode}:\n{output}")


@contextmanager
def postgres_server(prefix: str = "dentalpin-bench-pg-") -> Iterator[str]:
    """Start a new cluster; yield the URL of its `postgres` database; stop and remove it.

    Raises PostgresUnavailable when there is no `initdb`, no `postgres` user to run it as root,
    or the server does not start. The server is stopped (`-m immediate`) and its directory
    removed on every way out, a failed start or an interrupted benchmark included.
    """
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise PostgresUnavailable(
            f"no initdb in /usr/lib/postgresql/*/bin or on PATH: {INSTALL_HINT}"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise PostgresUnavailable(
                f"running as root and there is no `postgres` user: {INSTALL_HINT}"
            )
    # In the system's temporary directory: the postgres user must reach it.
    home = Path(tempfile.mkdtemp(prefix=prefix))
    data, sockets = home / "data", home / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        for path in (home, sockets):
            shutil.chown(path, "postgres")
    pg_ctl = str(bin_dir / "pg_ctl")
    try:
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]
        _run([*initdb, "-E", "UTF8"], "initdb")  # UTF8 whatever the locale: Django needs it
        port = free_port()
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets}"
        log = str(home / "server.log")
        try:
            _run([pg_ctl, "-D", str(data), "-o", options, "-l", log, "-w", "start"], "pg_ctl start")
        except PostgresUnavailable as error:
            tail = Path(log).read_text(errors="replace")[-2000:] if Path(log).exists() else ""
            raise PostgresUnavailable(f"{error}\nserver log:\n{tail}")
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            stop = [pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]
            subprocess.run(as_postgres(stop), capture_output=True, check=False)
        shutil.rmtree(home, ignore_errors=True)
