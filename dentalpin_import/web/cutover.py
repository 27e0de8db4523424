"""A cutover job's conflicts (filter, pages, CSV, take the file's value) and its missing rows.

A conflict is a field changed both in the old system and in the clinic since the
earlier import: the clinic's value was kept. Staff with the execute permission
may take the file's value for the conflicts they select. Missing rows are rows
an earlier file brought that the later one no longer has: never deleted, listed.
Another clinic's job is a 404 (`get_for_clinic_or_404`).
"""

from __future__ import annotations

import csv
import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from clinics.permissions import clinic_permission_required, has_clinic_perm
from clinics.shortcuts import get_for_clinic_or_404
from dentalpin_import.jobs import audit, liveness
from dentalpin_import.loader import merge
from dentalpin_import.models import FINISHED, AuditAction, ImportJob, JobStatus, Resolution
from dentalpin_import.names import entity_label
from dentalpin_import.web.cutover_values import (
    field_label,
    missing_names,
    shown_conflicts,
)
from dentalpin_import.web.jobs import inert_cell
from dentalpin_import.web.refusals import translate_refusal

PER_PAGE = 50
ID = re.compile(r"[0-9]{1,18}")  # a conflict id as the form posts it; anything else is ignored
AUDITED_IDS = 1000  # the audit entry names this many conflicts, and counts them all
BOM = "\ufeff"  # Excel opens a UTF-8 file as UTF-8 only when it starts with one


def _filters(params) -> dict[str, str]:
    """The filters of the list: a record kind, a field, an outcome ("" for any)."""
    wanted = {k: params.get(k, "").strip() for k in ("type", "field", "resolution")}
    if wanted["resolution"] not in Resolution.values:
        wanted["resolution"] = ""
    return wanted


def _conflicts(request, job, wanted: dict):
    conflicts = job.conflicts.filter(clinic=request.clinic).order_by("id")
    if wanted.get("type"):
        conflicts = conflicts.filter(entity_type=wanted["type"])
    if wanted.get("field"):
        conflicts = conflicts.filter(field=wanted["field"])
    if wanted.get("resolution"):
        conflicts = conflicts.filter(resolution=wanted["resolution"])
    return conflicts


def _choices(job, clinic):
    everything = job.conflicts.filter(clinic=clinic)
    kinds = everything.values_list("entity_type", flat=True).distinct().order_by("entity_type")
    fields = (
        everything.values_list("target_table", "field").distinct().order_by("target_table", "field")
    )
    labels: dict[str, str] = {}
    for table, name in fields:
        labels.setdefault(name, field_label(table, name))
    return (
        [(k, entity_label(k, 2)) for k in kinds],
        sorted(labels.items(), key=lambda item: item[1]),
    )


@clinic_permission_required("job_read")
def job_conflicts(request, job_id):
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    wanted = _filters(request.GET)
    conflicts = _conflicts(request, job, wanted)
    page = Paginator(conflicts, PER_PAGE).get_page(request.GET.get("page"))
    kinds, fields = _choices(job, request.clinic)
    query = urlencode({k: v for k, v in wanted.items() if v})
    return render(
        request,
        "dentalpin_import/cutover/conflicts.html",
        {
            "job": job,
            "page": page,
            "rows": shown_conflicts(request.clinic, page.object_list),
            "wanted": wanted,
            "query": query,
            "kinds": kinds,
            "fields": fields,
            "resolutions": Resolution.choices,
            "kept_shown": conflicts.filter(resolution=Resolution.KEPT_CLINIC).count(),
            "can_take": has_clinic_perm(request.user, request.clinic, "job_execute")
            and _take_refusal(job) is None,
            "take_refusal": None if job.dry_run else _take_refusal(job),
        },
    )


@clinic_permission_required("job_read")
def job_conflicts_csv(request, job_id):
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="conflicts-{job.pk}.csv"'
    response.write(BOM)
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Kind of record"),
            _("Record"),
            _("Id in the old system"),
            _("Field"),
            _("Value at the import"),
            _("Value in the clinic"),
            _("Value in the file"),
            _("Outcome"),
        ]
    )
    conflicts = _conflicts(request, job, _filters(request.GET))
    for start in range(0, conflicts.count(), 500):
        for s in shown_conflicts(request.clinic, conflicts[start : start + 500]):
            c = s.conflict
            cells = [
                s.kind,
                s.record,
                c.source_id,
                s.field,
                s.at_import,
                s.clinic,
                s.file,
                c.get_resolution_display(),
            ]
            writer.writerow([inert_cell(str(cell)) for cell in cells])
    return response


@clinic_permission_required("job_execute")
@require_POST
def job_conflicts_take(request, job_id):
    """Take the file's value for the selected conflicts the clinic's value was kept for."""
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    back = reverse("dentalpin_import:job-conflicts", args=[job.pk])
    if kept := {k: v for k, v in _filters(request.POST).items() if v}:
        back += "?" + urlencode(kept)  # back to the same filtered list
    ids = [int(i) for i in request.POST.getlist("conflict") if ID.fullmatch(i)]
    every = request.POST.get("every") == "1"  # every conflict the filter shows
    if not ids and not every and _take_refusal(job) is None:
        messages.error(request, _("Select at least one conflict, then take the file's values."))
        return redirect(back)
    try:
        # Under the clinic's lock: an undo or a run of the clinic never interleaves with it.
        with liveness.holding(request.clinic):
            job.refresh_from_db()
            if refusal := _take_refusal(job):
                messages.error(request, refusal)
                return redirect(back)
            if every:
                chosen = _conflicts(request, job, _filters(request.POST))
            else:
                chosen = job.conflicts.filter(clinic=request.clinic, pk__in=ids)
            chosen = chosen.filter(resolution=Resolution.KEPT_CLINIC)
            picked = list(chosen.values_list("pk", flat=True))
            taken = merge.take_file_values(chosen, request.user)
    except liveness.ClinicBusy as exc:
        messages.error(request, translate_refusal(str(exc)))
        return redirect(back)
    audit.record(
        action=AuditAction.EXECUTE,
        job=job,
        outcome="took_file_values",
        user=request.user,
        details={"conflicts": picked[:AUDITED_IDS], "selected": len(picked), "taken": taken},
    )
    if taken:
        messages.success(
            request,
            ngettext(
                "The file's value was taken for %(n)s field; the clinic's value is kept in the "
                "undo history.",
                "The file's values were taken for %(n)s fields; the clinic's values are kept in "
                "the undo history.",
                taken,
            )
            % {"n": taken},
        )
    else:
        messages.error(
            request,
            _(
                "Nothing was changed: the selected conflicts already have the file's value, or "
                "their rows are no longer in the clinic."
            ),
        )
    return redirect(back)


def _take_refusal(job) -> str | None:
    """Why no file value may be taken for `job`'s conflicts now, or None when it may."""
    if job.dry_run:
        return _("A trial run saved nothing: there is no value to take.")
    if job.status == JobStatus.UNDONE:
        return _(
            "This import was undone: its conflicts no longer apply, so no value of its file is "
            "taken. Import the later file again to see its conflicts anew."
        )
    if job.status not in FINISHED:
        return _("This import has not ended yet: take the file's values once it has.")
    return None


def _missing(request, job, kind: str):
    records = job.missing_records.filter(clinic=request.clinic).order_by("entity_type", "id")
    return records.filter(entity_type=kind) if kind else records


@clinic_permission_required("job_read")
def job_missing(request, job_id):
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    kind = request.GET.get("type", "").strip()
    page = Paginator(_missing(request, job, kind), PER_PAGE).get_page(request.GET.get("page"))
    names = missing_names(request.clinic, page.object_list)
    by_type = (
        job.missing_records.filter(clinic=request.clinic)
        .values_list("entity_type")
        .annotate(n=Count("id"))
        .order_by("entity_type")
    )
    return render(
        request,
        "dentalpin_import/cutover/missing.html",
        {
            "job": job,
            "page": page,
            "kind": kind,
            "lines": [
                (entity_label(r.entity_type), names.get(r.pk, ""), r) for r in page.object_list
            ],
            "counts": [(t, entity_label(t, n), n) for t, n in by_type],
        },
    )


@clinic_permission_required("job_read")
def job_missing_csv(request, job_id):
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    records = _missing(request, job, request.GET.get("type", "").strip())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="missing-{job.pk}.csv"'
    response.write(BOM)
    writer = csv.writer(response)
    writer.writerow([_("Kind of record"), _("Record"), _("Id in the file")])
    for start in range(0, records.count(), 500):
        chunk = list(records[start : start + 500])
        names = missing_names(request.clinic, chunk)
        for r in chunk:
            record = names.get(r.pk) or _("deleted from the clinic since")
            cells = [entity_label(r.entity_type), record, r.canonical_uuid]
            writer.writerow([inert_cell(str(cell)) for cell in cells])
    return response
