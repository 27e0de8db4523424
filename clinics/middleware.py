"""Attach the selected clinic to the request and scope every query to it."""

import zoneinfo

from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clinics.models import Clinic

SESSION_KEY = "clinic_id"


def clinic_timezone(clinic):
    """The time zone the pages show times in: the clinic's, or the site's (`TIME_ZONE`)."""
    if clinic is not None and clinic.timezone:
        try:
            return zoneinfo.ZoneInfo(clinic.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass  # a name this machine does not know: the site's zone, still labelled
    return timezone.get_default_timezone()


def clinics_for(user):
    """Return the clinics `user` is a member of, by name."""
    if not user.is_authenticated:
        return Clinic.objects.none()
    return Clinic.objects.filter(memberships__user=user).distinct().order_by("name")


class ClinicMiddleware:
    """Resolve `request.clinic` from the session (only among the user's clinics).

    With a clinic, the whole request runs inside `scope(clinic=…)`. Without one
    no scope is entered, so any query on a clinic model raises instead of
    leaking rows. (django-scopes treats `clinic=None` as "no filter", which is
    why None is never passed.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.clinic = self._resolve(request)
        # One time zone on every page: the clinic's (the site's without a clinic).
        timezone.activate(clinic_timezone(request.clinic))
        try:
            return self._respond(request)
        finally:
            timezone.deactivate()

    def _respond(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_superuser and request.path.startswith("/admin/"):
            # Superusers administer every clinic; admin querysets say which rows explicitly.
            with scopes_disabled():
                return self.get_response(request)
        if request.clinic is None:
            return self.get_response(request)
        with scope(clinic=request.clinic):
            return self.get_response(request)

    def _resolve(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        available = clinics_for(user)
        wanted = request.session.get(SESSION_KEY)
        clinic = available.filter(pk=wanted).first() if wanted else None
        if clinic is None:
            clinic = available.first()
            if clinic is not None:
                request.session[SESSION_KEY] = clinic.pk
        return clinic
