"""The pages people get when something is missing, forbidden or broken, styled in every mode
(`make run` included), and the offer to switch clinic when a link leads into another of their
clinics.

A row of a clinic the user does not belong to stays a plain 404 that names nothing. A row of
another clinic the user *does* belong to (`ElsewhereInYourClinics`, raised by
`clinics.shortcuts.get_for_clinic_or_404`) gets a page offering to switch to that clinic.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import Http404, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger("django.request")
# Marks a response rendered here, so the middleware never replaces it.
STYLED = "_styled_error_page"
# Errors Django answers with its own status (not 500): left to it.
NOT_SERVER_ERRORS = (Http404, PermissionDenied, SuspiciousOperation, BadRequest)


class ElsewhereInYourClinics(Http404):
    """The row exists, in another clinic the user belongs to (anything unaware sees a 404)."""

    def __init__(self, clinic):
        super().__init__("This row belongs to another of the user's clinics.")
        self.clinic = clinic


def _styled(response):
    setattr(response, STYLED, True)
    return response


def page_not_found(request, exception=None):
    """`handler404`: nothing here, or something of a clinic the user is not in."""
    return _styled(render(request, "404.html", status=404))


def permission_denied(request, exception=None):
    """`handler403`: the selected clinic does not let the user do this."""
    return _styled(render(request, "403.html", status=403))


def server_error(request):
    """`handler500`: rendered without the database (it may be what broke)."""
    try:
        body = loader.get_template("500.html").render({"request": request})
    except Exception:  # the page must come out whatever is broken
        logger.exception("The 500 page could not be rendered")
        body = "<!doctype html><title>500</title><h1>500</h1>"
    return _styled(HttpResponseServerError(body))


def switch_offer(request, clinic):
    """The page offering to switch to `clinic`; a GET comes back to the same address after."""
    back = request.get_full_path() if request.method == "GET" else "/import/"
    context = {"clinic": clinic, "next": back}
    # 409: the request conflicts with the clinic selected; htmx swaps nothing into a page.
    return _styled(render(request, "clinics/switch_offer.html", context, status=409))


def wants_a_page(request) -> bool:
    """True for a browser opening a page or posting a form, not for a script's request."""
    if request.headers.get("HX-Request"):
        return False
    accept = request.headers.get("Accept", "")
    return not accept or "text/html" in accept


def _is_unstyled_page(response) -> bool:
    return not getattr(response, STYLED, False) and response.get("Content-Type", "").startswith(
        "text/html"
    )


class ErrorPagesMiddleware:
    """Turns a link into another of the user's clinics into the switch offer, and, with DEBUG on,
    replaces Django's debug pages (every URL pattern, a traceback with values) by the styled ones.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and _is_unstyled_page(response):
            return page_not_found(request)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, ElsewhereInYourClinics):
            # A script (htmx polling, a drop's upload) gets the 404 it understands.
            return switch_offer(request, exception.clinic) if wants_a_page(request) else None
        if settings.DEBUG and not isinstance(exception, NOT_SERVER_ERRORS):
            # What Django does for a 500, minus the debug page: log it, tell the listeners.
            logger.error("Internal Server Error: %s", request.path, exc_info=exception)
            got_request_exception.send(sender=type(self), request=request)
            return server_error(request)
        return None
