"""Importer models and fields named in the staff's language (admin, EN and ES)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("dentalpin_import", "0009_warning_params")]

    operations = []
