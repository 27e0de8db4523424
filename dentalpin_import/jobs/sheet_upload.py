"""CSV sheets and workbooks: another kind of source for the same runner (docs/manual.en.md).

Staged like any upload (`jobs.arrival`), read now or in the background by size,
and opened for the run from the re-wrapped copy. Callers reach these through
`jobs.services`.
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError

from dentalpin_import.jobs import (
    diskfull,
    dispatch,
    rewrap,
    sheet_columns,
    sheet_preview,
    sheet_rows,
    validation,
)
from dentalpin_import.jobs.arrival import (
    no_progress,
    record_preflight,
    refuse_job,
    stage_upload,
    staging_dir,
    validate_job,
)
from dentalpin_import.jobs.workarea import work_folder
from dentalpin_import.loader.source_keys import mapped_keys
from dentalpin_import.models import ImportJob, JobStatus, SourceKind
from dentalpin_import.reader import workbooks
from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.sheet_source import read_sheet


def stage_sheet_upload(
    *, clinic, user, uploaded, sheet: str | None, encoding: str | None
) -> ImportJob:
    """Stage an uploaded CSV sheet in the job's private folder, recording its sheet type."""
    job = stage_upload(clinic=clinic, user=user, uploaded=uploaded)
    options = {"sheet": sheet or "", "encoding": encoding or ""}
    ImportJob.objects.filter(pk=job.pk).update(source_kind=SourceKind.CSV, options=options)
    job.source_kind, job.options = SourceKind.CSV, options
    return job


def submit_sheet_for_validation(*, job: ImportJob) -> bool:
    """Read a staged sheet now, or in the background when it is large; True when deferred.

    Sheets above CSV_BACKGROUND_VALIDATE_BYTES go the way large DPMF uploads go
    (`dispatch.validate_later` → the validation task → `validate_upload`), so a
    long read never outlives the request; their preview page polls the progress.
    The size is what the reader reads (`workbooks.read_size`): a workbook's
    unpacked size (never less than its zip's), and one that cannot be told goes to the
    background.
    """
    if job.status != JobStatus.UPLOADED:
        return False  # it could not even be staged (a full disk): the job says why
    limit = settings.CSV_BACKGROUND_VALIDATE_BYTES
    size = workbooks.read_size(job.stored_path, beyond=limit)
    if size is not None and size <= limit:
        validate_sheet_upload(job=job)
        return False
    validation.mark_waiting(job)
    dispatch.validate_later(job, None)  # a sheet has no passphrase
    return True


def validate_in_background(job: ImportJob, record) -> None:
    """Read a sheet in the background; a crash refuses it in staff words and deletes the upload.

    Nobody waits on this read to see a 500: without the refusal the sheet would
    look checked forever, and the plain upload would stay on disk.
    """
    upload_path = Path(job.stored_path)
    try:
        with validation.kept_alive(record):
            validate_sheet_upload(job=job, progress=record)
    except Exception:
        job.refresh_from_db()
        if job.status == JobStatus.UPLOADED:
            refuse_job(job=job, error=validation.SHEET_STOPPED)
            shutil.rmtree(sheet_rows.pages_folder(job), ignore_errors=True)
        upload_path.unlink(missing_ok=True)
        raise  # the task's log keeps the traceback


def validate_sheet_upload(*, job: ImportJob, progress=no_progress) -> None:
    """Read a staged sheet, keep its preview, and re-wrap it under the server key.

    A refused sheet fails the job with the reason (and the missing columns in
    `meta`); its upload is deleted either way. The options then name the sheet
    type and the encoding found, so the background run reads it identically.
    The job turns validated only once its preview and row pages are kept, in one
    UPDATE: a page polling a background read never sees half a preview.
    """

    job.refresh_from_db()
    if job.status != JobStatus.UPLOADED:
        return  # it could not even be staged (a full disk): the job says why
    with validation.dropped_if_cancelled(job):
        _read_sheet(job, progress)


def _read_sheet(job: ImportJob, progress) -> None:
    upload_path = Path(job.stored_path)
    try:
        progress("read", 0, 1)
        with open_sheet_file(job=job) as sheet:
            progress("preview", 0, 1)
            summary = sheet_preview.preview_json(sheet, clinic=job.clinic)
            mapping = sheet_columns.mapping_of(job)
            verdicts = sheet_rows.judge_rows(sheet, job.clinic, mapping=mapping)
            row_totals = sheet_rows.keep_pages(job, _counted(verdicts, sheet, progress))
            progress("rewrap", 0, 1)
            packed = staging_dir(job) / "validated.dpmr"
            rewrap.rewrap(upload_path, packed)
            options = dict(
                job.options,
                rewrapped=True,
                sheet=sheet.spec.name,
                encoding=sheet.parsed.decoded.encoding,
            )
            validate_job(
                job=job,
                container=sheet,
                preview=sheet_preview.seal(summary),
                more_meta={"row_preview": row_totals},
                stored_path=str(packed),
                options=options,
            )
    except ReadError as exc:
        missing = getattr(exc, "missing", None)
        if missing:
            job.meta = dict(job.meta, missing_columns=missing)
            ImportJob.objects.filter(pk=job.pk).update(meta=job.meta)
        refuse_job(job=job, error=exc)
        upload_path.unlink(missing_ok=True)
        return
    except (OSError, DatabaseError) as exc:
        full = diskfull.describe(exc)
        if full is None:
            raise
        refuse_job(job=job, error=full)
        upload_path.unlink(missing_ok=True)
        return
    upload_path.unlink(missing_ok=True)
    record_preflight(job=job, problems=summary["problem_groups"])


def _counted(verdicts, sheet, progress):
    """Pass the row verdicts on, telling `progress` how many rows were judged so far."""
    total = sum(sheet.count(t) for t in sheet.spec.entity_types)
    for done, verdict in enumerate(verdicts, start=1):
        if done % sheet_rows.CHUNK == 0:
            progress("rows", done, total)
        yield verdict
    progress("rows", total, total)


@contextmanager
def open_sheet_file(*, job: ImportJob, path: str | Path | None = None):
    """Read the job's CSV sheet with the sheet type and encoding recorded in its options.

    Raises `ReadError` (missing columns, undecodable, unknown encoding) to refuse it.
    """

    sheet = read_sheet(
        path or job.stored_path,
        sheet=job.options.get("sheet") or None,
        encoding=job.options.get("encoding") or None,
        max_bytes=settings.CSV_MAX_SHEET_BYTES,
        # The column mapping staff chose, the workbook's sheet (jobs.sheet_columns).
        **sheet_columns.read_options(job),
    )
    # Rows the clinic has under the key an earlier version gave them are those rows.
    sheet.take_former_keys(partial(mapped_keys, job.clinic_id, sheet.source_system))
    yield sheet


@contextmanager
def open_sheet_for_run(job: ImportJob):
    """Open a sheet job's file for its run: the re-wrapped web copy, or the CLI's own file."""

    if not job.options.get("rewrapped"):
        with open_sheet_file(job=job) as sheet:
            yield sheet
        return
    with work_folder() as tmp_dir, rewrap.unwrapped(Path(job.stored_path), str(tmp_dir)) as plain:
        with open_sheet_file(job=job, path=plain) as sheet:
            yield sheet
