"""Which errors are about one row, and the warnings a row that fails alone leaves.

The rule (docs/overview.md, "A row fails alone"): an error raised while one
row is decoded, typed, mapped or inserted is about that row, unless it says
the database or the machine can no longer do the work. Those stop the job,
so that running the same command again finishes it:

- `OperationalError`: the connection was lost, the disk or database is full,
  a lock or a statement timed out, the statement was cancelled (PostgreSQL
  raises this for a cancelled job's query too);
- `InterfaceError`: the connection is closed;
- `InternalError`: the transaction can no longer be used;
- `NotSupportedError`, and a plain `DatabaseError` (SQLite: the database file
  is corrupt);
- `ProgrammingError` from the PostgreSQL server: the statement itself is
  wrong (a missing table or column: migrations not applied);
- `OSError` (a connection refused or reset, a timeout, a full disk: nothing a
  row's values cause, as no row is read from or written to a file while it is
  mapped), `ImproperlyConfigured` (a missing encryption key), `MemoryError`,
  and whatever is not an `Exception` (an interrupt, an exit).

Every other error is about the row: the database refusing a value
(`DataError`, `IntegrityError`, a `ProgrammingError` raised before the
statement reached the server, such as SQLite refusing a value's type) and
any error of Python's while handling the value (`ValueError`, `TypeError`,
`UnicodeEncodeError` for a lone surrogate, `RecursionError`, `OverflowError`,
decimal errors, `KeyError`...). PostgreSQL's "program limit exceeded" (an
index entry over its size limit) is an `OperationalError` about the row's value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, DataError, IntegrityError, OperationalError, ProgrammingError

from dentalpin_import.mapping.base import Note
from dentalpin_import.mapping.instances import build
from dentalpin_import.models import ImportWarning
from dentalpin_import.reader.values import (
    KEY_RENAMED,
    NUL_REMOVED,
    ROUNDED,
    SURROGATE_REPLACED,
    clean_text,
)

ROW_FAILED = "row.failed"
DECODE_ERROR = "payload.decode_error"
ROW_DUPLICATE = "row.duplicate"
ROW_BAD_KEY = "row.bad_key"
ROW_UNRESOLVED = "row.unresolved"
# The longest canonical id a row may have: mapping keys add ":<n>" or ":note"
# to it (FORMAT.md §10.2) and must fit the 80 characters of their column.
MAX_KEY = 64

# What a text rule of the reader changed, in a warning's words (`values.clean_text`).
TEXT_FIXES = {
    NUL_REMOVED: "an invisible NUL character was removed from {fields}",
    SURROGATE_REPLACED: ("a character that is not valid text was replaced by \ufffd in {fields}"),
    KEY_RENAMED: (
        "two values of this record had names that became the same once invisible or invalid "
        "characters were removed from one: both are kept, that one renamed to {fields}"
    ),
}


# What each stage did, in the warning's words.
STAGES = {"read": "read", "map": "turned into clinic records", "save": "saved"}
NOT_ABOUT_A_ROW = (MemoryError, OSError, ImproperlyConfigured)
# PostgreSQL SQLSTATE of a value over a limit of the server (an index entry too large).
PROGRAM_LIMIT = "54000"


def stops_the_job(exc: BaseException) -> bool:
    """True when `exc` is about the database or the machine, not about the row (see above)."""
    if not isinstance(exc, Exception) or isinstance(exc, NOT_ABOUT_A_ROW):
        return True
    if not isinstance(exc, DatabaseError):
        return False
    if isinstance(exc, (DataError, IntegrityError)):
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    if isinstance(exc, ProgrammingError):
        return sqlstate is not None
    if isinstance(exc, OperationalError):
        return sqlstate != PROGRAM_LIMIT
    return True


def failure_params(stage: str, exc: BaseException) -> dict:
    """The values of `failure_message`'s warning (`warning_texts`)."""
    return {"variant": stage, "error": type(exc).__name__}


def failure_message(stage: str, exc: BaseException) -> str:
    """The warning of a row that failed at `stage`: the kind of error, never its text.

    An error's text may quote the row's values (a name, an id, a date), so only
    the error's class name is kept, for whoever reads the logs.
    """
    return (
        f"This row could not be {STAGES[stage]} ({type(exc).__name__}); "
        "the rest of the import went on."
    )


def usable_key(key: str) -> bool:
    """True for a canonical id the clinic database can store and look up alike everywhere."""
    return 0 < len(key) <= MAX_KEY and key.isprintable()


BAD_KEY_MESSAGE = (
    "This row's id in the file is empty, longer than 64 characters or holds "
    "characters that are not text; the row is not imported. Ask for a new export."
)


def duplicate_message() -> str:
    return "This row appears twice in the file; the first was imported, this copy was skipped."


def row_warning(
    ctx, entity_type: str, row, code, message, severity="warn", raw_data=None, params=None
):
    """An `ImportWarning` about one source row (or record), with its source and canonical ids.

    The ids come from the file: cleaned and cut so the warning itself always
    fits its columns (a warning the database refused would stop the job).
    `params` are the message's values (`warning_texts`); the patient a record
    names goes with them, so the pages can name that patient.
    """
    params = dict(params or {})
    patient = getattr(row, "patient_uuid", None)
    if patient and isinstance(patient, str):
        params.setdefault("patient_uuid", patient[:80])
    return build(
        ImportWarning,
        job=ctx.job,
        clinic=ctx.clinic,
        entity_type=entity_type,
        source_id=_fitting(str(getattr(row, "source_id", "")), 200),
        canonical_uuid=_fitting(str(getattr(row, "canonical_uuid", "")), 80),
        severity=severity,
        code=code[:120],
        message=message,
        raw_data=raw_data,
        params=params,
    )


def _fitting(value: str, limit: int) -> str:
    if len(value) <= limit and value.isprintable():
        return value
    return clean_text(value)[0][:limit]


class Copies:
    """Tells the second and later rows of one canonical id in a type's rows.

    Rows come in canonical_uuid order, so the copies of a key follow its first
    row. The first row is the one imported; each copy is reported once, in the
    type's first pass (`WARN`). A final pass reads the rows it needs by key and
    gets every copy again: it takes the first and drops the rest (`DROP`).
    """

    WARN = "warn"
    DROP = "drop"

    def __init__(self):
        self.last: str | None = None
        self.copied: set[str] = set()  # keys seen more than once (few: only copies)
        self.taken: set[str] = set()  # of those, the keys a final pass took a row of

    def check(self, key: str, final_pass: bool) -> str | None:
        """None for a row to import; WARN or DROP for a copy of a row already seen."""
        if final_pass:
            if key not in self.copied:
                return None
            if key in self.taken:
                return self.DROP
            self.taken.add(key)
            return None
        if key == self.last:
            self.copied.add(key)
            return self.WARN
        self.last = key
        return None


@dataclass
class ChunkResult:
    warnings: list[ImportWarning] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)  # canonical_uuids for the final pass


def problem_notes(entity: str, problems) -> list[Note]:
    """Notes for a record's unreadable values, the numbers it rounded and the text the reader
    had to clean.

    The value itself is never quoted: the warning names the field and what was
    wrong with it. Each kind of text cleaning is one note naming every field.
    """
    notes, cleaned = [], {}
    for key, what, _kind in problems:
        if what in TEXT_FIXES:
            cleaned.setdefault(what, []).append(key or "the row")
        elif what == ROUNDED:  # read, but not as given: the loader's own rounding warning
            message = f"{key} had more decimals than it keeps: rounded"
            notes.append(Note(ROUNDED, message, "warn", params={"field": key}))
        else:
            params = {"field": key, "what": what}
            message = f"{key}: {what}; left empty"
            notes.append(Note(f"{entity}.unreadable_value", message, "info", params=params))
    for code, fields in cleaned.items():
        message = TEXT_FIXES[code].format(fields=", ".join(dict.fromkeys(fields)))
        params = {"fields": ", ".join(dict.fromkeys(fields))}
        notes.append(Note(code, message[0].upper() + message[1:] + ".", "warn", params=params))
    return notes
