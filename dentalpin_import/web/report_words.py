"""The job's report in words: a headline, its figures by record kind, each linked to its warnings.

The figures are the job's counters, read as they are: rows left out by a rule
(`skipped`) are told apart from rows that failed, which the JSON report counts
together. Record kinds are named as staff call them (`names.entity_label`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dentalpin_import.loader.counts import TypeCounts
from dentalpin_import.mapping.registry import import_order
from dentalpin_import.models import ImportJob, ImportWarning
from dentalpin_import.names import entity_label

# The kinds a headline names first, most telling first; the others are "other records".
HEADLINE_ORDER = (
    "patient",
    "csv_patient",
    "appointment",
    "applied_treatment",
    "csv_clinical_note",
    "csv_clinical_background",
    "csv_medication",
    "payment",
    "fiscal_document",
    "debt",
    "budget",
)
NAMED_IN_HEADLINE = 2
# The counters of a kind, in the engine's order, but for two that are not rows of the file:
# `linked` (a part of `created`) and `missing` (rows an earlier file had).
FIGURES = tuple(f for f in TypeCounts.__dataclass_fields__ if f not in ("linked", "missing"))
# Shown only when some kind has them (a cutover's updates and conflicts, rows left out by rule
# where the engine tells them from rows left out for a problem).
OPTIONAL = ("updated", "conflicts", "ruled_out")


def amount(n) -> str:
    """A count as the reader writes numbers (4,120 / 4.120)."""
    return number_format(n, force_grouping=True)


def counted(entity_type: str, n: int) -> str:
    return f"{amount(n)} {entity_label(entity_type, n)}"


def listed(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c" in the reader's language."""
    if len(items) <= 1:
        return "".join(items)
    return _("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def _some(by_kind: dict[str, int]) -> str:
    """ "300 patients and 4,120 appointments" (+ "N other records") for the non-zero kinds."""
    present = [k for k, n in by_kind.items() if n]
    first = [k for k in HEADLINE_ORDER if k in present][:NAMED_IN_HEADLINE]
    if not first:
        first = sorted(present, key=lambda k: -by_kind[k])[:NAMED_IN_HEADLINE]
    items = [counted(k, by_kind[k]) for k in first]
    rest = sum(n for k, n in by_kind.items() if k not in first)
    if rest:
        items.append(
            ngettext("%(n)s other record", "%(n)s other records", rest) % {"n": amount(rest)}
        )
    return listed(items)


def attention_count(job: ImportJob) -> int:
    """Records with a warning or an error (each record once; file-wide problems one each)."""
    warnings = ImportWarning.objects.filter(job=job, clinic_id=job.clinic_id)
    warnings = warnings.filter(severity__in=("warn", "error")).order_by()
    return warnings.values_list("entity_type", "source_id").distinct().count()


def headline(job: ImportJob, figures: dict[str, dict[str, int]], attention: int) -> str:
    """The report in one sentence: what came in, what was left out, what needs a look."""
    names = (*FIGURES, *OPTIONAL, "ruled_out", "skipped")
    total = {f: sum(c.get(f, 0) for c in figures.values()) for f in names}
    rehearsal = job.dry_run
    parts = []
    created = {k: c.get("created", 0) for k, c in figures.items()}
    if total["created"]:
        what = _some(created)
        parts.append(
            (_("%(what)s would be imported") if rehearsal else _("%(what)s imported"))
            % {"what": what}
        )
    elif total["already_mapped"]:
        parts.append(
            ngettext(
                "nothing new: %(n)s record was imported before",
                "nothing new: %(n)s records were imported before",
                total["already_mapped"],
            )
            % {"n": amount(total["already_mapped"])}
        )
    else:
        parts.append(_("nothing imported"))
    if total["updated"]:
        parts.append(
            _("%(what)s updated")
            % {"what": _some({k: c.get("updated", 0) for k, c in figures.items()})}
        )
    if total["raw"]:
        parts.append(
            ngettext(
                "%(n)s record kept as it came",
                "%(n)s records kept as they came",
                total["raw"],
            )
            % {"n": amount(total["raw"])}
        )
    parts += _left_out(figures, total)
    if total["conflicts"]:
        parts.append(
            ngettext(
                "%(n)s record changed both here and in the file",
                "%(n)s records changed both here and in the file",
                total["conflicts"],
            )
            % {"n": amount(total["conflicts"])}
        )
    parts.append(
        ngettext(
            "%(n)s record needs attention",
            "%(n)s records need attention",
            attention,
        )
        % {"n": amount(attention)}
        if attention
        else _("nothing needs attention")
    )
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def _left_out(figures: dict[str, dict[str, int]], total: dict[str, int]) -> list[str]:
    """Rows left out by a rule, for a problem of theirs, and rows that failed.

    An engine that tells the rules apart (`ruled_out`) counts problems as
    `skipped`; an older one counts both as `skipped`, said as "by rule".
    """
    parts = []
    told_apart = any("ruled_out" in c for c in figures.values())
    by_rule = "ruled_out" if told_apart else "skipped"
    if total[by_rule]:
        parts.append(
            _("%(what)s left out by rule")
            % {"what": _some({k: c.get(by_rule, 0) for k, c in figures.items()})}
        )
    if told_apart and total["skipped"]:
        parts.append(
            ngettext(
                "%(n)s record left out for a problem",
                "%(n)s records left out for a problem",
                total["skipped"],
            )
            % {"n": amount(total["skipped"])}
        )
    if total["failed"]:
        parts.append(
            ngettext(
                "%(n)s record could not be imported",
                "%(n)s records could not be imported",
                total["failed"],
            )
            % {"n": amount(total["failed"])}
        )
    return parts


@dataclass
class Figure:
    value: int
    link: str = ""  # the warnings behind the figure, when there are any to read


@dataclass
class KindRow:
    entity_type: str
    label: str
    figures: dict[str, Figure] = field(default_factory=dict)
    warnings_link: str = ""


def warnings_url(job: ImportJob, **filters) -> str:
    query = urlencode({k: v for k, v in filters.items() if v})
    return reverse("dentalpin_import:job-warnings", args=[job.pk]) + (f"?{query}" if query else "")


def kind_rows(job: ImportJob, figures: dict[str, dict[str, int]]) -> list[KindRow]:
    """One row per record kind, each figure that has warnings behind it linked to them."""
    with_warnings = set(
        ImportWarning.objects.filter(job=job, clinic_id=job.clinic_id)
        .order_by()
        .values_list("entity_type", flat=True)
        .distinct()
    )
    # Where rules and problems are told apart, each figure opens its own rows.
    by_problem = "problem" if any("ruled_out" in c for c in figures.values()) else "left_out"
    rows = []
    for kind in import_order(figures):
        c = figures[kind]
        row = KindRow(kind, entity_label(kind, 2))
        for name in FIGURES:
            row.figures[name] = Figure(c.get(name, 0))
        if kind in with_warnings:
            row.warnings_link = warnings_url(job, type=kind)
            for left_out, outcome in (("ruled_out", "left_out"), ("skipped", by_problem)):
                if c.get(left_out):
                    row.figures[left_out].link = warnings_url(job, type=kind, outcome=outcome)
            if c.get("failed"):
                row.figures["failed"].link = warnings_url(job, type=kind, severity="error")
        rows.append(row)
    return rows


def report_for_people(job: ImportJob) -> dict:
    """Everything the report part of the job page shows."""
    figures = {k: dict(v) for k, v in (job.counters or {}).items() if isinstance(v, dict)}
    attention = attention_count(job)
    shown = [f for f in FIGURES if f not in OPTIONAL or any(c.get(f) for c in figures.values())]
    return {
        "headline": headline(job, figures, attention),
        "rows": kind_rows(job, figures),
        "columns": shown,
        "told_apart": any("ruled_out" in c for c in figures.values()),
        "attention_link": warnings_url(job, severity="attention") if attention else "",
    }
