"""Values of the system tables `_files` and `_warnings` as a database can keep them.

These rows are stored as they are (staged files, copied warnings), so what no
database column takes is settled here, once: a NUL is removed, and a warning's
raw data that is not storable JSON stays text. An id is the exception: it is
kept as it is, for the loader to refuse (a changed id would name another file).
"""

from __future__ import annotations

import math
from typing import Any

from dentalpin_import.reader.rows import loads
from dentalpin_import.reader.values import clean_json

# Deeper than this, a warning's raw data is kept as its text: storing it as JSON
# would recurse once per level.
RAW_DATA_DEPTH = 64


def text_or_none(value: Any) -> str | None:
    """A text column of `_files` or `_warnings`: text without NUL (no database stores it)."""
    if value is None:
        return None
    if isinstance(value, bytes):  # a BLOB where text belongs: its text, as far as it is one
        value = value.decode("utf-8", "replace")
    return str(value).replace("\x00", "")


def key_text(value: Any) -> str:
    """An id of `_files`: its text, NUL included, '' for NULL (never the text "None")."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def warning_raw_data(raw: Any) -> Any:
    """A file warning's `raw_data`: the JSON it holds, else its text as it is (NUL removed).

    The value is kept in a JSON column, so JSON no database stores as such (a
    NUL, NaN or an infinity, nesting deeper than RAW_DATA_DEPTH) stays text.
    A lone surrogate escape (`\\ud800`) decodes to a character PostgreSQL's
    JSON refuses and SQLite keeps: replaced by U+FFFD, as in a row's payload.
    """
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        return raw if isinstance(raw, int) else text_or_none(raw)
    text = raw.replace("\x00", "")
    if text != raw or "\\u0000" in raw.lower():
        return text
    try:
        value = loads(raw)
    except (ValueError, RecursionError):
        return text
    return clean_json(value)[0] if _storable(value) else text


def _storable(value: Any) -> bool:
    # A loop, not recursion: the depth is what is being checked.
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return False
        if isinstance(item, (dict, list)):
            if depth > RAW_DATA_DEPTH:
                return False
            inner = item.values() if isinstance(item, dict) else item
            pending.extend((v, depth + 1) for v in inner)
    return True
