"""The sheet wizard's column step: a header the reader does not recognise waits for staff.

Before a staged sheet is read whole, its header row and first rows are looked
at (`peek`). When the headers (with the clinic's saved mapping for the same
headers, if any) make a known kind of sheet, the sheet is read as usual. When
they do not, the job waits (`awaiting_columns` in its options): the upload is
sealed under the server key like a validated copy (jobs.rewrap), the headers and
a few sealed sample values per column are kept on the job, and the column page
asks staff which field each column fills. Their answer is saved for the clinic
(`SheetColumnMapping`) and offered again for the next sheet with the same
headers. A workbook with several sheets waits the same way for its sheet to be
chosen. See docs/manual.en.md, "Spreadsheets".
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from clinics.fields import decrypt, encrypt
from dentalpin_import.jobs import retention, rewrap, sheet_peek
from dentalpin_import.models import ImportJob, JobStatus, SheetColumnMapping
from dentalpin_import.reader.sheet_headers import HeaderMatch, SheetMapping, recognise
from dentalpin_import.reader.sheet_source import read_sheet

READY, COLUMNS, WORKSHEET = "ready", "columns", "worksheet"
AWAITING = "awaiting.dpmr"
UPLOAD = "upload.bin"


@dataclass
class Decision:
    """What the wizard does next with a staged sheet, and what it saw of it."""

    step: str
    match: HeaderMatch | None = None
    saved: SheetColumnMapping | None = None


def saved_mapping(clinic, headers: list[str]) -> SheetColumnMapping | None:
    """The clinic's saved mapping for exactly these headers (never another clinic's)."""
    match = recognise(headers)
    return SheetColumnMapping.objects.for_clinic(clinic).filter(signature=match.signature).first()


def mapping_of(job: ImportJob) -> SheetMapping | None:
    """The column mapping the job's sheet is read with (its options), or None."""
    stored = job.options.get("mapping")
    return SheetMapping.from_json(json.dumps(stored)) if stored else None


def read_options(job: ImportJob) -> dict:
    """What `read_sheet` takes beyond type and encoding: the mapping, the workbook's sheet."""
    options = {}
    mapping = mapping_of(job)
    if mapping is not None:
        options["mapping"] = mapping
    if job.options.get("worksheet"):
        options["worksheet"] = job.options["worksheet"]
    # Only what this reader takes: a reader without workbooks reads every file as CSV.
    accepted = inspect.signature(read_sheet).parameters
    return {k: v for k, v in options.items() if k in accepted}


def decide(job: ImportJob) -> Decision:
    """Look at the staged upload's header: read it now, or wait for a sheet or for columns.

    A refusal of the reader (undecodable, empty) is left to the full read, which
    fails the job with its reason.
    """
    path = Path(job.stored_path)
    peeked = sheet_peek.peek(
        path, encoding=job.options.get("encoding") or None, worksheet=job.options.get("worksheet")
    )
    if peeked is None:
        return Decision(READY)
    if peeked.needs_choice and not job.options.get("worksheet"):
        _wait(job, peeked, WORKSHEET)
        return Decision(WORKSHEET)
    given = job.options.get("sheet") or None
    chosen = mapping_of(job)
    saved = None
    if chosen is None:
        saved = saved_mapping(job.clinic, peeked.headers)
        if saved is not None:
            chosen = saved.as_mapping()
    match = recognise(peeked.headers, chosen, sheet_type=given)
    if match.sheet_type is None or match.repeated:
        _wait(job, peeked, COLUMNS, match)
        return Decision(COLUMNS, match, saved)
    if chosen is not None:
        job.options = dict(job.options, mapping=json.loads(chosen.to_json()))
        job.options["sheet"] = chosen.sheet_type
        job.options.pop("awaiting_columns", None)
        ImportJob.objects.filter(pk=job.pk).update(options=job.options)
    return Decision(READY, match, saved)


def _wait(job: ImportJob, peeked, step: str, match: HeaderMatch | None = None) -> None:
    """Seal the upload and keep what the waiting page shows (headers, sealed samples)."""
    folder = retention.job_folder(job)
    path = Path(job.stored_path)
    if path.name == UPLOAD:
        rewrap.rewrap(path, folder / AWAITING)
        path.unlink(missing_ok=True)
    waiting = {
        "step": step,
        "headers": peeked.headers,
        "worksheets": peeked.worksheets,
        "proposed": peeked.proposed,
        "samples_sealed": encrypt(json.dumps(peeked.samples)),
        "closest": match.closest if match else None,
        "missing": match.missing_required if match else [],
        "repeated": match.repeated if match else [],
    }
    job.stored_path = str(folder / AWAITING)
    job.meta = dict(job.meta, waiting=waiting)
    job.options = dict(job.options, awaiting_columns=True)
    ImportJob.objects.filter(pk=job.pk).update(
        stored_path=job.stored_path, meta=job.meta, options=job.options
    )


def waiting(job: ImportJob) -> dict | None:
    """What the waiting page shows, samples readable again; None when the job is not waiting."""
    stored = job.meta.get("waiting")
    if not job.options.get("awaiting_columns") or not isinstance(stored, dict):
        return None
    shown = {k: v for k, v in stored.items() if k != "samples_sealed"}
    sealed = stored.get("samples_sealed")
    shown["samples"] = json.loads(decrypt(sealed)) if sealed else []
    return shown


def unpark(job: ImportJob, **options) -> None:
    """Put the sealed upload back as the plain staged file the full read takes, with `options`.

    The plain copy lives only until that read ends (jobs.services deletes it).
    """
    folder = retention.job_folder(job)
    sealed = folder / AWAITING
    with rewrap.unwrapped(sealed, str(settings.DPMF_STAGING_DIR)) as plain:
        shutil.copyfile(plain, folder / UPLOAD)
    os.chmod(folder / UPLOAD, 0o600)  # plain patient data: as private as the upload was
    sealed.unlink(missing_ok=True)
    job.stored_path = str(folder / UPLOAD)
    job.options = {k: v for k, v in job.options.items() if k != "awaiting_columns"}
    job.options.update(options)
    job.meta = {k: v for k, v in job.meta.items() if k != "waiting"}
    ImportJob.objects.filter(pk=job.pk).update(
        stored_path=job.stored_path, options=job.options, meta=job.meta
    )


def save_mapping(*, job: ImportJob, user, mapping: SheetMapping, headers: list[str]):
    """Keep `mapping` for the job's clinic, replacing the one saved for the same headers."""
    match = recognise(headers, mapping)
    saved, _ = SheetColumnMapping.objects.update_or_create(
        clinic=job.clinic,
        signature=match.signature,
        defaults={
            "sheet_type": mapping.sheet_type,
            "columns": mapping.columns,
            "headers": [h.strip() for h in headers],
            "updated_by": user,
        },
    )
    return saved


def read_again(*, job: ImportJob, user) -> ImportJob:
    """A new job for `job`'s sheet, waiting on the column step; `job` is cancelled.

    For staff who want the columns read differently than the headers or the
    saved mapping had them. The sealed copy moves to the new job unopened but
    for its header; the old job keeps nothing.
    """
    new = ImportJob.objects.create(
        clinic=job.clinic,
        created_by=user,
        original_name=job.original_name,
        file_size=job.file_size,
        file_sha256=job.file_sha256,
        source_kind=job.source_kind,
        options={
            "sheet": "",
            "encoding": job.options.get("encoding", ""),
            "worksheet": job.options.get("worksheet"),
        },
    )
    folder = retention.job_folder(new)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    shutil.copyfile(job.stored_path, folder / AWAITING)
    new.stored_path = str(folder / AWAITING)
    with rewrap.unwrapped(folder / AWAITING, str(settings.DPMF_STAGING_DIR)) as plain:
        peeked = sheet_peek.peek(
            plain, encoding=new.options["encoding"] or None, worksheet=new.options["worksheet"]
        )
    match = recognise(peeked.headers) if peeked else None
    _wait(new, peeked or sheet_peek.Peek([], []), COLUMNS, match)
    job.transition_to(
        JobStatus.CANCELLED, finished_at=timezone.now(), error="read again with other columns"
    )
    retention.discard_job_files(job=job, reason="read again with other columns", user=user)
    return new
