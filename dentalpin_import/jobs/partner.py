"""A second writing process for the largest types of a first import.

On SQLite one connection writes at a time, but a chunk spends most of its time
reading, mapping and preparing values, none of which needs the write lock. For
a type split here, this process imports the rows up to a middle key while the
partner (`partner_main`) imports the rest; each commits chunk by chunk, so one
maps while the other inserts (figures in docs/performance.md). Only mappers
marked `splittable` are split: their rows do not depend on other rows of their
type written in the same pass, and what `finish()` needs from the run is in
their `shared_state`, handed back here.

If the partner fails in any way, this process imports the rest of the type
itself, looking up what the partner already committed: the run does not fail.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection

from dentalpin_import.frames import frame_bytes, read_tuple, readable
from dentalpin_import.jobs.counts import TypeCounts
from dentalpin_import.jobs.typing_process import PROJECT_ROOT
from dentalpin_import.reader.container import Container

log = logging.getLogger(__name__)
# The settings the partner must share with this process whatever its environment says:
# the keys the clinical text is encrypted with, and the run's memory bounds.
SHARED_SETTINGS = (
    "SECRET_KEY",
    "CLINICAL_ENCRYPTION_KEYS",
    "DPMF_ID_CACHE_SIZE",
    "DPMF_SQLITE_CACHE_MIB",
)


@dataclass
class PartnerOutcome:
    """What the partner did with its half of a type."""

    counts: TypeCounts = field(default_factory=TypeCounts)
    warnings: int = 0
    deferred: list[str] = field(default_factory=list)
    state: dict = field(default_factory=dict)
    failed: str | None = None  # why the partner stopped before the end of its half
    cancelled: bool = False


def can_share(job, container) -> str | None:
    """None when a partner can write for this run, else why not."""
    if not settings.DPMF_PARTNER_WRITER:
        return "switched off (DPMF_PARTNER_WRITER)"
    if job.dry_run or connection.in_atomic_block:
        return "the run is one transaction: another process could not see its rows"
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return "an in-memory database cannot be shared"
    if not isinstance(container, Container):
        return "not a DPMF file"
    if os.name != "posix" or not Path(sys.executable).name.startswith("python"):
        return "no Python interpreter to start it with"
    return None


class Partner:
    """The partner process of one run, started on demand and stopped with `close()`."""

    # What follows the interpreter on the partner's command line.
    command: tuple[str, ...] = ("-m", "dentalpin_import.jobs.partner_main")

    def __init__(self, job, container, chunk_size: int):
        self.job = job
        self.container = container
        self.chunk_size = chunk_size
        self.proc: subprocess.Popen | None = None
        self.broken: str | None = None
        self.seen: dict[str, TypeCounts] = {}  # its counts per type, as last reported
        self.pending = None  # an outcome frame read while looking for progress

    def start(self) -> bool:
        if self.proc is not None or self.broken:
            return self.proc is not None
        container = self.container
        hello = {
            # Not settings.SETTINGS_MODULE: overridden settings (tests) hide it.
            "settings_module": os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE,
            "database": str(connection.settings_dict["NAME"]),
            "settings": {name: getattr(settings, name) for name in SHARED_SETTINGS},
            "job": str(self.job.pk),
            "path": str(container.path),
            "sqlite_path": str(container.sqlite_path),
            "layering": str(container.layering),
            "private": container.sqlite_path != container.path,
            "chunk_size": self.chunk_size,
        }
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
        )
        try:
            self.proc = subprocess.Popen(
                [sys.executable, *self.command],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                bufsize=0,
                env=env,
                cwd=PROJECT_ROOT,
            )
            self.proc.stdin.write(frame_bytes(hello))
        except OSError as exc:
            self._give_up(f"could not start it: {exc}")
            return False
        return True

    def begin(self, request: tuple) -> bool:
        """Hand the partner ("first", type, after) or ("final", type, None); False if it cannot.

        "first" imports the type's rows after the key `after`; "final" runs the final
        pass over the rows the partner deferred in its "first".
        """
        if not self.start():
            return False
        try:
            self.proc.stdin.write(frame_bytes(request))
        except OSError as exc:
            self._give_up(f"it did not take {request[0]} {request[1]}: {exc}")
            return False
        self.seen[request[1]] = TypeCounts()
        return True

    def progress(self, entity_type: str) -> TypeCounts:
        """The partner's counts for the type so far, without waiting."""
        while self.pending is None and self.proc and readable(self.proc.stdout.fileno()):
            frame = self._frame()
            if frame is not None and frame[0] != "progress":
                self.pending = frame  # the type's outcome: `outcome()` takes it
        return self.seen.get(entity_type, TypeCounts())

    def outcome(self, entity_type: str) -> PartnerOutcome:
        """Wait for the partner to finish its half of the type."""
        while True:
            frame, self.pending = self.pending, None
            if frame is None:
                frame = self._frame()
            if frame is None:
                return PartnerOutcome(failed=self.broken or "it stopped")
            kind = frame[0]
            if kind == "progress":
                continue
            if frame[1] != entity_type:
                self._give_up(f"it answered for {frame[1]} while {entity_type} ran")
                continue
            if kind == "done":
                _, _, counts, warnings, deferred, state = frame
                return PartnerOutcome(TypeCounts.from_dict(counts), warnings, deferred, state)
            if kind == "cancelled":
                return PartnerOutcome(cancelled=True)
            self._give_up(str(frame[2]))

    def _frame(self):
        """The partner's next frame (progress frames update `seen` on the way); None if gone."""
        if self.proc is None:
            return None
        try:
            frame = read_tuple(self.proc.stdout.fileno())
        except Exception as exc:  # a dead or confused partner: this process goes on alone
            self._give_up(f"{type(exc).__name__}: {exc}")
            return None
        if frame[0] == "progress":
            self.seen[frame[1]] = TypeCounts.from_dict(frame[2])
        return frame

    def _give_up(self, why: str) -> None:
        log.warning("the partner writer stopped (%s); this process imports the rest", why)
        self.broken = why
        # Killed, not asked to finish: the rest of its half is imported here at once.
        self.kill()

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()  # the partner ends when its input does
        except OSError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()

    def kill(self) -> None:
        """Stop the partner at once (the run was cancelled or failed)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        self.close()


def split_point(container, entity_type: str, rows: int) -> str | None:
    """The last key of the first half of the type's rows (by key order)."""
    return container.key_at(entity_type, (rows + 1) // 2 - 1)
