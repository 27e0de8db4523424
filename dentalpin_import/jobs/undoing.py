"""An undo's record on its job: asked, under way, ended, and whether its process still lives.

The undo itself is one transaction, run while its process holds the clinic's
import lock bound to the job (jobs/locks.py). Around it the job is "undoing"
and `ImportJob.undo` says who asked, whether edited rows go too, the status the
job had, how far the undo got and how it ended. Every write names the ask (a
random token), so a late worker or a second look never overwrites a newer ask.

An undo under way is dead when its clinic's lock is no longer held for the job
(its process ended, so its transaction rolled back); an undo asked is dead when
no worker started it within START_LIMIT. Dead or refused, the job goes back to
the status it had (`end`), and the undo may be asked again.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from dentalpin_import.jobs import locks
from dentalpin_import.models import ImportJob, JobStatus, TransitionError

# Phases of an undo, in order; outcomes of one that ended.
ASKED, PLANNING, DELETING = "asked", "planning", "deleting"
UNDONE, REFUSED, STOPPED, NOT_STARTED, FAILED = (
    "undone",
    "refused",
    "stopped",
    "not started",
    "failed",
)
# A worker busy with long imports may take a while to pick an undo up; after this
# the ask is taken as lost (the broker or the web process that was to run it went away).
START_LIMIT = timedelta(minutes=10)
# Where locks cannot be seen (a database other than SQLite or PostgreSQL), an undo under
# way longer than this is taken as dead: the 10,000-patient undo takes under a minute.
BLIND_LIMIT = timedelta(hours=1)


def ask(job: ImportJob, *, force: bool, user=None, by_command: bool = False) -> bool:
    """Mark `job`, in the status an undo starts from, as undoing; False if it moved meanwhile.

    A command runs its undo at once, holding the clinic's lock already: its ask
    is under way from the start.
    """
    now = timezone.now().isoformat()
    named = user is not None and getattr(user, "is_authenticated", False)
    record = {
        "ask": uuid.uuid4().hex,
        "from": job.status,
        "asked_at": now,
        "asked_by": user.get_username() if named else "",
        "user_id": user.pk if named else None,
        "command": by_command,
        "force": force,
        "phase": PLANNING if by_command else ASKED,
        "started_at": now if by_command else None,
    }
    try:
        job.transition_to(JobStatus.UNDOING, only_from=job.status, undo=record)
    except TransitionError:
        return False
    return True


def start(job: ImportJob) -> bool:
    """Mark the asked undo of `job` under way; False when there is none waiting to start.

    Call it holding the clinic's lock bound to the job: from here on the lock
    says whether the undo is alive. An undo already started is never started
    again (a message delivered twice, after its worker died, finds it started).
    """
    job.refresh_from_db(fields=["status", "undo"])
    if job.status != JobStatus.UNDOING or job.undo.get("started_at"):
        return False
    return _write(job, phase=PLANNING, started_at=timezone.now().isoformat())


def phase(job: ImportJob, name: str, **values) -> bool:
    """Record that the undo of `job` reached phase `name` (with figures the page shows)."""
    return _write(job, phase=name, **values)


def _write(job: ImportJob, **values) -> bool:
    record = {**job.undo, **values}
    updated = ImportJob.objects.filter(
        pk=job.pk, status=JobStatus.UNDOING, undo__ask=job.undo.get("ask")
    ).update(undo=record)
    if updated:
        job.undo = record
    return bool(updated)


def ended(job: ImportJob, outcome: str, **values) -> dict:
    """The undo record of `job` once it ended with `outcome`."""
    return {**job.undo, "phase": "", "outcome": outcome, "ended_at": _now(), **values}


def end(job: ImportJob, *, outcome: str, reason: str) -> bool:
    """Put `job` back in the status it had, its undo ended without deleting anything.

    False when that undo is no longer the job's (it ended, or another was asked).
    """
    record = ended(job, outcome, reason=reason)
    try:
        job.transition_to(
            record["from"],
            only_from=JobStatus.UNDOING,
            where={"undo__ask": record.get("ask")},
            undo=record,
        )
    except TransitionError:
        return False
    return True


def dead(job: ImportJob) -> str | None:
    """Why the undo of an undoing `job` has nobody behind it (STOPPED, NOT_STARTED), or None."""
    record = job.undo
    started = _when(record.get("started_at"))
    now = timezone.now()
    if started is None:
        asked = _when(record.get("asked_at")) or now
        return NOT_STARTED if now - asked > START_LIMIT else None
    if not locks.visible():
        return STOPPED if now - started > BLIND_LIMIT else None
    holder = locks.holder(job.clinic_id)
    # A lock held but not yet said for which job is taken as held for this one (liveness.py).
    alive = holder is not None and holder in (locks.UNBOUND, str(job.pk))
    return None if alive else STOPPED


def asker(job: ImportJob):
    """The user who asked for the undo of `job`, or None (a command, or a deleted account)."""
    user_id = job.undo.get("user_id")
    return get_user_model().objects.filter(pk=user_id).first() if user_id else None


def _when(value) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _now() -> str:
    return timezone.now().isoformat()
