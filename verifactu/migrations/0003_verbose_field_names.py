"""The legal record's clinic and times named in staff's words (admin), as every clinic record."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0010_verbose_field_names"),
        ("verifactu", "0002_legal_fields_verbatim"),
    ]

    operations = [
        migrations.AlterField(
            model_name="fiscallegalrecord",
            name="clinic",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clinics.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AlterField(
            model_name="fiscallegalrecord",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="fiscallegalrecord",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
    ]
