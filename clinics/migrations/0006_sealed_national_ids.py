"""Identity numbers: text columns for their encrypted values, and a digest column beside each.

The values themselves are sealed by 0007, in a transaction of its own: PostgreSQL
refuses to alter a table in the transaction that has just updated its rows.
"""

from django.db import migrations

import clinics.identifiers


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0005_membership_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="national_id_digest",
            field=clinics.identifiers.DigestField(
                blank=True,
                db_index=True,
                default="",
                digest_of="national_id",
                editable=False,
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="patient",
            name="national_id_digest",
            field=clinics.identifiers.DigestField(
                blank=True,
                db_index=True,
                default="",
                digest_of="national_id",
                editable=False,
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="professional",
            name="national_id_digest",
            field=clinics.identifiers.DigestField(
                blank=True,
                db_index=True,
                default="",
                digest_of="national_id",
                editable=False,
                max_length=64,
            ),
        ),
        migrations.AlterField(
            model_name="client",
            name="national_id",
            field=clinics.identifiers.SealedIdentifierField(
                blank=True, digest_field="national_id_digest", max_length=40
            ),
        ),
        migrations.AlterField(
            model_name="patient",
            name="billing_tax_id",
            field=clinics.identifiers.SealedCharField(blank=True, max_length=40),
        ),
        migrations.AlterField(
            model_name="patient",
            name="national_id",
            field=clinics.identifiers.SealedIdentifierField(
                blank=True, digest_field="national_id_digest", max_length=40
            ),
        ),
        migrations.AlterField(
            model_name="professional",
            name="national_id",
            field=clinics.identifiers.SealedIdentifierField(
                blank=True, digest_field="national_id_digest", max_length=40
            ),
        ),
    ]
