"""The sheet flow: upload a sheet or workbook → (its sheet, its columns) → preview → confirm.

A workbook of several sheets, or headers the importer does not recognise, wait
on their own steps (web/sheet_columns.py) before the sheet is read; the
preview links to every row's verdict (web/sheet_rows.py).

A large sheet (CSV_BACKGROUND_VALIDATE_BYTES) is read in the background: its
preview address shows the read's progress until the preview is ready, then
reloads itself (htmx polls that same address).

The job page (`/import/jobs/<id>/`) then shows progress and the report, as for
a DPMF file. The upload is staged in the job's private folder and re-wrapped
under the server key once read; the background run reads that copy.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from clinics.permissions import clinic_permission_required, has_clinic_perm
from clinics.shortcuts import get_for_clinic_or_404
from dentalpin_import.jobs import services, sheet_columns, sheet_preview, validation
from dentalpin_import.models import ImportJob, JobStatus, SourceKind, TransitionError
from dentalpin_import.reader.sheet_specs import SHEETS
from dentalpin_import.web.sheet_columns import KIND_LABELS, STEP_URLS, columns_read_as
from dentalpin_import.web.sheet_rows import row_filters

SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".ods")
READY = (JobStatus.VALIDATED, JobStatus.PREVIEWED)
ENCODINGS = (
    ("", _("Detect automatically")),
    ("utf-8", "UTF-8"),
    ("utf-8-sig", _("UTF-8 with BOM")),
    ("utf-16", _("UTF-16 with BOM")),
    ("windows-1252", "Windows-1252"),
    ("iso-8859-1", "Latin-1 (ISO-8859-1)"),
    ("mac-roman", "Mac Roman"),
    ("cp850", "MS-DOS (cp850)"),
)


class SheetUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Sheet or workbook"), help_text=_(".csv, .tsv, .txt, .xlsx, .xls or .ods")
    )
    sheet = forms.ChoiceField(
        label=_("Sheet"),
        required=False,
        choices=[("", _("Recognise it from the header"))]
        # The labels' translations live with the refusal lines that name them too.
        + [(s.name, _(s.label)) for s in SHEETS.values()],
    )
    encoding = forms.ChoiceField(label=_("Encoding"), required=False, choices=ENCODINGS)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(SUFFIXES):
            raise forms.ValidationError(
                _("Choose a sheet: a .csv, .tsv or .txt file, or an .xlsx, .xls or .ods workbook.")
            )
        return upload


class SheetConfirmForm(forms.Form):
    dry_run = forms.BooleanField(
        label=_("Dry run: do everything, then roll it back"), required=False
    )


@clinic_permission_required("job_write")
@require_http_methods(["GET", "POST"])
def upload(request):
    request.upload_cap = settings.CSV_MAX_SHEET_BYTES
    form = SheetUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and getattr(request, "upload_too_large", False):
        # Bound even when the cap stopped the body before any field was read; the
        # cap, not a missing file, is what the page says.
        form = SheetUploadForm(request.POST, request.FILES)
        form.errors.pop("file", None)
        form.add_error(
            "file",
            _("The sheet is larger than %(limit)s bytes (CSV_MAX_SHEET_BYTES); split it.")
            % {"limit": f"{settings.CSV_MAX_SHEET_BYTES:,}"},
        )
        return _upload_page(request, form, status=413)
    elif request.method == "POST" and form.is_valid():
        job = services.stage_sheet_upload(
            clinic=request.clinic,
            user=request.user,
            uploaded=form.cleaned_data["file"],
            sheet=form.cleaned_data["sheet"] or None,
            encoding=form.cleaned_data["encoding"] or None,
        )
        if job.status != JobStatus.UPLOADED:
            return redirect("dentalpin_import:sheet-preview", job_id=job.pk)
        # Unknown headers or a workbook of several sheets wait for staff (web/sheet_columns.py).
        decision = sheet_columns.decide(job)
        if decision.step != sheet_columns.READY:
            return redirect(STEP_URLS[decision.step], job_id=job.pk)
        services.submit_sheet_for_validation(job=job)
        return redirect("dentalpin_import:sheet-preview", job_id=job.pk)
    return _upload_page(request, form)


def _upload_page(request, form, status=200):
    # Blank templates to download, one per kind of sheet (web/sheet_columns.template).
    context = {"form": form, "sheet_kinds": list(KIND_LABELS.items())}
    return render(request, "dentalpin_import/sheets/upload.html", context, status=status)


def _sheet_job(request, job_id) -> ImportJob:
    return get_for_clinic_or_404(request, ImportJob, pk=job_id, source_kind=SourceKind.CSV)


@clinic_permission_required("job_read")
@require_http_methods(["GET"])
def preview(request, job_id):
    job = _sheet_job(request, job_id)
    waiting = sheet_columns.waiting(job) if job.status == JobStatus.UPLOADED else None
    if waiting is not None:
        return redirect(STEP_URLS[waiting["step"]], job_id=job.pk)
    if validation.sheet_checking(job):
        return _checking(request, job)
    if request.headers.get("HX-Request"):
        # The checking page's poll, once the read is over: load the preview (or the refusal).
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    if job.status not in READY and not (job.status == JobStatus.FAILED and not job.started_at):
        return redirect("dentalpin_import:job-detail", job_id=job.pk)
    return render(
        request,
        "dentalpin_import/sheets/preview.html",
        {
            "job": job,
            "preview": sheet_preview.unseal(job.meta.get("preview", {})),
            "missing_columns": job.meta.get("missing_columns", []),
            "refused": job.status == JobStatus.FAILED,
            "form": SheetConfirmForm(),
            "may_execute": has_clinic_perm(request.user, request.clinic, "job_execute"),
            "may_write": has_clinic_perm(request.user, request.clinic, "job_write"),
            "rows": row_filters(job),
            "mapping": sheet_columns.mapping_of(job),
            "read_as": columns_read_as(job),
        },
    )


def _checking(request, job: ImportJob):
    """The page of a sheet read in the background; its poll (same address) gets the fragment."""
    context = {"job": job, **validation.sheet_progress(job)}
    if request.headers.get("HX-Request"):
        template = "dentalpin_import/sheets/partials/checking.html"
    else:
        template = "dentalpin_import/sheets/checking.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@clinic_permission_required("job_execute")
@require_POST
def confirm(request, job_id):
    job = _sheet_job(request, job_id)
    if validation.sheet_checking(job):
        messages.error(
            request,
            _(
                "The sheet is still being checked, so nothing was started. Start the import "
                "from its preview, which appears on this page when the check is over."
            ),
        )
        return redirect("dentalpin_import:sheet-preview", job_id=job.pk)
    form = SheetConfirmForm(request.POST)
    if job.status in READY and form.is_valid():
        if form.cleaned_data["dry_run"]:
            ImportJob.objects.filter(pk=job.pk).update(dry_run=True)
            job.dry_run = True
        try:
            services.start_job(job=job, user=request.user)
        except TransitionError:
            pass  # already started (a second click): the job page tells the truth
    return redirect("dentalpin_import:job-detail", job_id=job.pk)
