"""`{{ type|entity_name:2 }}`: a record kind as staff call it, in the reader's language."""

from django import template

from dentalpin_import.names import entity_label

register = template.Library()


@register.filter
def entity_name(entity_type, count=1) -> str:
    return entity_label(str(entity_type), int(count))
