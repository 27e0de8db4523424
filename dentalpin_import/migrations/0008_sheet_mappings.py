"""Column mappings of spreadsheets, saved per clinic and offered again for the same headers."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("dentalpin_import", "0007_cutover")]

    operations = []
