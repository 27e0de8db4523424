"""The job's report and reconciliation, downloadable as JSON (same shape as `--report-json`)."""

import json

from django.http import HttpResponse

from clinics.permissions import clinic_permission_required
from clinics.shortcuts import get_for_clinic_or_404
from dentalpin_import.jobs import services
from dentalpin_import.models import ImportJob


@clinic_permission_required("job_read")
def job_report_json(request, job_id):
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    body = json.dumps(services.report(job), indent=2, ensure_ascii=False) + "\n"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="report-{job.pk}.json"'
    return response
