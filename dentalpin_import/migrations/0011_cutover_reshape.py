"""A before-image may be of a whole row a later file removed (`RowUpdate.removed`), or of
its mapping alone (`RowUpdate.mapping_only`)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dentalpin_import", "0010_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="rowupdate",
            name="removed",
            field=models.BooleanField(default=False, verbose_name="row removed by the later file"),
        ),
        migrations.AddField(
            model_name="rowupdate",
            name="mapping_only",
            field=models.BooleanField(default=False, verbose_name="mapping alone"),
        ),
    ]
