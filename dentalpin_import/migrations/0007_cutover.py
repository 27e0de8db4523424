"""Cutover imports: what each mapping was built from and wrote, conflicts, before-images, rows missing from a later file."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("dentalpin_import", "0006_seal_preview_samples")]

    operations = []
