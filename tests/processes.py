"""Real local services for integration tests: redis-server, Celery workers, loopback ports.

Every process starts in its own session (process group) and is stopped with
its whole group, so a worker's children never outlive the test.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

REDIS_SERVER = "/usr/bin/redis-server"
CHROMIUM = "/usr/bin/chromium"


def require_binary(path: str, package: str) -> str:
    """Return `path`; without it fail under CI (which must install it), else skip."""
    if os.path.exists(path) or shutil.which(path):
        return path
    reason = f"{path} is missing: `apt-get install -y {package}` (.ci/run installs it)"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], object], *, what: str, timeout: float = 60.0):
    """Poll `predicate` until it returns something truthy; fail the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


class Process:
    """A child process in its own process group, logging to a file."""

    def __init__(self, name: str, args: list[str], log: Path, env: dict | None = None):
        self.name = name
        self.log = log
        with open(log, "wb") as out:
            self.popen = subprocess.Popen(
                args,
                cwd=settings.BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal(self, signum: int) -> None:
        """Send `signum` to the whole group (a prefork worker's children too)."""
        try:
            os.killpg(self.popen.pid, signum)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        """Die at once, as a machine losing power would: no cleanup, no acknowledgements."""
        self.signal(signal.SIGKILL)
        self.popen.wait(timeout=30)

    def stop(self) -> None:
        """Stop politely, then by force; safe to call on a process already gone."""
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.popen.wait(timeout=15)
        self.signal(signal.SIGKILL)  # any grandchild left in the group


def start_redis(directory: Path) -> tuple[Process, str]:
    """Start a throw-away redis-server on a free loopback port; return it and its URL."""
    binary = require_binary(REDIS_SERVER, "redis-server")
    port = free_port()
    proc = Process(
        "redis",
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        directory / "redis.log",
    )
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    def answers() -> bool:
        if not proc.alive():
            pytest.fail(f"redis-server exited:\n{proc.output()}")
        try:
            return redis.Redis.from_url(url, socket_timeout=1).ping()
        except redis.ConnectionError:
            return False

    try:
        wait_until(answers, what="redis-server to answer PING", timeout=30)
    except BaseException:
        proc.stop()
        raise
    return proc, url


def shared_database_url() -> str:
    """The URL of the database this test runs on, for another process to use."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            pytest.fail("another process cannot share an in-memory SQLite database")
        return f"sqlite:///{Path(name).resolve()}"
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(db['NAME'], safe='')}"


def project_env(directory: Path, **overrides: str) -> dict:
    """The environment of a process of this project that shares this test's database and keys.

    It runs with the production settings module, as a deployed process does;
    `overrides` replace any value (another database, another staging folder).
    """
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DENTALPIN_DEV="1",  # the suite's keys are given below; the rest as in development
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DPMF_REWRAP_KEY=settings.DPMF_REWRAP_KEY,
        CLINICAL_ENCRYPTION_KEYS=",".join(settings.CLINICAL_ENCRYPTION_KEYS),
        DPMF_STAGING_DIR=str(settings.DPMF_STAGING_DIR),
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        DENTALPIN_VAR_DIR=str(directory),
        PYTHONUNBUFFERED="1",
    )
    if "DATABASE_URL" not in overrides:
        env["DATABASE_URL"] = shared_database_url()
    env.update(overrides)
    return env


def start_celery_worker(directory: Path, broker_url: str, **env_overrides: str) -> Process:
    """Start a real `celery -A config worker` (solo pool) on this test's database.

    It runs with the production settings module, as a deployed worker does, and
    shares the test's database, staging directory and keys; it returns once the
    worker says it is ready to take tasks.
    """
    name = f"w{uuid.uuid4().hex[:8]}"
    env = project_env(directory, CELERY_BROKER_URL=broker_url, **env_overrides)
    celery = str(Path(sys.executable).parent / "celery")
    proc = Process(
        name,
        [
            celery,
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--hostname",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        directory / f"celery-{name}.log",
        env=env,
    )

    def ready() -> bool:
        if not proc.alive():
            pytest.fail(f"the Celery worker exited:\n{proc.output()}")
        return " ready." in proc.output()

    try:
        wait_until(ready, what="the Celery worker to be ready", timeout=90)
    except BaseException:
        proc.stop()
        raise
    return proc
