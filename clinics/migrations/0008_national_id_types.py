"""National identifiers with their type (ES DNI/NIE/NIF, PT NIF, FR NIR, UK NHS)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("clinics", "0007_seal_national_ids")]

    operations = [
        migrations.AlterField(
            model_name="patient",
            name="national_id_type",
            field=models.CharField(
                blank=True,
                choices=[
                    ("dni", "Spanish DNI"),
                    ("nie", "Spanish NIE"),
                    ("nif", "Spanish NIF"),
                    ("cif", "Spanish company NIF"),
                    ("pt_nif", "Portuguese NIF"),
                    ("fr_nir", "French NIR"),
                    ("nhs", "NHS number"),
                    ("passport", "Passport"),
                    ("other", "Other document"),
                ],
                max_length=10,
            ),
        ),
        # Patients found by legacy id or national id a chunk of sheet rows at a time.
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(fields=["clinic", "legacy_id"], name="patient_clinic_legacy"),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(
                fields=["clinic", "national_id_digest"], name="patient_clinic_national"
            ),
        ),
    ]
