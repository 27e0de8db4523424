"""The sheet wizard's waiting steps: which sheet of a workbook, which field each column fills.

A sheet whose headers the reader does not recognise waits on the column page
(jobs.sheet_columns): every column with a few sample values and a choice of
fields, in the page's language, or "ignore". The answer is checked (a field
the kind of sheet has not, one field for two columns, a required field left
without a column: each named), saved for the clinic and the sheet is read with
it. The mapping in use downloads as the JSON file the commands take (`--mapping`).
"""

from __future__ import annotations

import json

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from clinics.permissions import clinic_permission_required
from clinics.shortcuts import get_for_clinic_or_404
from dentalpin_import.jobs import services, sheet_columns, validation
from dentalpin_import.models import ImportJob, JobStatus, SourceKind
from dentalpin_import.reader import sheet_templates
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.sheet_fields import LANGUAGES, SHEET_TYPES
from dentalpin_import.reader.sheet_headers import (
    MAX_MAPPING_BYTES,
    SheetMapping,
    fields_of,
    recognise,
)
from dentalpin_import.web.refusals import translate_refusal

IGNORE = ""
KIND_LABELS = {
    "patients": _("Patient demographics"),
    "clinical_background": _("Clinical background"),
    "clinical_notes": _("Clinical notes"),
    "medications": _("Medications"),
}


def _waiting_job(request, job_id) -> tuple[ImportJob, dict | None]:
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id, source_kind=SourceKind.CSV)
    shown = sheet_columns.waiting(job) if job.status == JobStatus.UPLOADED else None
    return job, shown


def _leave(job: ImportJob, shown: dict | None = None):
    """Where a job not waiting for this step is shown: its own step, its preview, its page."""
    if shown is not None:
        return redirect(STEP_URLS[shown["step"]], job_id=job.pk)
    if validation.sheet_checking(job):  # read in the background: its progress is there
        return redirect("dentalpin_import:sheet-preview", job_id=job.pk)
    if job.status in (JobStatus.VALIDATED, JobStatus.PREVIEWED, JobStatus.FAILED):
        if not job.started_at:
            return redirect("dentalpin_import:sheet-preview", job_id=job.pk)
    return redirect("dentalpin_import:job-detail", job_id=job.pk)


class ColumnsForm(forms.Form):
    """One choice per column of the sheet: a field of the chosen kind of sheet, or ignore it."""

    def __init__(self, *args, kind: str, headers: list[str], initial_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.headers = kind, headers
        choices = [(IGNORE, _("Ignore this column"))] + [
            (f.name, f"{f.label} *" if f.required else str(f.label)) for f in fields_of(kind)
        ]
        for i, header in enumerate(headers):
            initial = initial_fields[i] if i < len(initial_fields) else None
            self.fields[f"col-{i}"] = forms.ChoiceField(
                label=header or gettext("Column %(n)s (no header)") % {"n": i + 1},
                choices=choices,
                required=False,
                initial=initial or IGNORE,
            )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        by_field: dict[str, list[str]] = {}
        for i, header in enumerate(self.headers):
            name = data.get(f"col-{i}") or None
            if name:
                by_field.setdefault(name, []).append(header or str(i + 1))
        labels = {f.name: str(f.label) for f in fields_of(self.kind)}
        for name, columns in by_field.items():
            if len(columns) > 1:
                self.add_error(
                    None,
                    _("Columns %(columns)s are all set to “%(field)s”; choose one of them.")
                    % {"columns": ", ".join(f"“{c}”" for c in columns), "field": labels[name]},
                )
        missing = [f for f in fields_of(self.kind) if f.required and f.name not in by_field]
        if missing:
            self.add_error(
                None,
                _("Choose a column for every required field. Still without a column: %(fields)s.")
                % {"fields": ", ".join(str(f.label) for f in missing)},
            )
        self._check_same_headers(data)
        return data

    def _check_same_headers(self, data) -> None:
        """Two columns with one header can only be told apart if both are read the same way."""
        seen: dict[str, str | None] = {}
        for i, header in enumerate(self.headers):
            name = data.get(f"col-{i}") or None
            if header in seen and seen[header] != name:
                self.add_error(
                    None,
                    _(
                        "Two columns are headed “%(header)s” and would be read differently; "
                        "rename one of them in the file and upload it again."
                    )
                    % {"header": header},
                )
                return
            seen[header] = name

    def mapping(self) -> SheetMapping:
        columns = {h: self.cleaned_data.get(f"col-{i}") or None for i, h in enumerate(self.headers)}
        return SheetMapping(self.kind, columns)


def _kind(request, shown: dict) -> str:
    asked = request.POST.get("kind") or request.GET.get("kind")
    if asked in SHEET_TYPES:
        return asked
    return shown.get("closest") or "patients"


def _columns_context(job, shown, form, kind) -> dict:
    samples = shown["samples"]
    columns = [
        {
            "field": form[f"col-{i}"],
            "header": header,
            "samples": [row[i] for row in samples if i < len(row) and row[i].strip()][:3],
        }
        for i, header in enumerate(shown["headers"])
    ]
    labels = {f.name: f.label for f in fields_of(kind)}
    return {
        "job": job,
        "form": form,
        "kind": kind,
        "kinds": [(name, KIND_LABELS.get(name, name)) for name in SHEET_TYPES],
        "columns": columns,
        "missing": [labels.get(name, name) for name in shown.get("missing", [])]
        if kind == shown.get("closest")
        else [],
    }


def columns_read_as(job: ImportJob) -> list[dict]:
    """Each column of a read sheet with the field it was read as (None: not used)."""
    preview = job.meta.get("preview", {})
    headers, kind = preview.get("columns", []), preview.get("sheet")
    if kind not in SHEET_TYPES:
        return []
    match = recognise(headers, sheet_columns.mapping_of(job), sheet_type=kind)
    labels = {f.name: f.label for f in fields_of(kind)}
    return [
        {"header": header, "field": labels.get(name) if name else None}
        for header, name in zip(headers, match.columns, strict=False)
    ]


@clinic_permission_required("job_write")
@require_http_methods(["GET", "POST"])
def columns(request, job_id):
    job, shown = _waiting_job(request, job_id)
    if shown is None or shown["step"] != sheet_columns.COLUMNS:
        return _leave(job, shown)
    kind = _kind(request, shown)
    # The clinic's saved choice for these headers, when of this kind, is where staff start from.
    saved = sheet_columns.saved_mapping(job.clinic, shown["headers"])
    mapping = saved.as_mapping() if saved is not None and saved.sheet_type == kind else None
    initial = recognise(shown["headers"], mapping, sheet_type=kind).columns
    if request.method == "POST" and "upload" in request.POST:
        return _apply_file(request, job, shown, kind)
    if request.method == "POST" and "save" in request.POST:
        form = ColumnsForm(request.POST, kind=kind, headers=shown["headers"])
        if form.is_valid():
            mapping = form.mapping()
            sheet_columns.save_mapping(
                job=job, user=request.user, mapping=mapping, headers=shown["headers"]
            )
            document = json.loads(mapping.to_json())
            sheet_columns.unpark(job, mapping=document, sheet=mapping.sheet_type)
            return _read(job)
    else:
        form = ColumnsForm(kind=kind, headers=shown["headers"], initial_fields=initial)
    context = _columns_context(job, shown, form, kind)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "dentalpin_import/sheets/columns.html", context, status=status)


def _apply_file(request, job: ImportJob, shown: dict, kind: str):
    """Read the sheet with a mapping file staff uploaded (one they downloaded before)."""
    upload = request.FILES.get("mapping_file")
    error = _("Choose the mapping file (.json) to use.")
    if upload is not None:
        try:
            mapping = SheetMapping.from_json(upload.read(MAX_MAPPING_BYTES + 1))
        except ReadError as exc:
            error = translate_refusal(str(exc))
        else:
            match = recognise(shown["headers"], mapping)
            if match.sheet_type is not None and not match.repeated:
                sheet_columns.save_mapping(
                    job=job, user=request.user, mapping=mapping, headers=shown["headers"]
                )
                document = json.loads(mapping.to_json())
                sheet_columns.unpark(job, mapping=document, sheet=mapping.sheet_type)
                return _read(job)
            labels = {f.name: str(f.label) for f in fields_of(mapping.sheet_type)}
            error = _(
                "This mapping file does not fit this sheet: no column for %(fields)s. "
                "Choose the columns below instead."
            ) % {"fields": ", ".join(labels.get(n, n) for n in match.missing_required)}
    form = ColumnsForm(
        kind=kind, headers=shown["headers"], initial_fields=recognise(shown["headers"]).columns
    )
    context = dict(_columns_context(job, shown, form, kind), file_error=error)
    return render(request, "dentalpin_import/sheets/columns.html", context, status=400)


def _read(job: ImportJob):
    """Read the sheet with what staff chose; a sheet still not recognised waits again."""
    decision = sheet_columns.decide(job)
    if decision.step != sheet_columns.READY:
        return redirect(STEP_URLS[decision.step], job_id=job.pk)
    services.submit_sheet_for_validation(job=job)  # a large one in the background
    return redirect("dentalpin_import:sheet-preview", job_id=job.pk)


class WorksheetForm(forms.Form):
    worksheet = forms.ChoiceField(label=_("Sheet of the workbook"))

    def __init__(self, *args, names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worksheet"].choices = [(n, n) for n in names]


@clinic_permission_required("job_write")
@require_http_methods(["GET", "POST"])
def worksheet(request, job_id):
    job, shown = _waiting_job(request, job_id)
    if shown is None or shown["step"] != sheet_columns.WORKSHEET:
        return _leave(job, shown)
    names = shown["worksheets"]
    form = WorksheetForm(
        request.POST or None, names=names, initial={"worksheet": shown.get("proposed")}
    )
    if request.method == "POST" and form.is_valid():
        sheet_columns.unpark(job, worksheet=form.cleaned_data["worksheet"])
        return _read(job)
    context = {"job": job, "form": form, "proposed": shown.get("proposed")}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "dentalpin_import/sheets/worksheet.html", context, status=status)


@clinic_permission_required("job_write")
@require_POST
def read_again(request, job_id):
    """Read a previewed sheet's columns differently: back to the column step, in a new job."""
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id, source_kind=SourceKind.CSV)
    if job.status not in (JobStatus.VALIDATED, JobStatus.PREVIEWED) or job.started_at:
        return _leave(job)
    new = sheet_columns.read_again(job=job, user=request.user)
    return redirect("dentalpin_import:sheet-columns", job_id=new.pk)


@clinic_permission_required("job_read")
@require_http_methods(["GET"])
def mapping_json(request, job_id):
    """The column mapping the job's sheet was read with, as the file `--mapping` takes."""
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id, source_kind=SourceKind.CSV)
    mapping = sheet_columns.mapping_of(job)
    if mapping is None:
        return redirect("dentalpin_import:sheet-preview", job_id=job.pk)
    response = HttpResponse(mapping.to_json(), content_type="application/json; charset=utf-8")
    name = f"column-mapping-{mapping.sheet_type}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


STEP_URLS = {
    sheet_columns.COLUMNS: "dentalpin_import:sheet-columns",
    sheet_columns.WORKSHEET: "dentalpin_import:sheet-worksheet",
}


@clinic_permission_required("job_write")
@require_http_methods(["GET"])
def template(request, sheet_type: str, fmt: str):
    """A blank template of one kind of sheet, headers in the page's language, one example row."""
    if sheet_type not in SHEET_TYPES or fmt not in sheet_templates.FORMATS:
        raise Http404("no such template")
    language = (get_language() or "en").split("-")[0]
    language = language if language in LANGUAGES else "en"
    data = sheet_templates.template_bytes(sheet_type, fmt, language)
    response = HttpResponse(data, content_type=sheet_templates.CONTENT_TYPES[fmt])
    name = sheet_templates.file_name(sheet_type, fmt, language)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
