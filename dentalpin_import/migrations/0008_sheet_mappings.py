"""Column mappings of spreadsheets, saved per clinic and offered again for the same headers."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0001_initial"),
        ("dentalpin_import", "0007_cutover"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SheetColumnMapping",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sheet_type", models.CharField(max_length=40, verbose_name="kind of sheet")),
                ("signature", models.CharField(max_length=64, verbose_name="headers signature")),
                ("columns", models.JSONField(default=dict, verbose_name="columns")),
                ("headers", models.JSONField(default=list, verbose_name="headers")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="saved at")),
                (
                    "clinic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="clinics.clinic",
                        verbose_name="clinic",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="saved by",
                    ),
                ),
            ],
            options={
                "verbose_name": "saved column mapping",
                "verbose_name_plural": "saved column mappings",
                "ordering": ["-updated_at"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("clinic", "signature"), name="sheet_mapping_one_per_headers"
                    )
                ],
            },
        ),
    ]
