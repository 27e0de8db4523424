"""Undo a job from the web: a confirmation page listing what would go, then the ask.

Confirming only asks: the undo runs in the background (jobs.undo.undo_asked)
and the job page follows it, then says how it ended (`state`).
"""

import re

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clinics.permissions import clinic_permission_required
from clinics.shortcuts import get_for_clinic_or_404
from dentalpin_import.jobs import undo
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
    context = {"job": job, "plan": None, "refusal": said, "tables": []}
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
    try:
        plan, refusal = undo.undo_job(job=job, dry_run=True), None
    except undo.UndoRefused as exc:
        plan, refusal = None, translate_refusal(str(exc))
    return render(
        request,
        "dentalpin_import/undo_confirm.html",
        {
            "job": job,
            "plan": plan,
            "refusal": refusal,
            "tables": sorted((t, len(ids)) for t, ids in plan.rows.items()) if plan else [],
            "changed": named_rows(request.clinic, plan.changed[:20]) if plan else [],
            "dependents": named_rows(request.clinic, plan.dependents[:20]) if plan else [],
        },
    )
