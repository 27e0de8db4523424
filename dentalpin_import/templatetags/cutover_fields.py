"""`{% rehearsed_changes job as rehearsed %}`: what a dry run of a later export found it would
overwrite, per kind of record and field, named as staff know them (jobs/cutover_rehearsal.py)."""

from django import template
from django.utils.translation import gettext as _

from dentalpin_import.jobs import cutover_rehearsal
from dentalpin_import.names import entity_label
from dentalpin_import.web.cutover_values import field_label, shown_conflicts

register = template.Library()


@register.simple_tag
def rehearsed_changes(job) -> dict | None:
    """{"job": the dry run, "types": [{"label", "fields": [{"label", "updated", "conflicts",
    "examples"}]}]}, or None when no dry run speaks for `job`."""
    rehearsal = cutover_rehearsal.rehearsal_of(job) if job is not None else None
    if rehearsal is None:
        return None
    types = []
    for entity_type, fields in sorted(cutover_rehearsal.by_type(rehearsal).items()):
        rows = []
        for name, e in sorted(fields.items()):
            if name == cutover_rehearsal.REMOVED:
                label = _("records replaced by another kind or number of records")
            else:
                table = e["examples"][0].target_table if e["examples"] else ""
                label = field_label(table, name)
            examples = shown_conflicts(job.clinic, e["examples"]) if e["examples"] else []
            rows.append({**e, "label": label, "examples": examples})
        types.append({"label": entity_label(entity_type, 2), "fields": rows})
    return {"job": rehearsal, "types": types}
