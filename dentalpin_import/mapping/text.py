"""Small text rules shared by mappers (lengths, fallbacks).

A mapper that cuts a value to its column with `cut` gets back a `Cut`: a
plain `str` that remembers it was cut, so the runner warns about it
(`text.cut_to_length`, naming the field) as it warns about a value it had to
cut itself (see `loader/fit.py`). No value is cut without a warning.
"""


class Cut(str):
    """Text `cut` shortened: the runner reports it, then stores it as plain text."""

    __slots__ = ()


def cut(value: str, limit: int) -> str:
    """Return `value` cut to `limit` characters, ending in '…' when cut."""
    if len(value) <= limit:
        return value
    return Cut(value[: limit - 1] + "…")


def fits(value: str, limit: int) -> bool:
    return len(value) <= limit


def join_lines(*parts: str) -> str:
    """Join the non-empty parts with newlines."""
    return "\n".join(part for part in parts if part)
