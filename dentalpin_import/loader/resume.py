"""What a run needs to end where an uninterrupted one would, whatever a crash left behind.

A killed run leaves its committed commit groups (rows, mappings, their warnings)
and nothing of the group it was writing. Running the job again then maps only
the rows without a mapping, so:

- warnings of rows that failed in a committed group are written again: the
  earlier copies go first (`forget_warnings_to_redo`);
- the second passes work from the mappings of every job whose passes never
  ran (`finishing_jobs`), not from what this process saw;
- a second pass whose notes an earlier attempt already stored stores only the
  new ones (`notes_not_stored`).
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Concat

from dentalpin_import.mapping.base import MappingContext
from dentalpin_import.models import (
    SKIP_SUFFIX,
    EntityMapping,
    ImportJob,
    ImportWarning,
    JobStatus,
)

# Jobs whose rows may lack their second passes: they stopped, or died while running
# (a live import of the same clinic holds its lock, so a running one here is dead).
UNFINISHED = (
    JobStatus.QUEUED,
    JobStatus.RUNNING,
    JobStatus.FAILED,
    JobStatus.INTERRUPTED,
    JobStatus.CANCELLED,
)


def finishing_jobs(job: ImportJob, source_system: str) -> tuple:
    """This job and every other job of its clinic and source that stopped before its passes."""
    others = (
        ImportJob.objects.filter(
            clinic_id=job.clinic_id,
            source_system=source_system,
            status__in=UNFINISHED,
            dry_run=False,
        )
        .exclude(pk=job.pk)
        .values_list("pk", flat=True)
    )
    return (job.pk, *others)


def forget_warnings_to_redo(ctx: MappingContext) -> int:
    """Delete the warnings about rows this run maps again; return how many went.

    Rows without a mapping that `ctx.finishing_jobs` warned about (rows that
    failed) are mapped again by this run, which warns about them again. This
    job's own such warnings all go (it reads the same file); another job's only
    for rows this file holds. Warnings of mapped or skipped rows stay: their rows
    are not read again. Each job's count is set to what it has left.
    """
    mapped = EntityMapping.objects.filter(
        clinic_id=ctx.clinic.pk,
        source_system=ctx.source_system,
        canonical_uuid=OuterRef("canonical_uuid"),
    ).filter(
        Q(entity_type=OuterRef("entity_type"))
        | Q(entity_type=Concat(OuterRef("entity_type"), Value(SKIP_SUFFIX)))
    )
    unmapped = (
        ImportWarning.objects.filter(job__in=ctx.finishing_jobs)
        .exclude(canonical_uuid="")
        .exclude(Exists(mapped))
    )
    gone, _ = unmapped.filter(job=ctx.job.pk).delete()
    theirs = _in_this_file(ctx, unmapped.exclude(job=ctx.job.pk))
    if theirs:
        gone += ImportWarning.objects.filter(pk__in=theirs).delete()[0]
    for job in ctx.finishing_jobs:
        left = ImportWarning.objects.filter(job=job).count()
        ImportJob.objects.filter(pk=job).update(warnings_count=left)
    return gone


def _in_this_file(ctx: MappingContext, warnings) -> list[int]:
    """Ids of `warnings` whose row is in this run's file (so this run maps it again)."""
    rows_among = getattr(ctx.source, "rows_among", None)
    types = getattr(ctx.source, "entity_types", [])
    known = {t.entity_type for t in types}
    by_type: dict[str, dict[str, list[int]]] = {}
    for pk, entity_type, uuid in warnings.values_list("pk", "entity_type", "canonical_uuid"):
        if entity_type in known:
            by_type.setdefault(entity_type, {}).setdefault(uuid, []).append(pk)
    if rows_among is None:
        return []
    found = []
    for entity_type, keys in by_type.items():
        for row in rows_among(entity_type, list(keys)):
            found += keys.get(row.canonical_uuid, [])
    return found


def notes_not_stored(jobs: tuple, notes: list[ImportWarning]) -> list[ImportWarning]:
    """The second-pass notes that none of `jobs` (the run's `finishing_jobs`) stored already.

    A pass run again over the same rows says the same things, whether this job's
    earlier attempt or a dead job it finishes said them first; only what is new
    (rows this attempt added) is kept.
    """
    if not notes:
        return notes
    stored = Counter(
        ImportWarning.objects.filter(
            job__in=jobs,
            canonical_uuid="",
            entity_type__in={n.entity_type for n in notes},
            code__in={n.code for n in notes},
        ).values_list("entity_type", "code", "message")
    )
    fresh = []
    for note in notes:
        key = (note.entity_type, note.code, note.message)
        if stored[key]:
            stored[key] -= 1
        else:
            fresh.append(note)
    return fresh
