"""Warnings keep their code and parameters, shown in the reader's language."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("dentalpin_import", "0008_sheet_mappings")]

    operations = []
