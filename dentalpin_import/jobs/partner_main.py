"""The partner writer: imports the second half of a type's rows for a running job.

Started by `jobs.partner.Partner` as `python -m dentalpin_import.jobs.partner_main`.
Its stdin brings frames: first the run's settings, then requests: ("first", type,
after) imports the type's rows after the key `after`, ("final", type, None) the
final pass over the rows that first pass deferred. Its stdout takes frames back:
progress, then the request's outcome. Each chunk commits on its own, so the write
lock is held only while a chunk inserts. Splittable types write no rows that
raise domain events (tests/dentalpin_import/jobs/test_partner.py holds that).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from dentalpin_import.frames import frame_output, read_frame, write_frame

log = logging.getLogger(__name__)


def serve(inp: int, out) -> None:
    start = read_frame(inp)
    os.environ["DJANGO_SETTINGS_MODULE"] = start["settings_module"]
    import django

    django.setup()
    from django.conf import settings

    # The importer's database, a test database included, and the secrets its
    # encrypted fields were written with.
    settings.DATABASES["default"]["NAME"] = start["database"]
    for name, value in start["settings"].items():
        setattr(settings, name, value)
    from django_scopes import scope

    from dentalpin_import.jobs.runner import sqlite_page_cache
    from dentalpin_import.models import ImportJob
    from dentalpin_import.reader.container import Container, Layering

    job = ImportJob.objects.select_related("clinic").get(pk=start["job"])
    container = Container(
        Path(start["path"]),
        Path(start["sqlite_path"]),
        Layering(start["layering"]),
        "",
        0,
        bool(start["private"]),
    )
    try:
        container.load(verify=False, progress=None)
        with scope(clinic=job.clinic), sqlite_page_cache():
            half = PartnerHalf(job, container, int(start["chunk_size"]), out)
            while True:
                kind, entity_type, after = read_frame(inp)  # EOFError once the importer is done
                if kind == "first":
                    half.first(entity_type, after)
                else:
                    half.final(entity_type)
    finally:
        container.close()


class PartnerHalf:
    """Imports the rows after a key, chunk by chunk, for one job."""

    def __init__(self, job, container, chunk_size: int, out):
        from dentalpin_import.mapping.base import MappingContext

        self.job = job
        self.container = container
        self.chunk_size = chunk_size
        self.out = out
        self.ctx = MappingContext(
            clinic=job.clinic,
            job=job,
            source_system=container.source_system,
            options=dict(job.options),
        )
        self.deferred: dict[str, list[str]] = {}  # per type, for its final pass

    def first(self, entity_type: str, after: str) -> None:
        rows = self.container.iter_rows(entity_type, chunk_size=self.chunk_size, after_uuid=after)
        deferred = self.run(entity_type, rows)
        if deferred is not None:
            self.deferred[entity_type] = deferred

    def final(self, entity_type: str) -> None:
        keys = self.deferred.pop(entity_type, [])
        self.ctx.final_pass = True
        try:
            rows = self.container.iter_rows_among(entity_type, keys, chunk_size=self.chunk_size)
            self.run(entity_type, rows)
        finally:
            self.ctx.final_pass = False

    def run(self, entity_type: str, parts) -> list[str] | None:
        """Import `parts`, chunk by chunk; report the outcome; return the deferred keys."""
        from dentalpin_import.jobs.chunks import ChunkWriter
        from dentalpin_import.jobs.counts import TypeCounts
        from dentalpin_import.jobs.runner import PROGRESS_EVERY_S
        from dentalpin_import.mapping.registry import mapper_for

        mapper = mapper_for(entity_type)
        counts = TypeCounts()
        writer = ChunkWriter(mapper, self.ctx, counts)
        writer.solo = True
        warnings, deferred, sent = 0, [], time.monotonic()
        try:
            for part in parts:
                chunk = writer.process(part)
                self.store_left(chunk)
                warnings += len(chunk.warnings)
                deferred += chunk.deferred
                if time.monotonic() - sent >= PROGRESS_EVERY_S:
                    sent = time.monotonic()
                    if self.cancelled():
                        write_frame(self.out, ("cancelled", entity_type))
                        return None
                    write_frame(self.out, ("progress", entity_type, counts.as_dict()))
        except Exception as exc:  # the importer imports the rest itself
            log.exception("partner writer failed on %s", entity_type)
            write_frame(self.out, ("failed", entity_type, f"{type(exc).__name__}: {exc}"))
            return None
        state = {k: self.ctx.state.pop(k) for k in mapper.shared_state if k in self.ctx.state}
        outcome = ("done", entity_type, counts.as_dict(), warnings, deferred, state)
        write_frame(self.out, outcome)
        return deferred

    def store_left(self, chunk) -> None:
        """Store the warnings the chunk's own transaction did not (a refused chunk's)."""
        from django.db import transaction

        from dentalpin_import.jobs.chunks import store_warnings

        left = chunk.warnings[chunk.stored :]
        if left:  # an empty transaction would still wait for the write lock
            with transaction.atomic():
                store_warnings(self.job, left)

    def cancelled(self) -> bool:
        from dentalpin_import.models import ImportJob, JobStatus

        return ImportJob.objects.filter(pk=self.job.pk, status=JobStatus.CANCELLED).exists()


def main() -> int:
    out = frame_output()
    try:
        serve(sys.stdin.fileno(), out)
    except (BrokenPipeError, EOFError):
        return 0  # the importer is gone or done: nothing left to report to
    except Exception as exc:
        try:
            write_frame(out, ("error", None, f"{type(exc).__name__}: {exc}"))
        except OSError:
            pass
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
