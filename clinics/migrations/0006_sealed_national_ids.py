"""Identity numbers encrypted at rest, with a digest column to find them by exact value.

The columns become text (a token is longer than the value), then every stored
value is encrypted and digested in place (clinics/identifiers.py). Reversing
decrypts them back into the column before it returns to varchar(40). Raw SQL on
purpose: the fields decrypt on every ORM read, and the values read here are
still in clear.
"""

from django.db import migrations

import clinics.identifiers
from clinics.fields import PREFIX, decrypt, encrypt
from clinics.identifiers import digest

# (model, column, digest column or None)
COLUMNS = (
    ("patient", "national_id", "national_id_digest"),
    ("patient", "billing_tax_id", None),
    ("client", "national_id", "national_id_digest"),
    ("professional", "national_id", "national_id_digest"),
)


def _rewrite(apps, schema_editor, convert):
    connection = schema_editor.connection
    qn = connection.ops.quote_name
    for model_name, column, digest_column in COLUMNS:
        table = qn(apps.get_model("clinics", model_name)._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {qn(column)} FROM {table} WHERE {qn(column)} <> ''")
            rows = [(pk, *convert(value)) for pk, value in cursor.fetchall()]
            rows = [(pk, stored, plain) for pk, stored, plain in rows if stored is not None]
            if digest_column is None:
                sql = f"UPDATE {table} SET {qn(column)} = %s WHERE id = %s"
                params = [(stored, pk) for pk, stored, _ in rows]
            else:
                sql = (
                    f"UPDATE {table} SET {qn(column)} = %s, {qn(digest_column)} = %s WHERE id = %s"
                )
                params = [(stored, plain, pk) for pk, stored, plain in rows]
            cursor.executemany(sql, params)


def _sealed(value):
    """(what to store, its digest), or (None, None) for a value already encrypted."""
    if value.startswith(PREFIX):
        return None, None
    return encrypt(value), digest(value)


def _opened(value):
    """(the value in clear, an empty digest), or (None, None) for a value in clear."""
    if not value.startswith(PREFIX):
        return None, None
    return decrypt(value), ""


def seal(apps, schema_editor):
    _rewrite(apps, schema_editor, _sealed)


def open_again(apps, schema_editor):
    _rewrite(apps, schema_editor, _opened)


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
        migrations.RunPython(seal, open_again),
    ]
