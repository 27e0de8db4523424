"""Documents dropped on the job page: files, a folder's files, or a zip of the export's files.

The page's script sends one file per request (its progress is that request's);
the server hashes it while it streams to disk (`binaries.upload`) and matches
it by sha256 exactly as the sync agent's uploads are (`binaries.receive`): the
same type checks, the same owners, the same per-clinic `binary_write`
permission. A dropped file that no staged file names and that is a zip is
opened (`binaries.archive`) and each member matched in turn. The answer is one
result per file, in the reader's language: matched, already received, not in
this import, its owner not imported, or rejected with the reason.
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST
from django_scopes import scope

from clinics.permissions import clinic_permission_required, has_clinic_perm
from clinics.shortcuts import get_for_clinic_or_404
from dentalpin_import.binaries import archive, receive
from dentalpin_import.jobs import rehearsal, services
from dentalpin_import.models import FileStaging, ImportJob, JobStatus

# The jobs documents cannot be dropped on, and why (in the page's words).
CLOSED = (JobStatus.UNDONE, JobStatus.CANCELLED)
# Why the type checks refuse a file (binaries.sniff), for the catalogue: the page shows them
# in the reader's language, the agent's JSON in English.
REFUSALS = (
    gettext_noop("the content is an executable program"),
    gettext_noop("the content is not an image, PDF, DICOM or office document"),
    gettext_noop("the content is a damaged ZIP archive"),
    gettext_noop("the content is a ZIP archive, not an office document"),
    gettext_noop("the content is %(actual)s but the file says %(hint)s"),  # sniff.MSG_CONTRADICTS
)


def _result(name: str, outcome: str, message: str) -> dict:
    return {"name": name, "outcome": outcome, "message": message}


def _said(result: receive.Received, settled: bool) -> tuple[str, str]:
    """The outcome key the page styles, and the sentence it shows."""
    if result.outcome == receive.RECEIVED:
        return "matched", _("Matched: stored as a document of its patient.")
    if result.outcome == receive.ALREADY:
        return "already", _("Already received: nothing changed.")
    if result.outcome == receive.UNDOING:
        return "later", _(
            "An import of this clinic is being undone: drop it again when the undo has ended."
        )
    if result.outcome == receive.OWNER_NOT_YET:
        return "later", _("Its owner is not imported yet: drop it again when the import ends.")
    if result.outcome == receive.OWNER_NEVER:
        return "rejected", _(
            "Not taken: the record it belongs to was not imported (see the warnings)."
        )
    if result.outcome == receive.REJECTED:
        return "rejected", _("Rejected: %(reason)s.") % {"reason": _reason(result)}
    if settled:
        return "unknown", _("Not in this import: the export does not list this file.")
    return "later", _("Not expected yet: drop it again when the import ends.")


def _reason(result: receive.Received) -> str:
    """Why a file was refused, in the reader's language: the template translated, then filled."""
    if not result.detail_template:
        return _(result.detail)
    reason = _(result.detail_template)
    return reason % result.detail_params if result.detail_params else reason


def _receive(job, user, name: str, upload, sha256: str) -> dict:
    result = receive.receive(job=job, user=user, upload=upload, sha256=sha256)
    return _result(name, *_said(result, receive.settled(job)))


def _expects(job):
    def is_expected(sha256: str) -> bool:
        return FileStaging.objects.filter(job=job, clinic=job.clinic, sha256=sha256).exists()

    return is_expected


def _archive(job, user, name: str, path: str) -> list[dict]:
    results = []
    try:
        for member in archive.walk(path, is_expected=_expects(job)):
            label = f"{name}: {member.name}"
            if member.refused:
                said = _("Rejected: %(reason)s.") % {"reason": member.refused}
                results.append(_result(label, "rejected", said))
                continue
            results.append(_receive(job, user, label, member, member.sha256))
    except archive.ArchiveRefused as exc:
        results.append(_result(name, "rejected", _("Rejected: %(reason)s.") % {"reason": exc}))
    return results


def _one_file(job, user, upload) -> list[dict]:
    name = upload.name
    path = upload.temporary_file_path()
    if not _expects(job)(upload.sha256) and archive.is_archive(path):
        return _archive(job, user, name, path)
    if upload.size > settings.DPMF_MAX_BINARY_BYTES:
        reason = _("it is larger than %(limit)s bytes (DPMF_MAX_BINARY_BYTES)") % {
            "limit": f"{settings.DPMF_MAX_BINARY_BYTES:,}"
        }
        return [_result(name, "rejected", _("Rejected: %(reason)s.") % {"reason": reason})]
    return [_receive(job, user, name, upload, upload.sha256)]


def expected(job) -> dict:
    """The job's documents by state; before the run staged them, what the preview listed.

    The staged files exist from the end of the run; until then (queued,
    running), and for a dry run, the page shows the count the preview gave,
    not "0 of 0".
    """
    summary = dict(services.binaries_summary(job), listed_only=False)
    listed = (job.meta.get("preview") or {}).get("files") or {}
    # A dry run stages nothing (rolled back): it shows what its real import will expect.
    if not summary["expected"] and listed.get("total") and (job.dry_run or not job.is_finished):
        summary.update(
            expected=listed["total"],
            pending=listed.get("with_sha256", 0),
            missing=listed.get("without_sha256", 0),
            listed_only=True,
        )
    return summary


def page_context(request, job) -> dict:
    """What the job page's documents part needs beyond the figures."""
    return {
        "may_upload": has_clinic_perm(request.user, request.clinic, "binary_write"),
        "takes_documents": not job.dry_run and job.status not in (*CLOSED, JobStatus.UNDOING),
        "settled": receive.settled(job),
        "server": request.build_absolute_uri("/").rstrip("/"),
        "rehearsal": rehearsal_context(request, job),
        "drop_words": {
            "waiting": _("Waiting"),
            "sending": _("Sending"),
            "checking": _("Checking"),
            "failed": _("The upload failed: drop the file again."),
            "progress": _("%(done)s of %(total)s files sent"),
            "copied": _("Copied"),
        },
    }


def rehearsal_context(request, job) -> dict:
    """A dry run's banner: whether "Import for real" is offered, or why not, or where it went."""
    if not job.dry_run:
        return {}
    return {
        "problem": rehearsal.rehearsal_problem(job),
        "real": rehearsal.real_import_of(job),
        "may_execute": has_clinic_perm(request.user, request.clinic, "job_execute"),
    }


@clinic_permission_required("binary_write")
@require_POST
def drop(request, job_id):
    """One dropped file (or zip): a JSON list of per-file results and the job's new figures."""
    job = get_for_clinic_or_404(request, ImportJob, pk=job_id)
    if job.dry_run or job.status in CLOSED:
        message = (
            _("This was a dry run: documents go to the real import.")
            if job.dry_run
            else _("This import was cancelled or undone: it takes no documents.")
        )
        return JsonResponse({"error": message}, status=409)
    if job.status == JobStatus.UNDOING:  # its rows are being deleted; a refusal puts it back
        message = _(
            "An undo of this import is under way: it takes no documents now. If the undo is "
            "refused, drop them again."
        )
        return JsonResponse({"error": message}, status=409)
    try:
        upload = request.FILES.get("file")
    except (MultiPartParserError, UnreadablePostError, OSError):
        upload = None
    if getattr(request, "upload_too_large", False):
        limit = f"{settings.DPMF_MAX_UPLOAD_BYTES:,}"
        message = _(
            "The file is larger than %(limit)s bytes (DPMF_MAX_UPLOAD_BYTES): drop it in parts."
        ) % {"limit": limit}
        return JsonResponse({"error": message}, status=413)
    if upload is None:
        return JsonResponse(
            {"error": _("The upload was interrupted: drop the file again.")}, status=400
        )
    with scope(clinic=job.clinic):
        results = _one_file(job, request.user, upload)
    figures = render_to_string(
        "dentalpin_import/partials/binaries_status.html", {"documents": expected(job)}, request
    )
    return JsonResponse(
        {
            "results": results,
            "binaries": services.binaries_summary(job),
            # The page's "N received of M expected" line, in its language, put in place by the
            # page's script (static/dentalpin_import/documents.js) without a reload.
            "binaries_html": figures.strip(),
        }
    )
