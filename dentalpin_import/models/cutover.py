"""What a cutover import (a later export of the same clinic) leaves behind.

A later file updates the rows an earlier job created, field by field: a field
changed only in the file is updated, one changed only in the clinic is kept, one
changed on both sides is an `ImportConflict`. Every update keeps a `RowUpdate`
(before-image) so undo can restore what it overwrote, and a row an earlier file
had and the later one no longer has is a `MissingRecord`, never a deletion.

Values are sealed (`EncryptedTextField`): they may be clinical text or national ids.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clinics.fields import EncryptedTextField


class Resolution(models.TextChoices):
    KEPT_CLINIC = "kept_clinic", _("Clinic value kept")
    TOOK_FILE = "took_file", _("File value taken")


class ClinicRowRecord(models.Model):
    """What the three records below share: the clinic row of a source row of a job."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    entity_type = models.CharField(max_length=80)
    canonical_uuid = models.CharField(max_length=80)
    target_table = models.CharField(max_length=80)
    target_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["id"]


class ImportConflict(ClinicRowRecord):
    """A field changed both in the old system (the file) and in the clinic since the import."""

    job = models.ForeignKey(
        "dentalpin_import.ImportJob", on_delete=models.CASCADE, related_name="conflicts"
    )
    source_id = models.CharField(max_length=200, blank=True)
    field = models.CharField(max_length=80)  # the model field's name
    # Each value as JSON text (None is "null"), sealed.
    value_at_import = EncryptedTextField(blank=True)
    clinic_value = EncryptedTextField(blank=True)
    file_value = EncryptedTextField(blank=True)
    resolution = models.CharField(max_length=12, choices=Resolution.choices)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(ClinicRowRecord.Meta):
        indexes = [models.Index(fields=["job", "entity_type"])]

    def __str__(self) -> str:
        return f"{self.entity_type}:{self.canonical_uuid}.{self.field} ({self.resolution})"


class RowUpdate(ClinicRowRecord):
    """A before-image: the fields a job overwrote on one clinic row, and what it wrote.

    `before`/`after` are sealed JSON objects {field: value}; `mapping_digest` and
    `mapping_written` are what the row's `EntityMapping` (`mapping_id`) held before
    the update, so undo puts the mapping back as well.
    """

    job = models.ForeignKey(
        "dentalpin_import.ImportJob", on_delete=models.CASCADE, related_name="row_updates"
    )
    before = EncryptedTextField(blank=True)
    after = EncryptedTextField(blank=True)
    mapping_id = models.BigIntegerField(null=True, blank=True)
    mapping_digest = models.CharField(max_length=64, blank=True)
    mapping_written = models.TextField(blank=True)  # a `WrittenBatch` id, as the mapping held it

    class Meta(ClinicRowRecord.Meta):
        indexes = [models.Index(fields=["job", "entity_type"])]


class MissingRecord(ClinicRowRecord):
    """A row an earlier file brought that a later file of the same source no longer has.

    Never deleted: staff decide. One per job that noticed it.
    """

    job = models.ForeignKey(
        "dentalpin_import.ImportJob", on_delete=models.CASCADE, related_name="missing_records"
    )

    class Meta(ClinicRowRecord.Meta):
        indexes = [models.Index(fields=["job", "entity_type"])]


class WrittenBatch(models.Model):
    """The values one chunk's rows were written with, sealed together.

    An `EntityMapping.written` names its batch: sealing each row alone cost a
    sixth of a first import, one token per chunk costs nothing noticeable. The
    values are {"f": {table: [field, …]}, "r": {canonical id: [table, [value, …]]}}, each
    value as `loader/changes.py` `dumps` writes it.
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey(
        "dentalpin_import.ImportJob", on_delete=models.CASCADE, related_name="+"
    )
    entity_type = models.CharField(max_length=80)
    values = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)
