"""Rows of types without a mapper, kept verbatim (`RawEntity`), once per clinic.

The same row-level rules as mapped types (`row_errors`): a row with an
unusable id or an unreadable payload fails alone, a second row of one id is a
skipped copy, text the reader cleaned is a warning, and a chunk the database
refuses is written again row by row, each row in its own savepoint.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from dentalpin_import.loader import inserts
from dentalpin_import.loader.counts import TypeCounts
from dentalpin_import.loader.row_errors import (
    BAD_KEY_MESSAGE,
    DECODE_ERROR,
    ROW_BAD_KEY,
    ROW_DUPLICATE,
    ROW_FAILED,
    ChunkResult,
    Copies,
    duplicate_message,
    failure_message,
    failure_params,
    problem_notes,
    row_warning,
    stops_the_job,
    usable_key,
)
from dentalpin_import.loader.source_keys import already_there
from dentalpin_import.mapping.base import MappingContext
from dentalpin_import.models import RawEntity

log = logging.getLogger(__name__)
RAW_COLUMNS = (
    "clinic",
    "job",
    "source_system",
    "entity_type",
    "canonical_uuid",
    "source_id",
    "payload",
    "raw_data",
    "created_at",
)


class RawWriter:
    """Keeps rows of types without a mapper verbatim, once per clinic."""

    def __init__(self, entity_type: str, ctx: MappingContext, counts: TypeCounts):
        self.entity = entity_type
        self.ctx = ctx
        self.counts = counts
        self.copies = Copies()

    def process(self, rows) -> ChunkResult:
        result = ChunkResult()
        uuids = [r.canonical_uuid for r in rows if usable_key(r.canonical_uuid)]
        known = {
            u: mine for u, mine, _ in already_there(RawEntity, self.ctx, (self.entity,), uuids)
        }
        fresh = []
        for row in rows:
            key = row.canonical_uuid
            if not usable_key(key):
                self.fail(result, row, ROW_BAD_KEY, BAD_KEY_MESSAGE)
                continue
            copy = self.copies.check(key, False)
            if key in known:
                if not known[key]:
                    self.counts.already_mapped += 1
                elif copy:
                    self.counts.skipped += 1  # this job's earlier attempt skipped the copy
                else:
                    self.counts.raw += 1
            elif copy:
                result.warnings.append(self.warning(row, ROW_DUPLICATE, duplicate_message()))
                self.counts.skipped += 1
            elif row.decode_error:
                self.fail(result, row, DECODE_ERROR, row.decode_error)
            else:
                fresh.append(row)
        try:
            if fresh:
                with transaction.atomic():
                    self.insert(fresh)
        except Exception as exc:
            if stops_the_job(exc):
                raise
            log.info("raw rows of %s refused (%s); retrying row by row", self.entity, type(exc))
            fresh = self.insert_one_by_one(fresh, result)
        self.counts.raw += len(fresh)
        for row in fresh:
            result.warnings += [
                self.warning(row, n.code, n.message, n.severity, n.params)
                for n in problem_notes(self.entity, [(w, c, "") for w, c in row.text_fixes])
            ]
        return result

    def insert_one_by_one(self, rows, result: ChunkResult) -> list:
        """Insert each row in its own savepoint; return the rows stored."""
        stored = []
        for row in rows:
            try:
                with transaction.atomic():
                    self.insert([row])
            except Exception as exc:
                if stops_the_job(exc):
                    raise
                params = failure_params("save", exc)
                self.fail(result, row, ROW_FAILED, failure_message("save", exc), params)
                continue
            stored.append(row)
        return stored

    def insert(self, rows) -> None:
        now = timezone.now()
        ctx = self.ctx
        inserts.insert_values(
            RawEntity,
            RAW_COLUMNS,
            [
                [
                    ctx.clinic.pk,
                    ctx.job.pk,
                    ctx.source_system,
                    self.entity,
                    r.canonical_uuid,
                    r.source_id[:200],
                    r.payload,
                    r.raw_source_data,
                    now,
                ]
                for r in rows
            ],
        )

    def warning(self, row, code, message, severity="warn", params=None):
        return row_warning(self.ctx, self.entity, row, code, message, severity, params=params)

    def fail(self, result: ChunkResult, row, code: str, message: str, params=None) -> None:
        result.warnings.append(self.warning(row, code, message, "error", params))
        self.counts.failed += 1
