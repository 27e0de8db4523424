"""How a clinic row reads where Django shows one (admin inline rows, choices, breadcrumbs):
its kind and date in the reader's language and time zone, never "Appointment object (838)",
never clinical text."""

from django.utils import formats, timezone


def day(value) -> str:
    """A date in the reader's short format ("—" when there is none)."""
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else "—"


def moment(value) -> str:
    """A date and time in the reader's short format and the time zone shown on the pages."""
    if not value:
        return "—"
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
