"""The sheet preview's row by row list: each row's verdict, its offending cells and why.

The verdicts were decided when the sheet was read (jobs.sheet_rows) and kept
sealed in the job's folder, page by page; this view opens one page of one
verdict. The reasons are shown in the page's language by their code; a code
this list does not know shows the reader's own line.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from clinics.permissions import clinic_permission_required
from clinics.shortcuts import get_for_clinic_or_404
from dentalpin_import.jobs import sheet_rows
from dentalpin_import.models import ImportJob, JobStatus, SourceKind
from dentalpin_import.reader.sheet_vocabularies import expected_in

VERDICT_LABELS = {
    sheet_rows.ALL: _("All rows"),
    sheet_rows.NEW: _("New"),
    sheet_rows.WARNING: _("New, with a warning"),
    sheet_rows.UPDATE: _("Already in the clinic"),
    sheet_rows.UNCHANGED: _("Unchanged"),
    sheet_rows.REFUSED: _("Refused"),
}
VERDICT_HELP = {
    sheet_rows.NEW: _("a new record is created"),
    sheet_rows.WARNING: _("a new record is created; something in the row needs a look"),
    sheet_rows.UPDATE: _("the clinic already has this record: it is updated or linked to it"),
    sheet_rows.UNCHANGED: _("an earlier import brought this very row in: nothing is written"),
    sheet_rows.REFUSED: _("the row is not imported; fix it in the file and import it again"),
}
# Each reason in staff words; `%(column)s` and `%(value)s` come from the row.
REASONS = {
    "missing_value": _("%(column)s is empty"),
    "bad_date": _("%(column)s is not a date (“%(value)s”): write it as YYYY-MM-DD"),
    "ambiguous_date": _(
        "%(column)s “%(value)s” could be day/month or month/day: write it as YYYY-MM-DD"
    ),
    "non_iso_date": _("%(column)s “%(value)s” was read as a date, but is not YYYY-MM-DD"),
    "unknown_value": _("%(column)s: “%(value)s” is not one of the accepted values"),
    "unknown_value#listed": _(
        "%(column)s: “%(value)s” is not one of the accepted values: %(expected)s"
    ),
    "ambiguous_value": _(
        "%(column)s: “%(value)s” may be Mujer (female) or Masculino (male): write the word"
    ),
    "invalid_nhs_number": _("%(column)s “%(value)s” is not a valid NHS number"),
    "bad_email": _("%(column)s “%(value)s” is not an e-mail address"),
    "bad_clinical_code": _("%(column)s “%(value)s” is not a SNOMED CT or ICD-10 code"),
    "extra_values": _("the row has more values than the header has columns"),
    "duplicate_key": _("the same row appears earlier in the sheet; only the first is imported"),
    "patient_not_found": _(
        "no patient of the clinic has this id (import the patients sheet first?)"
    ),
    "patient_ambiguous": _("several patients of the clinic have this id"),
    "patient_linked": _("the clinic already has this patient: the row is linked to them"),
    "patient_matched_by_national_id": _("the patient was found by national id"),
    "patient_matched_by_email": _("the patient was found by e-mail address"),
    "practitioner_not_found": _("no single staff member has this id: imported without one"),
    "staff_role_unknown": _("unknown role: imported as an assistant"),
    "legacy_id_too_long": _("the patient's id is longer than 60 characters"),
    "phone_truncated": _("the phone number was cut to 20 characters"),
    sheet_rows.ALREADY_IMPORTED: _("imported by an earlier run"),
    sheet_rows.CHANGED: _(
        "changed since an earlier run imported it: the clinic's record is updated"
    ),
    sheet_rows.LINKED: _("linked to the clinic's own record"),
    sheet_rows.ROW_FAILED: _("the row could not be turned into a clinic record"),
}


def reason_text(reason: dict) -> str:
    code, expected = reason.get("code", ""), expected_in(reason.get("message", ""))
    template = (expected and REASONS.get(f"{code}#listed")) or REASONS.get(code)
    if template is None:
        return reason.get("message", "")
    return str(template) % {
        "column": reason.get("column") or gettext("a column"),
        "value": reason.get("value", ""),
        "expected": expected,
    }


class _Rows:
    """The kept rows of one verdict as a sequence the paginator can count and slice."""

    def __init__(self, job: ImportJob, verdict: str, count: int):
        self.job, self.verdict, self.count_ = job, verdict, count

    def count(self) -> int:
        return self.count_

    def __len__(self) -> int:
        return self.count_

    def __getitem__(self, bounds: slice) -> list[dict]:
        number = bounds.start // sheet_rows.PAGE_SIZE + 1
        return sheet_rows.read_page(self.job, self.verdict, number) or []


def _page(request, job: ImportJob, verdict: str, totals: dict) -> Page:
    count = totals["rows"] if verdict == sheet_rows.ALL else totals["totals"].get(verdict, 0)
    paginator = Paginator(_Rows(job, verdict, count), sheet_rows.PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def _shown(rows: list[dict], header: list[str]) -> list[dict]:
    shown = []
    for row in rows:
        flagged = {r["index"]: reason_text(r) for r in row["reasons"] if r.get("index") is not None}
        shown.append(
            {
                "line": row["line"],
                "verdict": row["verdict"],
                "label": VERDICT_LABELS[row["verdict"]],
                "cells": [
                    {"value": value, "problem": flagged.get(i)}
                    for i, value in enumerate(row["cells"][: len(header)])
                ],
                "reasons": [reason_text(r) for r in row["reasons"]],
            }
        )
    return shown


def row_filters(job: ImportJob, current: str | None = None) -> list[dict]:
    """The verdicts with their totals (and help), for the filter links; [] when none were kept."""
    totals = job.meta.get("row_preview")
    if not totals:
        return []
    return [
        {
            "verdict": name,
            "label": VERDICT_LABELS[name],
            "count": totals["rows"] if name == sheet_rows.ALL else totals["totals"][name],
            "help": VERDICT_HELP.get(name, ""),
            "current": name == current,
        }
        for name in sheet_rows.FILTERS
    ]


@clinic_permission_required("job_read")
@require_http_methods(["GET"])
def rows(request, job_id):
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id, source_kind=SourceKind.CSV)
    totals = job.meta.get("row_preview")
    if job.status not in (JobStatus.VALIDATED, JobStatus.PREVIEWED) or not totals:
        return redirect("dentalpin_import:sheet-preview", job_id=job.pk)
    verdict = request.GET.get("verdict", sheet_rows.ALL)
    if verdict not in sheet_rows.FILTERS:
        verdict = sheet_rows.ALL
    page = _page(request, job, verdict, totals)
    header = job.meta.get("preview", {}).get("columns", [])
    filters = row_filters(job, verdict)
    context = {
        "job": job,
        "page": page,
        "rows": _shown(list(page.object_list), header),
        "header": header,
        "filters": filters,
        "verdict": verdict,
        "verdict_label": VERDICT_LABELS[verdict],
    }
    return render(request, "dentalpin_import/sheets/rows.html", context)
