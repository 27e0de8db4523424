"""Which field each column of a spreadsheet fills: header aliases, sheet type, column mappings.

A header is matched after `normalise()` (case, accents, spaces and punctuation
ignored), against the aliases of every field of the four sheet types, in
English, Spanish, Portuguese and French and the usual vendor variants. The sheet
type is the one whose required fields are all present (the one recognising the
most columns when several are). A `SheetMapping` (saved per clinic by the
wizard, or given to a command with `--mapping FILE.json`) names the field of
columns the aliases do not know, or ignores them; it wins over the aliases.
No Django models here. See docs/manual.en.md, "Spreadsheets".
"""

from __future__ import annotations

import functools
import hashlib
import json
import unicodedata
from dataclasses import dataclass, field

from dentalpin_import.reader.errors import ReadError
from dentalpin_import.reader.sheet_fields import FIELDS, SHEET_TYPES, Field

MAPPING_FORMAT = "dentalpin-sheet-mapping/1"
MAX_MAPPING_BYTES = 64 * 1024
MAX_HEADER_LENGTH = 200
MAX_MAPPED_COLUMNS = 500

BAD_MAPPING = "bad_mapping"
MSG_MAPPING_NOT_JSON = "the mapping file is not JSON ({error}): download it again from the wizard"
MSG_MAPPING_TOO_BIG = (
    "the mapping file is larger than {limit:,} bytes: it cannot be a column mapping"
)
MSG_MAPPING_FORMAT = (
    "the mapping file is not a sheet column mapping (its format should be {expected}, "
    "it is {found})"
)
MSG_MAPPING_SHAPE = "the mapping file is damaged: {detail}"
MSG_MAPPING_SHEET_TYPE = "the mapping file is for an unknown kind of sheet {found}; known: {known}"
MSG_MAPPING_FIELD = (
    "the mapping file maps column {column} to {found}, which the {label} sheet has not; "
    "known fields: {known}"
)
MSG_MAPPING_TWICE = "the mapping file maps both {first} and {second} to the field {field}"


def normalise(header: str) -> str:
    """A header as matched: accents, case, spaces and punctuation ignored ("Nº" reads "no")."""
    text = unicodedata.normalize("NFKD", header.replace("\ufeff", ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _alias_index() -> dict[str, dict[str, str]]:
    """{sheet type: {normalised alias: field name}}."""
    index: dict[str, dict[str, str]] = {}
    for sheet_type, fields in FIELDS.items():
        known = index[sheet_type] = {}
        for f in fields:
            for alias in (f.name, *f.headers.values(), *f.aliases):
                known.setdefault(normalise(alias), f.name)
    return index


ALIASES = _alias_index()
KNOWN_HEADERS = frozenset(a for known in ALIASES.values() for a in known)


def _language_index() -> dict[str, frozenset[str]]:
    """{normalised header: the languages it is written in} ("sexo": es and pt)."""
    index: dict[str, frozenset[str]] = {}
    for fields in FIELDS.values():
        for f in fields:
            for alias, languages in f.languages:
                key = normalise(alias)
                index[key] = index.get(key, frozenset()) | languages
    return index


HEADER_LANGUAGES = _language_index()


def languages_of(headers) -> list[str]:
    """The languages most of `headers` are written in (several when they tie; [] for none).

    Headers every language writes ("Email", "CP") say nothing; one written in
    two ("Sexo") counts for both.
    """
    return list(_languages(tuple(headers)))


@functools.lru_cache(maxsize=64)
def _languages(headers: tuple[str, ...]) -> tuple[str, ...]:
    votes: dict[str, int] = {}
    for header in headers:
        for language in HEADER_LANGUAGES.get(normalise(header), ()):
            votes[language] = votes.get(language, 0) + 1
    most = max(votes.values(), default=0)
    return tuple(sorted(language for language, n in votes.items() if n == most))


def fields_of(sheet_type: str) -> tuple[Field, ...]:
    """The fields of one sheet type, in template order (KeyError for an unknown type)."""
    return FIELDS[sheet_type]


def signature(headers: list[str]) -> str:
    """A stable digest of the normalised headers: the same sheet layout, the same signature."""
    joined = "\x1f".join(normalise(h) for h in headers)
    return hashlib.sha256(joined.encode()).hexdigest()


@dataclass
class SheetMapping:
    """How a sheet's columns are read: {header as written in the file: field name or None}."""

    sheet_type: str
    columns: dict[str, str | None] = field(default_factory=dict)

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        """Raise `ReadError(bad_mapping)` for an unknown type, unknown or repeated field."""
        if self.sheet_type not in FIELDS:
            raise ReadError(
                BAD_MAPPING,
                MSG_MAPPING_SHEET_TYPE.format(
                    found=repr(self.sheet_type)[:80], known=", ".join(SHEET_TYPES)
                ),
            )
        names = {f.name for f in FIELDS[self.sheet_type]}
        seen: dict[str, str] = {}
        for column, name in self.columns.items():
            if name is None:
                continue
            if name not in names:
                raise ReadError(
                    BAD_MAPPING,
                    MSG_MAPPING_FIELD.format(
                        column=repr(column)[:80],
                        found=repr(name)[:80],
                        label=SHEET_TYPES[self.sheet_type],
                        known=", ".join(sorted(names)),
                    ),
                )
            if name in seen:
                message = MSG_MAPPING_TWICE.format(
                    first=repr(seen[name]), second=repr(column), field=name
                )
                raise ReadError(BAD_MAPPING, message)
            seen[name] = column

    def field_for(self, header: str) -> tuple[bool, str | None]:
        """(whether the mapping names this column, its field or None to ignore it)."""
        if header in self.columns:
            return True, self.columns[header]
        wanted = normalise(header)
        for written, name in self.columns.items():
            if normalise(written) == wanted:
                return True, name
        return False, None

    def to_json(self) -> str:
        """The documented mapping file (`--mapping`, the wizard's download)."""
        document = {
            "format": MAPPING_FORMAT,
            "sheet_type": self.sheet_type,
            "columns": self.columns,
        }
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> SheetMapping:
        """Read a mapping file; raise `ReadError(bad_mapping)` naming what is wrong with it."""
        if len(text) > MAX_MAPPING_BYTES:
            raise ReadError(BAD_MAPPING, MSG_MAPPING_TOO_BIG.format(limit=MAX_MAPPING_BYTES))
        try:
            document = json.loads(text)
        except (ValueError, RecursionError) as exc:
            error = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            raise ReadError(BAD_MAPPING, MSG_MAPPING_NOT_JSON.format(error=error)) from None
        if not isinstance(document, dict):
            raise ReadError(BAD_MAPPING, MSG_MAPPING_SHAPE.format(detail="not a JSON object"))
        found = document.get("format")
        if found != MAPPING_FORMAT:
            message = MSG_MAPPING_FORMAT.format(expected=MAPPING_FORMAT, found=repr(found)[:80])
            raise ReadError(BAD_MAPPING, message)
        return cls(_text_of(document.get("sheet_type")), _columns_of(document.get("columns")))


def _text_of(value) -> str:
    if not isinstance(value, str):
        raise ReadError(BAD_MAPPING, MSG_MAPPING_SHAPE.format(detail="sheet_type is not text"))
    return value


def _columns_of(columns) -> dict[str, str | None]:
    if not isinstance(columns, dict):
        detail = "columns is not an object of header: field"
        raise ReadError(BAD_MAPPING, MSG_MAPPING_SHAPE.format(detail=detail))
    if len(columns) > MAX_MAPPED_COLUMNS:
        detail = f"more than {MAX_MAPPED_COLUMNS} columns"
        raise ReadError(BAD_MAPPING, MSG_MAPPING_SHAPE.format(detail=detail))
    for header, name in columns.items():
        if len(header) > MAX_HEADER_LENGTH:
            detail = f"a header longer than {MAX_HEADER_LENGTH} characters"
            raise ReadError(BAD_MAPPING, MSG_MAPPING_SHAPE.format(detail=detail))
        if name is not None and not isinstance(name, str):
            detail = f"the field of column {header[:80]!r} is neither text nor null"
            raise ReadError(BAD_MAPPING, MSG_MAPPING_SHAPE.format(detail=detail))
    return dict(columns)


@dataclass
class HeaderMatch:
    """What `recognise` found: the sheet type and, column by column, the field it fills.

    `sheet_type` is None when no type has all its required fields; then
    `closest` names the nearest one and `missing_required` what it lacks.
    """

    sheet_type: str | None
    columns: list[str | None]
    unknown: list[str]
    missing_required: list[str]
    signature: str
    closest: str | None = None
    repeated: list[str] = field(default_factory=list)  # headers whose field came earlier

    @property
    def positions(self) -> dict[str, int]:
        """{field name: column index} of the recognised columns."""
        return {name: i for i, name in enumerate(self.columns) if name is not None}


def _columns_for(sheet_type: str, headers: list[str], mapping: SheetMapping | None):
    """(field per column, unknown headers, repeated headers) for one sheet type."""
    aliases = ALIASES[sheet_type]
    columns: list[str | None] = []
    unknown: list[str] = []
    repeated: list[str] = []
    taken: set[str] = set()
    mapped = mapping is not None and mapping.sheet_type == sheet_type
    # A field the mapping gives to a column is not also taken by an alias elsewhere.
    reserved = {n for n in mapping.columns.values() if n} if mapped else set()
    for header in headers:
        named, name = mapping.field_for(header) if mapped else (False, None)
        if not named:
            name = aliases.get(normalise(header))
            if name in reserved:
                name = None
            if name is None and header.strip():
                unknown.append(header.strip())
        if name is not None and name in taken:
            repeated.append(header.strip())
            name = None
        if name is not None:
            taken.add(name)
        columns.append(name)
    return columns, unknown, repeated


def _missing(sheet_type: str, columns: list[str | None]) -> list[str]:
    present = set(columns)
    return [f.name for f in FIELDS[sheet_type] if f.required and f.name not in present]


def recognise(
    headers: list[str], mapping: SheetMapping | None = None, sheet_type: str | None = None
) -> HeaderMatch:
    """Match a header row to a sheet type and its columns to fields; never raises.

    `sheet_type` (a command's own type) or the mapping's type is taken as given;
    otherwise the type whose required fields are all present wins (the one
    recognising the most columns when several are).
    """
    digest = signature(headers)
    wanted = sheet_type or (mapping.sheet_type if mapping is not None else None)
    candidates = [wanted] if wanted else list(FIELDS)
    found = {t: _columns_for(t, headers, mapping) for t in candidates}
    fits = [t for t in candidates if not _missing(t, found[t][0])]
    if fits:
        best = max(fits, key=lambda t: sum(c is not None for c in found[t][0]))
        columns, unknown, repeated = found[best]
        return HeaderMatch(best, columns, unknown, [], digest, best, repeated)
    closest = min(candidates, key=lambda t: len(_missing(t, found[t][0])))
    columns, unknown, repeated = found[closest]
    missing = _missing(closest, columns)
    return HeaderMatch(None, columns, unknown, missing, digest, closest, repeated)
