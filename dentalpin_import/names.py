"""What staff call the things an import handles: record kinds, clinic tables, one clinic row.

Pages, reports and the admin never show a code name (`debt_payment_application`,
`clinics_appliedtreatment`): they ask here. Every name is translated and counts
in the right grammatical number (`entity_label("debt", 85)` is "debts" /
"deudas"). A kind this importer does not know (a newer export) is named from
its code in plain words, never shown as the code itself.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dentalpin_import.models.records import EXTRA_SUFFIX, SKIP_SUFFIX, SKIP_TABLE

Label = Callable[[int], str]

# Every record kind of a DPMF file (FORMAT.md §8.1) and of the CSV sheets.
ENTITY_LABELS: dict[str, Label] = {
    "center": lambda n: ngettext("centre", "centres", n),
    "professional": lambda n: ngettext("professional", "professionals", n),
    "user": lambda n: ngettext("staff user", "staff users", n),
    "catalog_item": lambda n: ngettext("catalogue value", "catalogue values", n),
    "treatment_catalog_item": lambda n: ngettext(
        "treatment in the catalogue", "treatments in the catalogue", n
    ),
    "treatment_catalog_variant": lambda n: ngettext(
        "treatment variant in the catalogue", "treatment variants in the catalogue", n
    ),
    "treatment_phase_template": lambda n: ngettext(
        "treatment phase template", "treatment phase templates", n
    ),
    "client": lambda n: ngettext("payer", "payers", n),
    "patient": lambda n: ngettext("patient", "patients", n),
    "patient_client_link": lambda n: ngettext(
        "link between a patient and a payer", "links between patients and payers", n
    ),
    "work_calendar": lambda n: ngettext("work calendar", "work calendars", n),
    "work_calendar_day": lambda n: ngettext("working day", "working days", n),
    "work_calendar_shift": lambda n: ngettext("work shift", "work shifts", n),
    "appointment_recurrence": lambda n: ngettext(
        "repeating appointment rule", "repeating appointment rules", n
    ),
    "budget": lambda n: ngettext("budget", "budgets", n),
    "budget_line": lambda n: ngettext("budget line", "budget lines", n),
    "appointment": lambda n: ngettext("appointment", "appointments", n),
    "applied_treatment": lambda n: ngettext("treatment done", "treatments done", n),
    "applied_treatment_phase": lambda n: ngettext(
        "session of a treatment", "sessions of treatments", n
    ),
    "patient_alert": lambda n: ngettext("medical alert", "medical alerts", n),
    "recall": lambda n: ngettext("recall", "recalls", n),
    "consent": lambda n: ngettext("consent", "consents", n),
    "pharmacological_history": lambda n: ngettext("medication", "medications", n),
    "prescription": lambda n: ngettext("prescription", "prescriptions", n),
    "prescription_item": lambda n: ngettext("prescribed medicine", "prescribed medicines", n),
    "communication": lambda n: ngettext("message to a patient", "messages to patients", n),
    "debt": lambda n: ngettext("debt", "debts", n),
    "payment": lambda n: ngettext("payment", "payments", n),
    "debt_payment_application": lambda n: ngettext(
        "payment applied to a debt", "payments applied to debts", n
    ),
    "fiscal_document": lambda n: ngettext("invoice", "invoices", n),
    "fiscal_document_line": lambda n: ngettext("invoice line", "invoice lines", n),
    "patient_document": lambda n: ngettext("patient document", "patient documents", n),
    # The CSV sheets.
    "csv_staff": lambda n: ngettext("staff member (sheet)", "staff members (sheet)", n),
    "csv_patient": lambda n: ngettext("patient (sheet)", "patients (sheet)", n),
    "csv_clinical_background": lambda n: ngettext(
        "clinical background entry (sheet)", "clinical background entries (sheet)", n
    ),
    "csv_clinical_note": lambda n: ngettext("clinical note (sheet)", "clinical notes (sheet)", n),
    "csv_medication": lambda n: ngettext("medication (sheet)", "medications (sheet)", n),
}

# Every clinic table an import writes to, by model label (app_label.ModelName, lower case).
TABLE_LABELS: dict[str, Label] = {
    "clinics.clinic": lambda n: ngettext("clinic", "clinics", n),
    "clinics.membership": lambda n: ngettext("clinic membership", "clinic memberships", n),
    "clinics.professional": lambda n: ngettext("staff member", "staff members", n),
    "clinics.patient": lambda n: ngettext("patient", "patients", n),
    "clinics.client": lambda n: ngettext("payer", "payers", n),
    "clinics.patientclientlink": lambda n: ngettext(
        "link between a patient and a payer", "links between patients and payers", n
    ),
    "clinics.chair": lambda n: ngettext("chair", "chairs", n),
    "clinics.catalogitem": lambda n: ngettext("catalogue value", "catalogue values", n),
    "clinics.treatmentcatalogitem": lambda n: ngettext(
        "treatment in the catalogue", "treatments in the catalogue", n
    ),
    "clinics.treatmentcatalogvariant": lambda n: ngettext(
        "treatment variant in the catalogue", "treatment variants in the catalogue", n
    ),
    "clinics.treatmentphasetemplate": lambda n: ngettext(
        "treatment phase template", "treatment phase templates", n
    ),
    "clinics.workcalendar": lambda n: ngettext("work calendar", "work calendars", n),
    "clinics.workcalendarday": lambda n: ngettext("working day", "working days", n),
    "clinics.workcalendarshift": lambda n: ngettext("work shift", "work shifts", n),
    "clinics.appointmentrecurrence": lambda n: ngettext(
        "repeating appointment rule", "repeating appointment rules", n
    ),
    "clinics.appointment": lambda n: ngettext("appointment", "appointments", n),
    "clinics.budget": lambda n: ngettext("budget", "budgets", n),
    "clinics.budgetline": lambda n: ngettext("budget line", "budget lines", n),
    "clinics.appliedtreatment": lambda n: ngettext("treatment done", "treatments done", n),
    "clinics.appliedtreatmentphase": lambda n: ngettext(
        "session of a treatment", "sessions of treatments", n
    ),
    "clinics.medicalalert": lambda n: ngettext("medical alert", "medical alerts", n),
    "clinics.clinicalnote": lambda n: ngettext("clinical note", "clinical notes", n),
    "clinics.medication": lambda n: ngettext("medication", "medications", n),
    "clinics.recall": lambda n: ngettext("recall", "recalls", n),
    "clinics.consent": lambda n: ngettext("consent", "consents", n),
    "clinics.prescription": lambda n: ngettext("prescription", "prescriptions", n),
    "clinics.prescriptionitem": lambda n: ngettext(
        "prescribed medicine", "prescribed medicines", n
    ),
    "clinics.communication": lambda n: ngettext("message to a patient", "messages to patients", n),
    "clinics.ledgerentry": lambda n: ngettext("debt", "debts", n),
    "clinics.debtpaymentapplication": lambda n: ngettext(
        "payment applied to a debt", "payments applied to debts", n
    ),
    "clinics.payment": lambda n: ngettext("payment", "payments", n),
    "clinics.invoice": lambda n: ngettext("invoice", "invoices", n),
    "clinics.invoiceline": lambda n: ngettext("invoice line", "invoice lines", n),
    "clinics.document": lambda n: ngettext("patient document", "patient documents", n),
}


def base_type(entity_type: str) -> str:
    """The record kind of a mapping's type, without its `.__skipped__` / `.__extra__` mark."""
    for suffix in (SKIP_SUFFIX, EXTRA_SUFFIX):
        if entity_type.endswith(suffix):
            return entity_type[: -len(suffix)]
    return entity_type


def plain_words(code: str) -> str:
    """A code name read out: `dental_chart_entry` → "dental chart entry"."""
    words = " ".join(code.replace(".", " ").replace("_", " ").split())
    return words or _("record")


def entity_label(entity_type: str, count: int = 1) -> str:
    """The human name of a record kind, in the reader's language and `count`'s number."""
    if not entity_type:
        return ngettext("the whole file", "the whole file", count)
    kind = base_type(entity_type)
    label = ENTITY_LABELS.get(kind)
    if label is not None:
        return label(count)
    # A kind a newer export brings: kept as is (raw), named by its words.
    return _("“%(kind)s” records (kept as they are)") % {"kind": plain_words(kind)}


def _model_of_table(table: str):
    for model in apps.get_models():
        if model._meta.db_table == table:
            return model
    return None


def table_label(table: str, count: int = 1) -> str:
    """The human name of a clinic table (`clinics_appliedtreatment` → "treatments done")."""
    if table == SKIP_TABLE:
        return ngettext("record left out", "records left out", count)
    model = _model_of_table(table)
    if model is None:
        return plain_words(table.removeprefix("clinics_"))
    label = TABLE_LABELS.get(model._meta.label_lower)
    if label is not None:
        return label(count)
    return str(model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural)


def _date(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else "—"


def patient_name(patient) -> str:
    """A patient as staff find them: name and chart number (never the national id)."""
    name = str(patient) or _("patient without a name")
    if patient.chart_number:
        return _("%(name)s (chart %(chart)s)") % {"name": name, "chart": patient.chart_number}
    return name


def _with_patient(row, what: str) -> str:
    patient = getattr(row, "patient", None) if getattr(row, "patient_id", None) else None
    return f"{patient_name(patient)} · {what}" if patient is not None else what


def record_name(row) -> str:
    """How staff would name one clinic row: who it is about and when, never its clinical text."""
    label = row._meta.label_lower
    if label == "clinics.patient":
        return patient_name(row)
    if label == "clinics.appointment":
        when = formats.date_format(timezone.localtime(row.starts_at), "SHORT_DATETIME_FORMAT")
        return _with_patient(row, _("appointment on %(when)s") % {"when": when})
    dated = _dated_label(row)
    if dated is not None:
        return _with_patient(row, dated)
    return _with_patient(row, f"{table_label(row._meta.db_table)} {_own_label(row)}")


def _own_label(row) -> str:
    # Models without a label of their own would read "DebtPaymentApplication object (5)".
    if type(row).__str__ is models.Model.__str__:
        return f"#{row.pk}"
    return f"“{row}”"


# Rows named by their kind and a date (their text may be clinical: it is never shown).
DATED = {
    "clinics.appliedtreatment": "started_on",
    "clinics.clinicalnote": "written_at",
    "clinics.medicalalert": "recorded_on",
    "clinics.medication": "started_on",
    "clinics.prescription": "prescribed_on",
    "clinics.payment": "paid_on",
    "clinics.ledgerentry": "entry_date",
    "clinics.recall": "due_on",
    "clinics.budget": "quoted_on",
    "clinics.consent": "signed_on",
    "clinics.communication": "sent_at",
    "clinics.document": "captured_on",
}


# Rows whose date may be unknown, and whose title staff then know them by: a document
# a file became when it arrived has no capture date, and its title is the file's name
# (or what staff renamed it to).
TITLED = {"clinics.document"}


def _dated_label(row) -> str | None:
    field = DATED.get(row._meta.label_lower)
    if field is None or not hasattr(row, field):
        return None
    value = getattr(row, field)
    if hasattr(value, "date"):
        value = value.date()
    kind = table_label(row._meta.db_table)
    if value is None and row._meta.label_lower in TITLED:
        return f"{kind} “{row.title}”" if row.title else f"{kind} #{row.pk}"
    return _("%(kind)s of %(date)s") % {"kind": kind, "date": _date(value)}
