"""The wizard's data in words: sample rows as small tables, pre-flight problems,
the exporter's warnings and phase names, in the page's language and number.

The preview keeps samples as {field: value} and pre-flight problems as data
(kind, record kind, field, count); these filters turn them into what a person
reads, so nothing on the page is a code name or `key=value` text.
"""

from __future__ import annotations

import re

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from dentalpin_import.names import ENTITY_LABELS, entity_label, plain_words

register = template.Library()

# The payload fields a sample shows (jobs/preview.py KEY_FIELDS) and the source id.
FIELD_LABELS = {
    "source_id": gettext_lazy("Id in the old system"),
    "given_name": gettext_lazy("Given name"),
    "family_name": gettext_lazy("Family name"),
    "name": gettext_lazy("Name"),
    "email": gettext_lazy("Email"),
    "role": gettext_lazy("Role"),
    "scheduled_date": gettext_lazy("Date"),
    "scheduled_time": gettext_lazy("Time"),
    "amount": gettext_lazy("Amount"),
    "paid_on": gettext_lazy("Paid on"),
    "series": gettext_lazy("Series"),
    "number": gettext_lazy("Number"),
    "total": gettext_lazy("Total"),
    "status": gettext_lazy("Status"),
    "title": gettext_lazy("Title"),
    "kind": gettext_lazy("Kind"),
    "short_name": gettext_lazy("Short name"),
    "description": gettext_lazy("Description"),
    "text": gettext_lazy("Text"),
    "drug_description": gettext_lazy("Drug"),
    "owed_amount": gettext_lazy("Amount owed"),
    "due_date": gettext_lazy("Due date"),
    "concept": gettext_lazy("Concept"),
}
# The runner's phases: "level N <group>" (mapping/registry.py LEVELS) and a few named ones.
LEVEL = re.compile(r"^level (\d+)(?: (.*))?$")
LEVEL_GROUPS = {
    "identity and masters": gettext_lazy("staff, centres and catalogues"),
    "patients and payers": gettext_lazy("patients and payers"),
    "schedules": gettext_lazy("schedules and appointments"),
    "clinical": gettext_lazy("clinical records"),
    "receivables": gettext_lazy("debts and payments"),
    "fiscal": gettext_lazy("invoices"),
    "documents": gettext_lazy("documents"),
    "unknown types (raw)": gettext_lazy("kinds kept as they are"),
}
PHASES = {
    "validation": gettext_lazy("file checked"),
    "rows missing from the file": gettext_lazy("records missing from the file"),
    "binaries and file warnings": gettext_lazy("documents and the exporter's warnings"),
    "reconciliation": gettext_lazy("figures checked against the file"),
}


@register.filter
def field_label(field: str) -> str:
    """A sample's column by its human name; a field not listed keeps its name."""
    return str(FIELD_LABELS.get(field, field))


@register.filter
def sample_table(samples) -> dict:
    """Sample rows as a table: every field any row has, in first-seen order, as columns."""
    columns: list[str] = []
    for sample in samples or []:
        columns += [key for key in sample if key not in columns]
    rows = [[sample.get(key, "") for key in columns] for sample in samples or []]
    return {"columns": [(key, field_label(key)) for key in columns], "rows": rows}


def field_words(field: str) -> str:
    """A payload field in words: a link by the kind it points at, else its column name."""
    base = field.removesuffix("_uuid")
    if base != field:
        return entity_label(base, 1) if base in ENTITY_LABELS else plain_words(base)
    label = FIELD_LABELS.get(field)
    return str(label).lower() if label is not None else plain_words(field)


@register.filter
def preflight_text(problem: dict) -> str:
    """A pre-flight problem as a sentence, its record kinds by name and counted right."""
    count = problem.get("count", 0)
    kind = entity_label(problem.get("entity_type", ""), count)
    field = problem.get("field", "")
    values = {"count": f"{count:,}", "kind": kind, "field": field_words(field)}
    what = problem.get("kind")
    if what == "dangling_reference":
        target = problem.get("target", "")
        values["target"] = entity_label(target, 2)
        if field == f"{target}_uuid":  # the field says no more than the kind it points at
            return (
                ngettext(
                    "%(count)s %(kind)s points at %(target)s that are not in the file",
                    "%(count)s %(kind)s point at %(target)s that are not in the file",
                    count,
                )
                % values
            )
        return (
            ngettext(
                "%(count)s %(kind)s points at %(target)s that are not in the file (%(field)s)",
                "%(count)s %(kind)s point at %(target)s that are not in the file (%(field)s)",
                count,
            )
            % values
        )
    if what == "missing_field":
        return (
            ngettext(
                "%(count)s %(kind)s has no %(field)s", "%(count)s %(kind)s have no %(field)s", count
            )
            % values
        )
    values["kinds"] = entity_label(problem.get("entity_type", ""), 2)
    if what == "duplicate_canonical_id":
        return (
            ngettext(
                "%(count)s canonical id of %(kinds)s is shared by more than one record",
                "%(count)s canonical ids of %(kinds)s are shared by more than one record",
                count,
            )
            % values
        )
    if what == "missing_canonical_id":
        return (
            ngettext(
                "%(count)s %(kind)s has no usable canonical id",
                "%(count)s %(kind)s have no usable canonical id",
                count,
            )
            % values
        )
    return (
        ngettext(
            "%(count)s id of %(kinds)s in the old system appears more than once",
            "%(count)s ids of %(kinds)s in the old system appear more than once",
            count,
        )
        % values
    )


@register.filter
def phase_name(phase: str) -> str:
    """A phase of the job's log in words: "level 2 patients and payers" → "2. patients…"."""
    level = LEVEL.match(str(phase))
    if level:
        group = LEVEL_GROUPS.get(level.group(2) or "", level.group(2) or "")
        if not group:
            return _("records, level %(n)s") % {"n": level.group(1)}
        return f"{level.group(1)}. {group}"
    label = PHASES.get(str(phase))
    return str(label) if label is not None else str(phase)


@register.filter
def warning_subject(warning: dict) -> str:
    """Which record an exporter's warning is about; the whole file when it names none."""
    entity_type, source_id = warning.get("entity_type"), warning.get("source_id")
    if not entity_type and not source_id:
        return entity_label("", 1)  # "the whole file"
    if not source_id:
        return entity_label(entity_type, 2)
    if not entity_type:
        return _("record %(id)s") % {"id": source_id}
    return _("%(kind)s %(id)s") % {"kind": entity_label(entity_type, 1), "id": source_id}
