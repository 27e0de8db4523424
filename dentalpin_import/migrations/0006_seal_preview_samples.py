"""Encrypt the preview sample rows that jobs validated before this kept in clear.

A DPMF preview had them in each type's `samples`, a CSV one (before it was
sealed) in `samples`; both become the one token `samples_sealed` that
jobs.preview and jobs.sheet_preview read. Reversing puts them back in clear.
Written against the stored JSON, not the app's functions, so it keeps working
whatever those become.
"""

import json

from django.db import migrations

from clinics.fields import decrypt, encrypt

SEALED = "samples_sealed"


def _sealed(preview: dict) -> dict | None:
    """The preview with its clear samples sealed, or None when there is nothing to seal."""
    if SEALED in preview:
        return None
    if isinstance(preview.get("samples"), list):  # a CSV sheet's rows
        rest = {k: v for k, v in preview.items() if k != "samples"}
        return dict(rest, **{SEALED: encrypt(json.dumps(preview["samples"]))})
    types = preview.get("types")
    if not isinstance(types, list) or not any("samples" in t for t in types):
        return None
    samples = {t["entity_type"]: t.get("samples", []) for t in types}
    kept = [{k: v for k, v in t.items() if k != "samples"} for t in types]
    return dict(preview, types=kept, **{SEALED: encrypt(json.dumps(samples))})


def _unsealed(preview: dict) -> dict | None:
    if not preview.get(SEALED):
        return None
    samples = json.loads(decrypt(preview[SEALED]))
    rest = {k: v for k, v in preview.items() if k != SEALED}
    if isinstance(samples, list):
        return dict(rest, samples=samples)
    types = [dict(t, samples=samples.get(t["entity_type"], [])) for t in rest.get("types", [])]
    return dict(rest, types=types)


def _each_preview(apps, change):
    ImportJob = apps.get_model("dentalpin_import", "ImportJob")
    for pk, meta in ImportJob.objects.filter(meta__has_key="preview").values_list("pk", "meta"):
        if not isinstance(meta.get("preview"), dict):
            continue
        new = change(meta["preview"])
        if new is not None:
            ImportJob.objects.filter(pk=pk).update(meta=dict(meta, preview=new))


def seal(apps, schema_editor):
    _each_preview(apps, _sealed)


def unseal(apps, schema_editor):
    _each_preview(apps, _unsealed)


class Migration(migrations.Migration):
    dependencies = [
        ("dentalpin_import", "0005_warning_job_index"),
    ]

    operations = [migrations.RunPython(seal, unseal)]
