"""What a dry run of a later export would overwrite, kept after its rollback.

A dry run runs the very engine of the import, so its conflicts (field, value at
the import, in the clinic, in the file) and the fields it would update are the
exact figures. They are read out just before the rollback, like its warnings
(`jobs.rehearsal`), and kept: the conflicts as the job's own (sealed as ever),
the number of values overwritten per kind of record and field on the job
(`options["overwritten"]`, counts only). The CLI prints them after a dry run;
the confirm page of the import made from the dry run states them.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from dentalpin_import.loader.changes import open_json
from dentalpin_import.models import ImportConflict, ImportJob, RowUpdate

CONFLICT_FIELDS = (
    "clinic_id",
    "entity_type",
    "canonical_uuid",
    "source_id",
    "target_table",
    "target_id",
    "field",
    "value_at_import",
    "clinic_value",
    "file_value",
    "resolution",
    "resolved_at",
)
REMOVED = "__removed__"  # a row the later file replaces (another kind, fewer further rows)
EXAMPLES = 3
OVERWRITTEN = "overwritten"


def read_out(job: ImportJob) -> dict:
    """The dry run's conflicts and overwritten fields, read inside its transaction."""
    conflicts = list(
        ImportConflict.objects.filter(job=job).order_by("id").values_list(*CONFLICT_FIELDS)
    )
    overwritten: dict[str, Counter] = defaultdict(Counter)
    # A mapping alone, retired or handed a row (`loader/shared_rows.py`), overwrote nothing
    # in the clinic.
    updates = RowUpdate.objects.filter(job=job).exclude(mapping_only=True)
    updates = updates.values_list("entity_type", "before", "removed")
    for entity_type, before, removed in updates.iterator(chunk_size=2000):
        if removed:
            overwritten[entity_type][REMOVED] += 1
        else:
            overwritten[entity_type].update((open_json(before) or {}).keys())
    return {"conflicts": conflicts, OVERWRITTEN: {t: dict(c) for t, c in overwritten.items()}}


def keep(job: ImportJob, kept: dict | None) -> None:
    """Write what `read_out` read again, once the dry run rolled back."""
    if not kept:
        return
    ImportConflict.objects.bulk_create(
        (
            ImportConflict(job=job, **dict(zip(CONFLICT_FIELDS, row, strict=True)))
            for row in kept["conflicts"]
        ),
        batch_size=1000,
    )
    if kept[OVERWRITTEN]:
        job.refresh_from_db(fields=["options"])
        job.options = dict(job.options, **{OVERWRITTEN: kept[OVERWRITTEN]})
        ImportJob.objects.filter(pk=job.pk).update(options=job.options)


def rehearsal_of(job: ImportJob) -> ImportJob | None:
    """The dry run whose figures speak for `job`: itself, or the dry run it was made from."""
    if job.dry_run:
        return job
    source = job.options.get("rehearsal_of")
    return ImportJob.objects.filter(pk=source, clinic_id=job.clinic_id, dry_run=True).first()


def by_type(job: ImportJob) -> dict[str, dict[str, dict]]:
    """{type: {field: {"updated": n, "conflicts": n, "examples": [conflicts]}}} of a dry run."""
    found: dict[str, dict[str, dict]] = defaultdict(dict)

    def entry(entity_type, name):
        return found[entity_type].setdefault(name, {"updated": 0, "conflicts": 0, "examples": []})

    for entity_type, fields in (job.options.get(OVERWRITTEN) or {}).items():
        for name, n in fields.items():
            entry(entity_type, name)["updated"] = n
    for c in job.conflicts.filter(clinic_id=job.clinic_id).order_by("id").iterator(chunk_size=500):
        e = entry(c.entity_type, c.field)
        e["conflicts"] += 1
        if len(e["examples"]) < EXAMPLES:
            e["examples"].append(c)
    return found


def cutover_lines(job: ImportJob) -> list[str]:
    """After a dry run of a later export: per kind of record and field, what it would
    overwrite and where staff's edits conflict, with the three values of a few."""
    figures = by_type(job)
    if not figures:
        return []
    lines = ["", "Records the clinic already has (exact figures of this dry run):"]
    for entity_type in sorted(figures):
        lines.append(f"  {entity_type}:")
        for name, e in sorted(figures[entity_type].items()):
            shown = "rows replaced by another kind or number of rows" if name == REMOVED else name
            lines.append(
                f"    {shown}: {e['updated']} overwritten with the file's value, "
                f"{e['conflicts']} in conflict (also edited in the clinic)"
            )
            for c in e["examples"]:
                outcome = "file's value taken" if c.resolution == "took_file" else "clinic's kept"
                lines.append(
                    f"      source id {c.source_id}: at import {c.value_at_import}, "
                    f"clinic {c.clinic_value}, file {c.file_value} ({outcome})"
                )
    lines.append(f"  every conflict: /import/jobs/{job.pk}/conflicts/")
    return lines
