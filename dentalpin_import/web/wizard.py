"""The import wizard: upload → validate → preview → confirm → the job page.

Each step after the upload names the job in its URL, so two browser tabs
never mix; the session stores nothing about the import. The passphrase lives
only in the request that validates the file (see docs/security.md).
"""

from django.apps import apps
from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clinics.permissions import clinic_permission_required
from clinics.shortcuts import get_for_clinic_or_404
from dentalpin_import.jobs import services
from dentalpin_import.models import AgentToken, ImportJob, JobStatus, TransitionError
from dentalpin_import.web.forms import ConfirmForm, RetryForm, UploadForm


@clinic_permission_required("job_write")
@require_http_methods(["GET", "POST"])
def upload(request):
    request.upload_cap = settings.DPMF_MAX_UPLOAD_BYTES
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and getattr(request, "upload_too_large", False):
        form.add_error(
            "file",
            f"The file is larger than {settings.DPMF_MAX_UPLOAD_BYTES:,} "
            "bytes (DPMF_MAX_UPLOAD_BYTES).",
        )
    elif request.method == "POST" and form.is_valid():
        job = services.stage_upload(
            clinic=request.clinic, user=request.user, uploaded=form.cleaned_data["file"]
        )
        services.validate_upload(job=job, passphrase=form.cleaned_data["passphrase"] or None)
        return redirect("dentalpin_import:job-validate", job_id=job.pk)
    return render(request, "dentalpin_import/wizard/upload.html", {"form": form})


@clinic_permission_required("job_read")
@require_http_methods(["GET", "POST"])
def validate(request, job_id):
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    form = RetryForm(request.POST if request.method == "POST" else None)
    if form.is_bound and job.status == JobStatus.UPLOADED and form.is_valid():
        services.validate_upload(job=job, passphrase=form.cleaned_data["passphrase"])
        return redirect("dentalpin_import:job-validate", job_id=job.pk)
    return render(
        request,
        "dentalpin_import/wizard/validate.html",
        {
            "job": job,
            "form": form,
            "checks": _checks(job),
            "retry": job.status == JobStatus.UPLOADED and job.error,
        },
    )


def _checks(job):
    """Which checks passed, for the validate page."""
    if job.status in (JobStatus.UPLOADED, JobStatus.FAILED) and job.error:
        return [("all checks", False, job.error)]
    if job.status == JobStatus.UPLOADED:
        return []
    meta = job.meta
    encrypted = job.layering in ("enc", "zstd-enc")
    compressed = job.layering in ("zstd", "zstd-enc")
    return [
        ("magic bytes", True, job.layering),
        ("decryption", True, "AES-256-GCM, tag verified" if encrypted else "not encrypted"),
        ("decompression", True, "zstd, complete" if compressed else "not compressed"),
        ("format version", True, meta.get("format_version", "")),
        ("integrity hash", True, meta.get("integrity_hash_computed", "")),
    ]


@clinic_permission_required("job_read")
@require_http_methods(["GET", "POST"])
def preview(request, job_id):
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    if job.status not in (JobStatus.VALIDATED, JobStatus.PREVIEWED):
        return redirect("dentalpin_import:job-detail", job_id=job.pk)
    data = job.meta.get("preview", {})
    offer_verifactu = bool(data.get("verifactu_detected")) and apps.is_installed("verifactu")
    if request.method == "POST":
        if job.status == JobStatus.VALIDATED:
            job.transition_to(JobStatus.PREVIEWED)
        return redirect("dentalpin_import:job-confirm", job_id=job.pk)
    return render(
        request,
        "dentalpin_import/wizard/preview.html",
        {
            "job": job,
            "preview": data,
            "offer_verifactu": offer_verifactu,
            "binaries": data.get("files", {}),
        },
    )


@clinic_permission_required("job_execute")
@require_http_methods(["GET", "POST"])
def confirm(request, job_id):
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    if job.status not in (JobStatus.VALIDATED, JobStatus.PREVIEWED):
        return redirect("dentalpin_import:job-detail", job_id=job.pk)
    data = job.meta.get("preview", {})
    offer_verifactu = bool(data.get("verifactu_detected")) and apps.is_installed("verifactu")
    # An empty POST (no checkbox ticked) is still a submitted form.
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        wanted = offer_verifactu and form.cleaned_data["import_verifactu"]
        try:
            services.start_job(job=job, user=request.user, import_verifactu=wanted)
        except TransitionError:
            return redirect("dentalpin_import:job-detail", job_id=job.pk)
        token = None
        if data.get("files", {}).get("with_sha256"):
            token = AgentToken.issue(job=job, user=request.user)[1]
        return render(
            request, "dentalpin_import/wizard/started.html", {"job": job, "agent_token": token}
        )
    return render(
        request,
        "dentalpin_import/wizard/confirm.html",
        {
            "job": job,
            "preview": data,
            "form": form,
            "offer_verifactu": offer_verifactu,
        },
    )
