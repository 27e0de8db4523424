"""`{{ job.error|refusal }}`: a reader's refusal line in the page's language."""

from django import template

from dentalpin_import.web.refusals import translate_refusal

register = template.Library()
register.filter("refusal", translate_refusal)
