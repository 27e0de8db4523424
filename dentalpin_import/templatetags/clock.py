"""Times on the pages, all in one time zone: the one the request runs in (the clinic's)."""

from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.dateparse import parse_datetime

register = template.Library()
FORMATS = {"minutes": "Y-m-d H:i", "seconds": "Y-m-d H:i:s"}


@register.filter
def when(value, precision: str = "minutes") -> str:
    """A moment (a datetime or an ISO 8601 text, as the phase log keeps) in the page's zone.

    A moment without a zone is taken as UTC, which is how the importer records them;
    text that is not a moment is shown as it is.
    """
    moment = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        return "" if value is None else str(value)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return date_format(timezone.localtime(moment), FORMATS.get(precision, FORMATS["minutes"]))
