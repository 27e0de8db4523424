"""Per-job tokens for the sync agent that uploads binaries (stored only as a hash)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinics.models import Membership
from clinics.permissions import ROLE_PERMISSIONS, full_name
from dentalpin_import.models.jobs import JobStatus
from dentalpin_import.models.records import FileStaging, StagingStatus

TOKEN_PREFIX = "dpa_"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# A token is for the binaries of a job that stays: not of one undone or cancelled.
ENDED_FOR_TOKENS = (JobStatus.UNDONE, JobStatus.CANCELLED)
# A job that will not run again by itself (a failed one runs again only when retried).
FINISHED_FOR_TOKENS = (JobStatus.SUCCEEDED, JobStatus.PROBLEMS, JobStatus.FAILED)


# What a token does: upload a job's binaries, which a person may do only with this permission
# in the job's clinic (web/agent.py asks it of a signed-in session too).
UPLOAD = "binary_write"


def _issuer_may_upload() -> Q:
    """The token's issuer may upload in the job's clinic now, as `has_clinic_perm` says:
    an active account whose membership there grants `UPLOAD`, by its role or by a
    permission of the membership; a superuser needs the membership only."""
    membership = Membership.objects.filter(
        user=OuterRef("created_by"), clinic=OuterRef("job__clinic")
    )
    roles = [role for role, held in ROLE_PERMISSIONS.items() if full_name(UPLOAD) in held]
    app_label, _dot, codename = full_name(UPLOAD).partition(".")
    granting = membership.filter(
        Q(role__in=roles)
        | Q(permissions__content_type__app_label=app_label, permissions__codename=codename)
    )
    superuser_member = Q(created_by__is_superuser=True) & Exists(membership)
    return Q(created_by__is_active=True) & (Exists(granting) | superuser_member)


class AgentTokenQuerySet(models.QuerySet):
    def live(self):
        """Tokens not revoked nor expired, of a job not undone nor cancelled, whose issuer
        may still upload: issued from the command line, or by a person whose account still
        exists and is active, and whose membership of the job's clinic still grants the
        upload permission (a role changed to one without it stops the token at once).

        A person's token whose `created_by` is empty is one whose issuer's account was
        deleted: it stops, as it does when the membership or the permission goes.
        """
        return (
            self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
            .exclude(job__status__in=ENDED_FOR_TOKENS)
            .filter(Q(issued_from_command_line=True) | _issuer_may_upload())
        )

    def spent(self):
        """Live tokens whose job is finished and expects no more files: they upload nothing.

        The agent still hears "nothing left" from them (web/agent.py), so its last
        calls end cleanly instead of with an error.
        """
        return self.live().filter(job__status__in=FINISHED_FOR_TOKENS).exclude(_still_expected())

    def usable(self):
        """Live tokens that are not spent: their job may still receive files."""
        return self.live().filter(~Q(job__status__in=FINISHED_FOR_TOKENS) | _still_expected())


def _still_expected() -> Exists:
    """The token's job still waits for a file the agent can send (pending, with a sha256)."""
    expected = FileStaging.objects.filter(job=OuterRef("job"), status=StagingStatus.PENDING)
    return Exists(expected.exclude(sha256=""))


class AgentToken(models.Model):
    """Lets one sync agent upload binaries for one job of one clinic, until revoked or expired."""

    job = models.ForeignKey(
        "dentalpin_import.ImportJob",
        on_delete=models.CASCADE,
        related_name="agent_tokens",
        verbose_name=_("import"),
    )
    digest = models.CharField(max_length=64, unique=True, verbose_name=_("token fingerprint"))
    hint = models.CharField(
        max_length=12, verbose_name=_("first characters")
    )  # first characters, to tell tokens apart
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("issued by"),
    )
    # Issued with no person behind it (`manage.py issue_agent_token`): the only tokens that
    # need no issuer. Not "created_by is empty", which a deleted account leaves too.
    issued_from_command_line = models.BooleanField(
        default=False, verbose_name=_("issued from the command line")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("issued at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))

    objects = AgentTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("sync agent token")
        verbose_name_plural = _("sync agent tokens")

    def __str__(self) -> str:
        return f"{self.hint}… for job {self.job_id}"

    @classmethod
    def issue(cls, *, job, user=None, hours: int | None = None) -> tuple[AgentToken, str]:
        """Create a token for `job`; return the row and the clear token (shown once).

        With no signed-in `user` the token is the command line's: it needs no issuer.
        A person's token works only while that person may act (`live`).
        """
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        hours = hours or settings.DPMF_AGENT_TOKEN_HOURS
        person = user if getattr(user, "is_authenticated", False) else None
        row = cls.objects.create(
            job=job,
            digest=token_digest(token),
            hint=token[:10],
            created_by=person,
            issued_from_command_line=person is None,
            expires_at=timezone.now() + dt.timedelta(hours=hours),
        )
        return row, token

    @classmethod
    def find(cls, token: str) -> AgentToken | None:
        """Return the usable token row for a clear token, or None."""
        return (
            cls.objects.usable()
            .select_related("job", "job__clinic")
            .filter(digest=token_digest(token))
            .first()
        )

    @classmethod
    def find_spent(cls, token: str) -> AgentToken | None:
        """Return the spent token row for a clear token (see `spent`), or None."""
        return cls.objects.spent().filter(digest=token_digest(token)).first()

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
