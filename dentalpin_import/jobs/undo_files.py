"""The files of the documents an undo deleted: named in its transaction, deleted after it.

Storage (a folder, S3) takes no part in the database's transaction. So the
undo writes the name of every file it frees (`remember`) in the transaction
that deletes the rows, and deletes the files once it has committed
(`delete_left`), each name going as its file goes. A process killed in
between leaves the names, and the sweep deletes those files later
(`sweep`, from sweep_import_uploads): a patient's document never stays in storage with no
row pointing to it. A file already gone counts as deleted; a file some live
document still names (its file or its thumbnail) is kept, only its name is
forgotten.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone
from django_scopes import scopes_disabled

from clinics.models import Document
from dentalpin_import.jobs import locks, undoing
from dentalpin_import.models import FileToDelete, ImportJob
from dentalpin_import.reader.batches import batched

log = logging.getLogger(__name__)
# Names written, or deleted between two writes of the database (a kill repeats at most
# these): three values a name to insert, two to look up, within SQLite's 999 per statement.
BATCH = 200


@dataclass
class Deleted:
    """What `delete_left` did, by job id ("" for a job whose row is gone)."""

    files: dict[str, int] = field(default_factory=dict)  # deleted (or already gone)
    kept: int = 0  # still named by a live document: left in storage
    failed: int = 0  # the storage refused: tried again by the next sweep


def remember(job: ImportJob, names) -> None:
    """Record `names` as files of `job` to delete; call it inside the undo's transaction."""
    for part in batched(sorted(set(names)), BATCH):
        FileToDelete.objects.bulk_create([FileToDelete(job=job, name=n) for n in part])


def delete_left(*, job: ImportJob) -> Deleted:
    """Delete the files `job`'s undo still has to delete: the undo calls it once committed."""
    return _delete(FileToDelete.objects.filter(job=job), dry_run=False)


def sweep(*, dry_run: bool = False) -> Deleted:
    """Delete the files undos left when their process ended; `dry_run` only counts them.

    An undo still deleting its files holds its clinic's lock for its job: its
    files are its own to delete (jobs/locks.py).
    """
    found = FileToDelete.objects.all()
    jobs = set(found.values_list("job_id", flat=True).distinct())
    if not locks.visible():  # no way to tell: an undo deletes its files within the hour
        found = found.filter(created_at__lt=timezone.now() - undoing.BLIND_LIMIT)
    else:
        found = found.filter(Q(job__isnull=True) | Q(job__in=[j for j in jobs if _ended(j)]))
    return _delete(found, dry_run=dry_run)


def _ended(job_id) -> bool:
    """Whether no process undoing job `job_id` still holds its clinic's lock."""
    clinic_id = ImportJob.objects.filter(pk=job_id).values_list("clinic_id", flat=True).first()
    holder = locks.holder(clinic_id) if clinic_id is not None else None
    # A lock held but not yet said for which job is taken as held for this one (undoing.dead).
    return holder is None or holder not in (locks.UNBOUND, str(job_id))


def _delete(found, *, dry_run: bool) -> Deleted:
    """Delete the files of `found`, a batch at a time, forgetting each name as its file goes.

    A file the storage refuses to delete keeps its name (logged) and the rest go on.
    """
    done = Deleted()
    found = found.order_by("pk")
    after = 0
    while True:
        rows = list(found.filter(pk__gt=after).values_list("pk", "name", "job_id")[:BATCH])
        if not rows:
            return done
        after = rows[-1][0]
        named = _still_named([name for _, name, _ in rows])
        gone = []
        for pk, name, job_id in rows:
            if name in named:
                done.kept += 1
            elif not dry_run and not _deleted(name):
                done.failed += 1
                continue
            else:
                key = str(job_id or "")
                done.files[key] = done.files.get(key, 0) + 1
            gone.append(pk)
        if not dry_run:
            FileToDelete.objects.filter(pk__in=gone).delete()


def _deleted(name: str) -> bool:
    try:
        default_storage.delete(name)  # a missing file is no error, on disk as on S3
    except Exception:
        log.exception("could not delete the stored file %s; the next sweep tries again", name)
        return False
    return True


def _still_named(names: list[str]) -> set[str]:
    """Those of `names` a document of any clinic still stores as its file or thumbnail."""
    with scopes_disabled():
        found = Document.objects.filter(Q(file__in=names) | Q(thumbnail__in=names))
        pairs = found.values_list("file", "thumbnail")
    return {name for pair in pairs for name in pair if name} & set(names)
