"""Plain rows as stored in a DPMF container (FORMAT.md §5.2, §5.3)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

from dentalpin_import.reader.values import clean_json, clean_text

_UNREAD = object()
# The deepest nesting a payload or raw data may have. Real exports nest two or
# three levels; a deeper document is refused as the row's decode error rather
# than met later by whatever recursion (encoding it for the database, a repr, a
# pickle) would exhaust the stack on it.
MAX_DEPTH = 100


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
        "text_fixes",
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
        # (field, code) of each text of the row the rules of `values.clean_text`
        # changed: complete once `payload` and `raw_source_data` were read.
        self.text_fixes: list[tuple[str, str]] = []
        if not source_id.isprintable():  # a NUL or a lone surrogate is not printable
            self.source_id, codes = clean_text(source_id)
            self.text_fixes += [("source_id", code) for code in codes]

    def _decode(self) -> tuple:
        if self._decoded is None:
            self._decoded = decode_object(self._payload_text, "payload", self.text_fixes)
        return self._decoded

    @property
    def payload(self) -> dict | None:
        return self._decode()[0]

    @property
    def raw_source_data(self) -> dict | None:
        """The raw data as an object; None when it is missing or unreadable (never an error)."""
        if self._raw is _UNREAD:
            fixes: list[tuple[str, str]] = []
            raw, problem = decode_object(self._raw_text, "raw_source_data", fixes)
            self._raw = raw if problem is None else None
            if fixes:
                self.text_fixes += [(f"raw_source_data.{where}", code) for where, code in fixes]
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


def decode_object(
    text: Any, what: str, fixes: list | None = None
) -> tuple[dict | None, str | None]:
    """Parse a JSON object column; return (object, None) or (None, problem).

    The object's text is cleaned by `values.clean_json` (no NUL, no lone
    surrogate), and what was cleaned is added to `fixes` as (key, code).
    The problem names what is wrong, never a piece of the text.
    """
    if text == "{}":  # most rows' raw data: nothing to parse, clean or measure
        return {}, None
    if not isinstance(text, str):
        return None, f"{what} is not text"
    try:
        value, depth = _load(text)
    except ValueError as exc:
        return None, f"{what} is not valid JSON: {exc}"
    except RecursionError:
        return None, f"{what} is nested more than {MAX_DEPTH} levels deep"
    if not isinstance(value, dict):
        return None, f"{what} is not a JSON object"
    if depth is None:  # read by `json`: only a text with that many brackets can be that deep
        depth = _depth(value) if text.count("[") + text.count("{") > MAX_DEPTH else 0
    if depth > MAX_DEPTH:
        return None, f"{what} is nested more than {MAX_DEPTH} levels deep"
    # A NUL can only be written \u0000 in JSON, and a lone surrogate only as a
    # \ud800-\udfff escape: the other rows need no walk.
    if "\\u" in text and ("\\u0000" in text or "\\ud" in text or "\\uD" in text):
        value, found = clean_json(value)
        if fixes is not None:
            fixes += found
    return value, None


def _depth(value: Any) -> int:
    """How deep containers nest in a decoded JSON value (a loop, not recursion)."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        deepest = max(deepest, depth)
        for inner in item.values() if type(item) is dict else item:
            if type(inner) is dict or type(inner) is list:
                pending.append((inner, depth + 1))
    return deepest


def loads(text: str) -> Any:
    """`json.loads`, twice as fast for the payloads a file is made of.

    orjson reads a document as `json` does, except that it refuses some
    (NaN, infinities, lone surrogates) and reads an integer beyond 64 bits as
    a float. A refused document, or one holding any float, is read again by
    `json`, so the value and the error message are always the standard one's.
    """
    return _load(text)[0]


def _load(text: str) -> tuple[Any, int | None]:
    """`loads`, and how deep the value nests when orjson read it (None when `json` did)."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text), None
    floats, depth = _scan(value)
    return (json.loads(text), None) if floats else (value, depth)


def _scan(value: Any) -> tuple[bool, int]:
    """(holds a float, how deep containers nest) of a decoded value; stops at a float.

    Level by level, in a loop: a deeply nested document must not exhaust the
    stack here, and the depth the importer checks comes with the float check.
    """
    kind = type(value)
    if kind is not dict and kind is not list:
        return kind is float, 0
    level, depth = [value], 0
    while level:
        depth += 1
        below = []
        for item in level:
            for inner in item.values() if type(item) is dict else item:
                kind = type(inner)
                if kind is float:
                    return True, depth
                if kind is dict or kind is list:
                    below.append(inner)
        level = below
    return False, depth


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
