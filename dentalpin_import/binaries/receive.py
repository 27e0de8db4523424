"""Matching one received file to what a job expects, by sha256: the agent's and the browser's.

Both ways in (the sync agent's endpoint, files dropped on the job page) hand
over a file already on disk with its sha256 computed while it was written;
this decides what becomes of it, with the same checks for both: the type is
sniffed from the bytes, the owner must have been imported, the bytes are
stored once per owner, and once only when the same file arrives twice at
the same moment (`store.store` claims each staged row).

Once the job has ended well (succeeded, or completed with problems) every file
it expects is staged and every owner it could import is there: a file it does
not expect, or whose owner was never imported, gets a final answer instead of
"retry later" (`Received.final`), and the staged row of the latter is marked
rejected with the reason, so nobody waits for it any longer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dentalpin_import.binaries import sniff, store
from dentalpin_import.jobs import audit
from dentalpin_import.models import AuditAction, FileStaging, JobStatus, StagingStatus

RECEIVED = "received"
ALREADY = "already_received"
NOT_EXPECTED = "not_expected"
OWNER_NOT_YET = "owner_not_imported_yet"
OWNER_NEVER = "owner_not_imported"
REJECTED = "rejected"
UNDOING = "undoing"  # an import of the clinic is being undone: send it again later

# States in which the job will stage no more files and import no more owners.
SETTLED = (JobStatus.SUCCEEDED, JobStatus.PROBLEMS)
MSG_OWNER_NEVER = "its owner ({owner}) was not imported by this job: see the job's warnings"


@dataclass
class Received:
    outcome: str
    detail: str = ""  # the reason in English (the agent's JSON, the staged row)
    # The reason's template and values, for a page to translate before filling it in.
    detail_template: str = ""
    detail_params: dict[str, str] = field(default_factory=dict)
    final: bool = False  # no later attempt can change the answer
    document_id: int | None = None
    staging_ids: list[int] = field(default_factory=list)


def settled(job) -> bool:
    return job.status in SETTLED


def receive(*, job, user, upload, sha256: str) -> Received:
    """Match `upload` (with `.temporary_file_path()` and `.size`) to `job`'s staged files."""
    rows = list(
        FileStaging.objects.filter(job=job, clinic=job.clinic, sha256=sha256).select_related(
            "document", "job"
        )
    )
    if not rows:
        return Received(NOT_EXPECTED, final=settled(job))
    # A file rejected before is looked at again: the same bytes get the same answer,
    # unless its owner was imported since (by a resumed run).
    pending = [r for r in rows if r.status != StagingStatus.RECEIVED]
    if not pending:
        return Received(ALREADY, document_id=rows[0].document_id, staging_ids=[r.pk for r in rows])
    try:
        mime = sniff.sniff(upload.temporary_file_path())
        sniff.check_hint(mime, pending[0].mime_hint)
    except sniff.Refused as exc:
        _reject(job, user, pending, sha256, str(exc))
        return Received(REJECTED, str(exc), exc.message, exc.params, final=True)
    owners = [(r, *store.resolve_owner(r)) for r in pending]
    ready = [(r, patient, doc) for r, patient, doc in owners if patient is not None]
    if not ready:
        if not settled(job):
            return Received(OWNER_NOT_YET)
        owner = f"{pending[0].parent_entity_type} {pending[0].parent_canonical_uuid}"
        reason = MSG_OWNER_NEVER.format(owner=owner)
        _reject(job, user, pending, sha256, reason)
        return Received(OWNER_NEVER, reason, final=True)
    try:
        stored = store.store(ready, upload, mime, sha256)
    except store.ClinicUndoing:
        return Received(UNDOING)
    if not stored:  # a parallel request with the same bytes stored them first
        return _already(job, sha256)
    audit.record(
        action=AuditAction.BINARIES,
        job=job,
        user=user,
        outcome="received",
        details={"sha256": sha256, "documents": [d.pk for _, d in stored]},
    )
    return Received(RECEIVED, document_id=stored[0][1].pk, staging_ids=[r.pk for r, _ in stored])


def _already(job, sha256: str) -> Received:
    """The answer to bytes another request stored while this one was checking them."""
    rows = list(
        FileStaging.objects.filter(
            job=job, clinic=job.clinic, sha256=sha256, status=StagingStatus.RECEIVED
        ).order_by("pk")
    )
    document_id = rows[0].document_id if rows else None
    return Received(ALREADY, document_id=document_id, staging_ids=[r.pk for r in rows])


def _reject(job, user, rows, sha256: str, reason: str) -> None:
    # A row a parallel request stored meanwhile stays received.
    FileStaging.objects.filter(pk__in=[r.pk for r in rows]).exclude(
        status=StagingStatus.RECEIVED
    ).update(status=StagingStatus.REJECTED, reason=reason)
    audit.record(
        action=AuditAction.BINARIES,
        job=job,
        user=user,
        outcome="rejected",
        details={"sha256": sha256, "reason": reason},
    )
