"""The reconciliation told truthfully: one verdict that matches its rows, each row explained.

The verdict is "yes" only when every check below it passes: every row of the
file is accounted for, no clinic row points at a missing parent, each kind of
money matches and the derived totals agree. A row that does not match says in
one sentence why money may differ and where to look.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from dentalpin_import.names import entity_label, table_label

# Each kind of money, its name and the record kind whose warnings explain it.
MONEY = {
    "payments": (gettext_lazy("Payments received"), "payment"),
    "refunds": (gettext_lazy("Refunds"), "payment"),
    "invoices": (gettext_lazy("Invoices"), "fiscal_document"),
    "debts": (gettext_lazy("Debts owed"), "debt"),
}
DERIVED = {
    "budget_totals": gettext_lazy("Budget totals equal the sum of their lines"),
    "payment_splits": gettext_lazy("Family payments equal the sum of their shares"),
    "mappings": gettext_lazy("Every imported row still exists"),
}


def money(value) -> str:
    return number_format(_decimal(value), 2, force_grouping=True)


def _decimal(value) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


@dataclass
class MoneyRow:
    key: str
    label: str
    in_file: str
    in_clinic: str
    not_imported: str
    matches: bool
    explanation: str
    kind: str  # whose warnings explain it


def explain_money(key: str, row: dict) -> str:
    """One plain sentence on why this kind of money does or does not add up."""
    kind = MONEY.get(key, ("", ""))[1]
    names = entity_label(kind, 2) if kind else _("records")
    left = _decimal(row.get("not_imported"))
    gap = _decimal(row.get("file")) - _decimal(row.get("clinic")) - left
    if row.get("matches"):
        if not left:
            return _("All of it is in the clinic.")
        return _(
            "%(left)s of it belongs to %(names)s that were not imported (left out by rule or "
            "failed: see their warnings); the rest is in the clinic."
        ) % {"left": money(left), "names": names}
    if gap > 0:
        return _(
            "The clinic holds %(gap)s less than the file for the %(names)s it imported: an "
            "amount may have been rounded to the cent, or a refund or a family share could not "
            "be placed. Their warnings say which rows."
        ) % {"gap": money(gap), "names": names}
    return _(
        "The clinic holds %(gap)s more than the file for the %(names)s it imported: a row may "
        "have been changed in the clinic after the import, or another import added to it. "
        "Their warnings and the clinic rows say which."
    ) % {"gap": money(-gap), "names": names}


def money_rows(found: dict) -> list[MoneyRow]:
    rows = []
    for key, row in (found or {}).items():
        label, kind = MONEY.get(key, (key.replace("_", " "), ""))
        rows.append(
            MoneyRow(
                key=key,
                label=str(label),
                in_file=money(row.get("file")),
                in_clinic=money(row.get("clinic")),
                not_imported=money(row.get("not_imported")),
                matches=bool(row.get("matches")),
                explanation=explain_money(key, row),
                kind=kind,
            )
        )
    return rows


def problems(reconciliation: dict, counters: dict) -> list[str]:
    """Every check that did not pass, in one sentence each (empty when all pass)."""
    found = []
    for kind, c in (counters or {}).items():
        if not isinstance(c, dict):
            continue
        accounted = sum(
            c.get(k, 0)
            for k in ("created", "updated", "conflicts", "already_mapped", "raw", "skipped")
        ) + c.get("failed", 0)
        lost = c.get("in_file", 0) - accounted
        if lost:
            found.append(
                ngettext(
                    "%(kind)s: %(n)s row of the file is not accounted for (did the import stop "
                    "before the end? Resume it).",
                    "%(kind)s: %(n)s rows of the file are not accounted for (did the import stop "
                    "before the end? Resume it).",
                    abs(lost),
                )
                % {"kind": entity_label(kind, 2), "n": lost}
            )
    for name, n in (reconciliation.get("orphans") or {}).items():
        if n:
            found.append(
                ngettext(
                    "%(n)s clinic record (%(what)s) points to a record that is missing.",
                    "%(n)s clinic records (%(what)s) point to a record that is missing.",
                    n,
                )
                % {"n": n, "what": table_label(f"clinics_{name.split('.')[0]}", n)}
            )
    for row in money_rows(reconciliation.get("money")):
        if not row.matches:
            found.append(f"{row.label}: {row.explanation}")
    for name, check in (reconciliation.get("derived") or {}).items():
        if check.get("mismatched"):
            found.append(
                _("%(check)s: %(n)s of %(checked)s do not.")
                % {
                    "check": DERIVED.get(name, name),
                    "n": check["mismatched"],
                    "checked": check.get("checked", 0),
                }
            )
    return found


def reconciliation_for_people(reconciliation: dict, counters: dict) -> dict | None:
    """The verdict, its reasons and the rows; None when no reconciliation was made."""
    if not reconciliation or reconciliation.get("adds_up") is None:
        return None
    reasons = problems(reconciliation, counters)
    derived = [
        {
            "label": str(DERIVED.get(name, name)),
            "checked": check.get("checked", 0),
            "mismatched": check.get("mismatched", 0),
            "examples": check.get("examples", []),
        }
        for name, check in (reconciliation.get("derived") or {}).items()
    ]
    return {
        "adds_up": not reasons,
        "reasons": reasons,
        "money": money_rows(reconciliation.get("money")),
        "derived": derived,
    }
