"""Warnings as staff read them: the kind of record, which record, and what happened, in words.

The text comes from the code's template (`warning_texts`) in the reader's
language; the record is named from what the import made of it (a patient's
name and chart number, an appointment's patient and date), or from the
patient the row was about when the row itself was not imported.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinics.models import Patient
from dentalpin_import.loader.updates import RULED_OUT
from dentalpin_import.models import EntityMapping
from dentalpin_import.models.records import SKIP_TABLE
from dentalpin_import.names import (
    entity_label,
    patient_name,
    plain_words,
    record_name,
    table_label,
)
from dentalpin_import.reader.records import canonical_uuid
from dentalpin_import.reader.sheet_vocabularies import translated_expected
from dentalpin_import.warning_texts import FAMILIES, TEXTS, WORDS

# The rows a figure of the report links to: left out by a rule, or for a problem.
OUTCOMES = ("left_out", "problem")
SEVERITY_WORDS = {
    "info": gettext_lazy("for information"),
    "warn": gettext_lazy("warning"),
    "error": gettext_lazy("error"),
}


def template_for(code: str, params: dict):
    """The translated text of `code` (a `variant` picks one of its texts), or None."""
    variant = params.get("variant")
    if variant and f"{code}#{variant}" in TEXTS:
        return TEXTS[f"{code}#{variant}"]
    if code in TEXTS:
        return TEXTS[code]
    if code.startswith("dpmf."):
        return TEXTS["dpmf"]
    for pattern, key, text in FAMILIES:
        wanted = key.partition("#")[2]
        if pattern.search(code) and wanted == (variant or ""):
            return text
    return None


def field_label(value: str) -> str:
    """ "Patient.given_name" → "patient: given name"; a payload key in plain words."""
    model_name, _dot, name = value.partition(".")
    if name:
        try:
            model = apps.get_model("clinics", model_name)
            field = model._meta.get_field(name)
        except (LookupError, FieldDoesNotExist):
            pass
        else:
            return f"{table_label(model._meta.db_table)}: {_(str(field.verbose_name))}"
    # A field of the file, in words; in the reader's language when the pages already name it so
    # (the catalogue's "date of birth", "phone"…).
    return _(plain_words(value))


def _shown(key: str, value) -> str:
    if key == "kind":
        return entity_label(str(value))
    if key == "field":
        return field_label(str(value))
    if key in ("consequence", "how"):
        word = WORDS.get(str(value))
        return str(word) if word is not None else str(value)
    if key == "expected":  # a sheet column's accepted values
        return translated_expected(str(value))
    return str(value)


def warning_text(warning) -> str:
    """What `warning` says, in the active language; its stored message when it cannot tell."""
    params = warning.params
    if not isinstance(params, dict):
        return warning.message
    template = template_for(warning.code, params)
    if template is None:
        return warning.message
    values = {key: _shown(key, value) for key, value in params.items()}
    if warning.code.startswith("dpmf."):
        values["message"] = warning.message
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):
        return warning.message


@dataclass
class Line:
    """One warning as a row of the warnings page."""

    warning: object
    kind: str
    record: str
    text: str
    severity: str


def _mapped(clinic, pairs, source_system: str = "") -> dict[tuple[str, str], tuple[str, str]]:
    """(entity type, canonical id) → (table, id) for the pairs that became clinic rows.

    With the job's source system the look-up follows the mappings' unique index all the way.
    """
    by_type = defaultdict(set)
    for entity_type, uuid in pairs:
        if entity_type and uuid:
            by_type[entity_type].add(uuid)
    found = {}
    for entity_type, uuids in by_type.items():
        rows = EntityMapping.objects.filter(
            clinic=clinic, entity_type=entity_type, canonical_uuid__in=uuids
        ).exclude(target_table=SKIP_TABLE)
        if source_system:
            rows = rows.filter(source_system=source_system)
        for uuid, table, target in rows.values_list("canonical_uuid", "target_table", "target_id"):
            found[(entity_type, uuid)] = (table, target)
    return found


def _rows(clinic, targets) -> dict[tuple[str, str], object]:
    """(table, id) → the clinic row, loaded table by table."""
    by_table = defaultdict(set)
    for table, target in targets:
        by_table[table].add(target)
    models = {m._meta.db_table: m for m in apps.get_app_config("clinics").get_models()}
    rows = {}
    for table, ids in by_table.items():
        model = models.get(table)
        if model is None:
            continue
        query = model.objects.filter(pk__in=[int(i) for i in ids if i.isdigit()])
        if any(f.name == "clinic" for f in model._meta.fields):
            query = query.filter(clinic=clinic)
        if any(f.name == "patient" for f in model._meta.fields):
            query = query.select_related("patient")
        for row in query:
            rows[(table, str(row.pk))] = row
    return rows


def _key(warning, source_system: str) -> str:
    """The warning's canonical id; the export's own warnings give only the source id."""
    if warning.canonical_uuid or not (warning.source_id and warning.entity_type):
        return warning.canonical_uuid
    return canonical_uuid(source_system, warning.entity_type, warning.source_id)


def record_names(clinic, warnings, source_system: str = "") -> dict[int, str]:
    """warning id → how staff would name the record it is about ("" when it cannot be told)."""
    keys = {w.pk: _key(w, source_system) for w in warnings}
    own = _mapped(clinic, ((w.entity_type, keys[w.pk]) for w in warnings), source_system)
    patients = _mapped(
        clinic,
        (("patient", (w.params or {}).get("patient_uuid")) for w in warnings),
        source_system,
    )
    rows = _rows(clinic, list(own.values()) + list(patients.values()))
    names = {}
    for w in warnings:
        target = own.get((w.entity_type, keys[w.pk]))
        row = rows.get(target) if target else None
        if row is not None:
            names[w.pk] = record_name(row)
            continue
        target = patients.get(("patient", (w.params or {}).get("patient_uuid")))
        patient = rows.get(target) if target else None
        if isinstance(patient, Patient):
            names[w.pk] = _("about %(patient)s") % {"patient": patient_name(patient)}
        else:
            names[w.pk] = ""
    return names


def lines(clinic, warnings, source_system: str = "") -> list[Line]:
    """The page's warnings with their kind, record and text in the reader's words."""
    warnings = list(warnings)
    names = record_names(clinic, warnings, source_system)
    return [
        Line(
            warning=w,
            kind=entity_label(w.entity_type),
            record=names.get(w.pk, ""),
            text=warning_text(w),
            severity=str(SEVERITY_WORDS.get(w.severity, w.severity)),
        )
        for w in warnings
    ]


def page_context(request, job, page) -> dict:
    """What the warnings page shows besides its filters: the lines and the kinds to pick from."""
    kinds = (
        job.warnings.filter(clinic=request.clinic)
        .values_list("entity_type", flat=True)
        .distinct()
        .order_by("entity_type")
    )
    chosen = request.GET.get("type", "").strip()
    code = request.GET.get("code", "").strip()
    example = job.warnings.filter(code=code).first() if code else None
    return {
        "lines": lines(request.clinic, page.object_list, job.source_system),
        "kinds": [(k, entity_label(k, 2)) for k in kinds if k],
        "kind": chosen,
        "outcome": outcome if (outcome := request.GET.get("outcome")) in OUTCOMES else "",
        "kind_label": entity_label(chosen, 2) if chosen else "",
        # A figure may link to one code: say in words which problem is shown.
        "code_example": warning_text(example) if example else "",
    }


def left_out_keys(job, by_rule: bool | None = None):
    """The canonical ids this job left out (its skip markers), for a subquery: by a rule
    (`by_rule`), for a problem of theirs (`by_rule=False`), or either (None)."""
    markers = EntityMapping.objects.filter(
        job=job, clinic_id=job.clinic_id, target_table=SKIP_TABLE
    )
    if by_rule is not None:
        rule = Q(written=RULED_OUT)
        markers = markers.filter(rule if by_rule else ~rule)
    return markers.order_by().values("canonical_uuid")


def told_apart(job) -> bool:
    """True when the job's counters tell rows left out by a rule from those left out for a
    problem (an older job counted both as skipped)."""
    return any(isinstance(c, dict) and "ruled_out" in c for c in (job.counters or {}).values())


def named_rows(clinic, pairs) -> list[str]:
    """(table, id) pairs as staff would name each row ("Lucía Pérez (chart H-77)")."""
    pairs = [(table, str(pk)) for table, pk in pairs]
    rows = _rows(clinic, pairs)
    return [
        record_name(rows[pair]) if pair in rows else f"{table_label(pair[0])} #{pair[1]}"
        for pair in pairs
    ]
