"""The abstract base of every clinic-owned row."""

from django.db import models

from clinics.querysets import clinic_scoped_manager


class ClinicOwned(models.Model):
    """A row that belongs to exactly one clinic and is only visible inside its scope."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Undo compares this with the import time to spot rows edited afterwards.
    updated_at = models.DateTimeField(auto_now=True)

    objects = clinic_scoped_manager()

    class Meta:
        abstract = True
