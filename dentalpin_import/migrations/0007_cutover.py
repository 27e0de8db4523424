"""Cutover imports: what each mapping was built from and wrote, conflicts, before-images,
rows missing from a later file."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import clinics.fields


class Migration(migrations.Migration):
    dependencies = [
        ("dentalpin_import", "0006_seal_preview_samples"),
        ("clinics", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="entitymapping",
            name="source_digest",
            field=models.CharField(blank=True, db_default="", default="", max_length=64),
        ),
        migrations.AddField(
            model_name="entitymapping",
            name="written",
            field=models.TextField(blank=True, db_default="", default=""),
        ),
        migrations.CreateModel(
            name="ImportConflict",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("entity_type", models.CharField(max_length=80)),
                ("canonical_uuid", models.CharField(max_length=80)),
                ("source_id", models.CharField(blank=True, max_length=200)),
                ("target_table", models.CharField(max_length=80)),
                ("target_id", models.CharField(max_length=64)),
                ("field", models.CharField(max_length=80)),
                ("value_at_import", clinics.fields.EncryptedTextField(blank=True)),
                ("clinic_value", clinics.fields.EncryptedTextField(blank=True)),
                ("file_value", clinics.fields.EncryptedTextField(blank=True)),
                (
                    "resolution",
                    models.CharField(
                        choices=[
                            ("kept_clinic", "Clinic value kept"),
                            ("took_file", "File value taken"),
                        ],
                        max_length=12,
                    ),
                ),
                ("resolved_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "clinic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="clinics.clinic",
                    ),
                ),
                (
                    "job",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="conflicts",
                        to="dentalpin_import.importjob",
                    ),
                ),
                (
                    "resolved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
                "indexes": [
                    models.Index(
                        fields=["job", "entity_type"], name="dentalpin_i_job_id_c601b0_idx"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="MissingRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("entity_type", models.CharField(max_length=80)),
                ("canonical_uuid", models.CharField(max_length=80)),
                ("target_table", models.CharField(max_length=80)),
                ("target_id", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "clinic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="clinics.clinic",
                    ),
                ),
                (
                    "job",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="missing_records",
                        to="dentalpin_import.importjob",
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
                "indexes": [
                    models.Index(
                        fields=["job", "entity_type"], name="dentalpin_i_job_id_218bbe_idx"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="RowUpdate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("entity_type", models.CharField(max_length=80)),
                ("canonical_uuid", models.CharField(max_length=80)),
                ("target_table", models.CharField(max_length=80)),
                ("target_id", models.CharField(max_length=64)),
                ("before", clinics.fields.EncryptedTextField(blank=True)),
                ("after", clinics.fields.EncryptedTextField(blank=True)),
                ("mapping_id", models.BigIntegerField(blank=True, null=True)),
                ("mapping_digest", models.CharField(blank=True, max_length=64)),
                ("mapping_written", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "clinic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="clinics.clinic",
                    ),
                ),
                (
                    "job",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="row_updates",
                        to="dentalpin_import.importjob",
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
                "indexes": [
                    models.Index(
                        fields=["job", "entity_type"], name="dentalpin_i_job_id_5ccc89_idx"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="WrittenBatch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("entity_type", models.CharField(max_length=80)),
                ("values", clinics.fields.EncryptedTextField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "clinic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="clinics.clinic",
                    ),
                ),
                (
                    "job",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="dentalpin_import.importjob",
                    ),
                ),
            ],
        ),
    ]
