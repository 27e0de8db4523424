"""Job list and job detail pages of the selected clinic."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from clinics.shortcuts import get_for_clinic_or_404
from dentalpin_import.jobs import services
from dentalpin_import.models import ImportJob


def _require_clinic(request):
    if request.clinic is None:
        raise PermissionDenied("You are not a member of any clinic.")


@login_required
def job_list(request):
    _require_clinic(request)
    jobs = ImportJob.objects.filter(clinic=request.clinic).order_by("-created_at")[:100]
    return render(request, "dentalpin_import/job_list.html", {"jobs": jobs})


@login_required
def job_detail(request, job_id):
    _require_clinic(request)
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    return render(
        request, "dentalpin_import/job_detail.html", {"job": job, "report": services.report(job)}
    )
