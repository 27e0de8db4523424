"""What the file says besides entity rows: `_files` to stage, `_warnings` to copy (§9, §10.1)."""

from __future__ import annotations

import re

from django.apps import apps

from clinics.models import Document
from dentalpin_import.loader import inserts
from dentalpin_import.loader.chunks import resolve_references
from dentalpin_import.mapping.base import MappingContext
from dentalpin_import.mapping.instances import build
from dentalpin_import.models import (
    EntityMapping,
    FileStaging,
    ImportWarning,
    Severity,
    StagingStatus,
)
from dentalpin_import.reader.batches import batched
from dentalpin_import.reader.values import clean_text

BATCH = 1000
KEY_MAX = FileStaging._meta.get_field("file_uuid").max_length
SHA256 = re.compile(r"[0-9a-f]{64}")
MSG_BAD_KEY = (
    "this file's id or its owner's is empty, longer than the importer records or holds "
    "characters that are not text; it was not staged: ask for a new export"
)
MSG_DUPLICATE = (
    "this file is listed twice in the export; the first was staged, this copy was skipped"
)
MSG_BAD_SHA256 = "this file's checksum is not a sha256; it is staged as missing"
COPIED_MARKER = "_warnings"
SEVERITIES = set(Severity.values)


def stage_files(container, ctx: MappingContext) -> list[ImportWarning]:
    """Create a `FileStaging` row per `_files` row not staged before in this clinic.

    Rows without a sha256 can never be matched: they are staged as missing,
    with a warning. Rows whose parent document was imported are linked to it.
    A second row with the id of a file this run staged is a copy: warned and
    skipped. A re-run stages nothing, so it says nothing about copies either.
    """
    warnings: list[ImportWarning] = []
    staged: set[str] = set()  # not just the previous id: an id 5 and a text '5' are apart
    for files in batched(container.iter_files(), BATCH):
        # Refused ids are never looked up: PostgreSQL refuses a NUL even in a query.
        usable = [f.canonical_uuid for f in files if _keys_fit(f)]
        known = set(
            FileStaging.objects.filter(clinic=ctx.clinic, file_uuid__in=usable).values_list(
                "file_uuid", flat=True
            )
        )
        fresh = []
        for f in files:
            if not _keys_fit(f):
                warnings.append(_file_warning(ctx, f, "file.bad_key", MSG_BAD_KEY))
            elif f.canonical_uuid in staged:
                warnings.append(_file_warning(ctx, f, "file.duplicate", MSG_DUPLICATE))
            elif f.canonical_uuid not in known:
                staged.add(f.canonical_uuid)
                fresh.append(f)
        documents = parent_documents(ctx, fresh)
        owners = parent_patients(ctx, fresh)
        rows = []
        for f in fresh:
            document = documents.get(f.parent_canonical_uuid)
            owner = document[1] if document else owners.get(f.parent_canonical_uuid)
            sha256 = (f.sha256 or "").lower()
            if sha256 and not SHA256.fullmatch(sha256):
                # No upload can ever match it: staged as missing, said once.
                warnings.append(_file_warning(ctx, f, "file.sha256_invalid", MSG_BAD_SHA256))
                sha256 = ""
            rows.append(
                build(
                    FileStaging,
                    clinic=ctx.clinic,
                    job=ctx.job,
                    file_uuid=f.canonical_uuid,
                    parent_entity_type=f.parent_entity_type,
                    parent_canonical_uuid=f.parent_canonical_uuid,
                    relative_path=f.relative_path,
                    declared_size_bytes=f.declared_size_bytes,
                    sha256=sha256,
                    mime_hint=(f.mime_hint or "")[:100],
                    status=StagingStatus.PENDING if sha256 else StagingStatus.MISSING,
                    document_id=document[0] if document else None,
                    patient_id=owner,
                )
            )
            if not f.sha256:
                warnings.append(
                    _file_warning(
                        ctx,
                        f,
                        "file.sha256_missing",
                        f"{f.relative_path}: the extractor could not read this file",
                        path=f.relative_path,
                    )
                )
        inserts.insert_instances(rows)  # inside the runner's transaction
    return warnings


def _keys_fit(f) -> bool:
    """Whether a `_files` row's ids can be stored and found alike on every database.

    A cut or cleaned id would never be found again, so a re-run would stage the
    file twice; PostgreSQL refuses a NUL, SQLite stores it. An empty id (NULL in
    the file) names no file and no owner.
    """
    return all(
        0 < len(value) <= KEY_MAX and value.isprintable()
        for value in (f.canonical_uuid, f.parent_entity_type, f.parent_canonical_uuid)
    )


def _file_warning(ctx: MappingContext, f, code: str, message: str, **params) -> ImportWarning:
    return build(
        ImportWarning,
        job=ctx.job,
        clinic=ctx.clinic,
        # The ids as a warning can hold them on every database (a NUL, when refused for one).
        entity_type=clean_text(f.parent_entity_type)[0][:KEY_MAX],
        source_id=clean_text(f.canonical_uuid)[0][:200],
        severity=Severity.WARN,
        code=code,
        message=message,
        params=params,
    )


def parent_documents(ctx: MappingContext, files) -> dict[str, tuple[int, int]]:
    """Return {parent canonical uuid: (document id, patient id)} for document parents."""
    parents = [f.parent_canonical_uuid for f in files if f.parent_entity_type == "patient_document"]
    resolve_references(ctx, (("patient_document", p) for p in parents))
    ids = {p: ctx.resolve("patient_document", p) for p in parents}
    owners = dict(
        Document.objects.filter(clinic=ctx.clinic, pk__in_ids=ids.values())
        .order_by()
        .values_list("pk", "patient_id")
    )
    return {p: (i, owners[i]) for p, i in ids.items() if i in owners}


def parent_patients(ctx: MappingContext, files) -> dict[str, int]:
    """Return {parent canonical uuid: patient id} for other parents (a consent, a prescription).

    The parent's clinic row names its patient; parents not imported are left
    for the upload endpoint to resolve later.
    """
    wanted: dict[str, set[str]] = {}
    for f in files:
        if f.parent_entity_type != "patient_document" and f.parent_canonical_uuid:
            wanted.setdefault(f.parent_entity_type, set()).add(f.parent_canonical_uuid)
    targets: dict[str, dict[int, str]] = {}  # table → {row id: parent uuid}
    for entity_type, uuids in wanted.items():
        mappings = EntityMapping.objects.filter(
            clinic=ctx.clinic,
            source_system=ctx.source_system,
            entity_type=entity_type,
            canonical_uuid__in=uuids,
        ).values_list("canonical_uuid", "target_table", "target_id")
        for uuid, table, target in mappings:
            targets.setdefault(table, {})[int(target)] = uuid
    models_by_table = {m._meta.db_table: m for m in apps.get_models()}
    found: dict[str, int] = {}
    for table, rows in targets.items():
        model = models_by_table.get(table)
        if model is None or "patient" not in {f.name for f in model._meta.fields}:
            continue
        owners = (
            model.objects.filter(clinic=ctx.clinic, pk__in_ids=rows)
            .order_by()
            .values_list("pk", "patient_id")
        )
        found.update({rows[pk]: patient for pk, patient in owners if patient})
    return found


def copy_file_warnings(container, ctx: MappingContext) -> list[ImportWarning]:
    """Copy the extractor's `_warnings` as `dpmf.<code>`, once per clinic and file content.

    The note that the file's own clinic label was ignored comes with them, so
    importing the same content again adds no warning at all.
    """
    digest = container.computed_hash or container.declared_hash
    marker = dict(
        clinic=ctx.clinic,
        source_system=ctx.source_system,
        entity_type=COPIED_MARKER,
        canonical_uuid=digest,
    )
    if EntityMapping.objects.filter(**marker).exists():
        return []
    EntityMapping.objects.create(
        **marker, target_table="__copied__", target_id="0", created_row=False, job=ctx.job
    )
    return tenant_label_notes(container, ctx) + [
        build(
            ImportWarning,
            job=ctx.job,
            clinic=ctx.clinic,
            entity_type=(w.entity_type or "")[:KEY_MAX],
            source_id=(w.source_id or "")[:200],
            severity=w.severity if w.severity in SEVERITIES else Severity.WARN,
            code=f"dpmf.{w.code}"[:120],
            message=w.message,
            raw_data=w.raw_data,
            params={},  # the export's own words: shown as the file gives them
        )
        for w in container.iter_warnings()
    ]


def tenant_label_notes(container, ctx: MappingContext) -> list[ImportWarning]:
    """Say so when the file names another clinic: it is informational only (§12.2)."""
    label = container.meta.get("tenant_label", "").strip()
    clinic = ctx.clinic
    if not label or label in (clinic.slug, clinic.name):
        return []
    return [
        build(
            ImportWarning,
            job=ctx.job,
            clinic=clinic,
            severity=Severity.INFO,
            code="tenant.label_ignored",
            message=f"the file names its clinic '{label}'; it is imported into "
            f"'{clinic.slug}' as requested, never into a clinic named by the file",
            params={"label": label, "clinic": clinic.name},
        )
    ]
