"""The job's report for people (`{% people_report job as r %}`) and names for record kinds and
clinic tables (`{{ type|kind_name:2 }}`, `{{ table|table_name:n }}`)."""

from django import template

from dentalpin_import.names import entity_label, table_label
from dentalpin_import.web.reconciliation_words import reconciliation_for_people
from dentalpin_import.web.report_words import report_for_people

register = template.Library()


@register.simple_tag
def people_report(job) -> dict:
    return {
        **report_for_people(job),
        "reconciliation": reconciliation_for_people(job.reconciliation, job.counters),
    }


@register.filter
def kind_name(entity_type, count=1) -> str:
    return entity_label(str(entity_type or ""), int(count))


@register.filter
def table_name(table, count=1) -> str:
    return table_label(str(table), int(count))


@register.filter
def figure(row, name):
    """`row.figures[name]` (templates cannot index by a variable)."""
    return row.figures.get(name)
