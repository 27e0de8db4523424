"""What a CSV sheet holds and what would go wrong, shown before anything is written.

Used by the sheet commands (printed) and the web flow (kept on the job as
`meta["preview"]`): sheet type, encoding, delimiter, decoded sample rows,
unusable values grouped by problem, and rows whose patient is not in the
clinic (yet). Sample rows may hold clinical note text, so the job keeps them
encrypted like the notes themselves (`seal`/`unseal`).
"""

from __future__ import annotations

import json
from collections import defaultdict

from django_scopes import scope

from clinics.fields import decrypt, encrypt
from dentalpin_import.mapping.base import MappingContext, MappingWarning
from dentalpin_import.mapping.sheet_common import PatientFinder
from dentalpin_import.reader.sheet_source import SheetSource
from dentalpin_import.reader.sheet_values import SUMMARY

MAX_EXAMPLES = 5
MAX_PROBLEMS = 200


# What a PatientID that finds no patient, or several, says in the preview.
PATIENT_TEXTS = {
    "patient_not_found": "PatientID matches no patient of the clinic (yet)",
    "patient_ambiguous": "PatientID matches several patients of the clinic",
}


def problem_groups(sheet: SheetSource, clinic) -> list[dict]:
    """Problems grouped by code, pre-flight style: `kind`, `count`, `text`, `examples`."""
    groups: dict[str, list[str]] = defaultdict(list)
    texts: dict[str, str] = {}
    for p in sheet.problems:
        key = f"{p.code}:{p.column}"
        groups[key].append(f"line {p.line} {p.value!r}")
        texts[key] = f"{p.column}: {SUMMARY[p.code]}"
    for code, lines in unmatched_patients(sheet, clinic).items():
        groups[code] += lines
        texts[code] = PATIENT_TEXTS[code]
    return [
        {
            "kind": key.split(":", 1)[0],
            "count": len(lines),
            "text": f"{len(lines)} rows: {texts[key]}",
            "examples": lines[:MAX_EXAMPLES],
        }
        for key, lines in groups.items()
    ]


def unmatched_patients(sheet: SheetSource, clinic) -> dict[str, list[str]]:
    """Rows naming a patient the clinic does not have, or has several of, right now.

    Read a chunk at a time, as the import reads them: the sheet is never all in memory.
    """
    ctx = MappingContext(clinic=clinic, job=None, source_system=sheet.source_system, options={})
    found: dict[str, list[str]] = defaultdict(list)
    with scope(clinic=clinic):
        for chunk in sheet.parsed.records.chunks():
            records = [r for r in chunk if getattr(r, "patient_ref", "")]
            if not records:
                continue
            finder = PatientFinder(ctx, {r.patient_ref for r in records})
            for record in records:
                try:
                    finder.find(record.patient_ref, record.line)
                except MappingWarning as warning:
                    code = warning.code.removeprefix("csv.")
                    found[code].append(f"line {record.line} {record.patient_ref!r}")
    return dict(found)


def preview_json(sheet: SheetSource, *, clinic) -> dict:
    """The preview as JSON-ready data (kept on the job for the web page)."""
    meta = sheet.meta
    header = [h.strip() for h in sheet.parsed.header]
    return {
        "sheet": sheet.spec.name,
        "sheet_label": sheet.spec.label,
        "encoding": meta["encoding"],
        "encoding_how": meta["encoding_how"],
        "delimiter": meta["delimiter"],
        "columns": header,
        "ignored_columns": meta["ignored_columns"],
        "samples": [
            [cells[i] if i < len(cells) else "" for i in range(len(header))]
            for cells in sheet.parsed.samples
        ],
        "types": {t.entity_type: t.actual_count for t in sheet.entity_types},
        "total": sum(t.actual_count for t in sheet.entity_types),
        "problems": [p.as_dict() for p in sheet.problems[:MAX_PROBLEMS]],
        "problems_total": len(sheet.problems),
        "problem_groups": problem_groups(sheet, clinic),
    }


def seal(preview: dict) -> dict:
    """The preview as stored on the job: sample rows encrypted at rest."""
    sealed = {k: v for k, v in preview.items() if k != "samples"}
    sealed["samples_sealed"] = encrypt(json.dumps(preview.get("samples", [])))
    return sealed


def unseal(stored: dict) -> dict:
    """The stored preview with its sample rows readable again (for the preview page)."""
    preview = {k: v for k, v in stored.items() if k != "samples_sealed"}
    # None left once the job was undone, swept or past its retention (jobs.retention).
    sealed = stored.get("samples_sealed")
    preview["samples"] = json.loads(decrypt(sealed)) if sealed else []
    return preview
