"""The tenant (`Clinic`) and who may act in it (`Membership`)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class Clinic(models.Model):
    """One clinic: the unit of tenancy. Imports never create or pick one from a file."""

    slug = models.SlugField(unique=True, max_length=60)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, default="ES")
    timezone = models.CharField(max_length=64, default="Europe/Madrid")
    legal_name = models.CharField(max_length=200, blank=True)
    tax_id = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    # Extra details of the source centre, kept as received (FORMAT.md §8.3 `center`).
    centre_details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = ngettext_lazy("clinic", "clinics", 1)
        verbose_name_plural = ngettext_lazy("clinic", "clinics", 2)
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    DENTIST = "dentist", _("Dentist")
    HYGIENIST = "hygienist", _("Hygienist")
    ASSISTANT = "assistant", _("Assistant")
    RECEPTIONIST = "receptionist", _("Receptionist")


class Membership(models.Model):
    """A user's role in one clinic, and the permissions they hold there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    # Django permissions count in this clinic only when listed here (clinics/permissions.py).
    permissions = models.ManyToManyField(
        "auth.Permission",
        blank=True,
        related_name="+",
        verbose_name=_("permissions in this clinic"),
        help_text=_("What this member may do in this clinic besides what the role grants."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = ngettext_lazy("clinic membership", "clinic memberships", 1)
        verbose_name_plural = ngettext_lazy("clinic membership", "clinic memberships", 2)
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="one_membership_per_clinic")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.clinic} ({self.role})"
