"""The page a staff login gets while django-axes has it locked out (AXES_LOCKOUT_CALLABLE)."""

from __future__ import annotations

import math

from axes.helpers import get_cool_off
from django.shortcuts import render
from django.utils import timezone

TEMPLATE = "registration/locked_out.html"
STATUS = 429


def login_locked_out(request, original_response=None, credentials=None):
    """HTTP 429 with when the login may be tried again.

    Axes counts every attempt made while locked out and restarts the cool-off
    from it (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so the lock ends
    one cool-off after this request.
    """
    cool_off = get_cool_off(request)
    until = timezone.localtime(timezone.now() + cool_off)
    context = {
        "try_again_at": until,
        "minutes": math.ceil(cool_off.total_seconds() / 60),
    }
    return render(request, TEMPLATE, context, status=STATUS)
