"""Job list, job page with live progress (of a run or an undo), warnings, cancel and resume."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clinics.permissions import clinic_permission_required
from clinics.shortcuts import get_for_clinic_or_404
from dentalpin_import.jobs import resuming, services, undo
from dentalpin_import.loader.row_errors import ROW_DUPLICATE
from dentalpin_import.mapping.registry import import_order
from dentalpin_import.models import FINISHED, ImportJob, ImportWarning, JobStatus, TransitionError
from dentalpin_import.web import documents, spreadsheet, warning_lines
from dentalpin_import.web import undo as undo_page

WARNINGS_PER_PAGE = 50


@clinic_permission_required("job_read")
def job_list(request):
    undo.notice_dead(clinic=request.clinic)
    jobs = ImportJob.objects.filter(clinic=request.clinic).order_by("-created_at")[:100]
    return render(request, "dentalpin_import/job_list.html", {"jobs": jobs})


# Every counter of a row of the file the run has dealt with (loader/counts.py `processed`).
DONE = (
    "created",
    "updated",
    "conflicts",
    "already_mapped",
    "raw",
    "skipped",
    "failed",
    "ruled_out",
)


def _progress_rows(job):
    rows = []
    elapsed = job.elapsed_seconds() or 0
    for entity_type in import_order(job.counters):
        c = job.counters[entity_type]
        done = sum(c.get(k, 0) for k in DONE)
        total = c.get("in_file", 0)
        rows.append(
            {
                "type": entity_type,
                "done": done,
                "total": total,
                "percent": round(100 * done / total) if total else 100,
            }
        )
    processed, total = job.processed_entities, job.total_entities
    eta = None
    if job.status == JobStatus.RUNNING and processed and total > processed:
        eta = round(elapsed * (total - processed) / processed)
    percent = round(100 * processed / total) if total else 0
    return rows, percent, eta


def _context(job):
    rows, percent, eta = _progress_rows(job)
    return {
        "job": job,
        "report": services.report(job),
        "rows": rows,
        "percent": percent,
        "eta": eta,
        "finished": job.status in FINISHED,
        "now": timezone.now(),
        "documents": documents.expected(job),
        "resumable": resuming.why_not(job) is None,
        "undo": undo_page.state(job),
    }


def _job_seen_alive_or_dead(request, job_id) -> ImportJob:
    """The clinic's job; marked interrupted first if it is running with no live process.

    An undo nobody runs any more (its process died, or no worker took it) ends
    here too, so the page says so and the undo can be asked again.
    """
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    if job.status == JobStatus.RUNNING and services.mark_stale_jobs_interrupted(job=job):
        job.refresh_from_db()
    if job.status == JobStatus.UNDOING and undo.recover_dead(job=job):
        job.refresh_from_db()
    return job


@clinic_permission_required("job_read")
def job_detail(request, job_id):
    job = _job_seen_alive_or_dead(request, job_id)
    context = {**_context(job), **documents.page_context(request, job)}
    return render(request, "dentalpin_import/job_detail.html", context)


@clinic_permission_required("job_read")
def job_progress(request, job_id):
    """The small fragment the job page polls while the job runs."""
    job = _job_seen_alive_or_dead(request, job_id)
    response = render(request, "dentalpin_import/partials/progress.html", _context(job))
    if request.headers.get("HX-Request") and job.status in FINISHED:
        # The report is part of the whole page: reload it once the run is over.
        response["HX-Refresh"] = "true"
    return response


def _filtered_warnings(request, job):
    warnings = ImportWarning.objects.filter(job=job, clinic=request.clinic).order_by("id")
    code, severity = request.GET.get("code", "").strip(), request.GET.get("severity", "")
    kind = request.GET.get("type", "").strip()
    if kind:  # a record kind, as the report's figures link to them
        warnings = warnings.filter(entity_type=kind)
    if code:
        warnings = warnings.filter(code__startswith=code)
    if severity in ("info", "warn", "error"):
        warnings = warnings.filter(severity=severity)
    elif severity == "attention":  # what the report's headline counts
        warnings = warnings.filter(severity__in=("warn", "error"))
    outcome = request.GET.get("outcome")
    if outcome in warning_lines.OUTCOMES:  # rows left out by a rule or for a problem: skip markers
        by_rule = outcome == "left_out" if warning_lines.told_apart(job) else None
        left_out = Q(canonical_uuid__in=warning_lines.left_out_keys(job, by_rule))
        warnings = warnings.filter(left_out if by_rule else left_out | Q(code=ROW_DUPLICATE))
    return warnings, code, severity


@clinic_permission_required("job_read")
def job_warnings(request, job_id):
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    warnings, code, severity = _filtered_warnings(request, job)
    page = Paginator(warnings, WARNINGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "dentalpin_import/warnings.html",
        {
            "job": job,
            "page": page,
            "code": code,
            "severity": severity,
            **warning_lines.page_context(request, job, page),
        },
    )


# The warnings spreadsheet: first the columns support and scripts read (codes, the old system's
# ids, the English text, as the manual promises), then the warning as the page says it, in the
# reader's language. Headings in the reader's language.
CSV_HEADINGS = (
    gettext_lazy("record kind (code)"),
    gettext_lazy("source id"),
    gettext_lazy("source key"),
    gettext_lazy("severity"),
    gettext_lazy("code"),
    gettext_lazy("message (English)"),
    gettext_lazy("record kind"),
    gettext_lazy("record"),
    gettext_lazy("what happened"),
)
CSV_CHUNK = 500  # warnings named per look-up of their records


def _chunks(rows, size: int):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@clinic_permission_required("job_read")
def job_warnings_csv(request, job_id):
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    warnings, _, _ = _filtered_warnings(request, job)
    response, writer = spreadsheet.csv_download(request, f"warnings-{job.pk}.csv")
    writer.writerow([str(heading) for heading in CSV_HEADINGS])
    for chunk in _chunks(warnings.iterator(), CSV_CHUNK):
        for line in warning_lines.lines(request.clinic, chunk, job.source_system):
            w = line.warning
            row = [w.entity_type, w.source_id, w.canonical_uuid, w.severity, w.code, w.message]
            row += [line.kind, line.record, line.text]
            writer.writerow([inert_cell(value) for value in row])
    return response


# What makes a spreadsheet read a cell as a formula (OWASP's list of CSV injection triggers).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(value: str) -> str:
    """A value from the file as text a spreadsheet shows and never evaluates.

    Source ids, entity types and messages come from the imported file: a leading
    quote keeps `=HYPERLINK(...)` from becoming a live formula on the staff's machine.
    """
    value = value or ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


@clinic_permission_required("job_execute")
@require_POST
def job_cancel(request, job_id):
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    try:
        services.cancel_job(job=job, user=request.user)
    except TransitionError:
        pass
    return redirect("dentalpin_import:job-detail", job_id=job.pk)


@clinic_permission_required("job_execute")
@require_POST
def job_resume(request, job_id):
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    try:
        services.resume_job(job=job, user=request.user)
    except resuming.NotResumable as exc:
        messages.error(request, str(exc))
    except TransitionError:
        pass  # resumed meanwhile by another click: the page shows it running
    return redirect("dentalpin_import:job-detail", job_id=job.pk)
