"""Find the fiscal legal fields of a `fiscal_document` row, verbatim (FORMAT.md §11).

The five named keys of the spec get their own columns; any other key that is
plainly legal data (a previous-record hash, an AEAT or SAF-T field, a software
certificate number…) is kept too, so an opted-in import loses nothing the
file carries. Values are never trimmed, recomputed or re-encoded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LEGAL_FIELDS = ("legal_hash", "hash", "hash_control", "atcud", "qr_code")

# Further payload keys that are legal data: by prefix, or by exact name.
EXTRA_PREFIXES = ("legal_", "verifactu_", "hash_", "atcud_", "qr_", "aeat_", "saft_", "pt_")
EXTRA_NAMES = {
    "previous_hash",
    "signature",
    "certificate_number",
    "software_certificate_number",
    "system_entry_date",
}
# Source columns (raw_source_data) of billing software that hold the same things.
RAW_PREFIXES = ("huella", "hash", "atcud", "qr", "verifactu", "firma", "signature")


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (dict, list)):
        return bool(value)
    return True


def column_value(value: Any) -> str:
    """Text for a legal column: a string exactly as it was, anything else as JSON shows it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def legal_fields(payload: Mapping[str, Any], raw: Mapping[str, Any] | None = None) -> dict:
    """Return every non-empty legal field: the five columns first, then extras.

    Extra payload keys keep their name; extra source columns are prefixed
    `raw:` so they can never shadow a payload key.
    """
    found = {k: payload[k] for k in LEGAL_FIELDS if _present(payload.get(k))}
    for key, value in payload.items():
        if key in found or not _present(value):
            continue
        if key in EXTRA_NAMES or key.startswith(EXTRA_PREFIXES):
            found[key] = value
    for key, value in (raw or {}).items():
        if _present(value) and key.lower().startswith(RAW_PREFIXES):
            found[f"raw:{key}"] = value
    return found


def regime(fields: Mapping[str, Any]) -> str:
    """'es' (Verifactu), 'pt' (Portuguese certification), 'mixed', or '' when unclear."""
    qr = column_value(fields.get("qr_code", ""))
    spanish = (
        "legal_hash" in fields
        or any(k.startswith(("verifactu_", "aeat_")) for k in fields)
        or "agenciatributaria" in qr
    )
    portuguese = (
        "hash_control" in fields
        or "atcud" in fields
        or any(k.startswith(("saft_", "pt_")) for k in fields)
        or qr.startswith("A:")
    )
    if spanish and portuguese:
        return "mixed"
    return "es" if spanish else "pt" if portuguese else ""
