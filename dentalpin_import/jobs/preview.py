"""A read-only look at a validated file: what it holds and what importing it would touch."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from clinics.fields import decrypt, encrypt
from dentalpin_import.loader import changes
from dentalpin_import.mapping.registry import import_order, mapper_for
from dentalpin_import.models import EntityMapping
from dentalpin_import.reader.legal import legal_fields

SAMPLE_ROWS = 5
SAMPLE_CHARS = 40
MAX_FILE_WARNINGS = 200
KEY_FIELDS = (
    "given_name",
    "family_name",
    "name",
    "email",
    "role",
    "scheduled_date",
    "scheduled_time",
    "amount",
    "paid_on",
    "series",
    "number",
    "total",
    "status",
    "title",
    "kind",
    "short_name",
    "description",
    "text",
    "drug_description",
    "owed_amount",
    "due_date",
    "concept",
)


@dataclass
class TypePreview:
    entity_type: str
    declared: int
    in_file: int
    handling: str  # "mapped" or "raw"
    samples: list[dict] = field(default_factory=list)


@dataclass
class Preview:
    meta: dict
    types: list[TypePreview]
    file_warnings: list
    file_warnings_total: int
    files: object  # reader FilesSummary
    notes: list[str]
    verifactu_detected: bool

    @property
    def total_entities(self) -> int:
        return sum(t.in_file for t in self.types)


def sample_fields(row) -> dict:
    """The few payload fields that let a person recognise a row."""
    payload = row.payload or {}
    picked = {k: _short(payload[k]) for k in KEY_FIELDS if payload.get(k) not in (None, "")}
    return {"source_id": row.source_id, **dict(list(picked.items())[:5])}


def _short(value):
    # Samples are kept on the job row: enough to recognise a row, never a whole
    # clinical narrative (note text lives encrypted in the clinic's tables).
    if isinstance(value, str) and len(value) > SAMPLE_CHARS:
        return value[: SAMPLE_CHARS - 1] + "…"
    return value


def build_preview(container) -> Preview:
    """Summarise an open container; reads at most a few rows per type."""
    infos = {i.entity_type: i for i in container.entity_types}
    types = []
    for entity_type in import_order(infos):
        info = infos[entity_type]
        types.append(
            TypePreview(
                entity_type=entity_type,
                declared=info.row_count,
                in_file=info.actual_count,
                handling="mapped" if mapper_for(entity_type) else "raw",
                samples=[sample_fields(r) for r in container.sample_rows(entity_type, SAMPLE_ROWS)],
            )
        )
    warnings = []
    total = 0
    for warning in container.iter_warnings():
        total += 1
        if len(warnings) < MAX_FILE_WARNINGS:
            warnings.append(warning)
    return Preview(
        meta=dict(container.meta),
        types=types,
        file_warnings=warnings,
        file_warnings_total=total,
        files=container.files_summary(),
        notes=list(container.notes),
        verifactu_detected=has_legal_fields(container, infos),
    )


def has_legal_fields(container, infos) -> bool:
    """True when any fiscal document carries a non-empty legal field (§11)."""
    if "fiscal_document" not in infos:
        return False
    for rows in container.iter_rows("fiscal_document", chunk_size=2000):
        for row in rows:
            if legal_fields(row.payload or {}, row.raw_source_data or {}):
                return True
    return False


def preview_json(preview: Preview) -> dict:
    """The preview as plain data, kept on the job so the wizard never reopens the file."""
    return {
        "types": [
            {
                "entity_type": t.entity_type,
                "in_file": t.in_file,
                "declared": t.declared,
                "handling": t.handling,
                "samples": t.samples,
            }
            for t in preview.types
        ],
        "total": preview.total_entities,
        "file_warnings": [
            {
                "entity_type": w.entity_type,
                "source_id": w.source_id,
                "severity": w.severity,
                "code": w.code,
                "message": w.message,
            }
            for w in preview.file_warnings[:50]
        ],
        "file_warnings_total": preview.file_warnings_total,
        "files": {
            "total": preview.files.total,
            "with_sha256": preview.files.with_sha256,
            "without_sha256": preview.files.without_sha256,
            "declared_bytes": preview.files.declared_bytes,
        },
        "notes": preview.notes,
        "verifactu_detected": preview.verifactu_detected,
        "tenant_label": preview.meta.get("tenant_label", ""),
    }


# Where the sample rows of a stored preview are: one encrypted token, DPMF and CSV alike.
SEALED = "samples_sealed"


def seal(preview: dict) -> dict:
    """The preview as stored on the job: every type's sample rows in one encrypted token.

    Samples hold names and the start of alert texts and drug descriptions: they
    are encrypted like clinical notes (CLINICAL_ENCRYPTION_KEYS), rotated with
    them, and dropped by `jobs.retention.forget_samples`.
    """
    samples = {t["entity_type"]: t.get("samples", []) for t in preview.get("types", [])}
    sealed = dict(preview, types=[_without_samples(t) for t in preview.get("types", [])])
    sealed[SEALED] = encrypt(json.dumps(samples))
    return sealed


def unseal(stored: dict) -> dict:
    """The stored preview with its sample rows readable (none once they were forgotten)."""
    samples = json.loads(decrypt(stored[SEALED])) if stored.get(SEALED) else {}
    preview = {k: v for k, v in stored.items() if k != SEALED}
    preview["types"] = [
        dict(t, samples=samples.get(t["entity_type"], [])) for t in stored.get("types", [])
    ]
    return preview


def _without_samples(type_preview: dict) -> dict:
    return {k: v for k, v in type_preview.items() if k != "samples"}


CUTOVER_KINDS = ("new", "changed", "edited_in_clinic", "unchanged", "missing")


def cutover_preview(container, clinic) -> dict | None:
    """How the file stands against what `clinic` already has from the same source, or None.

    None when the clinic has nothing from this `source_system` (a first import).
    Otherwise {"types": [{"entity_type", "new", "changed", "edited_in_clinic",
    "unchanged", "missing", "samples": {kind: [ids in the old system]}}],
    "totals": {kind: n}} for the types where anything is new, changed or missing.
    """
    system = container.source_system
    if not EntityMapping.objects.filter(clinic=clinic, source_system=system).exists():
        return None
    summary = changes.summarise(container, clinic, system)
    types = []
    for entity_type in import_order(summary):
        if not mapper_for(entity_type):
            continue  # kept as raw data, never mapped: there is nothing to compare it with
        counts = summary[entity_type]
        if any(counts.get(k) for k in ("new", "changed", "missing")):
            types.append({"entity_type": entity_type, **counts})
    totals = {k: sum(t.get(k, 0) for t in types) for k in CUTOVER_KINDS}
    return {"types": types, "totals": totals, "source_system": system}
