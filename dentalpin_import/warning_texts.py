"""What each warning code says, in the reader's language (the catalogue of `render`).

A warning is stored with its code, its English `message` (for the CLI, the CSV
and older rows) and `params`, the values its text needs. Pages render
`TEXTS[code]` with those values in the language of the request; a code with a
`variant` parameter says it by `TEXTS["code#variant"]`. Codes the `require`
and `optional_link` helpers build for every type (`budget.no_patient`,
`appointment.unmapped_chair`, `budget_line.left_out_budget`) share `FAMILIES`.
Warnings of the export tool itself (`dpmf.*`) are shown in the tool's own words.

Values named `kind` are record kinds (said by `names.entity_label`), `field`
a model field ("Patient.given_name"); words a mapper passes as `consequence`
or `how` are translated from `WORDS`. A text whose values are missing (an
older row, a new parameter) falls back to the stored English message.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

TEXTS = {
    # The engine, for any kind of row.
    "row.duplicate": _(
        "This row appears twice in the file; the first was imported, this copy was skipped."
    ),
    "row.bad_key": _(
        "This row's id in the file is empty, longer than 64 characters or holds characters "
        "that are not text; the row is not imported. Ask for a new export."
    ),
    "row.unresolved": _("This row refers to another row of its type that was not imported."),
    "row.kept_though_left_out": _(
        "The later file leaves this record out (its other warning says why); the clinic keeps "
        "the one an earlier import brought, unchanged: review it."
    ),
    "row.missing_canonical_id": _(
        "This row has no id in the file, so it cannot be imported; ask for a new export."
    ),
    "row.failed#read": _("This row could not be read (%(error)s); the rest of the import went on."),
    "row.failed#map": _(
        "This row could not be turned into clinic records (%(error)s); "
        "the rest of the import went on."
    ),
    "row.failed#save": _(
        "This row could not be saved (%(error)s); the rest of the import went on."
    ),
    "payload.decode_error": _(
        "The row's data in the file cannot be read; the row is not imported. Ask for a new export."
    ),
    "row.value_out_of_range": _(
        "%(field)s: the value is out of the range the clinic database holds; "
        "the row is not imported."
    ),
    "number.out_of_range": _(
        "%(field)s: the value is out of the range the clinic database holds; left empty."
    ),
    "number.rounded": _("%(field)s had more decimals than it keeps: rounded."),
    "text.cut_to_length": _("%(field)s was longer than it can hold: cut to fit."),
    "text.nul_removed": _("An invisible NUL character was removed from %(fields)s."),
    "text.surrogate_replaced": _(
        "A character that is not valid text was replaced by � in %(fields)s."
    ),
    "text.key_renamed": _(
        "Two values of this record had names that became the same once invisible or invalid "
        "characters were removed from one: both are kept, that one renamed to %(fields)s."
    ),
    "file.bad_key": _(
        "This document's id or its owner's is empty, longer than the importer records or holds "
        "characters that are not text; it was not staged. Ask for a new export."
    ),
    "file.duplicate": _(
        "This document is listed twice in the export; the first was kept, this copy was skipped."
    ),
    "file.sha256_invalid": _(
        "This document's checksum is not valid, so no upload can match it; "
        "it is counted as missing."
    ),
    "file.sha256_missing": _("%(path)s: the export tool could not read this document."),
    "tenant.label_ignored": _(
        "The file names its clinic “%(label)s”; it was imported into %(clinic)s as asked, "
        "never into a clinic the file names."
    ),
    "dpmf": _("Noted by the export tool: %(message)s"),
    # Staff, the catalogue and the clinic's own details.
    "center.kept_clinic_value": _("The clinic's own %(detail)s is kept; the file gives another."),
    "center.several": _(
        "%(n)s centres in the file: the first fills in the clinic's details; "
        "all are kept in its centre details."
    ),
    "professional.filtered.inactive_in_source": _(
        "%(name)s was imported as inactive: inactive in the old system."
    ),
    "professional.filtered.agenda_orphan": _(
        "%(name)s was imported as inactive: a diary with no person behind it."
    ),
    "professional.filtered.no_activity_recorded": _(
        "%(name)s was imported as inactive: no activity recorded."
    ),
    "professional.filtered.no_recent_activity": _(
        "%(name)s was imported as inactive: no recent activity."
    ),
    "professional.filtered.non_clinical_role": _(
        "%(name)s was imported as inactive: not a clinical role."
    ),
    "professional.phone_truncated": _("Phone number longer than 20 characters: cut to fit."),
    "client.phone_truncated": _("Phone number longer than 20 characters: cut to fit."),
    "patient.phone_truncated": _(
        "Phone number longer than 20 characters: cut to fit; the full number is in the "
        "patient's notes."
    ),
    "patient_client_link.ambiguous_payer": _("This payer pays for %(n)s patients."),
    "catalog_item.unnamed": _("Catalogue value without a name or code."),
    "catalog_item.no_kind": _("Catalogue value without a kind: kind “other”."),
    "catalog_item.chair_unnamed": _("Chair without a name: not imported."),
    "catalog_item.chair_name_truncated": _("Chair name too long: cut to fit."),
    "catalog.matched_existing#chair": _("Linked to the clinic's chair “%(name)s”."),
    "catalog.matched_existing#item": _("Linked to the clinic's catalogue treatment “%(name)s”."),
    "catalog_variant.parent_not_mapped": _(
        "Its catalogue treatment is not in the file or was not imported: not imported."
    ),
    # Schedules.
    "work_calendar.unnamed": _("Work calendar without a name."),
    "work_calendar_day.invalid_weekday": _(
        "Weekday “%(weekday)s” is not 1 (Monday) to 7 (Sunday): not imported."
    ),
    "work_calendar_shift.unparseable_time": _(
        "The shift's times “%(start)s”–“%(end)s” cannot be read: not imported."
    ),
    "work_calendar_shift.ends_before_start": _(
        "The shift ends at %(end)s, before it starts at %(start)s; kept as given."
    ),
    "appointment_recurrence.invalid_rule": _(
        "The repeat rule is not a valid calendar rule; kept as given."
    ),
    # Budgets and appointments.
    "budget.no_date": _("Budget without a quote date: numbered in %(year)s."),
    "budget.no_number": _("Budget without a number: numbered %(number)s."),
    "budget.number_collision": _("Budget number %(wanted)s is already taken: numbered %(number)s."),
    "budget_line.no_price": _("Budget line without a unit price: %(price)s used."),
    "budget_line.no_treatment": _("Budget line without a treatment; kept."),
    "budget_line.unmapped_treatment": _(
        "The line's treatment is not in the file or was not imported; the line was kept without it."
    ),
    "budget_line.unmapped_applied_treatment#note": _(
        "The treatment done this budget line refers to became an administrative note; the "
        "line was kept without the link."
    ),
    "budget_line.unmapped_applied_treatment#missing": _(
        "The treatment done this budget line refers to is not in the file; the line was kept "
        "without the link."
    ),
    "budget_line.sum_too_large": _(
        "The lines of budget %(number)s add up to more than a budget total holds: the budget "
        "keeps the totals the file gave."
    ),
    "appointment.missing_actor": _(
        "Appointment without a patient or a professional: not imported."
    ),
    "appointment.unmapped_actor": _(
        "The appointment's %(kind)s is not in the file or was not imported: not imported."
    ),
    "appointment.no_schedule": _("Appointment without a date: not imported."),
    "appointment.unparseable_datetime": _(
        "The appointment's date or time (“%(date)s” “%(time)s”) cannot be read: not imported."
    ),
    "appointment.offset_ignored": _(
        "The appointment's time “%(time)s” names a time zone other than the clinic's: read as "
        "the clinic's own time."
    ),
    # Clinical records.
    "applied_treatment.unmapped_tipo_odg": _(
        "Treatment type %(tipo)s is not a known type of the old system."
    ),
    "applied_treatment.shadow_planned": _(
        "A planned copy of a treatment already done: joined to the one done."
    ),
    "applied_treatment.unmapped_variant": _(
        "Its catalogue treatment is not in the file or was not imported; kept without a "
        "catalogue link."
    ),
    "applied_treatment.unmapped_budget_line": _(
        "Its budget line is not in the file or was not imported; kept without it."
    ),
    "applied_treatment.non_clinical_entry": _(
        "“%(label)s” is not a treatment: kept as an administrative note."
    ),
    "applied_treatment.completed_by_age": _(
        "Planned on %(date)s, over 5 years ago: taken as done."
    ),
    "applied_treatment.completed_by_notes": _(
        "Planned on %(date)s, over 2 years ago, with notes: taken as done."
    ),
    "phase.no_parent": _("Treatment session without its treatment: not imported."),
    "phase.unmapped_parent": _(
        "The session's treatment is not in the file or was not imported: not imported."
    ),
    "phase.non_clinical_parent": _(
        "The session's treatment became an administrative note: session not imported."
    ),
    "patient_alert.empty_text": _("Medical alert without text: not imported."),
    "patient_alert.unknown_category": _(
        "No keyword told what kind of alert this is: kept as a general note."
    ),
    "recall.missing_patient": _("Recall without a patient: not imported."),
    "recall.unmapped_patient": _(
        "The recall's patient is not in the file or was not imported: not imported."
    ),
    "pharm.no_drug_name": _("Medication without a drug name: not imported."),
    "prescription_item.no_drug_name": _("Prescribed medicine without a drug: not imported."),
    "consent.revoked_before_signed": _(
        "Revoked on %(revoked)s, before it was signed on %(signed)s; kept as given."
    ),
    "communication.no_recipient": _("Message without a patient or a payer: not imported."),
    "communication.unmapped_recipient#none": _(
        "Neither the message's patient nor its payer was imported: not imported."
    ),
    "communication.unmapped_recipient#kept": _(
        "The message's %(kind)s was not imported; kept with its other recipient."
    ),
    # Money.
    "debt.invalid_amount": _("The owed amount “%(amount)s” is not a number: not imported."),
    "debt.skipped_anulado": _("Debt of %(amount)s voided in the old system: left out by rule."),
    "debt.skipped_uncollectible": _(
        "Debt of %(amount)s written off as uncollectible in the old system: left out by rule."
    ),
    "debt.negative_amount": _("The owed amount %(amount)s is negative: not imported."),
    "debt.amount_rounded": _("%(amount)s rounded to %(rounded)s."),
    "debt.no_clinical_target": _(
        "Its treatment became an administrative note; the debt was kept without a treatment link."
    ),
    "debt.orphan_treatment": _(
        "Its treatment is not in the file or was not imported; the debt was kept without it."
    ),
    "debt_payment_application.left_out_debt": _(
        "Left out by rule: the debt this payment was applied to was left out (voided, written "
        "off or of 0 in the old system); this application of the payment is left out by the "
        "same rule."
    ),
    "debt_payment_application.left_out_payment": _(
        "Left out by rule: the payment applied to this debt was left out (a payment of 0); "
        "this application of it is left out by the same rule."
    ),
    "payment.invalid_amount": _("The amount “%(amount)s” is not a number: not imported."),
    "payment.amount_rounded": _("%(amount)s rounded to %(rounded)s."),
    "payment.zero_amount": _("Payment of 0: left out."),
    "payment.no_date": _("Payment without a date: dated the day of the import."),
    "payment.no_patient_for_client": _(
        "Neither the payer's patients nor the patient were imported: not imported."
    ),
    "payment.split_across_family": _(
        "%(amount)s split over %(n)s patients of one family: %(shares)s."
    ),
    "payment.refund_unmappable": _("Refund of %(amount)s with no payment to refund: not imported."),
    "payment.refund_exceeds": _(
        "Refund of %(amount)s is more than what is left of its payment: not imported."
    ),
    "fiscal_document.no_total": _("Invoice without a total: 0.00."),
    "fiscal_document.family_billing": _(
        "Invoice billed to %(n)s patients: kept under the first of them."
    ),
    "fiscal_document.no_patient": _("Invoice kept without a patient."),
    "fiscal_document_line.no_document": _("Invoice line without its invoice: not imported."),
    "fiscal_document_line.unmapped_document": _(
        "The line's invoice is not in the file or was not imported: not imported."
    ),
    "verifactu.skipped": _(
        "The invoice's legal (Verifactu) fields were left out: the module is not installed."
    ),
    "verifactu.opt_out": _(
        "The invoice's legal (Verifactu) fields were left out: their import was not chosen."
    ),
    # Spreadsheets (CSV sheets): a value of a line.
    "csv.missing_value": _("Line %(line)s, %(column)s: no value; %(consequence)s."),
    "csv.bad_date": _("Line %(line)s, %(column)s: not a date (write YYYY-MM-DD); %(consequence)s."),
    "csv.ambiguous_date": _(
        "Line %(line)s, %(column)s: day and month could be either way round (write "
        "YYYY-MM-DD); %(consequence)s."
    ),
    "csv.non_iso_date": _("Line %(line)s, %(column)s: date not written YYYY-MM-DD, read anyway."),
    "csv.unknown_value": _("Line %(line)s, %(column)s: unknown value; %(consequence)s."),
    "csv.unknown_value#listed": _(
        "Line %(line)s, %(column)s: unknown value (accepted: %(expected)s); %(consequence)s."
    ),
    "csv.ambiguous_value": _(
        "Line %(line)s, %(column)s: M may be Mujer (female) or Masculino (male) in a sheet "
        "with Spanish headers: write the word; %(consequence)s."
    ),
    "csv.invalid_nhs_number": _(
        "Line %(line)s, %(column)s: not a valid NHS number; %(consequence)s."
    ),
    "csv.invalid_national_id": _(
        "Line %(line)s, %(column)s: not a valid national id; %(consequence)s."
    ),
    "csv.bad_email": _("Line %(line)s, %(column)s: not an e-mail address; %(consequence)s."),
    "csv.bad_clinical_code": _(
        "Line %(line)s, %(column)s: not a SNOMED CT or ICD-10 code; %(consequence)s."
    ),
    "csv.extra_values": _(
        "Line %(line)s: more values than the header has columns; %(consequence)s."
    ),
    "csv.duplicate_key": _("Line %(line)s: the same row again; only the first is imported."),
    "csv.repeated_header": _(
        "Line %(line)s looks like a repeated header row (two exports pasted together?); not "
        "imported."
    ),
    # Spreadsheets: who a line is about.
    "csv.patient_not_found": _(
        "Line %(line)s: PatientID %(ref)s matches no patient of the clinic (import the "
        "patient sheet first?); tried again on the next run."
    ),
    "csv.patient_ambiguous": _(
        "Line %(line)s: %(n)s patients of the clinic share this %(how)s; not imported."
    ),
    "csv.practitioner_not_found": _(
        "Line %(line)s: Practitioner ID %(ref)s matches no single staff member; imported "
        "without one."
    ),
    "csv.patient_matched_by_email": _(
        "Line %(line)s: PatientID %(ref)s matched a patient by e-mail address."
    ),
    "csv.patient_matched_by_national_id": _(
        "Line %(line)s: PatientID %(ref)s matched a patient by NHS or national id."
    ),
    "csv.legacy_id_too_long": _(
        "Line %(line)s: LegacyPatientID longer than %(max)s characters: not imported."
    ),
    "csv.patient_linked": _(
        "Line %(line)s: linked to the clinic's patient with the same %(how)s instead of "
        "creating another."
    ),
    "csv.phone_truncated": _("Line %(line)s: phone number cut to 20 characters."),
    "csv.staff_role_unknown": _(
        "Line %(line)s: role “%(role)s” is not known: imported as assistant."
    ),
    "csv.staff_values_not_imported": _(
        "Line %(line)s: values not imported (a staff member has no field for them): %(columns)s."
    ),
}

# Codes built for every type by `MappingContext.require` and `optional_link`.
FAMILIES = (
    (re.compile(r"\.no_[a-z_]+$"), "family.no", _("No %(kind)s given: not imported.")),
    (
        re.compile(r"\.unmapped_[a-z_]+$"),
        "family.unmapped",
        _("Its %(kind)s is not in the file or was not imported: not imported."),
    ),
    (
        re.compile(r"\.unmapped_[a-z_]+$"),
        "family.unmapped#kept",
        _("Its %(kind)s is not in the file or was not imported; kept without it."),
    ),
    (
        re.compile(r"\.left_out_[a-z_]+$"),
        "family.left_out",
        _(
            "Left out by rule: the import rules left out its %(kind)s; this record is left out "
            "by the same rule."
        ),
    ),
    (
        re.compile(r"^csv\."),
        "family.csv",
        _("Line %(line)s, %(column)s: this value cannot be used; %(consequence)s."),
    ),
    (
        re.compile(r"\.unreadable_value$"),
        "family.unreadable_value",
        _("The value of %(field)s cannot be read; left empty."),
    ),
)

# Words a mapper passes as a value, said in the reader's language.
WORDS = {
    "not_imported": _("the row is not imported"),
    "left_empty": _("left empty"),
    "legacy id": _("legacy id"),
    "NHS/national id": _("NHS or national id"),
    "national id": _("national id"),
    "e-mail": _("e-mail address"),
}
