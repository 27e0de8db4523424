"""Record kinds and records as staff call them, in the reader's language, for templates.

`{{ type|entity_name:2 }}` names a kind; `{% cutover_examples cutover clinic as types %}` gives
the preview of a later export with its examples named (web/cutover_values.py).
"""

from django import template

from dentalpin_import.names import entity_label
from dentalpin_import.web.cutover_values import preview_examples

register = template.Library()


@register.filter
def entity_name(entity_type, count=1) -> str:
    return entity_label(str(entity_type), int(count))


@register.simple_tag
def cutover_examples(cutover, clinic) -> list[dict]:
    return preview_examples(clinic, cutover or {})
