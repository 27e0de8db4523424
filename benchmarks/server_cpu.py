"""CPU time a local PostgreSQL server's backends spend on one database while a step runs.

One connection is served by one backend process, one statement at a time: however well the
importing process overlapped its own work with the server's, an import cannot take less wall
time than its backends' CPU. Sampled from /proc (the server must run on this machine, as the
benchmark's throw-away server does), every SAMPLE_S while the step runs: a backend's last
SAMPLE_S before it exits may be missed, so the figure is a floor.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SAMPLE_S = 0.05
TICK = os.sysconf("SC_CLK_TCK")


def postmaster_pid(url: str) -> int | None:
    """The server's main process, from its data directory; None when it is not readable here."""
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            data = conn.execute("SHOW data_directory").fetchone()[0]
        return int((Path(data) / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError, psycopg.Error):
        return None


def cpu_ticks(pid: int) -> int:
    """User + system clock ticks of a live process (fields 14 and 15 of /proc/PID/stat)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rfind(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def backends_of(postmaster: int, database: str) -> list[int]:
    """The server's child processes serving `database`.

    A backend's title is "postgres: USER DATABASE HOST(PORT) STATE": the database is its
    third word (a database may well be named like a state, "idle").
    """
    children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
    found = []
    for child in children:
        try:
            title = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").split()
        except OSError:
            continue  # exited since the list was read
        if len(title) > 3 and title[0] == b"postgres:" and title[2] == database.encode():
            found.append(int(child))
    return found


class BackendCpu:
    """CPU seconds of the backends of the database `url` names, while `sampling()` runs."""

    def __init__(self, url: str):
        self.database = url.rsplit("/", 1)[1]
        self.postmaster = postmaster_pid(url)
        self.ticks: dict[int, int] = {}

    @property
    def seconds(self) -> float | None:
        if self.postmaster is None:
            return None
        return sum(self.ticks.values()) / TICK

    def sample(self) -> None:
        for pid in backends_of(self.postmaster, self.database):
            try:
                self.ticks[pid] = cpu_ticks(pid)
            except OSError:
                pass  # exited between the list and its stat: its last sample stays

    @contextmanager
    def sampling(self) -> Iterator[BackendCpu]:
        if self.postmaster is None:
            yield self
            return
        # Backends still open from before the step (none, in the benchmark) do not count.
        before = set(backends_of(self.postmaster, self.database))
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(SAMPLE_S):
                self.sample()

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()
            for pid in before:
                self.ticks.pop(pid, None)
