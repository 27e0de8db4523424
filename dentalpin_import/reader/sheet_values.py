"""Read the cells of one CSV sheet row, never raising: problems are kept with their line.

A problem with a value the row cannot do without (a key, a name, the text of
a note) is `blocking`: the row is not imported. Any other problem, including a
missing or unreadable value in a required column that the row can live without
(a birth date, an onset date), leaves that value empty and the row imports with
a warning: an allergy is never dropped for want of its onset date.
See docs/manual.en.md, "CSV sheets".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from clinics import national_ids
from dentalpin_import.reader.sheet_headers import languages_of
from dentalpin_import.reader.sheet_vocabularies import Vocabulary

MISSING_VALUE = "missing_value"
BAD_DATE = "bad_date"
AMBIGUOUS_DATE = "ambiguous_date"
NON_ISO_DATE = "non_iso_date"
UNKNOWN_VALUE = "unknown_value"
AMBIGUOUS_VALUE = "ambiguous_value"
INVALID_NHS_NUMBER = "invalid_nhs_number"
INVALID_NATIONAL_ID = "invalid_national_id"
BAD_EMAIL = "bad_email"
BAD_CODE = "bad_clinical_code"
EXTRA_VALUES = "extra_values"
DUPLICATE_KEY = "duplicate_key"
REPEATED_HEADER = "repeated_header"

WHAT = {
    MISSING_VALUE: "no value",
    BAD_DATE: "not a date (expected YYYY-MM-DD)",
    AMBIGUOUS_DATE: "ambiguous date: day and month could be either way round (use YYYY-MM-DD)",
    NON_ISO_DATE: "not YYYY-MM-DD, read as {read}",
    UNKNOWN_VALUE: "unknown value (expected one of {expected})",
    AMBIGUOUS_VALUE: (
        "ambiguous in a sheet with Spanish headers: M may be Mujer (female) or Masculino "
        "(male); write the word"
    ),
    INVALID_NHS_NUMBER: "not a valid NHS number (10 digits with a mod-11 check digit)",
    INVALID_NATIONAL_ID: "not a valid national id",
    BAD_EMAIL: "not an e-mail address",
    BAD_CODE: "not a SNOMED CT (digits) or ICD-10 (letter and digits) code",
    EXTRA_VALUES: "the row has more values than the header has columns",
    DUPLICATE_KEY: "the same key appears on line {first}; only the first row is imported",
    REPEATED_HEADER: "looks like a repeated header row (two exports pasted together?)",
}

# Short forms, for problems grouped by kind (previews).
SUMMARY = {
    MISSING_VALUE: "no value",
    BAD_DATE: "not a date",
    AMBIGUOUS_DATE: "ambiguous date (day and month could be either way round)",
    NON_ISO_DATE: "date not written YYYY-MM-DD (read anyway)",
    UNKNOWN_VALUE: "unknown value",
    AMBIGUOUS_VALUE: "ambiguous value (write the word)",
    INVALID_NHS_NUMBER: "not a valid NHS number",
    INVALID_NATIONAL_ID: "not a valid national id (kept out of the patient)",
    BAD_EMAIL: "not an e-mail address",
    BAD_CODE: "not a SNOMED CT or ICD-10 code",
    EXTRA_VALUES: "more values than the header has columns",
    DUPLICATE_KEY: "the same row again (skipped)",
    REPEATED_HEADER: "a repeated header row (not imported)",
}

# The words a type column takes, as a warning lists them (every one is read by `read_type`).
NATIONAL_ID_TYPES = "DNI, NIE, NIF, CIF, NIF PT, NIR, NHS, PASSPORT, OTHER"

ISO_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
DAY_FIRST_OR_MONTH_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
SNOMED = re.compile(r"^\d{6,18}$")
ICD10 = re.compile(r"^[A-Z]\d{2}(\.?[0-9A-Z]{1,4})?$")


@dataclass(frozen=True)
class RowProblem:
    """One unusable value: where it is, what it was and why it cannot be used."""

    line: int
    column: str
    value: str
    code: str
    blocking: bool = False
    detail: str = ""

    @property
    def severity(self) -> str:
        if self.code == NON_ISO_DATE:
            return "info"
        return "error" if self.blocking else "warn"

    @property
    def message(self) -> str:
        what = self.detail or WHAT.get(self.code, self.code)
        consequence = "the row is not imported" if self.blocking else "left empty"
        if self.code in (NON_ISO_DATE, DUPLICATE_KEY):
            consequence = ""
        text = f"line {self.line}, {self.column}: {what} ({self.value!r})"
        return f"{text}; {consequence}" if consequence else text

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }


def nhs_number_is_valid(value: str) -> bool:
    """True for 10 digits whose last one is the mod-11 check digit of the first nine."""
    return national_ids.valid_nhs(value)


def masked(value: str) -> str:
    """An identity number as a warning shows it: the last three characters only."""
    compact = re.sub(r"\s", "", value)
    return "•" * max(len(compact) - 3, 0) + compact[-3:]


def compact_id(value: str) -> str:
    """An identity number as it is stored: without spaces, dots or hyphens, in capitals, and a
    valid one written another usual way in its stored form (`1234567L` is `01234567L`)."""
    return national_ids.canonical(value)


def _date_or_none(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_day(text: str, day_first: bool = False) -> tuple[dt.date | None, str | None]:
    """Return (date, problem code): ISO is clean, an unambiguous other order is `non_iso_date`.

    `day_first` (a column headed in Spanish, Portuguese or French, where dates
    are written day first) reads `05/03/2024` as 5 March instead of refusing it
    as ambiguous; it is still noted as `non_iso_date`.
    """
    iso = ISO_DATE.match(text)
    if iso:
        day = _date_or_none(*(int(g) for g in iso.groups()))
        return (day, None) if day else (None, BAD_DATE)
    other = DAY_FIRST_OR_MONTH_FIRST.match(text)
    if not other:
        return None, BAD_DATE
    a, b, year = (int(g) for g in other.groups())
    as_day_first = _date_or_none(year, b, a)
    as_month_first = _date_or_none(year, a, b)
    if as_day_first and as_month_first and as_day_first != as_month_first and not day_first:
        return None, AMBIGUOUS_DATE
    found = as_day_first or as_month_first
    return (found, NON_ISO_DATE) if found else (None, BAD_DATE)


class Cells:
    """Typed access to one row's cells (keyed by the sheet's column names) for one line."""

    def __init__(
        self,
        line: int,
        values: dict[str, str],
        labels: dict[str, str] | None = None,
        day_first: frozenset[str] = frozenset(),
    ):
        self.line = line
        self.values = values
        self.labels = labels or {}  # field name -> its header as written in the file
        self.day_first = day_first  # date fields whose header says dates are day first
        self.problems: list[RowProblem] = []

    def problem(self, column: str, value: str, code: str, *, blocking=False, detail="") -> None:
        column = self.labels.get(column, column)
        self.problems.append(RowProblem(self.line, column, value, code, blocking, detail))

    def text(self, column: str, *, required: bool = False, blocking: bool = False) -> str:
        """Return the stripped cell; a blank `required` one is a problem (`blocking` or not)."""
        value = (self.values.get(column) or "").strip()
        if required and not value:
            self.problem(column, value, MISSING_VALUE, blocking=blocking)
        return value

    def date(self, column: str, *, required: bool = False) -> dt.date | None:
        """Return a date, or None with a (never blocking) problem."""
        value = self.text(column, required=required)
        if not value:
            return None
        day, code = parse_day(value.split("T")[0].split(" ")[0], column in self.day_first)
        self._report_date(column, value, day, code)
        return day

    def datetime(self, column: str, *, required: bool = False) -> dt.datetime | None:
        """Return a naive datetime from `YYYY-MM-DD HH:MM[:SS]` or `YYYY-MM-DD` (midnight)."""
        value = self.text(column, required=required)
        if not value:
            return None
        day_part, _, time_part = value.replace("T", " ").partition(" ")
        day, code = parse_day(day_part, column in self.day_first)
        clock = TIME.match(time_part.strip()) if time_part.strip() else None
        hour, minute, second = (int(g or 0) for g in clock.groups()) if clock else (0, 0, 0)
        # A leap second (`:60`) is no clock time Python keeps: unreadable, like `25:00`.
        if time_part.strip() and (clock is None or hour > 23 or minute > 59 or second > 59):
            day, code = None, BAD_DATE
        self._report_date(column, value, day, code)
        if day is None:
            return None
        return dt.datetime.combine(day, dt.time(hour, minute, second))

    def _report_date(self, column, value, day, code) -> None:
        if code == NON_ISO_DATE:
            self.problem(column, value, code, detail=WHAT[code].format(read=day.isoformat()))
        elif code:
            self.problem(column, value, code)

    def choice(self, column: str, choices: Vocabulary, default: str, *, blocking=False):
        """Return the value `choices` reads in the cell (any language) or `default` if blank.

        An unknown value is a problem listing the accepted ones; it is
        `blocking` (and None returned) when the row means nothing without it.
        """
        value = self.text(column, required=blocking, blocking=blocking)
        if not value:
            return default
        found = choices.read(value)
        if found is not None:
            return found
        detail = WHAT[UNKNOWN_VALUE].format(expected=choices.expected)
        self.problem(column, value, UNKNOWN_VALUE, blocking=blocking, detail=detail)
        return None if blocking else default

    def language(self) -> list[str]:
        """The language(s) the row's recognised headers are mostly written in."""
        return languages_of(self.labels.values())

    def nhs_number(self, column: str) -> str:
        value = self.text(column)
        if not value:
            return ""
        compact = compact_id(value)
        if not nhs_number_is_valid(compact):
            self.problem(column, masked(value), INVALID_NHS_NUMBER)
            return ""
        return compact

    def national_id(self, column: str, type_column: str) -> tuple[str, str]:
        """Return (number as stored, its type), or ("", "") with a problem naming what is wrong.

        The type comes from `type_column` (DNI, NIE, NIF, NIF PT, NIR, NHS,
        Passport…) or, when that is blank, from the number's shape. Warnings show
        only the last three characters of a number.
        """
        value = self.text(column)
        word = self.text(type_column)
        kind = national_ids.read_type(word) if word else None
        if word and kind is None:
            detail = WHAT[UNKNOWN_VALUE].format(expected=NATIONAL_ID_TYPES)
            self.problem(type_column, word, UNKNOWN_VALUE, detail=detail)
        if not value:
            return "", ""
        try:
            found = national_ids.check(value, kind)
        except national_ids.InvalidNationalId as invalid:
            self.problem(column, masked(value), INVALID_NATIONAL_ID, detail=invalid.reason)
            return "", ""
        return found.value, found.kind

    def email(self, column: str) -> str:
        value = self.text(column).lower()
        if value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            self.problem(column, value, BAD_EMAIL)
            return ""
        return value

    def clinical_code(self, column: str) -> tuple[str, str]:
        """Return (code, system) with system `snomed` or `icd10`, or ('', '') with a problem."""
        value = self.text(column).upper()
        if not value:
            return "", ""
        if SNOMED.match(value):
            return value, "snomed"
        if ICD10.match(value):
            return value, "icd10"
        self.problem(column, value, BAD_CODE)
        return "", ""
