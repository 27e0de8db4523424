"""What the wizard shows while a file is validated: its checks and their progress.

Progress lives on the job row (`meta["validation"]`), written only when the
phase or the whole percentage changes, so the page can poll it from any
process. Until the file is validated `meta` holds nothing else. A large CSV
sheet is read in the background the same way; its page shows the phases of
`SHEET_PHASES` (web/sheets.py).
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext

from dentalpin_import.jobs import retention
from dentalpin_import.models import ImportJob, JobStatus, TransitionError
from dentalpin_import.reader import errors as E

log = logging.getLogger(__name__)
DROPPED = "cancelled while its file was checked"

# The checks as a clinic admin reads them, in the order the reader makes them (FORMAT.md
# §1-§7); the technical names (magic bytes, AES-256-GCM, the hash) are in `technical()`.
FILE_TYPE, PASSPHRASE, COMPLETE, CONTENTS, UNALTERED = (
    "file_type",
    "passphrase",
    "complete",
    "contents",
    "unaltered",
)
CHECKS = (
    (FILE_TYPE, _("It is a DPMF export")),
    (PASSPHRASE, _("It opens with the passphrase")),
    (COMPLETE, _("The file is complete")),
    (CONTENTS, _("This importer can read what it holds")),
    (UNALTERED, _("Nothing was changed or damaged since the export")),
)
# For each refusal code: the check that failed and the checks known to have passed before it.
_BEFORE_CONTENTS = (FILE_TYPE, PASSPHRASE, COMPLETE)
FAILED_CHECK = {
    E.NOT_DPMF: (FILE_TYPE, ()),
    E.UNREADABLE_FILE: (FILE_TYPE, ()),
    E.BAD_ENVELOPE: (FILE_TYPE, ()),
    E.UNSUPPORTED_KDF: (FILE_TYPE, ()),
    E.PASSPHRASE_REQUIRED: (PASSPHRASE, (FILE_TYPE,)),
    E.DECRYPT_FAILED: (PASSPHRASE, (FILE_TYPE,)),
    E.TRUNCATED: (COMPLETE, (FILE_TYPE,)),
    E.TAMPERED: (UNALTERED, (FILE_TYPE, PASSPHRASE, COMPLETE)),
    E.BAD_COMPRESSION: (UNALTERED, (FILE_TYPE, PASSPHRASE)),
    E.BAD_INNER_LAYER: (CONTENTS, (FILE_TYPE, PASSPHRASE)),
    E.TOO_LARGE: (CONTENTS, (FILE_TYPE, PASSPHRASE)),
    E.UNPACK_FAILED: (CONTENTS, (FILE_TYPE, PASSPHRASE)),
    E.BAD_CONTAINER: (CONTENTS, _BEFORE_CONTENTS),
    E.UNEXPECTED_COLUMN: (CONTENTS, _BEFORE_CONTENTS),
    E.UNSUPPORTED_VERSION: (CONTENTS, _BEFORE_CONTENTS),
    E.HASH_MISSING: (CONTENTS, _BEFORE_CONTENTS),
    E.HASH_ALGO: (CONTENTS, _BEFORE_CONTENTS),
    E.CORRUPT_DATABASE: (UNALTERED, (*_BEFORE_CONTENTS, CONTENTS)),
    E.BAD_TEXT: (UNALTERED, (*_BEFORE_CONTENTS, CONTENTS)),
    E.HASH_MISMATCH: (UNALTERED, (*_BEFORE_CONTENTS, CONTENTS)),
}
# Reader/validation phases in order, and the checks finished once a phase starts.
PHASES = ("waiting", "read", "decrypt", "decompress", "hash", "preview", "preflight", "rewrap")
PHASE_LABELS = {
    "waiting": _("waiting to start"),
    "read": _("reading the file"),
    "decrypt": _("opening it with the passphrase"),
    "decompress": _("unpacking it"),
    "hash": _("reading every record and checking it against the export"),
    "preview": _("preparing the preview"),
    "preflight": _("looking for records with problems"),
    "rewrap": _("keeping a sealed copy for the import"),
}
DONE_BEFORE = {
    "waiting": (),
    "read": (FILE_TYPE,),
    "decrypt": (FILE_TYPE,),
    "decompress": (FILE_TYPE, PASSPHRASE),
    "hash": _BEFORE_CONTENTS + (CONTENTS,),
}
LAYERINGS = {
    "raw": _("an uncompressed export (.dpm)"),
    "zstd": _("a compressed export (.dpm.zst)"),
    "enc": _("an encrypted export (.dpm.enc)"),
    "zstd-enc": _("a compressed and encrypted export (.dpm.zst.enc)"),
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


class CheckCancelled(Exception):
    """The job was cancelled while its file was checked: the check stops (jobs.services)."""


class Recorder:
    """A reader progress callback that writes the validation's phase and percentage.

    It is where a background check notices that its job was cancelled: the write
    finds the job no longer waiting for it, and `CheckCancelled` stops the read.
    """

    def __init__(self, job: ImportJob):
        self.job_id = job.pk
        self.last: tuple[str, int] | None = None
        self.counted = (0, 0)
        self.lock = threading.Lock()  # `again` may write from another thread

    def __call__(self, phase: str, done: int, total: int) -> None:
        percent = min(100, int(100 * done / total)) if total else 100
        if (phase, percent) == self.last:
            return
        with self.lock:
            self.last, self.counted = (phase, percent), (done, total)
            written = self._write()
        if not written and cancelled(self.job_id):
            raise CheckCancelled(self.job_id)

    def again(self) -> None:
        """Write the last state again with the time now: a sign of life during a long step."""
        with self.lock:
            if self.last is not None:
                self._write()

    def _write(self) -> bool:
        (phase, percent), (done, total) = self.last, self.counted
        state = {"state": "running", "phase": phase, "percent": percent, "at": _now()}
        state.update(done=done, total=total)
        return bool(
            ImportJob.objects.filter(pk=self.job_id, status=JobStatus.UPLOADED).update(
                meta={"validation": state}
            )
        )


def cancelled(job_id) -> bool:
    """True when the job was cancelled before it ever ran (a check of its file has no use)."""
    return ImportJob.objects.filter(
        pk=job_id, status=JobStatus.CANCELLED, started_at__isnull=True
    ).exists()


@contextmanager
def dropped_if_cancelled(job: ImportJob):
    """Stop the check of `job`'s file if the job is cancelled meanwhile, and delete its files.

    A job whose file is checked can be cancelled (cancel_import, the job page's
    cancel address): the check notices at its next progress write
    (`CheckCancelled`) or when it would mark the job validated (`TransitionError`).
    The upload, the row pages and the sealed copy then go at once, not at the
    retention sweep: a cancelled job never runs. DPMF files and sheets alike.
    """
    try:
        yield
    except Exception as exc:
        if not cancelled(job.pk):
            raise
        drop_cancelled(job)
        if not isinstance(exc, CheckCancelled | TransitionError):
            raise  # a crash of its own: the log keeps it
        return
    drop_cancelled(job)


def drop_cancelled(job: ImportJob) -> None:
    """Delete the staged files of `job` if it was cancelled before it ever ran."""
    if cancelled(job.pk):
        retention.discard_job_files(job=job, reason=DROPPED)


@contextmanager
def kept_alive(record, every: float | None = None):
    """Re-stamp a background validation's state while a step reports nothing for long.

    Reading a large sheet is one long step without progress of its own; without
    this its page would take it for stopped after DPMF_HEARTBEAT_TIMEOUT.
    """
    if not isinstance(record, Recorder):
        yield  # nobody polls an in-request validation
        return
    every = every or max(1.0, settings.DPMF_HEARTBEAT_TIMEOUT / 4)
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(every):
                try:
                    record.again()
                except Exception:  # a missed beat only makes the page look stalled sooner
                    log.warning("could not record that job %s is alive", record.job_id)
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"validate-beat-{record.job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


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


# --- a CSV sheet read in the background (services.submit_sheet_for_validation) -------------

SHEET_PHASES = ("waiting", "read", "preview", "rows", "rewrap")
SHEET_PHASE_LABELS = {
    "waiting": _("waiting to start"),
    "read": _("reading the sheet"),
    "preview": _("looking for values that cannot be used"),
    "rows": _("deciding what the import does with each row"),
    "rewrap": _("keeping a sealed copy for the import"),
}
# Where each phase starts on the page's bar, by how long each took on large sheets.
SHEET_PHASE_START = {"waiting": 0, "read": 0, "preview": 40, "rows": 60, "rewrap": 98}
# The refusal of a sheet whose background read crashed; the pages translate it as it is.
SHEET_STOPPED = gettext_noop(
    "the sheet could not be checked: the check stopped on an unexpected error; upload it "
    "again, and if it stops again, tell whoever looks after the importer"
)


def sheet_checking(job: ImportJob) -> bool:
    """True while a sheet waits for, or goes through, its background read (stalled too)."""
    return job.status == JobStatus.UPLOADED and state_of(job).get("state") == "running"


def sheet_progress(job: ImportJob) -> dict:
    """The phase in words, the rows judged so far and a rough percentage, for the sheet page."""
    state = state_of(job)
    phase = state.get("phase", "waiting")
    phase = phase if phase in SHEET_PHASE_START else "waiting"
    index = SHEET_PHASES.index(phase)
    start = SHEET_PHASE_START[phase]
    end = SHEET_PHASE_START[SHEET_PHASES[index + 1]] if index + 1 < len(SHEET_PHASES) else 99
    percent = state.get("percent", 0)
    rows = phase == "rows" and bool(state.get("total"))
    return {
        "phase": SHEET_PHASE_LABELS[phase],
        "rows_done": state.get("done", 0) if rows else None,
        "rows_total": state.get("total", 0) if rows else None,
        "percent": min(99, round(start + (end - start) * percent / 100)),
        "stalled": is_stalled(job),
    }


def _not_applicable(job: ImportJob, key: str) -> bool:
    return key == PASSPHRASE and job.layering in ("raw", "zstd")


def failed_check(job: ImportJob) -> tuple[str, tuple[str, ...]] | None:
    """The check a refusal failed and those that passed before it; None when none failed."""
    state = state_of(job)
    if state.get("state") != "failed":
        return None
    code = state.get("code", "")
    if not code:  # the server's trouble (a full disk, a stopped worker), not the file's
        return "", ()
    failed, passed = FAILED_CHECK.get(code, (CONTENTS, _BEFORE_CONTENTS))
    if code == E.TRUNCATED and job.error == E.MSG_TRUNCATED_ENC:
        passed = (FILE_TYPE, PASSPHRASE)  # decrypted to the right start: the passphrase is right
    return failed, passed


def _passed_detail(job: ImportJob, key: str) -> str:
    if key == FILE_TYPE:
        return str(LAYERINGS.get(job.layering, ""))
    if key == PASSPHRASE:
        return _("the passphrase is right")
    if key == COMPLETE:
        return _("all %(size)s arrived") % {"size": filesizeformat(job.file_size or 0)}
    if key == CONTENTS:
        return records_in(job)
    return _("every record was read and matches the export's own fingerprint")


def records_in(job: ImportJob) -> str:
    """ "3,120 records of 14 kinds": what the file holds, in words."""
    records = job.total_entities or 0
    kinds = len(job.meta.get("preview", {}).get("types", []))
    return _("%(records)s of %(kinds)s") % {
        "records": ngettext("%(n)s record", "%(n)s records", records) % {"n": f"{records:,}"},
        "kinds": ngettext("%(n)s kind", "%(n)s kinds", kinds) % {"n": kinds},
    }


def checks(job: ImportJob) -> list[dict]:
    """Each check with its state (passed, failed, running, pending, not run, n/a) and detail."""
    state = state_of(job)
    validated = job.status not in (JobStatus.UPLOADED, JobStatus.FAILED) or (
        job.status == JobStatus.FAILED and "integrity_hash_computed" in job.meta
    )
    failure = None if validated else failed_check(job)
    running_phase = state.get("phase") if is_running(job) else None
    rows = []
    for key, label in CHECKS:
        row = {"key": key, "label": label, "detail": ""}
        na = _not_applicable(job, key)
        if validated:
            row["state"] = "n/a" if na else "passed"
            row["detail"] = "" if na else _passed_detail(job, key)
        elif failure is not None:
            failed, passed = failure
            if key == failed:
                row["state"], row["detail"] = "failed", job.error
            elif na:
                row["state"] = "n/a"
            else:
                row["state"] = "passed" if key in passed else "not run"
        elif running_phase is not None:
            done = DONE_BEFORE.get(running_phase, [k for k, _label in CHECKS])
            if key in done or na:
                row["state"] = "n/a" if na else "passed"
            else:
                row["state"] = "running" if running_phase != "waiting" else "pending"
        else:
            row["state"] = "pending"
        rows.append(row)
    return rows


def technical(job: ImportJob) -> list[tuple[str, str, bool]]:
    """The checks in the words of the format (FORMAT.md), for whoever asks.

    (label, value, whether the value is the reader's refusal line, which a page translates).
    """
    meta = job.meta
    validated = "integrity_hash_computed" in meta
    encrypted = job.layering in ("enc", "zstd-enc")
    facts = [
        (_("Layering (from the magic bytes)"), job.layering),
        (_("File size"), f"{job.file_size:,} bytes" if job.file_size else ""),
        (_("File SHA-256"), job.file_sha256),
        (_("Source system"), job.source_system),
        (_("Format version"), meta.get("format_version", "")),
        (
            _("Encryption"),
            _("AES-256-GCM with a scrypt key (N=131072, r=8, p=1); tag verified")
            if encrypted and validated
            else "",
        ),
        (
            _("Compression"),
            _("zstd, every frame complete") if "zstd" in job.layering and validated else "",
        ),
        (_("Integrity hash declared (SHA-256)"), meta.get("integrity_hash", "")),
        (_("Integrity hash computed"), meta.get("integrity_hash_computed", "")),
        (_("The refusal in full"), job.error),
    ]
    return [(label, str(value), value is job.error) for label, value in facts if value]
