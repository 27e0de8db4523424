"""A spreadsheet's preview in words: its delimiter, why its encoding, its problems.

The reader words a sheet's problems in English (`RowProblem.message`, the grouped
summaries of jobs/sheet_preview.py) and keeps them as text; these filters read the
reader's own words back (tests keep the lists here equal to the reader's) and say
them in the page's language, counted right, with the reasons the reader words itself
(why a national id is not valid, `clinics.national_ids.REASONS`).
"""

from __future__ import annotations

import re

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from clinics.national_ids import REASONS as NATIONAL_ID_REASONS
from dentalpin_import.reader.sheet_values import SUMMARY
from dentalpin_import.reader.sheet_vocabularies import translated_expected
from dentalpin_import.web.warning_lines import SEVERITY_WORDS

register = template.Library()

# What is wrong in a sheet's column (reader/sheet_values.py SUMMARY, jobs/sheet_preview.py),
# repeated as literals so makemessages finds them; a test keeps them equal to SUMMARY.
SHEET_PROBLEMS = {
    "missing_value": gettext_lazy("no value"),
    "bad_date": gettext_lazy("not a date"),
    "ambiguous_date": gettext_lazy("ambiguous date (day and month could be either way round)"),
    "non_iso_date": gettext_lazy("date not written YYYY-MM-DD (read anyway)"),
    "unknown_value": gettext_lazy("unknown value"),
    "ambiguous_value": gettext_lazy("ambiguous value (write the word)"),
    "invalid_nhs_number": gettext_lazy("not a valid NHS number"),
    "invalid_national_id": gettext_lazy("not a valid national id (kept out of the patient)"),
    "bad_email": gettext_lazy("not an e-mail address"),
    "bad_clinical_code": gettext_lazy("not a SNOMED CT or ICD-10 code"),
    "extra_values": gettext_lazy("more values than the header has columns"),
    "duplicate_key": gettext_lazy("the same row again (skipped)"),
    "repeated_header": gettext_lazy("a repeated header row (not imported)"),
    "patient_not_found": gettext_lazy("PatientID matches no patient of the clinic (yet)"),
    "patient_ambiguous": gettext_lazy("PatientID matches several patients of the clinic"),
}
# The same problems one line at a time (reader/sheet_values.py WHAT), and what became of the
# value; `RowProblem.message` joins them as "line N, Column: what ('value'); consequence".
SHEET_WHAT = {
    "missing_value": gettext_noop("no value"),
    "bad_date": gettext_noop("not a date (expected YYYY-MM-DD)"),
    "ambiguous_date": gettext_noop(
        "ambiguous date: day and month could be either way round (use YYYY-MM-DD)"
    ),
    "non_iso_date": gettext_noop("not YYYY-MM-DD, read as {read}"),
    "unknown_value": gettext_noop("unknown value (expected one of {expected})"),
    "ambiguous_value": gettext_noop(
        "ambiguous in a sheet with Spanish headers: M may be Mujer (female) or Masculino "
        "(male); write the word"
    ),
    "invalid_nhs_number": gettext_noop(
        "not a valid NHS number (10 digits with a mod-11 check digit)"
    ),
    "invalid_national_id": gettext_noop("not a valid national id"),
    "bad_email": gettext_noop("not an e-mail address"),
    "bad_clinical_code": gettext_noop(
        "not a SNOMED CT (digits) or ICD-10 (letter and digits) code"
    ),
    "extra_values": gettext_noop("the row has more values than the header has columns"),
    "duplicate_key": gettext_noop(
        "the same key appears on line {first}; only the first row is imported"
    ),
    "repeated_header": gettext_noop(
        "looks like a repeated header row (two exports pasted together?)"
    ),
}
CONSEQUENCES = {
    "the row is not imported": gettext_noop("the row is not imported"),
    "left empty": gettext_noop("left empty"),
}
LINE_PROBLEM = re.compile(
    r"^line (?P<line>\d+), (?P<column>.*?): (?P<what>.*) "
    r"\((?P<value>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\)"
    r"(?:; (?P<consequence>the row is not imported|left empty))?$",
    re.S,
)
PLACE = re.compile(r"\{(\w+)\}")
# The delimiter a sheet was read with, as reader/csv_sheets.py DELIMITERS names it.
DELIMITERS = {
    "comma": gettext_lazy("comma"),
    "semicolon": gettext_lazy("semicolon"),
    "tab": gettext_lazy("tab"),
    "pipe": gettext_lazy("vertical bar (|)"),
}


# How a sheet's encoding was chosen (reader/csv_sheets.py, reader/workbooks.py `Decoded.how`).
HOW_WORDS = {
    "given": gettext_lazy("as chosen"),
    "byte order mark": gettext_lazy("byte order mark"),
    "valid UTF-8": gettext_lazy("valid UTF-8"),
}
DETECTED = re.compile(
    r"^detected \(chardet proposed (?P<name>[^)]*)\)(?P<latin>; Latin-1 reads the same)?$"
)
WORKBOOK = re.compile(r"^workbook \((?P<kind>[^)]*)\), sheet (?P<name>.*)$", re.S)


@register.filter
def encoding_how(how: str) -> str:
    """Why a sheet was read in its encoding, in the page's language."""
    how = str(how)
    if how in HOW_WORDS:
        return str(HOW_WORDS[how])
    found = DETECTED.match(how)
    if found:
        text = _("detected (chardet proposed %(name)s)") % {"name": found.group("name")}
        return text + ("; " + _("Latin-1 reads the same") if found.group("latin") else "")
    found = WORKBOOK.match(how)
    if found:
        return _("workbook (%(kind)s), sheet %(name)s") % found.groupdict()
    return how


@register.filter
def sheet_problem_group(group: dict) -> str:
    """A sheet preview's group of problems ("3 rows: DateOfBirth: not a date") in words.

    The group keeps its line as text (jobs/sheet_preview.py); the column is read back
    from it, the count and the problem are told in the page's language.
    """
    count, kind, text = group.get("count", 0), group.get("kind", ""), group.get("text", "")
    problem = SHEET_PROBLEMS.get(kind)
    if problem is None:
        return text
    head, tail = f"{count} rows: ", f": {SUMMARY.get(kind, '')}"
    column = text[len(head) : -len(tail)] if text.startswith(head) and text.endswith(tail) else ""
    what = f"{column}: {problem}" if column else str(problem)
    return ngettext("%(count)s row: %(what)s", "%(count)s rows: %(what)s", count) % {
        "count": f"{count:,}",
        "what": what,
    }


@register.filter
def sheet_problem(problem: dict) -> str:
    """One sheet problem ("line 3, DateOfBirth: not a date …") in the page's language.

    The value is shown as the reader kept it (a national id: its last three characters).
    """
    message = str(problem.get("message", ""))
    found = LINE_PROBLEM.match(message)
    if found is None:
        return message
    what = _what(problem.get("code", ""), found.group("what"))
    text = _("line %(line)s, %(column)s: %(what)s (%(value)s)") % {
        "line": found.group("line"),
        "column": found.group("column"),
        "what": what,
        "value": found.group("value"),
    }
    consequence = found.group("consequence")
    return f"{text}; {_(CONSEQUENCES[consequence])}" if consequence else text


def _what(code: str, what: str) -> str:
    """`what` translated when it is the reader's own words for `code`, values put back."""
    if code == "invalid_national_id" and what in NATIONAL_ID_REASONS:
        return _(what)
    english = SHEET_WHAT.get(code)
    if english is None:
        return what
    pattern = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)"
        for i, part in enumerate(PLACE.split(english))
    )
    found = re.fullmatch(pattern, what, re.S)
    if found is None:
        return what
    values = found.groupdict()
    if "expected" in values:  # the accepted values, in the page's language too
        values["expected"] = translated_expected(values["expected"])
    return PLACE.sub(lambda m: values[m.group(1)], _(english))


@register.filter
def delimiter_name(name: str) -> str:
    """A sheet's delimiter in the page's language ("semicolon" is "punto y coma")."""
    label = DELIMITERS.get(str(name))
    return str(label) if label is not None else str(name)


@register.filter
def severity_word(severity: str) -> str:
    """A problem's severity (`info`, `warn`, `error`) in the page's language."""
    word = SEVERITY_WORDS.get(str(severity))
    return str(word) if word is not None else str(severity)
