"""Undo a job from the web: a confirmation page listing what would go, then the undo itself."""

import re

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clinics.permissions import clinic_permission_required
from clinics.shortcuts import get_for_clinic_or_404
from dentalpin_import.jobs import undo
from dentalpin_import.models import ImportJob
from dentalpin_import.web.refusals import translate_refusal
from dentalpin_import.web.warning_lines import named_rows

# A clinic row as the undo's refusal lists it ("clinics_patient#478").
ROW = re.compile(r"\b(clinics_[a-z]+)#(\d+)\b")


def named_in(clinic, text: str) -> str:
    """`text` with each "clinics_patient#478" replaced by the row's name (its patient, its date)."""
    pairs = [(m.group(1), int(m.group(2))) for m in ROW.finditer(text)]
    names = dict(zip(pairs, named_rows(clinic, pairs), strict=True))
    return ROW.sub(lambda m: f"“{names[(m.group(1), int(m.group(2)))]}”", text)


@clinic_permission_required("job_execute")
@require_http_methods(["GET", "POST"])
def job_undo(request, job_id):
    """GET: the dry run of the undo. POST (with `confirm`): delete what the job created."""
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    force = request.POST.get("force") == "on"
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            plan = undo.undo_job(job=job, force=force, user=request.user)
        except undo.UndoRefused as exc:
            reason = named_in(request.clinic, translate_refusal(str(exc)))
            messages.error(request, _("The undo was refused: %(reason)s") % {"reason": reason})
        else:
            messages.success(
                request,
                _("Undone: %(rows)s clinic rows created by this import were deleted.")
                % {"rows": plan.total_rows},
            )
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
