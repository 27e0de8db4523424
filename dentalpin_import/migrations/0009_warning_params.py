"""Warnings keep their code and parameters, shown in the reader's language."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("dentalpin_import", "0008_sheet_mappings")]

    operations = [
        migrations.AddField(
            model_name="importwarning",
            name="params",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
