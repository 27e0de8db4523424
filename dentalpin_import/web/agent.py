"""The sync agent's endpoint: POST a binary, GET what is still expected (FORMAT.md §9.3).

Answers: 201 stored · 200 already received (same document) · 400 bad request or
sha256 mismatch · 401 bad token · 403 token of another job / no permission ·
404 unknown job, unknown sha256 or owner not imported yet (both mean "retry
later") · 410 the job is finished and expects no more files · 413 too large ·
415 not an allowed document type · 422 a final answer from a finished job: the
file is not one it expects, or its owner was never imported (`binaries.receive`)
· 429 too many wrong tokens from this address.

A token whose job is finished with nothing left to upload is spent
(`AgentToken.spent`): it uploads nothing, but the agent's last calls still get
"nothing left" (an empty list, "already received") so a run ends cleanly.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import get_usage
from django_scopes import scope

from clinics.models import Membership
from clinics.permissions import has_clinic_perm
from dentalpin_import.binaries import receive
from dentalpin_import.models import AgentToken, FileStaging, ImportJob, JobStatus, StagingStatus

SHA256 = re.compile(r"^[0-9a-f]{64}$")
# Wrong tokens (unknown, expired, revoked, another job's) one address may send in a
# window; after that every token request from it is refused until the window ends.
# A good token never counts, so an agent's thousands of uploads are not slowed.
TOKEN_FAILURES_RATE = "20/10m"
TOKEN_FAILURES_GROUP = "dentalpin_import.agent_token_failures"
MSG_UNDOING = "an undo of this import is under way: no file is taken now; retry later"
MSG_UNDOING_CLINIC = (
    "an undo of an import of this clinic is under way: no file is taken now; retry later"
)
MSG_NO_SUCH_JOB = "no such import job in the selected clinic: switch to the job's clinic first"
# A token stops with its issuer's right to upload (`AgentToken.objects.live`).
MSG_TOKEN_REFUSED = (
    "unknown, expired or revoked agent token, or the person who issued it may no longer upload "
    "documents in the clinic (no longer a member, no longer allowed to upload, or the account "
    "deactivated): ask an administrator for a new one (python manage.py issue_agent_token JOB_ID)"
)


def _error(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _token_failures(request, *, increment: bool) -> dict | None:
    return get_usage(
        request,
        group=TOKEN_FAILURES_GROUP,
        key="ip",
        rate=TOKEN_FAILURES_RATE,
        increment=increment,
    )


def _throttled(request) -> JsonResponse | None:
    """A 429 when this address sent too many wrong tokens lately, else None."""
    usage = _token_failures(request, increment=False)
    if usage is None or usage["count"] < usage["limit"]:
        return None
    wait = max(usage["time_left"], 1)
    response = _error(
        429,
        f"too many wrong agent tokens from this address: wait {(wait + 59) // 60} minutes, "
        "then run the agent with the token shown on the job page (issue a new one there if "
        "it was revoked or expired)",
    )
    response["Retry-After"] = str(wait)
    return response


def _refused_token(request, status: int, message: str) -> JsonResponse:
    _token_failures(request, increment=True)
    return _error(status, message)


def _authorise(request, job_id):
    """Return (job, user, None) or (None, None, response): a refusal or "nothing left"."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return _by_token(request, job_id, header.removeprefix("Bearer ").strip())
    return _by_session(request, job_id)


def _by_token(request, job_id, clear: str):
    throttled = _throttled(request)
    if throttled is not None:
        return None, None, throttled
    token, spent = AgentToken.find(clear), False
    if token is None:
        token, spent = AgentToken.find_spent(clear), True
    if token is None:
        refused = _refused_token(request, 401, MSG_TOKEN_REFUSED)
        return None, None, refused
    if token.job_id != job_id:
        refused = _refused_token(request, 403, "this token belongs to another import job")
        return None, None, refused
    if spent:
        return None, None, _nothing_left(request, token.job)
    AgentToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.job, token.created_by, None


def _by_session(request, job_id):
    user = request.user
    if not user.is_authenticated:
        return None, None, _error(401, "send Authorization: Bearer <agent token>")
    # Only the clinic selected for this session: a member of two clinics reaches the
    # other one's jobs after switching to it, as on every other page.
    clinic = getattr(request, "clinic", None)
    job = clinic and ImportJob.objects.select_related("clinic").filter(pk=job_id, clinic=clinic)
    job = job and job.first()
    if not job or not Membership.objects.filter(user=user, clinic=job.clinic).exists():
        return None, None, _error(404, MSG_NO_SUCH_JOB)
    # What the membership in this clinic grants: a permission held in another clinic,
    # or on the account, counts nowhere here (clinics/permissions.py).
    if not has_clinic_perm(user, job.clinic, "binary_write"):
        return None, None, _error(403, "you may not upload binaries for this clinic")
    refused = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
    if refused is not None:
        return None, None, refused
    return job, user, None


def _nothing_left(request, job) -> JsonResponse:
    """What a spent token hears: no file is expected, a file already received stays so."""
    if request.method == "GET":
        return JsonResponse({"job": str(job.pk), "count": 0, "files": [], "finished": True})
    try:
        claimed = request.POST.get("sha256", "").strip().lower()
    except (MultiPartParserError, UnreadablePostError, OSError):
        claimed = ""
    with scope(clinic=job.clinic):
        received = FileStaging.objects.filter(
            job=job, clinic=job.clinic, sha256=claimed, status=StagingStatus.RECEIVED
        ).exists()
    if SHA256.match(claimed) and received:
        return JsonResponse({"status": "already_received"}, status=200)
    return _error(410, "this import is finished and expects no more files: nothing left to upload")


@csrf_exempt  # token requests carry no cookie; session requests are checked in _authorise
@require_http_methods(["GET", "POST"])
def binaries(request, job_id):
    request.upload_cap = settings.DPMF_MAX_BINARY_BYTES
    job, user, error = _authorise(request, job_id)
    if error is not None:
        return error
    with scope(clinic=job.clinic):
        if request.method == "GET":
            return _expected(request, job)
        if job.status == JobStatus.UNDOING:  # its rows are being deleted; a refusal puts it back
            return _error(409, MSG_UNDOING, retry=True)
        return _upload(request, job, user)


def _expected(request, job) -> JsonResponse:
    rows = FileStaging.objects.filter(job=job, clinic=job.clinic).order_by("id")
    status = request.GET.get("status")
    if status:
        rows = rows.filter(status=status)
    files = [
        {
            "sha256": r.sha256,
            "relative_path": r.relative_path,
            "size": r.declared_size_bytes,
            "mime_hint": r.mime_hint,
            "status": r.status,
            "parent": r.parent_entity_type,
        }
        for r in rows
    ]
    return JsonResponse({"job": str(job.pk), "count": len(files), "files": files})


def _upload(request, job, user) -> JsonResponse:
    try:
        upload = request.FILES.get("file")
    except (MultiPartParserError, UnreadablePostError, OSError):
        # An interrupted upload: Django removes the temporary file; nothing was stored.
        return _error(400, "the upload was interrupted or malformed: send it again")
    if getattr(request, "upload_too_large", False):
        return _error(
            413,
            f"request larger than {settings.DPMF_MAX_BINARY_BYTES} bytes (DPMF_MAX_BINARY_BYTES): "
            "send one file per request, at most that size",
        )
    claimed = request.POST.get("sha256", "").strip().lower()
    if upload is None or not SHA256.match(claimed):
        return _error(400, "send the file as 'file' and its hex sha256 as 'sha256'")
    if upload.sha256 != claimed:
        return _error(400, "sha256 mismatch", computed=upload.sha256)
    return _answer(receive.receive(job=job, user=user, upload=upload, sha256=claimed))


# What each outcome of `receive` is over HTTP (docs/sync-agent.md).
def _answer(result: receive.Received) -> JsonResponse:
    if result.outcome == receive.RECEIVED:
        body = {"document_id": result.document_id, "staging_ids": result.staging_ids}
        return JsonResponse({"status": "received", **body}, status=201)
    if result.outcome == receive.ALREADY:
        body = {"document_id": result.document_id, "staging_ids": result.staging_ids}
        return JsonResponse({"status": "already_received", **body}, status=200)
    if result.outcome == receive.REJECTED:
        return _error(415, result.detail)
    if result.outcome == receive.UNDOING:
        return _error(409, MSG_UNDOING_CLINIC, retry=True)
    if result.outcome == receive.OWNER_NOT_YET:
        return _error(404, "the owner of this file is not imported yet: retry later", retry=True)
    if result.outcome == receive.OWNER_NEVER:
        return _error(422, result.detail, reason=receive.OWNER_NEVER, final=True)
    if result.final:
        return _error(
            422,
            "this import has finished and does not expect a file with this sha256",
            reason=receive.NOT_EXPECTED,
            final=True,
        )
    return _error(404, "no file with this sha256 is expected (yet): retry later", retry=True)
