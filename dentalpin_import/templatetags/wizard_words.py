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
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from dentalpin_import.names import ENTITY_LABELS, entity_label, plain_words
from dentalpin_import.reader.sheet_values import SUMMARY

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
# What is wrong in a sheet's column (reader/sheet_values.py SUMMARY, jobs/sheet_preview.py),
# repeated as literals so makemessages finds them; a test keeps them equal to SUMMARY.
SHEET_PROBLEMS = {
    "missing_value": gettext_lazy("no value"),
    "bad_date": gettext_lazy("not a date"),
    "ambiguous_date": gettext_lazy("ambiguous date (day and month could be either way round)"),
    "non_iso_date": gettext_lazy("date not written YYYY-MM-DD (read anyway)"),
    "unknown_value": gettext_lazy("unknown value"),
    "invalid_nhs_number": gettext_lazy("not a valid NHS number"),
    "invalid_national_id": gettext_lazy("not a valid national id (kept out of the patient)"),
    "bad_email": gettext_lazy("not an e-mail address"),
    "bad_clinical_code": gettext_lazy("not a SNOMED CT or ICD-10 code"),
    "extra_values": gettext_lazy("more values than the header has columns"),
    "duplicate_key": gettext_lazy("the same row again (skipped)"),
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
def delimiter_name(name: str) -> str:
    """A sheet's delimiter in the page's language ("semicolon" is "punto y coma")."""
    label = DELIMITERS.get(str(name))
    return str(label) if label is not None else str(name)


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

    A reason the reader words itself (a national id's) stays as it is.
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
    return PLACE.sub(lambda m: found.group(m.group(1)), _(english))


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
