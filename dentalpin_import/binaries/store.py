"""Turn a verified upload into patient documents in Django storage (local disk or S3).

The stored name is built here (clinic / patient / random id + extension from
the sniffed type): nothing of the file's own relative path ever reaches
storage.
"""

from __future__ import annotations

import io
import logging
import uuid
from pathlib import PurePosixPath

from django.apps import apps
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from clinics.models import Document, DocumentStatus
from dentalpin_import import events
from dentalpin_import.binaries.sniff import EXTENSIONS
from dentalpin_import.models import (
    EntityMapping,
    FileStaging,
    ImportJob,
    JobStatus,
    RawEntity,
    StagingStatus,
)

log = logging.getLogger(__name__)
THUMBNAIL = (256, 256)
# The largest image a thumbnail is made of: a 6000 x 4000 camera photo fits (about
# 100 MB decoded), a quarter of the size at which Pillow only starts to warn of a
# decompression bomb (89 Mpx). Decoding happens in the web process: a file
# claiming more pixels is stored without a thumbnail.
THUMBNAIL_MAX_PIXELS = 25_000_000


def _mapping(staging: FileStaging, entity_type: str, uuid_: str) -> EntityMapping | None:
    return EntityMapping.objects.filter(
        clinic_id=staging.clinic_id,
        source_system=staging.job.source_system,
        entity_type=entity_type,
        canonical_uuid=uuid_,
    ).first()


def resolve_owner(staging: FileStaging) -> tuple[int | None, Document | None]:
    """Return (patient id, awaiting document) for a staged file, or (None, None) if not yet.

    A `patient_document` parent is that document. Any other parent (a consent,
    a prescription…) resolves to its patient: through the clinic row it was
    mapped to, or through the patient reference in its raw payload.
    """
    if staging.document_id:
        return staging.document.patient_id, staging.document
    parent_type, parent_uuid = staging.parent_entity_type, staging.parent_canonical_uuid
    mapping = _mapping(staging, parent_type, parent_uuid)
    if mapping and parent_type == "patient_document":
        document = Document.objects.filter(
            clinic_id=staging.clinic_id, pk=int(mapping.target_id)
        ).first()
        return (document.patient_id, document) if document else (None, None)
    if mapping and mapping.target_table != "__skipped__":
        model = next(
            (m for m in apps.get_models() if m._meta.db_table == mapping.target_table), None
        )
        row = model.objects.filter(pk=int(mapping.target_id)).first() if model else None
        if row is not None and getattr(row, "patient_id", None):
            return row.patient_id, None
    raw = RawEntity.objects.filter(
        clinic_id=staging.clinic_id, entity_type=parent_type, canonical_uuid=parent_uuid
    ).first()
    patient_uuid = (raw.payload or {}).get("patient_uuid") if raw else None
    patient = _mapping(staging, "patient", str(patient_uuid).lower()) if patient_uuid else None
    return (int(patient.target_id), None) if patient else (None, None)


def _thumbnail(path: str, mime: str) -> ContentFile | None:
    """A small JPEG of an image, or None (not an image, unreadable, or too many pixels)."""
    if not mime.startswith("image/"):
        return None
    try:
        from PIL import Image

        with Image.open(path) as image:  # reads the header only: the size, not the pixels
            width, height = image.size
            if width * height > THUMBNAIL_MAX_PIXELS:
                log.warning(
                    "no thumbnail for %s: %d x %d pixels is more than the %d a thumbnail "
                    "is made of; the file itself is stored",
                    path,
                    width,
                    height,
                    THUMBNAIL_MAX_PIXELS,
                )
                return None
            image.thumbnail(THUMBNAIL)
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=80)
            return ContentFile(out.getvalue())
    except Exception:  # a thumbnail is a convenience; the original is what matters
        log.warning("no thumbnail for %s", path, exc_info=True)
        return None


def store(
    rows: list[tuple[FileStaging, int, Document | None]], upload, mime: str, sha256: str
) -> list[tuple[FileStaging, Document]]:
    """Store the bytes once per owner and mark the staging rows received; all or nothing.

    Return (staged row, its document) for each row this call stored. Parallel
    requests with the same bytes (agents run twice, a retried request) each
    write their files first, outside the transaction, so a large file never
    holds the database's write lock; each staged row is then claimed by a
    conditional UPDATE (`status` not yet received), which waits for the row on
    PostgreSQL and for the write lock on SQLite, and reads the row as the
    other request left it. A row another request claimed first is not touched
    and the files written for it are deleted: [] when every row was taken.
    """
    saved_names: list[str] = []
    kept: set[str] = set()
    stored: list[tuple[FileStaging, Document]] = []
    rows = sorted(rows, key=lambda row: row[0].pk)  # one locking order for every request
    try:
        written = [
            _write(staging, patient_id, upload, mime, saved_names)
            for staging, patient_id, _ in rows
        ]
        with transaction.atomic():
            if _clinic_undoing(rows[0][0].clinic_id):
                raise ClinicUndoing
            for (staging, patient_id, document), (name, thumb_name) in zip(
                rows, written, strict=True
            ):
                if not _claim(staging, patient_id):
                    continue  # another request stored these bytes for this row first
                document = _record(
                    staging, patient_id, document, upload, mime, sha256, name, thumb_name
                )
                stored.append((staging, document))
                kept.update((name, thumb_name))
    except Exception:
        for name in saved_names:  # the database said no: leave no orphan file behind
            default_storage.delete(name)
        raise
    for name in saved_names:
        if name not in kept:  # written for a row another request stored first
            default_storage.delete(name)
    return stored


class ClinicUndoing(Exception):
    """An import of the file's clinic is being undone: nothing is stored until it ends."""


def _clinic_undoing(clinic_id: int) -> bool:
    # Asked in the transaction that claims, not only when the request began: a long upload
    # may end after an undo was asked, and the undo plans the clinic's documents as they
    # are. A document stored meanwhile would escape it (or go with its patient, its file
    # left in storage). The undo refuses one that arrived while it planned (jobs/undo.py).
    return ImportJob.objects.filter(clinic_id=clinic_id, status=JobStatus.UNDOING).exists()


def _write(staging, patient_id, upload, mime, saved_names) -> tuple[str, str | None]:
    """Save the file (and an image's thumbnail) under a new name; return the names."""
    folder = f"clinics/{staging.clinic_id}/patients/{patient_id}"
    with open(upload.temporary_file_path(), "rb") as source:
        name = default_storage.save(
            f"{folder}/{uuid.uuid4().hex}{EXTENSIONS.get(mime, '')}", File(source)
        )
    saved_names.append(name)
    thumb = _thumbnail(upload.temporary_file_path(), mime)
    if thumb is None:
        return name, None
    thumb_name = default_storage.save(f"{folder}/thumbnails/{uuid.uuid4().hex}.jpg", thumb)
    saved_names.append(thumb_name)
    return name, thumb_name


def _claim(staging: FileStaging, patient_id: int) -> bool:
    """Mark the staged row received unless it already is; True when this call did."""
    return bool(
        FileStaging.objects.filter(pk=staging.pk)
        .exclude(status=StagingStatus.RECEIVED)
        .update(
            status=StagingStatus.RECEIVED,
            patient_id=patient_id,
            received_at=timezone.now(),
            reason="",
        )
    )


def _record(staging, patient_id, document, upload, mime, sha256, name, thumb_name) -> Document:
    """The document of a claimed staged row, filled from the stored file; the row names it."""
    if document is None:
        document = Document(
            clinic_id=staging.clinic_id,
            patient_id=patient_id,
            kind=staging.parent_entity_type[:40],
        )
    document.title = document.title or PurePosixPath(staging.relative_path).name[:255]
    document.file.name = name
    document.mime_type = mime
    document.size_bytes = upload.size
    document.sha256 = sha256
    document.status = DocumentStatus.STORED
    if thumb_name is not None:
        document.thumbnail.name = thumb_name
    document.save()
    FileStaging.objects.filter(pk=staging.pk).update(document=document)
    events.emit_many(
        [
            (
                "migration.binary.resolved",
                {
                    "job_id": str(staging.job_id),
                    "staging_id": staging.pk,
                    "document_id": document.pk,
                },
            ),
            events.document_uploaded(document),
        ]
    )
    return document
