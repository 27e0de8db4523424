"""Importer models and fields named in the staff's language (admin, EN and ES)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import clinics.fields


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0008_national_id_types"),
        ("dentalpin_import", "0009_warning_params"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="agenttoken",
            options={
                "verbose_name": "sync agent token",
                "verbose_name_plural": "sync agent tokens",
            },
        ),
        migrations.AlterModelOptions(
            name="auditentry",
            options={
                "ordering": ["at", "id"],
                "verbose_name": "audit log entry",
                "verbose_name_plural": "audit log entries",
            },
        ),
        migrations.AlterModelOptions(
            name="entitymapping",
            options={"verbose_name": "imported record", "verbose_name_plural": "imported records"},
        ),
        migrations.AlterModelOptions(
            name="filestaging",
            options={
                "verbose_name": "expected document",
                "verbose_name_plural": "expected documents",
            },
        ),
        migrations.AlterModelOptions(
            name="importconflict",
            options={
                "ordering": ["id"],
                "verbose_name": "conflicting change",
                "verbose_name_plural": "conflicting changes",
            },
        ),
        migrations.AlterModelOptions(
            name="importjob",
            options={
                "ordering": ["-created_at"],
                "permissions": [
                    ("job_read", "Can read import jobs"),
                    ("job_write", "Can upload and validate import files"),
                    ("job_execute", "Can execute imports"),
                    ("binary_write", "Can upload binaries for an import"),
                ],
                "verbose_name": "import",
                "verbose_name_plural": "imports",
            },
        ),
        migrations.AlterModelOptions(
            name="importwarning",
            options={
                "ordering": ["id"],
                "verbose_name": "import warning",
                "verbose_name_plural": "import warnings",
            },
        ),
        migrations.AlterModelOptions(
            name="missingrecord",
            options={
                "ordering": ["id"],
                "verbose_name": "record missing from a later file",
                "verbose_name_plural": "records missing from a later file",
            },
        ),
        migrations.AlterModelOptions(
            name="rawentity",
            options={
                "verbose_name": "record kept as it is",
                "verbose_name_plural": "records kept as they are",
            },
        ),
        migrations.AlterModelOptions(
            name="rowupdate",
            options={
                "ordering": ["id"],
                "verbose_name": "row updated by a later file",
                "verbose_name_plural": "rows updated by a later file",
            },
        ),
        migrations.AlterModelOptions(
            name="writtenbatch",
            options={
                "verbose_name": "batch of written values",
                "verbose_name_plural": "batches of written values",
            },
        ),
        migrations.AlterField(
            model_name="agenttoken",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="issued at"),
        ),
        migrations.AlterField(
            model_name="agenttoken",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="issued by",
            ),
        ),
        migrations.AlterField(
            model_name="agenttoken",
            name="digest",
            field=models.CharField(max_length=64, unique=True, verbose_name="token fingerprint"),
        ),
        migrations.AlterField(
            model_name="agenttoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="expires at"),
        ),
        migrations.AlterField(
            model_name="agenttoken",
            name="hint",
            field=models.CharField(max_length=12, verbose_name="first characters"),
        ),
        migrations.AlterField(
            model_name="agenttoken",
            name="job",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="agent_tokens",
                to="dentalpin_import.importjob",
                verbose_name="import",
            ),
        ),
        migrations.AlterField(
            model_name="agenttoken",
            name="last_used_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last used at"),
        ),
        migrations.AlterField(
            model_name="agenttoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="revoked at"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("upload", "Upload"),
                    ("validation", "Validation"),
                    ("preview", "Preview"),
                    ("execute", "Execute"),
                    ("resume", "Resume"),
                    ("undo", "Undo"),
                    ("binaries", "Binaries"),
                    ("retention", "Retention"),
                ],
                max_length=12,
                verbose_name="action",
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="at",
            field=models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="when"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="details",
            field=models.JSONField(blank=True, default=dict, verbose_name="details"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="file_sha256",
            field=models.CharField(
                blank=True, max_length=64, verbose_name="file fingerprint (SHA-256)"
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="job",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="audit_entries",
                to="dentalpin_import.importjob",
                verbose_name="import",
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="job_ref",
            field=models.CharField(blank=True, max_length=40, verbose_name="import reference"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="options",
            field=models.JSONField(blank=True, default=dict, verbose_name="options"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="outcome",
            field=models.CharField(max_length=40, verbose_name="outcome"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AlterField(
            model_name="entitymapping",
            name="canonical_uuid",
            field=models.CharField(max_length=80, verbose_name="source key"),
        ),
        migrations.AlterField(
            model_name="entitymapping",
            name="clinic",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="entitymapping",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="entitymapping",
            name="created_row",
            field=models.BooleanField(default=True, verbose_name="row created by the import"),
        ),
        migrations.AlterField(
            model_name="entitymapping",
            name="entity_type",
            field=models.CharField(max_length=80, verbose_name="record kind"),
        ),
        migrations.AlterField(
            model_name="entitymapping",
            name="job",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="dentalpin_import.importjob",
                verbose_name="import",
            ),
        ),
        migrations.AlterField(
            model_name="entitymapping",
            name="source_digest",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                max_length=64,
                verbose_name="source row fingerprint",
            ),
        ),
        migrations.AlterField(
            model_name="entitymapping",
            name="source_system",
            field=models.CharField(max_length=40, verbose_name="old system"),
        ),
        migrations.AlterField(
            model_name="entitymapping",
            name="target_id",
            field=models.CharField(max_length=64, verbose_name="clinic row id"),
        ),
        migrations.AlterField(
            model_name="entitymapping",
            name="target_table",
            field=models.CharField(max_length=80, verbose_name="clinic table"),
        ),
        migrations.AlterField(
            model_name="entitymapping",
            name="written",
            field=models.TextField(
                blank=True, db_default="", default="", verbose_name="written values"
            ),
        ),
        migrations.AlterField(
            model_name="filestaging",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="filestaging",
            name="declared_size_bytes",
            field=models.BigIntegerField(
                blank=True, null=True, verbose_name="declared size (bytes)"
            ),
        ),
        migrations.AlterField(
            model_name="filestaging",
            name="document",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.document",
                verbose_name="document",
            ),
        ),
        migrations.AlterField(
            model_name="filestaging",
            name="file_uuid",
            field=models.CharField(max_length=80, verbose_name="file key"),
        ),
        migrations.AlterField(
            model_name="filestaging",
            name="job",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="staged_files",
                to="dentalpin_import.importjob",
                verbose_name="import",
            ),
        ),
        migrations.AlterField(
            model_name="filestaging",
            name="mime_hint",
            field=models.CharField(blank=True, max_length=100, verbose_name="file type"),
        ),
        migrations.AlterField(
            model_name="filestaging",
            name="parent_canonical_uuid",
            field=models.CharField(max_length=80, verbose_name="owner's source key"),
        ),
        migrations.AlterField(
            model_name="filestaging",
            name="parent_entity_type",
            field=models.CharField(max_length=80, verbose_name="owner's record kind"),
        ),
        migrations.AlterField(
            model_name="filestaging",
            name="patient",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clinics.patient",
                verbose_name="patient",
            ),
        ),
        migrations.AlterField(
            model_name="filestaging",
            name="reason",
            field=models.TextField(blank=True, verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="filestaging",
            name="received_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="received at"),
        ),
        migrations.AlterField(
            model_name="filestaging",
            name="relative_path",
            field=models.TextField(verbose_name="path in the export"),
        ),
        migrations.AlterField(
            model_name="filestaging",
            name="sha256",
            field=models.CharField(
                blank=True, db_index=True, max_length=64, verbose_name="fingerprint (SHA-256)"
            ),
        ),
        migrations.AlterField(
            model_name="filestaging",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("missing", "Missing (no checksum)"),
                    ("received", "Received"),
                    ("rejected", "Rejected"),
                ],
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="importconflict",
            name="canonical_uuid",
            field=models.CharField(max_length=80, verbose_name="source key"),
        ),
        migrations.AlterField(
            model_name="importconflict",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="importconflict",
            name="clinic_value",
            field=clinics.fields.EncryptedTextField(blank=True, verbose_name="value in the clinic"),
        ),
        migrations.AlterField(
            model_name="importconflict",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="importconflict",
            name="entity_type",
            field=models.CharField(max_length=80, verbose_name="record kind"),
        ),
        migrations.AlterField(
            model_name="importconflict",
            name="field",
            field=models.CharField(max_length=80, verbose_name="field"),
        ),
        migrations.AlterField(
            model_name="importconflict",
            name="file_value",
            field=clinics.fields.EncryptedTextField(blank=True, verbose_name="value in the file"),
        ),
        migrations.AlterField(
            model_name="importconflict",
            name="job",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="conflicts",
                to="dentalpin_import.importjob",
                verbose_name="import",
            ),
        ),
        migrations.AlterField(
            model_name="importconflict",
            name="resolution",
            field=models.CharField(
                choices=[("kept_clinic", "Clinic value kept"), ("took_file", "File value taken")],
                max_length=12,
                verbose_name="resolution",
            ),
        ),
        migrations.AlterField(
            model_name="importconflict",
            name="resolved_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="resolved at"),
        ),
        migrations.AlterField(
            model_name="importconflict",
            name="resolved_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="resolved by",
            ),
        ),
        migrations.AlterField(
            model_name="importconflict",
            name="source_id",
            field=models.CharField(blank=True, max_length=200, verbose_name="source id"),
        ),
        migrations.AlterField(
            model_name="importconflict",
            name="target_id",
            field=models.CharField(max_length=64, verbose_name="clinic row id"),
        ),
        migrations.AlterField(
            model_name="importconflict",
            name="target_table",
            field=models.CharField(max_length=80, verbose_name="clinic table"),
        ),
        migrations.AlterField(
            model_name="importconflict",
            name="value_at_import",
            field=clinics.fields.EncryptedTextField(blank=True, verbose_name="value at the import"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="counters",
            field=models.JSONField(blank=True, default=dict, verbose_name="counts by record kind"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="started by",
            ),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="current_entity_type",
            field=models.CharField(
                blank=True, max_length=64, verbose_name="record kind in progress"
            ),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="dry_run",
            field=models.BooleanField(default=False, verbose_name="dry run"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="error",
            field=models.TextField(blank=True, verbose_name="error"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="file_sha256",
            field=models.CharField(
                blank=True, max_length=64, verbose_name="file fingerprint (SHA-256)"
            ),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="file_size",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="file size (bytes)"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="finished at"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last sign of life"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="layering",
            field=models.CharField(
                blank=True, max_length=10, verbose_name="compression and encryption"
            ),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="meta",
            field=models.JSONField(blank=True, default=dict, verbose_name="file details"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="options",
            field=models.JSONField(blank=True, default=dict, verbose_name="options"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="original_name",
            field=models.CharField(blank=True, max_length=255, verbose_name="file name"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="phase_log",
            field=models.JSONField(blank=True, default=list, verbose_name="steps log"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="preflight",
            field=models.JSONField(
                blank=True, default=list, verbose_name="problems found before importing"
            ),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="processed_entities",
            field=models.PositiveBigIntegerField(default=0, verbose_name="records processed"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="reconciliation",
            field=models.JSONField(blank=True, default=dict, verbose_name="reconciliation"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="source_kind",
            field=models.CharField(
                choices=[("dpmf", "DPMF"), ("csv", "CSV")],
                default="dpmf",
                max_length=10,
                verbose_name="kind of file",
            ),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="source_system",
            field=models.CharField(blank=True, max_length=40, verbose_name="old system"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="started at"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="status",
            field=models.CharField(
                choices=[
                    ("uploaded", "Uploaded"),
                    ("validated", "Validated"),
                    ("previewed", "Previewed"),
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("succeeded", "Succeeded"),
                    ("problems", "Completed with problems"),
                    ("undone", "Undone"),
                    ("failed", "Failed"),
                    ("interrupted", "Interrupted"),
                    ("cancelled", "Cancelled"),
                ],
                default="uploaded",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="stored_path",
            field=models.CharField(blank=True, max_length=500, verbose_name="stored at"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="total_entities",
            field=models.PositiveBigIntegerField(default=0, verbose_name="records in the file"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="warnings_count",
            field=models.PositiveIntegerField(default=0, verbose_name="number of warnings"),
        ),
        migrations.AlterField(
            model_name="importwarning",
            name="canonical_uuid",
            field=models.CharField(blank=True, max_length=80, verbose_name="source key"),
        ),
        migrations.AlterField(
            model_name="importwarning",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="importwarning",
            name="code",
            field=models.CharField(max_length=120, verbose_name="code"),
        ),
        migrations.AlterField(
            model_name="importwarning",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="importwarning",
            name="entity_type",
            field=models.CharField(blank=True, max_length=80, verbose_name="record kind"),
        ),
        migrations.AlterField(
            model_name="importwarning",
            name="job",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="warnings",
                to="dentalpin_import.importjob",
                verbose_name="import",
            ),
        ),
        migrations.AlterField(
            model_name="importwarning",
            name="message",
            field=models.TextField(verbose_name="message (English)"),
        ),
        migrations.AlterField(
            model_name="importwarning",
            name="params",
            field=models.JSONField(blank=True, null=True, verbose_name="message details"),
        ),
        migrations.AlterField(
            model_name="importwarning",
            name="raw_data",
            field=models.JSONField(blank=True, null=True, verbose_name="original data"),
        ),
        migrations.AlterField(
            model_name="importwarning",
            name="severity",
            field=models.CharField(
                choices=[("info", "Info"), ("warn", "Warning"), ("error", "Error")],
                default="warn",
                max_length=5,
                verbose_name="severity",
            ),
        ),
        migrations.AlterField(
            model_name="importwarning",
            name="source_id",
            field=models.CharField(blank=True, max_length=200, verbose_name="source id"),
        ),
        migrations.AlterField(
            model_name="missingrecord",
            name="canonical_uuid",
            field=models.CharField(max_length=80, verbose_name="source key"),
        ),
        migrations.AlterField(
            model_name="missingrecord",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="missingrecord",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="missingrecord",
            name="entity_type",
            field=models.CharField(max_length=80, verbose_name="record kind"),
        ),
        migrations.AlterField(
            model_name="missingrecord",
            name="job",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="missing_records",
                to="dentalpin_import.importjob",
                verbose_name="import",
            ),
        ),
        migrations.AlterField(
            model_name="missingrecord",
            name="target_id",
            field=models.CharField(max_length=64, verbose_name="clinic row id"),
        ),
        migrations.AlterField(
            model_name="missingrecord",
            name="target_table",
            field=models.CharField(max_length=80, verbose_name="clinic table"),
        ),
        migrations.AlterField(
            model_name="rawentity",
            name="canonical_uuid",
            field=models.CharField(max_length=80, verbose_name="source key"),
        ),
        migrations.AlterField(
            model_name="rawentity",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="rawentity",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="rawentity",
            name="entity_type",
            field=models.CharField(max_length=80, verbose_name="record kind"),
        ),
        migrations.AlterField(
            model_name="rawentity",
            name="job",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="dentalpin_import.importjob",
                verbose_name="import",
            ),
        ),
        migrations.AlterField(
            model_name="rawentity",
            name="payload",
            field=models.JSONField(null=True, verbose_name="contents"),
        ),
        migrations.AlterField(
            model_name="rawentity",
            name="raw_data",
            field=models.JSONField(null=True, verbose_name="original data"),
        ),
        migrations.AlterField(
            model_name="rawentity",
            name="source_id",
            field=models.CharField(max_length=200, verbose_name="source id"),
        ),
        migrations.AlterField(
            model_name="rawentity",
            name="source_system",
            field=models.CharField(max_length=40, verbose_name="old system"),
        ),
        migrations.AlterField(
            model_name="rowupdate",
            name="after",
            field=clinics.fields.EncryptedTextField(blank=True, verbose_name="values written"),
        ),
        migrations.AlterField(
            model_name="rowupdate",
            name="before",
            field=clinics.fields.EncryptedTextField(blank=True, verbose_name="values before"),
        ),
        migrations.AlterField(
            model_name="rowupdate",
            name="canonical_uuid",
            field=models.CharField(max_length=80, verbose_name="source key"),
        ),
        migrations.AlterField(
            model_name="rowupdate",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="rowupdate",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="rowupdate",
            name="entity_type",
            field=models.CharField(max_length=80, verbose_name="record kind"),
        ),
        migrations.AlterField(
            model_name="rowupdate",
            name="job",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="row_updates",
                to="dentalpin_import.importjob",
                verbose_name="import",
            ),
        ),
        migrations.AlterField(
            model_name="rowupdate",
            name="mapping_digest",
            field=models.CharField(
                blank=True, max_length=64, verbose_name="source row fingerprint before"
            ),
        ),
        migrations.AlterField(
            model_name="rowupdate",
            name="mapping_id",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="mapping id"),
        ),
        migrations.AlterField(
            model_name="rowupdate",
            name="mapping_written",
            field=models.TextField(blank=True, verbose_name="written values before"),
        ),
        migrations.AlterField(
            model_name="rowupdate",
            name="target_id",
            field=models.CharField(max_length=64, verbose_name="clinic row id"),
        ),
        migrations.AlterField(
            model_name="rowupdate",
            name="target_table",
            field=models.CharField(max_length=80, verbose_name="clinic table"),
        ),
        migrations.AlterField(
            model_name="writtenbatch",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="writtenbatch",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="writtenbatch",
            name="entity_type",
            field=models.CharField(max_length=80, verbose_name="record kind"),
        ),
        migrations.AlterField(
            model_name="writtenbatch",
            name="job",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="dentalpin_import.importjob",
                verbose_name="import",
            ),
        ),
        migrations.AlterField(
            model_name="writtenbatch",
            name="values",
            field=clinics.fields.EncryptedTextField(verbose_name="values"),
        ),
    ]
