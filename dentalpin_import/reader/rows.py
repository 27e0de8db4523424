"""Plain rows as stored in a DPMF container (FORMAT.md §5.2, §5.3)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

_UNREAD = object()


class SourceRow:
    """One entity row. JSON is decoded on first use, so rows a re-run skips cost no parsing.

    The payload and the raw source data are decoded each when first asked for:
    reconciliation reads only payloads. An unreadable payload sets `decode_error`
    (and `payload` None) instead of raising.
    """

    __slots__ = (
        "entity_type",
        "canonical_uuid",
        "source_id",
        "source_system",
        "extracted_at",
        "_payload_text",
        "_raw_text",
        "_decoded",
        "_raw",
    )

    def __init__(
        self,
        entity_type: str,
        canonical_uuid: str,
        source_id: str,
        source_system: str,
        payload_text,
        raw_text,
        extracted_at: str,
    ):
        self.entity_type = entity_type
        self.canonical_uuid = canonical_uuid
        self.source_id = source_id
        self.source_system = source_system
        self.extracted_at = extracted_at
        self._payload_text = payload_text
        self._raw_text = raw_text
        self._decoded: tuple | None = None  # (payload, its problem)
        self._raw = _UNREAD

    def _decode(self) -> tuple:
        if self._decoded is None:
            self._decoded = decode_object(self._payload_text, "payload")
        return self._decoded

    @property
    def payload(self) -> dict | None:
        return self._decode()[0]

    @property
    def raw_source_data(self) -> dict | None:
        """The raw data as an object; None when it is missing or unreadable (never an error)."""
        if self._raw is _UNREAD:
            raw, problem = decode_object(self._raw_text, "raw_source_data")
            self._raw = raw if problem is None else None
        return self._raw

    @property
    def decode_error(self) -> str | None:
        return self._decode()[1]


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
        value = loads(text)
    except ValueError as exc:
        return None, f"{what} is not valid JSON: {exc}"
    if not isinstance(value, dict):
        return None, f"{what} is not a JSON object"
    return value, None


def loads(text: str) -> Any:
    """`json.loads`, twice as fast for the payloads a file is made of.

    orjson reads a document as `json` does, except that it refuses some
    (NaN, infinities, lone surrogates) and reads an integer beyond 64 bits as
    a float. A refused document, or one holding any float, is read again by
    `json`, so the value and the error message are always the standard one's.
    """
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
    return value if _no_float(value) else json.loads(text)


def _no_float(value: Any) -> bool:
    # A loop, not recursion: a deeply nested document must not exhaust the stack here.
    kind = type(value)
    if kind is not dict and kind is not list:
        return kind is not float
    pending = [value]
    while pending:
        item = pending.pop()
        for inner in item.values() if type(item) is dict else item:
            kind = type(inner)
            if kind is float:
                return False
            if kind is dict or kind is list:
                pending.append(inner)
    return True


def make_row(entity_type: str, values: tuple) -> SourceRow:
    uuid, source_id, source_system, payload, raw, extracted_at = values
    return SourceRow(
        entity_type,
        str(uuid),
        str(source_id),
        str(source_system),
        payload,
        raw,
        str(extracted_at or ""),
    )
