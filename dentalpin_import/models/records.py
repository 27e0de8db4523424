"""What an import leaves besides clinic rows: mappings, raw entities, warnings, staged files."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

SKIP_TABLE = "__skipped__"
SKIP_SUFFIX = ".__skipped__"
SKIP_TARGET_ID = "00000000-0000-0000-0000-000000000000"
# Rows beyond the first that one source row produced: `<type>.__extra__`, `<uuid>:<n>`.
EXTRA_SUFFIX = ".__extra__"


class EntityMapping(models.Model):
    """Source key → the clinic row it became; makes re-imports no-ops (FORMAT.md §12.1).

    A row deliberately not imported is recorded under `<type>.__skipped__`
    with table `__skipped__`, so a re-run passes it by silently.
    """

    # No single-column indexes on clinic and job: the unique key starts with
    # the clinic and the (job, entity_type) index with the job, and every index
    # is written once per imported row (the largest table of an import).
    clinic = models.ForeignKey(
        "clinics.Clinic",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=ngettext_lazy("clinic", "clinics", 1),
    )
    source_system = models.CharField(max_length=40, verbose_name=_("old system"))
    entity_type = models.CharField(max_length=80, verbose_name=_("record kind"))
    canonical_uuid = models.CharField(max_length=80, verbose_name=_("source key"))
    target_table = models.CharField(max_length=80, verbose_name=_("clinic table"))
    target_id = models.CharField(max_length=64, verbose_name=_("clinic row id"))
    # False when the source row was linked to a clinic row that already existed
    # (same staff e-mail, the clinic itself): undo must leave such rows alone.
    created_row = models.BooleanField(default=True, verbose_name=_("row created by the import"))
    # Cutover imports (models/cutover.py): a digest of the source row this mapping
    # was built from, and the sealed JSON of the values the importer wrote, so a
    # later file can tell, field by field, what changed in the file and in the clinic.
    # Defaults in the database too: the engine inserts mappings with its own SQL.
    source_digest = models.CharField(
        max_length=64,
        blank=True,
        default="",
        db_default="",
        verbose_name=_("source row fingerprint"),
    )
    written = models.TextField(
        blank=True, default="", db_default="", verbose_name=_("written values")
    )
    job = models.ForeignKey(
        "dentalpin_import.ImportJob",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("import"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("imported record")
        verbose_name_plural = _("imported records")
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "source_system", "entity_type", "canonical_uuid"],
                name="one_mapping_per_source_key",
            )
        ]
        indexes = [
            models.Index(fields=["job", "entity_type"]),
            # The few rows linked rather than created, by the clinic row they name: a later
            # file never removes a row another source row is linked to (loader/reshape.py).
            models.Index(
                fields=["clinic", "target_table", "target_id"],
                condition=models.Q(created_row=False),
                name="linked_by_clinic_row",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity_type}:{self.canonical_uuid} → {self.target_table}#{self.target_id}"


class RawEntity(models.Model):
    """A source row of a type this importer has no mapper for, kept verbatim."""

    clinic = models.ForeignKey(
        "clinics.Clinic",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=ngettext_lazy("clinic", "clinics", 1),
    )
    job = models.ForeignKey(
        "dentalpin_import.ImportJob",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("import"),
    )
    source_system = models.CharField(max_length=40, verbose_name=_("old system"))
    entity_type = models.CharField(max_length=80, verbose_name=_("record kind"))
    canonical_uuid = models.CharField(max_length=80, verbose_name=_("source key"))
    source_id = models.CharField(max_length=200, verbose_name=_("source id"))
    payload = models.JSONField(null=True, verbose_name=_("contents"))
    raw_data = models.JSONField(null=True, verbose_name=_("original data"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("record kept as it is")
        verbose_name_plural = _("records kept as they are")
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "source_system", "entity_type", "canonical_uuid"],
                name="one_raw_entity_per_source_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity_type.replace('_', ' ')} {self.source_id}".strip()


class Severity(models.TextChoices):
    INFO = "info", _("Info")
    WARN = "warn", _("Warning")
    ERROR = "error", _("Error")


class ImportWarning(models.Model):
    """A per-row or file-wide problem met during a job; never stops the job."""

    # No single-column index on the job: both indexes below start with it, and
    # every index is written once per warning (thousands per import).
    job = models.ForeignKey(
        "dentalpin_import.ImportJob",
        on_delete=models.CASCADE,
        related_name="warnings",
        db_index=False,
        verbose_name=_("import"),
    )
    clinic = models.ForeignKey(
        "clinics.Clinic",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=ngettext_lazy("clinic", "clinics", 1),
    )
    entity_type = models.CharField(max_length=80, blank=True, verbose_name=_("record kind"))
    source_id = models.CharField(max_length=200, blank=True, verbose_name=_("source id"))
    canonical_uuid = models.CharField(max_length=80, blank=True, verbose_name=_("source key"))
    severity = models.CharField(
        max_length=5, choices=Severity.choices, default=Severity.WARN, verbose_name=_("severity")
    )
    code = models.CharField(max_length=120, verbose_name=_("code"))
    # English, for the CLI, the CSV and warnings stored before `params` existed.
    message = models.TextField(verbose_name=_("message (English)"))
    # What the message says, as values for the code's translated text (`warning_texts`);
    # None on older rows, which pages show by their `message`. Never a national id or
    # clinical text in clear.
    params = models.JSONField(null=True, blank=True, verbose_name=_("message details"))
    raw_data = models.JSONField(null=True, blank=True, verbose_name=_("original data"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("import warning")
        verbose_name_plural = _("import warnings")
        ordering = ["id"]
        indexes = [models.Index(fields=["job", "code"]), models.Index(fields=["job", "severity"])]

    def __str__(self) -> str:
        return self.message if len(self.message) <= 80 else self.message[:79] + "…"


class StagingStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    MISSING = "missing", _("Missing (no checksum)")
    RECEIVED = "received", _("Received")
    REJECTED = "rejected", _("Rejected")


class FileStaging(models.Model):
    """A binary the file says exists (`_files`), waiting for the sync agent (§9)."""

    clinic = models.ForeignKey(
        "clinics.Clinic",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=ngettext_lazy("clinic", "clinics", 1),
    )
    job = models.ForeignKey(
        "dentalpin_import.ImportJob",
        on_delete=models.PROTECT,
        related_name="staged_files",
        verbose_name=_("import"),
    )
    file_uuid = models.CharField(max_length=80, verbose_name=_("file key"))
    parent_entity_type = models.CharField(max_length=80, verbose_name=_("owner's record kind"))
    parent_canonical_uuid = models.CharField(max_length=80, verbose_name=_("owner's source key"))
    relative_path = models.TextField(verbose_name=_("path in the export"))
    declared_size_bytes = models.BigIntegerField(
        null=True, blank=True, verbose_name=_("declared size (bytes)")
    )
    sha256 = models.CharField(
        max_length=64, blank=True, db_index=True, verbose_name=_("fingerprint (SHA-256)")
    )
    mime_hint = models.CharField(max_length=100, blank=True, verbose_name=_("file type"))
    status = models.CharField(
        max_length=10, choices=StagingStatus.choices, verbose_name=_("status")
    )
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    patient = models.ForeignKey(
        "clinics.Patient",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=ngettext_lazy("patient", "patients", 1),
    )
    document = models.ForeignKey(
        "clinics.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("document"),
    )
    received_at = models.DateTimeField(null=True, blank=True, verbose_name=_("received at"))

    class Meta:
        verbose_name = _("expected document")
        verbose_name_plural = _("expected documents")
        constraints = [
            models.UniqueConstraint(fields=["clinic", "file_uuid"], name="one_staging_per_file")
        ]

    def __str__(self) -> str:
        return self.relative_path
