"""The tenant (`Clinic`) and who may act in it (`Membership`)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class Clinic(models.Model):
    """One clinic: the unit of tenancy. Imports never create or pick one from a file."""

    slug = models.SlugField(unique=True, max_length=60, verbose_name=_("slug"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    country = models.CharField(max_length=2, default="ES", verbose_name=_("country"))
    timezone = models.CharField(max_length=64, default="Europe/Madrid", verbose_name=_("timezone"))
    legal_name = models.CharField(max_length=200, blank=True, verbose_name=_("legal name"))
    tax_id = models.CharField(max_length=40, blank=True, verbose_name=_("tax id"))
    address = models.TextField(blank=True, verbose_name=_("address"))
    phone = models.CharField(max_length=40, blank=True, verbose_name=_("phone"))
    email = models.EmailField(blank=True, verbose_name=_("email"))
    # Extra details of the source centre, kept as received (FORMAT.md §8.3 `center`).
    centre_details = models.JSONField(default=dict, blank=True, verbose_name=_("centre details"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

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
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    clinic = models.ForeignKey(
        Clinic,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=ngettext_lazy("clinic", "clinics", 1),
    )
    role = models.CharField(max_length=20, choices=Role.choices, verbose_name=_("role"))
    # Django permissions count in this clinic only when listed here (clinics/permissions.py).
    permissions = models.ManyToManyField(
        "auth.Permission",
        blank=True,
        related_name="+",
        verbose_name=_("permissions in this clinic"),
        help_text=_("What this member may do in this clinic besides what the role grants."),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = ngettext_lazy("clinic membership", "clinic memberships", 1)
        verbose_name_plural = ngettext_lazy("clinic membership", "clinic memberships", 2)
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="one_membership_per_clinic")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.clinic} ({self.role})"
