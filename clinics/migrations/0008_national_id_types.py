"""National identifiers with their type (ES DNI/NIE/NIF, PT NIF, FR NIR, UK NHS)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("clinics", "0007_seal_national_ids")]

    operations = []
