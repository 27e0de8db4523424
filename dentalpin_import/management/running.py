"""The part every import command shares: the clinic's lock, resuming, open, show, run, report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils import timezone

from dentalpin_import.jobs import cutover_rehearsal, liveness, services
from dentalpin_import.loader.runner import JobCancelled
from dentalpin_import.management import job_lookup
from dentalpin_import.management.output import (
    TOP_CODES,
    ProgressPrinter,
    phase_line,
    rehearsal_lines,
    report_lines,
)
from dentalpin_import.management.passphrase import REFUSED
from dentalpin_import.models import ImportJob, JobStatus
from dentalpin_import.reader.errors import ReadError

FAILED = 1
MSG_CANCELLED = (
    "the import was cancelled (cancel_import or the job page); what it wrote so far stays, "
    "and python manage.py undo_import {job} removes it"
)


def resolve_request(opts: dict):
    """Return (clinic, user or None, path) named by the options; refuse (exit 2) what is unknown.

    The clinic always comes from the command line, never from the file.
    """
    clinic = job_lookup.clinic_named(opts["clinic"])
    user = None
    if opts.get("user"):
        user = get_user_model().objects.filter(username=opts["user"]).first()
        if user is None:
            raise CommandError(f"unknown user '{opts['user']}'", returncode=REFUSED)
    path = Path(opts["file"])
    if not path.is_file():
        raise CommandError(f"no such file: {path}", returncode=REFUSED)
    return clinic, user, path


@contextmanager
def clinic_claimed(clinic):
    """Hold the clinic's import lock for the whole command (dry runs too).

    While another import of the clinic is alive the command is refused (exit 2)
    with the running job's id and what to do; a dead one is marked interrupted
    on the way in, so the same command right after a crash goes ahead at once.
    """
    try:
        with liveness.holding(clinic) as held:
            yield held
    except liveness.ClinicBusy as exc:
        raise CommandError(f"refused: {exc}", returncode=REFUSED) from None


def resumable_job(*, clinic, path: Path, source_kind: str, options: dict) -> ImportJob | None:
    """The job an earlier run of this same command left unfinished, if any.

    That is the most recent failed or interrupted job of the clinic, not a dry
    run, started from the command line (not a web upload) with the same
    options, whose file has the same sha256. The file is hashed only when a
    job of the same size is waiting.
    """
    waiting = ImportJob.objects.filter(
        clinic=clinic,
        status__in=(JobStatus.FAILED, JobStatus.INTERRUPTED),
        dry_run=False,
        source_kind=source_kind,
        file_size=path.stat().st_size,
    ).exclude(file_sha256="")
    candidates = [
        job
        for job in waiting.order_by("-created_at")
        if not job.options.get("rewrapped")
        and all(job.options.get(key) == value for key, value in options.items())
    ]
    if not candidates:
        return None
    sha256 = services.sha256_of(path)
    return next((job for job in candidates if job.file_sha256 == sha256), None)


def import_file(
    command,
    *,
    clinic,
    user,
    path: Path,
    dry_run: bool,
    source_kind: str,
    options: dict,
    open_source: Callable[[ImportJob], AbstractContextManager],
    show: Callable,
) -> dict:
    """Import `path` into `clinic` as a new job, or finish one a crash left; return the report."""
    options = {**options, liveness.COMMAND: True}
    with clinic_claimed(clinic) as held:
        job = None
        if not dry_run:
            job = resumable_job(clinic=clinic, path=path, source_kind=source_kind, options=options)
        if job is not None:
            when = timezone.localtime(job.finished_at or job.heartbeat_at or job.created_at)
            command.stdout.write(f"Resuming job {job.pk} {job.status} at {when:%Y-%m-%d %H:%M:%S}")
            ImportJob.objects.filter(pk=job.pk).update(stored_path=str(path.resolve()))
            job.stored_path = str(path.resolve())
        else:
            job = services.create_job(
                clinic=clinic,
                user=user,
                path=path,
                source_kind=source_kind,
                dry_run=dry_run,
                options=options,
            )
        held.bind(job.pk)
        return run_and_report(
            command,
            job,
            lambda: open_source(job),
            lambda source: show(job, source),
            resumed=job.status != JobStatus.UPLOADED,
        )


def run_and_report(
    command,
    job,
    open_source: Callable[[], AbstractContextManager],
    show: Callable,
    *,
    resumed: bool = False,
) -> dict:
    """Open the job's source, `show` it, import it with a progress bar; return the report.

    A refused source fails the job and exits 2; any other error fails the job
    and exits 1 (rows of chunks already committed stay: running the same
    command again finishes the job). A `resumed` job was validated before: its
    file is checked again as it is opened, and the run goes on from there.
    """
    out = command.stdout
    progress = ProgressPrinter(out._out)

    def on_phase(entry: dict) -> None:
        progress.close()
        out.write(phase_line(entry))

    try:
        with open_source() as source:
            if not resumed:
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
    except liveness.ClinicBusy:
        raise
    except JobCancelled:
        progress.close()
        raise CommandError(MSG_CANCELLED.format(job=job.pk), returncode=FAILED) from None
    except Exception as exc:
        progress.close()
        error = services.failure_message(exc)
        services.fail_job(job=job, error=error)  # stopped before its run: not left uploaded
        raise CommandError(f"import failed: {error}", returncode=FAILED) from exc
    job.refresh_from_db()
    report = services.report(job, elapsed_s=result.elapsed_s)
    codes = Counter(job.warnings.values_list("code", flat=True))
    out.write("\n".join(["", "Report:"] + report_lines(report, codes)))
    if job.dry_run:  # a rehearsal: what to read, and how to import for real
        out.write("\n".join(rehearsal_lines(job, codes, examples=warning_examples(job, codes))))
        out.write("\n".join(cutover_rehearsal.cutover_lines(job)))
    return report


def warning_examples(job: ImportJob, codes: Counter, n: int = TOP_CODES) -> dict[str, str]:
    """One message of each of the `n` most frequent codes, in the words the warning has."""
    examples = {}
    for code, _count in codes.most_common(n):
        first = job.warnings.filter(code=code).order_by("id").values_list("message", flat=True)
        examples[code] = first.first() or ""
    return examples
