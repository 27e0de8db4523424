"""Identity numbers encrypted in place, and digested to be found by exact value.

Every stored value is encrypted and digested (clinics/identifiers.py); values
already encrypted are left alone, so a second run changes nothing. Reversing
decrypts them back into their columns (0006 then makes them varchar(40) again).
Raw SQL on purpose: the fields decrypt on every ORM read, and the values read
here are still in clear.
"""

from django.db import migrations

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
        ("clinics", "0006_sealed_national_ids"),
    ]

    operations = [migrations.RunPython(seal, open_again)]
