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


def finishing_jobs(job: ImportJob) -> tuple:
    """This job and every other job of its clinic that stopped before its second passes."""
    others = (
        ImportJob.objects.filter(clinic_id=job.clinic_id, status__in=UNFINISHED, dry_run=False)
        .exclude(pk=job.pk)
        .values_list("pk", flat=True)
    )
    return (job.pk, *others)


def forget_warnings_to_redo(job: ImportJob, source_system: str) -> int:
    """Delete this job's warnings about rows that have no mapping; return how many went.

    Those rows are mapped again by this run, which warns about them again. The
    warnings of mapped or skipped rows stay: their rows are not read again.
    The job row's count is set to what is left, in the same transaction.
    """
    mapped = EntityMapping.objects.filter(
        clinic_id=job.clinic_id,
        source_system=source_system,
        canonical_uuid=OuterRef("canonical_uuid"),
    ).filter(
        Q(entity_type=OuterRef("entity_type"))
        | Q(entity_type=Concat(OuterRef("entity_type"), Value(SKIP_SUFFIX)))
    )
    redo = ImportWarning.objects.filter(job=job).exclude(canonical_uuid="").exclude(Exists(mapped))
    gone, _ = redo.delete()
    left = ImportWarning.objects.filter(job=job).count()
    ImportJob.objects.filter(pk=job.pk).update(warnings_count=left)
    return gone


def notes_not_stored(job: ImportJob, notes: list[ImportWarning]) -> list[ImportWarning]:
    """The second-pass notes an earlier attempt of this job has not stored already.

    A pass run again over the same rows says the same things; only what is new
    (rows this attempt added) is kept.
    """
    if not notes:
        return notes
    stored = Counter(
        ImportWarning.objects.filter(
            job=job,
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
