"""The part every import command shares: open, show, run with progress, report, exit status."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from clinics.models import Clinic
from dentalpin_import.jobs import services
from dentalpin_import.management.output import ProgressPrinter, phase_line, report_lines
from dentalpin_import.management.passphrase import REFUSED
from dentalpin_import.reader.errors import ReadError

FAILED = 1


def resolve_request(opts: dict):
    """Return (clinic, user or None, path) named by the options; refuse (exit 2) what is unknown.

    The clinic always comes from the command line, never from the file.
    """
    clinic = Clinic.objects.filter(slug=opts["clinic"]).first()
    if clinic is None:
        raise CommandError(f"unknown clinic '{opts['clinic']}'", returncode=REFUSED)
    user = None
    if opts.get("user"):
        user = get_user_model().objects.filter(username=opts["user"]).first()
        if user is None:
            raise CommandError(f"unknown user '{opts['user']}'", returncode=REFUSED)
    path = Path(opts["file"])
    if not path.is_file():
        raise CommandError(f"no such file: {path}", returncode=REFUSED)
    return clinic, user, path


def run_and_report(
    command, job, open_source: Callable[[], AbstractContextManager], show: Callable
) -> dict:
    """Open the job's source, `show` it, import it with a progress bar; return the report.

    A refused source fails the job and exits 2; any other error exits 1 (rows of
    chunks already committed stay: running the same command again finishes the job).
    """
    out = command.stdout
    progress = ProgressPrinter(out._out)

    def on_phase(entry: dict) -> None:
        progress.close()
        out.write(phase_line(entry))

    try:
        with open_source() as source:
            services.validate_job(job=job, container=source)
            show(source)
            out.write("Importing" + (" (dry run)" if job.dry_run else "") + ":")
            result = services.run_job(
                job=job,
                container=source,
                progress=progress,
                on_phase=on_phase,
                user=job.created_by,
            )
            progress.close()
    except ReadError as exc:
        services.refuse_job(job=job, error=exc)
        raise CommandError(f"refused: {exc}", returncode=REFUSED) from None
    except Exception as exc:
        progress.close()
        raise CommandError(
            f"import failed: {type(exc).__name__}: {exc}", returncode=FAILED
        ) from exc
    job.refresh_from_db()
    report = services.report(job, elapsed_s=result.elapsed_s)
    codes = Counter(job.warnings.values_list("code", flat=True)) if not job.dry_run else None
    out.write("\n".join(["", "Report:"] + report_lines(report, codes)))
    return report
