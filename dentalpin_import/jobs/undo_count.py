"""The undo page's count of what an undo would delete: in the request, or in the background.

The count is the undo's dry run (`undo_plan.plan_undo`), linear in the job's
mappings: some 4 s and 130 MB at 10,000 patients. A job with fewer mappings
than UNDO_BACKGROUND_COUNT_MAPPINGS is counted in the request. A larger one is
counted by a background task (`dispatch.count_undo_later`, task
`dentalpin_import.count_undo_job`, by job id), the way the undo itself runs:
the page asks, says it is counting and polls until the figures are on the job
(`ImportJob.undo_count`). Each ask names the one it replaces in a conditional
update, so two tabs or a reload start one count, and a task delivered twice
counts once. The figures are shown while fresh (FRESH, the job's status
unchanged, no undo ended since); the undo never reads them: it plans again and
refuses rows edited since (jobs/undo.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from dentalpin_import.jobs import dispatch, undo, undoing
from dentalpin_import.jobs.undo_plan import UndoPlan, plan_undo
from dentalpin_import.models import EntityMapping, ImportJob

COUNTING, READY, FAILED = "counting", "ready", "failed"
# How a count failed: its process ended (or no worker took it), or an error.
STOPPED, ERROR = "stopped", "error"
FRESH = timedelta(minutes=10)
# A count started longer ago than this is taken as dead: at 10,000 patients it takes 4 s.
COUNT_LIMIT = timedelta(minutes=30)
LISTED = 20  # edited and dependent rows named on the page


def figures(plan: UndoPlan) -> dict:
    """What the page shows of `plan`, as JSON: the counts, and the first rows it names."""
    return {
        "total_rows": plan.total_rows,
        "tables": sorted([table, len(ids)] for table, ids in plan.rows.items()),
        "mappings": plan.mappings,
        "raw_entities": plan.raw_entities,
        "staged_files": plan.staged_files,
        "stored_files": len(plan.stored_files),
        "changed": len(plan.changed),
        "changed_listed": [list(pair) for pair in plan.changed[:LISTED]],
        "dependents": len(plan.dependents),
        "dependents_listed": [list(pair) for pair in plan.dependents[:LISTED]],
    }


def in_background(job: ImportJob) -> bool:
    """Whether `job` has UNDO_BACKGROUND_COUNT_MAPPINGS mappings or more (read up to there)."""
    limit = settings.UNDO_BACKGROUND_COUNT_MAPPINGS
    if limit <= 0:
        return True
    mappings = EntityMapping.objects.filter(job=job, clinic=job.clinic).order_by()
    return mappings.values_list("pk", flat=True)[limit - 1 : limit].exists()


def for_page(job: ImportJob, *, polled: bool = False, again: bool = False) -> dict:
    """What `job`'s undo page shows: {"state": READY, "figures"} (or "refusal"), COUNTING, FAILED.

    Raises `UndoRefused` for what refuses at once (the job's status). A small
    job is counted here. For a large one a count is asked unless one is under
    way or its figures are fresh; a poll (`polled`) never asks, and a failed
    count is asked again only when staff say so (`again`).
    """
    undo.check(job)
    if polled:  # only a counting page polls: it reloads once the count is over
        return shown(job)
    if not in_background(job):
        return {"state": READY, "figures": figures(plan_undo(job))}
    record = shown(job)
    state = record.get("state")
    if state in (COUNTING, READY) or (state == FAILED and not again):
        return record
    return _ask(job)


def shown(job: ImportJob) -> dict:
    """`job`'s count as the page sees it: a dead count is FAILED, a stale one is none ({})."""
    record = job.undo_count or {}
    state = record.get("state")
    if state == COUNTING:
        return {**record, "state": FAILED, "why": STOPPED} if _dead(record) else record
    return record if state in (READY, FAILED) and _fresh(job, record) else {}


def _dead(record: dict) -> bool:
    now = timezone.now()
    started = _when(record.get("started_at"))
    if started is None:
        return now - (_when(record.get("asked_at")) or now) > undoing.START_LIMIT
    return now - started > COUNT_LIMIT


def _fresh(job: ImportJob, record: dict) -> bool:
    at = _when(record.get("at"))
    if at is None or timezone.now() - at > FRESH or record.get("status") != job.status:
        return False
    ended = _when(job.undo.get("ended_at")) if job.undo else None
    return ended is None or ended < at


def _ask(job: ImportJob) -> dict:
    """Ask for a count of `job` in place of the one on it; the count on it when another won."""
    old = job.undo_count or {}
    record = {"state": COUNTING, "ask": uuid.uuid4().hex, "asked_at": _now(), "at": None}
    if _replace(job, old.get("ask"), record):
        dispatch.count_undo_later(job)
        return record
    job.refresh_from_db(fields=["undo_count"])
    return shown(job)


def _replace(job: ImportJob, ask: str | None, record: dict) -> bool:
    """Write `record` on `job` if its count is still the one asked by `ask`."""
    found = ImportJob.objects.filter(pk=job.pk)
    asked = Q(undo_count__ask=ask) if ask else ~Q(undo_count__has_key="ask")
    found = found.filter(asked)
    if not found.update(undo_count=record):
        return False
    job.undo_count = record
    return True


def count_asked(job: ImportJob) -> None:
    """Count the undo asked for `job` (the background task); a count started is never rerun."""
    record = job.undo_count or {}
    if record.get("state") != COUNTING or record.get("started_at"):
        return  # replaced meanwhile, or a message delivered twice
    ask = record["ask"]
    if not _replace(job, ask, {**record, "started_at": _now()}):
        return
    try:
        result = {"state": READY, "figures": figures(undo.undo_job(job=job, dry_run=True))}
    except undo.UndoRefused as exc:
        result = {"state": READY, "refusal": str(exc)}
    except Exception:
        failed = {"state": FAILED, "why": ERROR, "at": _now(), "status": job.status}
        _replace(job, ask, {**job.undo_count, **failed})
        raise
    job.refresh_from_db(fields=["status", "undo"])
    _replace(job, ask, {**job.undo_count, **result, "at": _now(), "status": job.status})


def _when(value) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _now() -> str:
    return timezone.now().isoformat()
