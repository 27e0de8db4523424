"""Plain rows as stored in a DPMF container (FORMAT.md §5.2, §5.3)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SourceRow:
    """One entity row; an unreadable payload sets `decode_error` instead of raising."""

    entity_type: str
    canonical_uuid: str
    source_id: str
    source_system: str
    payload: dict | None
    raw_source_data: dict | None
    extracted_at: str
    decode_error: str | None = None


@dataclass(frozen=True)
class SourceFile:
    canonical_uuid: str
    parent_entity_type: str
    parent_canonical_uuid: str
    relative_path: str
    declared_size_bytes: int | None
    sha256: str | None
    mime_hint: str | None


@dataclass(frozen=True)
class SourceWarning:
    id: int
    entity_type: str | None
    source_id: str | None
    severity: str
    code: str
    message: str
    raw_data: Any


@dataclass(frozen=True)
class EntityTypeInfo:
    entity_type: str
    row_count: int
    schema_version: str
    actual_count: int


@dataclass(frozen=True)
class FilesSummary:
    total: int
    with_sha256: int
    without_sha256: int
    declared_bytes: int


def decode_object(text: Any, what: str) -> tuple[dict | None, str | None]:
    """Parse a JSON object column; return (object, None) or (None, problem)."""
    if not isinstance(text, str):
        return None, f"{what} is not text"
    try:
        value = json.loads(text)
    except ValueError as exc:
        return None, f"{what} is not valid JSON: {exc}"
    if not isinstance(value, dict):
        return None, f"{what} is not a JSON object"
    return value, None


def make_row(entity_type: str, values: tuple) -> SourceRow:
    uuid, source_id, source_system, payload, raw, extracted_at = values
    payload_obj, problem = decode_object(payload, "payload")
    raw_obj, raw_problem = decode_object(raw, "raw_source_data")
    return SourceRow(
        entity_type=entity_type,
        canonical_uuid=str(uuid),
        source_id=str(source_id),
        source_system=str(source_system),
        payload=payload_obj,
        raw_source_data=raw_obj if raw_problem is None else None,
        extracted_at=str(extracted_at or ""),
        decode_error=problem,
    )
