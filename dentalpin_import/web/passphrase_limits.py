"""Wrong passphrases: at most a few per job and per user in a window, refused before scrypt runs.

Every attempt at an encrypted upload derives a key with scrypt (128 MiB and about
half a second of the web process, reader/crypto.py), and each wrong one tells a
guesser something. After `PASSPHRASE_FAILURE_LIMIT` wrong passphrases for one job,
or from one user over all their uploads, within `PASSPHRASE_WINDOW_MINUTES`, the
next attempt is refused with the time to wait, before anything is staged or
derived.

The counts are django-ratelimit's (`get_usage`), kept in the `ratelimit` cache
that every web process shares (config/security.py). Not django-axes, which guards
the login: axes counts failed *logins*, keyed by username and address with one
policy for the whole site, and its middleware answers a lockout with the login's
page; a passphrase is no login, and this limit is keyed by job and by user.

A file small enough to validate during the request says at once whether the
passphrase was wrong, and only a wrong one is counted. A large one is validated
in the background and says so later: its attempt is counted when it starts.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from dentalpin_import.jobs import services
from dentalpin_import.models import ImportJob, JobStatus
from dentalpin_import.reader.errors import DECRYPT_FAILED

GROUP_JOB = "dpmf-passphrase-job"
GROUP_USER = "dpmf-passphrase-user"


def _rate() -> str:
    return f"{settings.PASSPHRASE_FAILURE_LIMIT}/{settings.PASSPHRASE_WINDOW_MINUTES * 60}s"


def _counters(request, job: ImportJob | None) -> list[tuple[str, str]]:
    counters = [(GROUP_USER, str(request.user.pk))]
    if job is not None:
        counters.append((GROUP_JOB, str(job.pk)))
    return counters


def _usage(request, group: str, value: str, *, increment: bool) -> dict | None:
    return get_usage(
        request, group=group, key=lambda _group, _request: value, rate=_rate(), increment=increment
    )


def refusal(request, job: ImportJob | None = None) -> str | None:
    """The message refusing a passphrase attempt now, or None when it may go ahead.

    `job` is None for a new upload (only the user's count applies). Nothing is
    counted here; a cache that cannot answer refuses (django-ratelimit fails closed).
    """
    for group, value in _counters(request, job):
        usage = _usage(request, group, value, increment=False)
        if usage is not None and usage["count"] >= usage["limit"]:
            return _message(group, usage["time_left"])
    return None


def _message(group: str, seconds_left: int) -> str:
    seconds = max(seconds_left, 60)
    until = timezone.localtime(timezone.now() + timedelta(seconds=seconds))
    values = {"minutes": math.ceil(seconds / 60), "time": time_format(until, "H:i")}
    if group == GROUP_JOB:
        return (
            _(
                "Too many wrong passphrases for this file. Try again in %(minutes)s min, "
                "at %(time)s."
            )
            % values
        )
    return (
        _(
            "Too many wrong passphrases from your account. Try again in %(minutes)s min, "
            "at %(time)s."
        )
        % values
    )


def was_wrong(job: ImportJob) -> bool:
    """True when the job's last validation ended on a passphrase that does not open it."""
    job.refresh_from_db(fields=["status", "meta"])
    state = job.meta.get("validation", {}) if isinstance(job.meta, dict) else {}
    return job.status == JobStatus.UPLOADED and state.get("code") == DECRYPT_FAILED


def count_attempt(request, job: ImportJob, *, deferred: bool) -> None:
    """Count an attempt that was just made with a passphrase, if it may have been wrong.

    An unencrypted file never used the passphrase; a background validation
    (`deferred`) has no answer yet, so it counts.
    """
    if job.layering not in services.ENCRYPTED_LAYERINGS:
        return
    if deferred or was_wrong(job):
        for group, value in _counters(request, job):
            _usage(request, group, value, increment=True)
