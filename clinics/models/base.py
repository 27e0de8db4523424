"""The abstract base of every clinic-owned row."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from clinics.querysets import clinic_scoped_manager


class ClinicOwned(models.Model):
    """A row that belongs to exactly one clinic and is only visible inside its scope."""

    clinic = models.ForeignKey(
        "clinics.Clinic",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=ngettext_lazy("clinic", "clinics", 1),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # Undo compares this with the import time to spot rows edited afterwards.
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = clinic_scoped_manager()

    class Meta:
        abstract = True
