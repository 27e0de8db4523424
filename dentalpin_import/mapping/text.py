"""Small text rules shared by mappers (lengths, fallbacks)."""


def cut(value: str, limit: int) -> str:
    """Return `value` cut to `limit` characters, ending in '…' when cut."""
    if len(value) <= limit:
        return value
    return value[: limit - 1] + "…"


def fits(value: str, limit: int) -> bool:
    return len(value) <= limit


def join_lines(*parts: str) -> str:
    """Join the non-empty parts with newlines."""
    return "\n".join(part for part in parts if part)
