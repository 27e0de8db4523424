"""A source that types its rows ahead in a helper process, read like the container itself.

`read_ahead(source, planned, chunk_size)` gives the source the runner reads:
the source itself, or, for a DPMF container with types worth typing ahead, a
`TypedAhead` around it. Both answer `chunks`, `key_chunks`, `final_chunks` and
every other reading method the same way; only where a chunk was typed differs.

`TypedAhead.chunks(entity_type)` yields a `TypedChunk` from the helper when it
has one ready, otherwise plain source rows read here (while the helper starts,
or if it falls behind); the helper's chunks this process already read are
dropped. If the helper fails in any way, the run does not: every later chunk is
read here. `final_chunks` does the same for a final pass: the rows the helper
held back as `Waiting` come typed after the type's end. The helper gets the
file's path and nothing secret (see `reader.typed_stream`).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from bisect import bisect_right
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import dentalpin_import
from dentalpin_import.reader.container import Container
from dentalpin_import.reader.frames import read_tuple, readable
from dentalpin_import.reader.typed_stream import unpack

try:
    import fcntl
except ImportError:  # not on this system: the pipe keeps its default size
    fcntl = None

log = logging.getLogger(__name__)
PROJECT_ROOT = Path(dentalpin_import.__file__).resolve().parent.parent
# Room for a few chunks in the pipe, so the helper keeps typing while this process writes.
PIPE_BYTES = 1 << 20


FRAME_KINDS = ("chunk", "end", "final", "final end")


class TypedChunk(list):
    """Typed records (or `typed_stream` markers) of consecutive rows of one type."""


class Planned(NamedTuple):
    """A type the helper types: its record class and, optionally, its mapper's `waits`."""

    entity_type: str
    record: type
    # A reader function: the rows it holds back arrive as `Waiting`, untyped.
    waits: Callable[[Any], bool] | None = None


def reader_waits(mapper_cls) -> Callable[[Any], bool] | None:
    """The mapper's `waits` if the helper can run it too: a module-level reader function."""
    waits = mapper_cls.waits
    module = getattr(waits, "__module__", "") or ""
    if module.startswith("dentalpin_import.reader.") and waits.__qualname__ == waits.__name__:
        return waits
    return None  # the helper types those rows and map() defers them


@contextmanager
def read_ahead(source, planned: list[Planned], chunk_size: int):
    """The source to read the run's rows from; a helper process types `planned` types ahead.

    Only a DPMF container on a POSIX system, run by a Python interpreter, gets
    the helper (select() on pipes needs POSIX, and an embedding server's
    executable is no Python to start it with); any other source is read as it is.
    """
    usable = os.name == "posix" and Path(sys.executable).name.startswith("python")
    if not (planned and usable and isinstance(source, Container)):
        yield source
        return
    ahead = TypedAhead(source, chunk_size, planned)
    try:
        yield ahead
    finally:
        ahead.finish()


class TypedAhead:
    """A container whose planned types are typed by a helper process; the rest read as usual."""

    def __init__(
        self,
        container,
        chunk_size: int,
        planned: list[Planned],
    ):
        self.container = container
        self.chunk_size = chunk_size
        self.order = {p.entity_type: i for i, p in enumerate(planned)}
        self.classes = {p.entity_type: p.record for p in planned}
        # Types whose held-back rows the helper types for the final pass, after their end.
        self.held_back = {p.entity_type for p in planned if p.waits is not None}
        self.proc: subprocess.Popen | None = self._start(planned)
        self.peak_rss_kb: int | None = None
        self.delivered = {"typed": 0, "read here": 0}  # rows, for the log and the tests

    def __getattr__(self, name: str):
        # Every other reading method (keys, files, warnings, counts) is the container's own.
        if name == "container":  # not set yet: no recursion through this method
            raise AttributeError(name)
        return getattr(self.container, name)

    def _start(self, planned) -> subprocess.Popen | None:
        container = self.container
        request = {
            "path": str(container.path),
            "sqlite_path": str(container.sqlite_path),
            "layering": str(container.layering),
            "private": container.sqlite_path != container.path,
            "chunk_size": self.chunk_size,
            "types": [
                [
                    p.entity_type,
                    p.record.__module__,
                    p.record.__qualname__,
                    p.waits and [p.waits.__module__, p.waits.__name__],
                ]
                for p in planned
            ],
        }
        # Only what Python needs: the helper has no use for the passphrase variable,
        # the secret key or the database URL of the importer's environment.
        env = {
            "PATH": os.environ.get("PATH", os.defpath),
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
            ),
        }
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "dentalpin_import.reader.typed_stream"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                bufsize=0,
                env=env,
                cwd=PROJECT_ROOT,
            )
        except OSError as exc:
            log.warning("could not start the typing process (%s); typing rows here", exc)
            return None
        try:
            proc.stdin.write(json.dumps(request).encode())
            proc.stdin.close()
        except OSError as exc:  # it ended at once: reap it rather than leave a zombie
            log.warning("the typing process did not take its request (%s); typing rows here", exc)
            proc.kill()
            proc.stdout.close()
            proc.wait()
            return None
        try:
            fcntl.fcntl(proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        except (AttributeError, OSError):  # no fcntl, no F_SETPIPE_SZ, or above the limit
            pass  # a smaller pipe only makes the helper wait more often
        return proc

    def chunks(self, entity_type: str, *, chunk_size: int | None = None) -> Iterator[list]:
        """Every row of `entity_type` in canonical_uuid order, chunk by chunk.

        The chunk size is the one the helper was started with.
        """
        if self.proc is None or entity_type not in self.order:
            yield from self._read_here(entity_type, None, whole=True)
            return
        last = None  # canonical_uuid of the last row yielded
        while True:
            frame = self._ready_frame(entity_type, last)
            if frame == "end":
                return
            if frame is None:  # nothing ready: this process reads the next chunk itself
                rows = next(iter(self._read_here(entity_type, last)), None)
                if rows is None:
                    return
            else:
                rows = TypedChunk(frame)
                self.delivered["typed"] += len(rows)
            last = rows[-1].canonical_uuid
            yield rows

    def final_chunks(
        self, entity_type: str, keys, *, chunk_size: int | None = None
    ) -> Iterator[list]:
        """The rows of `keys` for the type's final pass, chunk by chunk in canonical_uuid order.

        The helper types the rows it held back as `Waiting` once it has sent the
        type: those come typed when a chunk is ready, the others are read here. A
        key the helper does not bring (one `map()` deferred) is read here at the end.
        """
        if self.proc is None or entity_type not in self.held_back:
            yield from self._among_here(entity_type, keys)
            return
        wanted = sorted(set(keys))
        wanted_set, delivered = set(wanted), set()
        last = None  # canonical_uuid of the last row of the last chunk taken
        while True:
            frame = self._ready_frame(entity_type, last, final=True)
            if frame == "end":
                break
            if frame is None:  # nothing ready: the next keys are read here
                start = bisect_right(wanted, last) if last is not None else 0
                keys_here = wanted[start : start + self.chunk_size]
                if not keys_here:
                    break
                delivered.update(keys_here)
                last = keys_here[-1]
                yield from self._among_here(entity_type, keys_here)
                continue
            last = frame[-1].canonical_uuid
            items = TypedChunk(item for item in frame if item.canonical_uuid in wanted_set)
            delivered.update(item.canonical_uuid for item in items)
            self.delivered["typed"] += len(items)
            if items:
                yield items
        yield from self._among_here(entity_type, [k for k in wanted if k not in delivered])

    def _among_here(self, entity_type: str, keys):
        for rows in self.container.iter_rows_among(entity_type, keys, chunk_size=self.chunk_size):
            self.delivered["read here"] += len(rows)
            yield rows

    def _read_here(self, entity_type: str, after: str | None, whole: bool = False):
        pages = self.container.chunks(entity_type, chunk_size=self.chunk_size, after_uuid=after)
        for rows in pages:
            self.delivered["read here"] += len(rows)
            yield rows
            if not whole:
                return

    def _ready_frame(self, entity_type: str, last: str | None, final: bool = False):
        """The helper's next chunk of `entity_type` after `last`, "end", or None if none is ready.

        Frames of earlier types, and chunks this process already read, are dropped.
        With `final` it looks for the type's final-pass chunks and drops its first pass's.
        """
        while self.proc is not None and self._readable():
            frame = self._next_frame()
            if frame is None:
                return None
            kind, frame_type = frame[0], frame[1]
            if kind not in FRAME_KINDS or frame_type not in self.order:
                self._give_up(f"unexpected frame {kind!r}")
                return None
            if self.order[frame_type] < self.order[entity_type]:
                continue  # a type this process finished reading itself
            if frame_type != entity_type:
                self._give_up(f"{frame_type} came before the end of {entity_type}")
                return None
            if final != (kind in ("final", "final end")):
                if final:
                    continue  # first-pass rows this process read itself
                self._give_up(f"final rows of {entity_type} came before its end")
                return None
            if kind in ("end", "final end"):
                return "end"
            try:
                items = unpack(self.classes[entity_type], frame[2], frame[3])
            except Exception as exc:  # not what this process's record class can hold
                self._give_up(f"{type(exc).__name__}: {exc}")
                return None
            if not items:
                self._give_up("an empty chunk")
                return None
            if last is None or items[-1].canonical_uuid > last:
                if last is not None and items[0].canonical_uuid <= last:
                    self._give_up("a chunk overlapping rows already read")
                    return None
                return items
        return None

    def _readable(self) -> bool:
        return readable(self.proc.stdout.fileno())

    def _next_frame(self):
        """The next frame, waiting for the rest of one the helper is writing; None on failure."""
        try:
            frame = read_tuple(self.proc.stdout.fileno())
        except Exception as exc:  # whatever went wrong, the rows are read here instead
            self._give_up(f"{type(exc).__name__}: {exc}")
            return None
        if frame[0] == "error":
            self._give_up(str(frame[1]))
            return None
        return frame

    def _give_up(self, why: str) -> None:
        log.warning("the typing process stopped (%s); typing the rest here", why)
        self.close()

    def close(self) -> None:
        """Stop the helper (it is done, or the run is over) and reap it."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.wait()

    def finish(self) -> None:
        """Keep the helper's peak memory if it already said it was done, then stop it."""
        if self.proc is not None and self._readable():
            frame = self._next_frame()
            if frame is not None and frame[0] == "done":
                self.peak_rss_kb = frame[1]
        if self.delivered["typed"]:
            log.debug(
                "rows typed by the helper process: %d, here: %d (helper peak %s MB)",
                self.delivered["typed"],
                self.delivered["read here"],
                self.peak_rss_kb // 1024 if self.peak_rss_kb else "?",
            )
        self.close()
