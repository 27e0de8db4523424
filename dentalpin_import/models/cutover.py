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
from django.utils.translation import ngettext_lazy

from clinics.fields import EncryptedTextField


class Resolution(models.TextChoices):
    KEPT_CLINIC = "kept_clinic", _("Clinic value kept")
    TOOK_FILE = "took_file", _("File value taken")


class ClinicRowRecord(models.Model):
    """What the three records below share: the clinic row of a source row of a job."""

    clinic = models.ForeignKey(
        "clinics.Clinic",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=ngettext_lazy("clinic", "clinics", 1),
    )
    entity_type = models.CharField(max_length=80, verbose_name=_("record kind"))
    canonical_uuid = models.CharField(max_length=80, verbose_name=_("source key"))
    target_table = models.CharField(max_length=80, verbose_name=_("clinic table"))
    target_id = models.CharField(max_length=64, verbose_name=_("clinic row id"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        abstract = True
        ordering = ["id"]


class ImportConflict(ClinicRowRecord):
    """A field changed both in the old system (the file) and in the clinic since the import."""

    job = models.ForeignKey(
        "dentalpin_import.ImportJob",
        on_delete=models.CASCADE,
        related_name="conflicts",
        verbose_name=_("import"),
    )
    source_id = models.CharField(max_length=200, blank=True, verbose_name=_("source id"))
    field = models.CharField(max_length=80, verbose_name=_("field"))  # the model field's name
    # Each value as JSON text (None is "null"), sealed.
    value_at_import = EncryptedTextField(blank=True, verbose_name=_("value at the import"))
    clinic_value = EncryptedTextField(blank=True, verbose_name=_("value in the clinic"))
    file_value = EncryptedTextField(blank=True, verbose_name=_("value in the file"))
    resolution = models.CharField(
        max_length=12, choices=Resolution.choices, verbose_name=_("resolution")
    )
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    class Meta(ClinicRowRecord.Meta):
        verbose_name = _("conflicting change")
        verbose_name_plural = _("conflicting changes")
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
        "dentalpin_import.ImportJob",
        on_delete=models.CASCADE,
        related_name="row_updates",
        verbose_name=_("import"),
    )
    before = EncryptedTextField(blank=True, verbose_name=_("values before"))
    after = EncryptedTextField(blank=True, verbose_name=_("values written"))
    mapping_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("mapping id"))
    mapping_digest = models.CharField(
        max_length=64, blank=True, verbose_name=_("source row fingerprint before")
    )
    mapping_written = models.TextField(
        blank=True, verbose_name=_("written values before")
    )  # a `WrittenBatch` id, as the mapping held it
    # The later file no longer produces the row (it became another kind of row, or one
    # of fewer further rows): `before` holds the whole row and its mapping, undo puts both back.
    removed = models.BooleanField(default=False, verbose_name=_("row removed by the later file"))
    # Only the mapping changed (the row kept its values: a conflict, a field not compared):
    # undo gives the mapping back what it held, so the same file finds the row changed again.
    mapping_only = models.BooleanField(default=False, verbose_name=_("mapping alone"))
    # When the row was last changed before the job wrote it: undo puts it back, so an
    # earlier job being undone next sees its rows as it left them, not as edited since.
    row_updated_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("row last changed before")
    )

    class Meta(ClinicRowRecord.Meta):
        verbose_name = _("row updated by a later file")
        verbose_name_plural = _("rows updated by a later file")
        indexes = [models.Index(fields=["job", "entity_type"])]


class MissingRecord(ClinicRowRecord):
    """A row an earlier file brought that a later file of the same source no longer has.

    Never deleted: staff decide. One per job that noticed it.
    """

    job = models.ForeignKey(
        "dentalpin_import.ImportJob",
        on_delete=models.CASCADE,
        related_name="missing_records",
        verbose_name=_("import"),
    )

    class Meta(ClinicRowRecord.Meta):
        verbose_name = _("record missing from a later file")
        verbose_name_plural = _("records missing from a later file")
        indexes = [models.Index(fields=["job", "entity_type"])]


class WrittenBatch(models.Model):
    """The values one chunk's rows were written with, sealed together.

    An `EntityMapping.written` names its batch: sealing each row alone cost a
    sixth of a first import, one token per chunk costs nothing noticeable. The
    values are {"f": {table: [field, …]}, "r": {canonical id: [table, [value, …]]}}, each
    value as `loader/changes.py` `dumps` writes it.
    """

    clinic = models.ForeignKey(
        "clinics.Clinic",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=ngettext_lazy("clinic", "clinics", 1),
    )
    job = models.ForeignKey(
        "dentalpin_import.ImportJob",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("import"),
    )
    entity_type = models.CharField(max_length=80, verbose_name=_("record kind"))
    values = EncryptedTextField(verbose_name=_("values"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("batch of written values")
        verbose_name_plural = _("batches of written values")
