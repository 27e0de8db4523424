"""What the wizard shows while a file is validated: its checks and their progress.

Progress lives on the job row (`meta["validation"]`), written only when the
phase or the whole percentage changes, so the page can poll it from any
process. Until the file is validated `meta` holds nothing else.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dentalpin_import.models import ImportJob, JobStatus

# The checks in the order the reader makes them (FORMAT.md §1-§7).
CHECKS = (
    ("magic", _("magic bytes")),
    ("decryption", _("decryption")),
    ("decompression", _("decompression")),
    ("format_version", _("format version")),
    ("integrity_hash", _("integrity hash")),
)
# Which check a reader error code means failed.
FAILED_CHECK = {
    "not_dpmf": "magic",
    "bad_envelope": "decryption",
    "unsupported_kdf": "decryption",
    "passphrase_required": "decryption",
    "decrypt_failed": "decryption",
    "bad_inner_layer": "decryption",
    "truncated": "decryption",
    "bad_compression": "decompression",
    "too_large": "decompression",
    "bad_container": "format_version",
    "unsupported_version": "format_version",
    "hash_missing": "integrity_hash",
    "hash_algo": "integrity_hash",
    "hash_mismatch": "integrity_hash",
    "unreadable_file": "magic",
    "tampered": "decryption",
    "unpack_failed": "decompression",
    "corrupt_database": "integrity_hash",
    "bad_text": "integrity_hash",
}
# Reader/validation phases in order, and the checks finished once a phase starts.
PHASES = ("waiting", "read", "decrypt", "decompress", "hash", "preview", "preflight", "rewrap")
PHASE_LABELS = {
    "waiting": _("waiting to start"),
    "read": _("reading the file"),
    "decrypt": _("decrypting"),
    "decompress": _("decompressing"),
    "hash": _("checking the integrity hash"),
    "preview": _("building the preview"),
    "preflight": _("pre-flight check"),
    "rewrap": _("securing the validated copy"),
}
DONE_BEFORE = {
    "waiting": (),
    "read": (),
    "decrypt": ("magic",),
    "decompress": ("magic", "decryption"),
    "hash": ("magic", "decryption", "decompression", "format_version"),
}


def _now() -> str:
    return timezone.now().isoformat()


def state_failed(code: str) -> dict:
    return {"state": "failed", "code": code, "at": _now()}


def mark_waiting(job: ImportJob) -> None:
    """Say on the row that a background validation has been asked for."""
    state = {"state": "running", "phase": "waiting", "percent": 0, "at": _now()}
    ImportJob.objects.filter(pk=job.pk).update(meta={"validation": state}, error="")
    job.meta, job.error = {"validation": state}, ""


class Recorder:
    """A reader progress callback that writes the validation's phase and percentage."""

    def __init__(self, job: ImportJob):
        self.job_id = job.pk
        self.last: tuple[str, int] | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        percent = min(100, int(100 * done / total)) if total else 100
        if (phase, percent) == self.last:
            return
        self.last = (phase, percent)
        state = {"state": "running", "phase": phase, "percent": percent, "at": _now()}
        ImportJob.objects.filter(pk=self.job_id, status=JobStatus.UPLOADED).update(
            meta={"validation": state}
        )


def state_of(job: ImportJob) -> dict:
    return job.meta.get("validation") or {}


def is_running(job: ImportJob) -> bool:
    """True while a validation is under way and still sending signs of life."""
    state = state_of(job)
    if job.status != JobStatus.UPLOADED or state.get("state") != "running":
        return False
    return not is_stalled(job)


def is_stalled(job: ImportJob) -> bool:
    """True when a background validation stopped reporting (its process ended)."""
    state = state_of(job)
    if job.status != JobStatus.UPLOADED or state.get("state") != "running":
        return False
    at = datetime.fromisoformat(state["at"])
    return timezone.now() - at > timedelta(seconds=settings.DPMF_HEARTBEAT_TIMEOUT)


def overall_percent(job: ImportJob) -> int:
    """A rough percentage over all phases, for the progress bar."""
    state = state_of(job)
    phase = state.get("phase", "waiting")
    index = PHASES.index(phase) if phase in PHASES else 0
    fraction = state.get("percent", 0) / 100
    return min(99, round(100 * (max(index - 1, 0) + fraction) / (len(PHASES) - 1)))


def _not_applicable(job: ImportJob, key: str) -> bool:
    if key == "decryption":
        return job.layering in ("raw", "zstd")
    if key == "decompression":
        return job.layering in ("raw", "enc")
    return False


def _passed_detail(job: ImportJob, key: str) -> str:
    meta = job.meta
    return {
        "magic": job.layering,
        "decryption": _("AES-256-GCM, tag verified"),
        "decompression": _("zstd, complete"),
        "format_version": meta.get("format_version", ""),
        "integrity_hash": meta.get("integrity_hash_computed", ""),
    }[key]


def checks(job: ImportJob) -> list[dict]:
    """Each check with its state (passed, failed, running, pending, not run, n/a) and detail."""
    state = state_of(job)
    validated = job.status not in (JobStatus.UPLOADED, JobStatus.FAILED) or (
        job.status == JobStatus.FAILED and "integrity_hash_computed" in job.meta
    )
    failed = None
    if not validated and state.get("state") == "failed":
        failed = FAILED_CHECK.get(state.get("code", ""), "format_version")
    running_phase = state.get("phase") if is_running(job) else None
    rows, after_failure = [], False
    for key, label in CHECKS:
        row = {"key": key, "label": label, "detail": ""}
        if validated:
            na = _not_applicable(job, key)
            row["state"] = "n/a" if na else "passed"
            row["detail"] = "" if na else _passed_detail(job, key)
        elif failed is not None:
            if key == failed:
                row["state"], row["detail"], after_failure = "failed", job.error, True
            elif after_failure:
                row["state"] = "not run"
            else:
                row["state"] = "n/a" if _not_applicable(job, key) else "passed"
        elif running_phase is not None:
            done = DONE_BEFORE.get(running_phase, [k for k, _label in CHECKS])
            if key in done:
                row["state"] = "n/a" if _not_applicable(job, key) else "passed"
            else:
                row["state"] = "running" if running_phase != "waiting" else "pending"
        else:
            row["state"] = "pending"
        rows.append(row)
    return rows
