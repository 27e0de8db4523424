"""After a dry run in the browser: "Import for real" on the same validated file, no upload again.

The rehearsal's job page says that nothing was saved and offers the button
(`partials/rehearsal.html`); the POST here makes the real job from the
rehearsal's validated copy (`jobs.rehearsal.import_for_real`), starts it like
the wizard's confirm step does, and shows the same "started" page, with the
sync agent's token when the file lists documents.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinics.permissions import clinic_permission_required
from clinics.shortcuts import get_for_clinic_or_404
from dentalpin_import.jobs import rehearsal, services
from dentalpin_import.models import ImportJob, JobStatus, TransitionError


@clinic_permission_required("job_execute")
@require_POST
def import_for_real(request, job_id):
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    try:
        real = rehearsal.import_for_real(
            job=job, user=request.user, staging_dir=services.staging_dir
        )
    except rehearsal.NotRehearsable as exc:
        messages.error(request, str(exc))
        return redirect("dentalpin_import:job-detail", job_id=job.pk)
    if real.status != JobStatus.PREVIEWED:  # made by an earlier click: it runs, or ran
        return redirect("dentalpin_import:job-detail", job_id=real.pk)
    try:
        token = services.start_job(job=real, user=request.user)
    except TransitionError:
        return redirect("dentalpin_import:job-detail", job_id=real.pk)
    context = {
        "job": real,
        "agent_token": token,
        "documents_listed": services.lists_documents(real),
    }
    return render(request, "dentalpin_import/wizard/started.html", context)
