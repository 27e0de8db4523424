"""Undo a job from the web: a confirmation page listing what would go, then the ask.

Confirming only asks: the undo runs in the background (jobs.undo.undo_asked)
and the job page follows it, then says how it ended (`state`). The page's
figures of a large job are counted in the background too (jobs.undo_count).
"""

import re

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clinics.permissions import clinic_permission_required
from clinics.shortcuts import get_for_clinic_or_404
from dentalpin_import.jobs import undo, undo_count
from dentalpin_import.models import ImportJob, JobStatus
from dentalpin_import.web.refusals import translate_refusal
from dentalpin_import.web.warning_lines import named_rows

# A clinic row as the undo's refusal lists it ("clinics_patient#478").
ROW = re.compile(r"\b(clinics_[a-z]+)#(\d+)\b")


def named_in(clinic, text: str) -> str:
    """`text` with each "clinics_patient#478" replaced by the row's name (its patient, its date)."""
    pairs = [(m.group(1), int(m.group(2))) for m in ROW.finditer(text)]
    names = dict(zip(pairs, named_rows(clinic, pairs), strict=True))
    return ROW.sub(lambda m: f"“{names[(m.group(1), int(m.group(2)))]}”", text)


def state(job: ImportJob) -> dict | None:
    """What the job page says of the job's last undo (under way, or how it ended), or None."""
    record = job.undo
    if not record:
        return None
    under_way = job.status == JobStatus.UNDOING
    reason = record.get("reason") or ""
    return {
        **record,
        "under_way": under_way,
        "outcome": "" if under_way else record.get("outcome", ""),
        "reason": named_in(job.clinic, translate_refusal(reason)) if reason else "",
    }


def _refused(request, job, reason: str):
    """The confirmation page saying why the undo was not asked (without the dry run)."""
    said = _("The undo was refused: %(reason)s") % {"reason": translate_refusal(reason)}
    context = {"job": job, "figures": None, "refusal": said}
    return render(request, "dentalpin_import/undo_confirm.html", context)


@clinic_permission_required("job_execute")
@require_http_methods(["GET", "POST"])
def job_undo(request, job_id):
    """GET: the dry run of the undo. POST (with `confirm`): ask for it, then the job page."""
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        force = request.POST.get("force") == "on"
        try:
            undo.ask_undo(job=job, force=force, user=request.user)
        except undo.UndoRefused as exc:
            job.refresh_from_db()
            if job.status != JobStatus.UNDOING:
                return _refused(request, job, str(exc))
            # A second click or another tab: the job page shows the undo already asked.
            reason = translate_refusal(str(exc))
            messages.error(request, _("The undo was refused: %(reason)s") % {"reason": reason})
        return redirect("dentalpin_import:job-detail", job_id=job.pk)
    return _confirmation(request, job)


def _confirmation(request, job):
    """The figures of the undo (counted here, or in the background: jobs/undo_count.py).

    While a background count runs the page says so and polls its own address;
    the poll gets the fragment again, or `HX-Refresh` once the count is over.
    """
    polled = bool(request.headers.get("HX-Request"))
    try:
        count = undo_count.for_page(job, polled=polled, again=request.GET.get("again") == "1")
    except undo.UndoRefused as exc:
        count = {"state": undo_count.READY, "refusal": str(exc)}
    state = count.get("state")
    if polled and state != undo_count.COUNTING:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    figures = count.get("figures")
    refusal = count.get("refusal")
    context = {
        "job": job,
        "state": state,
        "failed_why": count.get("why", ""),
        "figures": figures,
        "refusal": translate_refusal(refusal) if refusal else None,
        "changed": named_rows(request.clinic, figures["changed_listed"]) if figures else [],
        "dependents": named_rows(request.clinic, figures["dependents_listed"]) if figures else [],
    }
    template = "dentalpin_import/undo_confirm.html"
    if polled:
        template = "dentalpin_import/partials/undo_counting.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
