"""`import_jobs [--clinic SLUG] [--status S] [--json]`: list import jobs, newest first."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from dentalpin_import.jobs import undo
from dentalpin_import.management import job_lookup
from dentalpin_import.models import ImportJob, JobStatus

HEADERS = ["id", "clinic", "status", "file", "started", "finished", "processed", "warnings"]


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S}" if moment else "-"


def _row(job: ImportJob) -> dict:
    return {
        "id": str(job.pk),
        "clinic": job.clinic.slug,
        "status": job.status,
        "dry_run": job.dry_run,
        "file": job.original_name,
        "started": job.started_at.isoformat() if job.started_at else None,
        "finished": job.finished_at.isoformat() if job.finished_at else None,
        "processed": job.processed_entities,
        "total": job.total_entities,
        "warnings": job.warnings_count,
        "error": job.error,
    }


def _columns(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


class Command(BaseCommand):
    help = (
        "List import jobs, newest first: id, clinic, status, file name, started, finished, "
        "rows processed of total, warnings. A job still marked running whose process has ended "
        "(its clinic's import lock is free) is marked interrupted first: run the same command "
        "again to finish it, or undo it. An undo whose worker died, or that no worker started, "
        "is ended the same way, its job back in the status it had. --json prints the list as "
        "JSON. Exit status 2 for an unknown clinic."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clinic", metavar="SLUG", help="only this clinic's jobs")
        parser.add_argument("--status", choices=JobStatus.values, help="only jobs in this state")
        parser.add_argument(
            "--limit", type=int, default=100, metavar="N", help="at most N jobs (0: all)"
        )
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args, clinic, status, limit, **opts):
        jobs = ImportJob.objects.select_related("clinic").order_by("-created_at")
        chosen = None
        if clinic:
            chosen = job_lookup.clinic_named(clinic)
            jobs = jobs.filter(clinic=chosen)
        undo.notice_dead(clinic=chosen)
        if status:
            jobs = jobs.filter(status=status)
        listed = list(jobs[:limit] if limit > 0 else jobs)
        if opts["json"]:
            self.stdout.write(json.dumps([_row(job) for job in listed], indent=2))
            return
        if not listed:
            self.stdout.write("no import jobs")
            return
        rows = [HEADERS] + [self._cells(job) for job in listed]
        self.stdout.write("\n".join(_columns(rows)))
        more = jobs.count() - len(listed)
        if more > 0:
            self.stdout.write(f"… and {more} older jobs (--limit 0 lists them all)")

    @staticmethod
    def _cells(job: ImportJob) -> list[str]:
        status = job.status + (" (dry run)" if job.dry_run else "")
        return [
            str(job.pk),
            job.clinic.slug,
            status,
            job.original_name or "-",
            _when(job.started_at),
            _when(job.finished_at),
            f"{job.processed_entities}/{job.total_entities}",
            str(job.warnings_count),
        ]
