"""Parse payload values by the conventions of FORMAT.md §8.2, never raising.

A value that cannot be read becomes `None` and a short problem text is kept on
the `Payload`, so a mapper can turn it into a warning and go on.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")

# Access/Delphi "zero date": a placeholder, not a birthday (FORMAT.md §14.22).
ZERO_DATES = {dt.date(1899, 12, 30), dt.date(1900, 1, 1)}


class Payload:
    """Typed read access to one JSON payload, collecting parse problems."""

    __slots__ = ("data", "problems")

    def __init__(self, data: Mapping[str, Any] | None):
        self.data = data or {}
        self.problems: list[tuple[str, str, Any]] = []

    def _problem(self, key: str, what: str, value: Any) -> None:
        self.problems.append((key, what, value))

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
        if type(value) is int:
            return value
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            self._problem(key, "not an integer", value)
            return None
        try:
            return int(Decimal(str(value).strip()))
        except (InvalidOperation, ValueError):
            self._problem(key, "not an integer", value)
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
        try:
            number = Decimal(text.replace(",", ".") if text.count(",") == 1 else text)
        except InvalidOperation:
            self._problem(key, "not a number", value)
            return None
        if not number.is_finite():
            self._problem(key, "not a number", value)
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
            day = parse_date(value)
            if day is None:
                self._problem(key, "not a datetime", value)
                return None
            parsed = dt.datetime.combine(day, dt.time())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
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
            except (TypeError, ValueError):
                tooth = 0
            if is_fdi_tooth(tooth):
                teeth.append(tooth)
            else:
                self._problem(key, "not an FDI tooth", item)
        return tuple(teeth)


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
