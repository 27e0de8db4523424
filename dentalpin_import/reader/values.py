"""Parse payload values by the conventions of FORMAT.md §8.2, never raising.

A value that cannot be read becomes `None` and a short problem text is kept on
the `Payload`, so a mapper can turn it into a warning and go on; so is a value
read otherwise than given (an integer with decimals, rounded). The problem
keeps what kind of value it was, never the value itself: it ends up in a
warning, and a warning must not carry a patient's data (nor a value nested
thousands of levels deep).

The text rules every source's text goes through before it is mapped
(`clean_text`, `clean_json`) live here too, so DPMF payloads and CSV cells are
cleaned alike, and a value is stored the same on SQLite and PostgreSQL.
"""

import datetime as dt
import math
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
# The largest integer a payload value may hold: what a PostgreSQL `integer`
# column takes. SQLite would take 64 bits, so a larger value stored on one
# database and was refused by the other; it is left empty on both instead.
INT_LIMIT = 2**31 - 1
# Digits before the point a number may have: twice what any amount column holds.
MAX_DIGITS = 20

# Codes of the warnings the text rules leave (see `clean_text`).
NUL_REMOVED = "text.nul_removed"
SURROGATE_REPLACED = "text.surrogate_replaced"
# A cleaned key that became another key of its object is renamed, so no value is lost
# (`clean_json`); the warning names the new name.
KEY_RENAMED = "text.key_renamed"
# A lone surrogate is half of a UTF-16 pair: no encoding can write it, so the
# database driver refuses the whole row. A complete pair reaches Python as one
# character, so every surrogate left in a string is a lone one.
SURROGATES = re.compile("[\ud800-\udfff]")
# The code of a number read with fewer decimals than it was given (`Payload.integer`).
ROUNDED = "number.rounded"

# A single comma before exactly three digits ("1,234"): a thousands separator or a
# decimal comma, a thousand times apart. Not guessed: the value is left unread.
AMBIGUOUS_COMMA = re.compile(r"[+-]?[1-9][0-9]{0,2},[0-9]{3}")

# Access/Delphi "zero date": a placeholder, not a birthday (FORMAT.md §14.22).
ZERO_DATES = {dt.date(1899, 12, 30), dt.date(1900, 1, 1)}


class Payload:
    """Typed read access to one JSON payload, collecting parse problems."""

    __slots__ = ("data", "problems")

    def __init__(self, data: Mapping[str, Any] | None):
        self.data = data or {}
        self.problems: list[tuple[str, str, Any]] = []

    def _problem(self, key: str, what: str, value: Any) -> None:
        self.problems.append((key, what, kind_of(value)))

    def text(self, key: str, default: str = "") -> str:
        """Return the value as stripped text ('' for missing/null)."""
        value = self.data.get(key)
        if type(value) is str:
            return value.strip()
        if value is None:
            return default
        if isinstance(value, (dict, list)):
            self._problem(key, "not text", value)
            return default
        return str(value).strip()

    def first_text(self, *keys: str) -> str:
        """Return the first non-empty text among `keys`."""
        for key in keys:
            value = self.text(key)
            if value:
                return value
        return ""

    def ref(self, key: str) -> str | None:
        """Return a canonical_uuid reference, or None."""
        value = self.text(key)
        return value.lower() or None

    def boolean(self, key: str) -> bool | None:
        """Return True/False, or None when missing or unknown (never guess False)."""
        value = self.data.get(key)
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in {"true", "1", "yes", "si", "sí"}:
            return True
        if isinstance(value, str) and value.strip().lower() in {"false", "0", "no"}:
            return False
        self._problem(key, "not a boolean", value)
        return None

    def integer(self, key: str) -> int | None:
        value = self.data.get(key)
        if type(value) is int and -INT_LIMIT <= value <= INT_LIMIT:
            return value
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            self._problem(key, "not an integer", value)
            return None
        if type(value) is int:
            number = value
        else:
            try:
                number = Decimal(str(value).strip())
            except (InvalidOperation, ValueError):
                self._problem(key, "not an integer", value)
                return None
            if not number.is_finite():
                self._problem(key, "not an integer", value)
                return None
            if number.adjusted() >= MAX_DIGITS:
                # Before int(): "1e999999999" is a valid Decimal whose int would take
                # Python hours to build.
                self._problem(key, "out of range", value)
                return None
            whole = number.to_integral_value(ROUND_HALF_UP)
            if whole != number and abs(whole) <= INT_LIMIT:  # 45.9 minutes: 46, and said
                self._problem(key, ROUNDED, value)
            number = int(whole)
        if -INT_LIMIT <= number <= INT_LIMIT:
            return number
        self._problem(key, "out of range", value)
        return None

    def decimal(self, key: str) -> Decimal | None:
        """Return a Decimal from a string (or, defensively, a JSON number)."""
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            self._problem(key, "not a number", value)
            return None
        text = repr(value) if isinstance(value, float) else str(value).strip()
        if AMBIGUOUS_COMMA.fullmatch(text):
            self._problem(key, "a comma that may mark thousands or decimals", value)
            return None
        try:
            number = Decimal(text.replace(",", ".") if text.count(",") == 1 else text)
        except InvalidOperation:
            self._problem(key, "not a number", value)
            return None
        if not number.is_finite():
            self._problem(key, "not a number", value)
            return None
        if number.adjusted() >= MAX_DIGITS:
            # No column holds it, and rounding or int() of "1e999999999" would
            # fail or take hours on the way.
            self._problem(key, "out of range", value)
            return None
        return number

    def date(self, key: str) -> dt.date | None:
        """Return a date from `YYYY-MM-DD` (or the first 10 characters of a datetime)."""
        value = self.text(key)
        if not value:
            return None
        parsed = parse_date(value)
        if parsed is None:
            self._problem(key, "not a date", value)
        elif parsed in ZERO_DATES:
            self._problem(key, "placeholder date", value)
            return None
        return parsed

    def datetime(self, key: str) -> dt.datetime | None:
        value = self.text(key)
        if not value:
            return None
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            # An hour 25, a second 60 or an offset of +25:00: its day alone at midnight
            # would be a moment the file never gave. Left empty, and said.
            self._problem(key, "not a datetime", value)
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        try:
            # Stored in UTC: a moment in year 1 or 9999 whose offset takes it out of
            # the years Python knows fails here, not at the insert (where PostgreSQL
            # would store it and SQLite refuse it).
            parsed.astimezone(dt.UTC)
        except OverflowError:
            self._problem(key, "out of range", value)
            return None
        return parsed

    def time(self, key: str) -> dt.time | None:
        value = self.text(key)
        if not value:
            return None
        try:
            return dt.time.fromisoformat(value)
        except ValueError:
            self._problem(key, "not a time", value)
            return None

    def json(self, key: str) -> Any:
        """The value as JSON any database column takes: each NaN or infinity in it becomes null.

        The decoder reads `NaN`, `Infinity` and `1e400` as floats that neither
        SQLite's JSON_VALID nor PostgreSQL's json accept.
        """
        value, changed = finite_json(self.data.get(key))
        if changed:
            self._problem(key, "not a number", value)
        return value

    def teeth(self, key: str) -> tuple[int, ...]:
        """Return FDI tooth numbers; invalid entries are dropped and reported."""
        value = self.data.get(key)
        if not value:
            return ()
        if not isinstance(value, list):
            self._problem(key, "not a list of teeth", value)
            return ()
        teeth = []
        for item in value:
            try:
                tooth = int(item)
            except (TypeError, ValueError, OverflowError):  # OverflowError: an infinity
                tooth = 0
            if is_fdi_tooth(tooth):
                teeth.append(tooth)
            else:
                self._problem(key, "not an FDI tooth", item)
        return tuple(teeth)


def kind_of(value: Any) -> str:
    """What a value was, in a few words that hold none of it (for warnings)."""
    if isinstance(value, str):
        return f"text of {len(value)} characters"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def clean_text(value: str) -> tuple[str, tuple[str, ...]]:
    """`value` without NUL characters and with lone surrogates replaced by U+FFFD.

    Returns the text and the codes of what was changed (empty when nothing was).
    PostgreSQL refuses a NUL in text and in JSON, SQLite stores it: removed, the
    row is the same on both. The replacement character shows where the bad one was.
    """
    fixes: tuple[str, ...] = ()
    if "\x00" in value:
        value = value.replace("\x00", "")
        fixes += (NUL_REMOVED,)
    if not value.isascii() and SURROGATES.search(value):
        value = SURROGATES.sub("\ufffd", value)
        fixes += (SURROGATE_REPLACED,)
    return value, fixes


def clean_json(value: Any) -> tuple[Any, list[tuple[str, str]]]:
    """A decoded JSON value with `clean_text` applied to every string in it, keys included.

    Returns the value (its containers cleaned in place) and a (top-level key,
    code) pair for each change. A key that, cleaned, names another key of its
    object keeps both values: the cleaned one is renamed (`_Names`) and a
    (new name, KEY_RENAMED) pair says so. A loop, not recursion: the value may
    be nested as deep as the decoder allowed.
    """
    if type(value) is str:
        value, codes = clean_text(value)
        return value, [("", code) for code in codes]
    fixes: list[tuple[str, str]] = []
    pending: list[tuple[Any, str]] = [(value, "")] if type(value) in (dict, list) else []
    while pending:
        item, top = pending.pop()
        if type(item) is list:
            for i, inner in enumerate(item):
                if type(inner) is str:
                    text, codes = clean_text(inner)
                    if codes:
                        item[i] = text
                        fixes += [(top, code) for code in codes]
                elif type(inner) is dict or type(inner) is list:
                    pending.append((inner, top))
            continue
        changed, entries = False, []
        names = None  # made for the first key cleaned: no work for the other objects
        for key, inner in item.items():
            key, codes = clean_text(key)
            if codes:
                changed = True
                names = names or _Names(item)
                cleaned, key = key, names.give(key)
                if key != cleaned:
                    fixes.append((f"{top}.{_shown(key)}" if top else _shown(key), KEY_RENAMED))
                fixes += [(top or key[:60], code) for code in codes]
            where = top or key[:60]
            if type(inner) is str:
                inner, codes = clean_text(inner)
                if codes:
                    changed = True
                    fixes += [(where, code) for code in codes]
            elif type(inner) is dict or type(inner) is list:
                pending.append((inner, where))
            entries.append((key, inner))
        if changed:
            item.clear()
            item.update(entries)
    return value, fixes


class _Names:
    """The names an object's cleaned keys take: the cleaned key, unless a key of the object
    or a cleaned key before it has that name; then `key (2)`, `key (3)`… (the first free).

    The object's own keys are all checked, so a key written clean keeps its name.
    A name refused once stays refused: each key's count goes on where it stopped, so
    a hostile object of many colliding keys costs one pass, not one per key.
    """

    __slots__ = ("item", "given", "next")

    def __init__(self, item: dict):
        self.item = item
        self.given: set[str] = set()
        self.next: dict[str, int] = {}

    def give(self, key: str) -> str:
        if key in self.item or key in self.given:
            n = self.next.get(key, 2)
            while f"{key} ({n})" in self.item or f"{key} ({n})" in self.given:
                n += 1
            self.next[key] = n + 1
            key = f"{key} ({n})"
        self.given.add(key)
        return key


def _shown(key: str) -> str:
    """A renamed key as a warning names it: whole, or its start and its new ending."""
    return key if len(key) <= 80 else f"{key[:60]}…{key[-20:]}"


def finite_json(value: Any) -> tuple[Any, bool]:
    """`value` with every NaN or infinity in it replaced by None (containers changed in
    place), and whether there was one. A loop, not recursion, for deeply nested values."""
    if type(value) is float:
        return (value, False) if math.isfinite(value) else (None, True)
    changed = False
    pending = [value] if type(value) in (dict, list) else []
    while pending:
        item = pending.pop()
        for where, inner in item.items() if type(item) is dict else enumerate(item):
            if type(inner) is float and not math.isfinite(inner):
                item[where] = None
                changed = True
            elif type(inner) is dict or type(inner) is list:
                pending.append(inner)
    return value, changed


def parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def is_fdi_tooth(number: int) -> bool:
    quadrant, position = divmod(number, 10)
    if 1 <= quadrant <= 4:
        return 1 <= position <= 8
    if 5 <= quadrant <= 8:
        return 1 <= position <= 5
    return False


def to_cents(amount: Decimal) -> Decimal:
    """Round money half-up to the cent, the precision clinic amounts are stored with."""
    return amount.quantize(CENT, ROUND_HALF_UP)
