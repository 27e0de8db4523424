"""Read and type a container's rows in a second process, streamed to the importer.

Decoding each row's JSON and building its typed record is about a seventh of
an import and needs nothing from the database, so a helper process does it on
the other core while the importer maps and writes. The importer starts this
module (`python -m dentalpin_import.reader.typed_stream`), writes the request
as JSON on its stdin, and reads frames from its stdout, each an 8-byte length
and that many bytes of pickle:

    ("chunk", entity_type, names, [values, Unreadable or Waiting, ...])   in canonical_uuid order
    ("end", entity_type)                                  that type is complete
    ("final", entity_type, names, [values or Unreadable, ...])  the rows sent as `Waiting`, typed
    ("final end", entity_type)                            for the final pass (types with `waits`)
    ("done", peak_rss_kb)                                 every type was sent
    ("error", message)                                    the process gave up

A record travels as the plain tuple of its field values, in the order of
`names`, and is rebuilt by `unpack`: unpickling a record object costs about a
third more than unpickling the tuple and rebuilding the record, for every row.

The frames come from this module only, over a private pipe: never unpickle
anything else.
"""

from __future__ import annotations

import importlib
import json
import sys
from dataclasses import fields
from functools import cache
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

from dentalpin_import.reader.container import Container, Layering
from dentalpin_import.reader.frames import frame_output, write_frame
from dentalpin_import.reader.pages import may_repeat_keys, whole_pages
from dentalpin_import.reader.records import records_from_values
from dentalpin_import.reader.values import Payload


class Unreadable(NamedTuple):
    """A row that could not be typed, with the warning the importer records for it."""

    canonical_uuid: str
    source_id: str
    code: str
    message: str


class Waiting(NamedTuple):
    """A row the mapper's `waits` sends to the final pass: the importer types it then."""

    canonical_uuid: str


MARKERS = (Unreadable, Waiting)  # rows sent as themselves, not as a record's values


def type_rows(record_cls, rows, waits=None) -> list[Any]:
    """Each row's typed record, an `Unreadable` saying why it has none, or a `Waiting`."""
    items: list[Any] = []
    for row in rows:
        # As the importer does it (ChunkWriter.new_records): the same row, the same outcome.
        try:
            if row.decode_error:
                problem = row.decode_error
                items.append(Unreadable(row.canonical_uuid, row.source_id, DECODE_ERROR, problem))
            elif waits is not None and waits(Payload(row.payload)):
                items.append(Waiting(row.canonical_uuid))
            else:
                items.append(record_cls.from_row(row))
        except Exception as exc:  # a malformed payload must not stop the job
            items.append(Unreadable(row.canonical_uuid, row.source_id, ROW_FAILED, unread(exc)))
    return items


# The warning of a row that could not be typed: the importer's words (loader/row_errors.py),
# kept here because this process imports no Django.
ROW_FAILED = "row.failed"
DECODE_ERROR = "payload.decode_error"


def unread(exc: BaseException) -> str:
    """The message of a row typing failed on: the kind of error, never its text (a value)."""
    return f"This row could not be read ({type(exc).__name__}); the rest of the import went on."


@cache
def field_names(record_cls) -> tuple[str, ...]:
    """The fields of a record class, in the order a packed record lists their values."""
    return tuple(f.name for f in fields(record_cls))


def pack(record_cls, items: list) -> list:
    """`items` with each record replaced by the tuple of its field values."""
    values = attrgetter(*field_names(record_cls))
    return [item if type(item) in MARKERS else values(item) for item in items]


def unpack(record_cls, names: tuple[str, ...], packed: list) -> list:
    """The records (and markers) `pack` was given, rebuilt in this process."""
    if tuple(names) != field_names(record_cls):
        raise ValueError(f"{record_cls.__name__} has other fields in the typing process")
    values = [item for item in packed if type(item) not in MARKERS]
    records = iter(records_from_values(record_cls, names, values))
    return [item if type(item) in MARKERS else next(records) for item in packed]


def reader_object(module: str, name: str):
    """A record class or function of the reader package, by module and name."""
    if not module.startswith("dentalpin_import.reader."):
        raise ValueError(f"{module}.{name} is not part of the reader")
    return getattr(importlib.import_module(module), name)


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
        for entity_type, module, name, waits in request["types"]:
            cls = reader_object(module, name)
            waits = reader_object(*waits) if waits else None
            chunk_size = int(request["chunk_size"])
            held: list[str] = []
            repeats = may_repeat_keys(container, entity_type)
            pages = whole_pages(container, entity_type, chunk_size=chunk_size, repeats=repeats)
            for rows in pages:
                items = type_rows(cls, rows, waits)
                held += [item.canonical_uuid for item in items if type(item) is Waiting]
                write_frame(out, ("chunk", entity_type, field_names(cls), pack(cls, items)))
            write_frame(out, ("end", entity_type))
            if waits is not None:
                # Typed while the importer writes the type's other rows: its final pass
                # then maps them without typing them itself.
                for rows in container.iter_rows_among(entity_type, held, chunk_size=chunk_size):
                    items = pack(cls, type_rows(cls, rows))
                    write_frame(out, ("final", entity_type, field_names(cls), items))
                write_frame(out, ("final end", entity_type))
    finally:
        container.close()
    write_frame(out, ("done", peak_rss_kb()))


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
    out = frame_output()
    try:
        serve(json.loads(sys.stdin.buffer.read()), out)
    except BrokenPipeError:
        return 1  # the importer stopped reading (it finished, failed or was cancelled)
    except Exception as exc:
        try:
            write_frame(out, ("error", f"{type(exc).__name__}: {exc}"))
        except OSError:
            pass
        return 1
    return 0


if __name__ == "__main__":
    # Run under the module's own name, so the frames' classes unpickle in the importer.
    from dentalpin_import.reader import typed_stream

    sys.exit(typed_stream.main())
