"""Read and type a container's rows in a second process, streamed to the importer.

Decoding each row's JSON and building its typed record is about a seventh of
an import and needs nothing from the database, so a helper process does it on
the other core while the importer maps and writes. The importer starts this
module (`python -m dentalpin_import.reader.typed_stream`), writes the request
as JSON on its stdin, and reads frames from its stdout, each an 8-byte length
and that many bytes of pickle:

    ("chunk", entity_type, [record or Unreadable, ...])   rows in canonical_uuid order
    ("end", entity_type)                                  that type is complete
    ("done", peak_rss_kb)                                 every type was sent
    ("error", message)                                    the process gave up

The frames come from this module only, over a private pipe: never unpickle
anything else.
"""

from __future__ import annotations

import importlib
import json
import os
import pickle
import sys
from pathlib import Path
from typing import Any, NamedTuple

from dentalpin_import.reader.container import Container, Layering


class Unreadable(NamedTuple):
    """A row that could not be typed, with the warning the importer records for it."""

    canonical_uuid: str
    source_id: str
    code: str
    message: str


def type_rows(record_cls, rows) -> list[Any]:
    """Each row's typed record, or an `Unreadable` saying why it has none."""
    items: list[Any] = []
    for row in rows:
        if row.decode_error:
            items.append(
                Unreadable(
                    row.canonical_uuid, row.source_id, "payload.decode_error", row.decode_error
                )
            )
            continue
        try:
            items.append(record_cls.from_row(row))
        except Exception as exc:  # a malformed payload must not stop the job
            items.append(Unreadable(row.canonical_uuid, row.source_id, "mapper.failed", repr(exc)))
    return items


def record_class(module: str, name: str) -> type:
    """A record class of the reader package, by module and name."""
    if not module.startswith("dentalpin_import.reader."):
        raise ValueError(f"{module}.{name} is not a reader record class")
    return getattr(importlib.import_module(module), name)


def send(out, frame: tuple) -> None:
    data = pickle.dumps(frame, protocol=5)
    out.write(len(data).to_bytes(8, "big") + data)
    out.flush()


def serve(request: dict, out) -> None:
    """Stream every requested type's typed rows to `out`, one chunk per frame."""
    private = bool(request["private"])
    container = Container(
        Path(request["path"]),
        Path(request["sqlite_path"]),
        Layering(request["layering"]),
        "",
        0,
        private,
    )
    try:
        container.load(verify=False, progress=None)
        for entity_type, module, name in request["types"]:
            cls = record_class(module, name)
            for rows in container.iter_rows(entity_type, chunk_size=int(request["chunk_size"])):
                send(out, ("chunk", entity_type, type_rows(cls, rows)))
            send(out, ("end", entity_type))
    finally:
        container.close()
    send(out, ("done", peak_rss_kb()))


def peak_rss_kb() -> int:
    """This process's peak resident memory since it started, in KiB."""
    # ru_maxrss would also count the importer's memory at the moment it forked this process.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource  # POSIX only, like this process (the importer starts none elsewhere)

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    # The frames own stdout: anything printed by accident goes to stderr instead.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    try:
        serve(json.loads(sys.stdin.buffer.read()), out)
    except BrokenPipeError:
        return 1  # the importer stopped reading (it finished, failed or was cancelled)
    except Exception as exc:
        try:
            send(out, ("error", f"{type(exc).__name__}: {exc}"))
        except OSError:
            pass
        return 1
    return 0


if __name__ == "__main__":
    # Run under the module's own name, so the frames' classes unpickle in the importer.
    from dentalpin_import.reader import typed_stream

    sys.exit(typed_stream.main())
