"""`patient_alert` → `clinics.MedicalAlert`, or a `ClinicalNote` when it is not medical (§8.6).

The text is classified by `alert_classifier`. Medical kinds become alerts
(an anticoagulant is flagged whatever the source said); administrative texts
become administrative notes and anything unrecognised a general note, with
an info warning so the operator can review it. General texts are notes of
their own rather than lines appended to the patient's notes: the patient row
is never rewritten by a later type, so undo and re-runs stay exact.
"""

from __future__ import annotations

import datetime as dt

from clinics.models import ClinicalNote, MedicalAlert, NoteKind
from dentalpin_import.mapping import alert_classifier as rules
from dentalpin_import.mapping.base import BaseMapper, MappingContext, MappingWarning
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.text import cut
from dentalpin_import.models import EXTRA_SUFFIX
from dentalpin_import.reader.records_clinical import SourcePatientAlert

NOTE_KINDS = {rules.ADMINISTRATIVE: NoteKind.ADMINISTRATIVE, rules.GENERAL: NoteKind.GENERAL}


def medical_alert(
    ctx: MappingContext,
    found: rules.Classification,
    text: str,
    *,
    flagged: bool = False,
    recorded_on: dt.date | None = None,
    **patient,
) -> MedicalAlert:
    """An unsaved alert for `patient=` (instance) or `patient_id=`."""
    return build(
        MedicalAlert,
        clinic=ctx.clinic,
        kind=found.kind,
        name=cut(found.name or text, 300),
        text=text,
        flagged=flagged or found.kind == rules.ANTICOAGULANT,
        recorded_on=recorded_on,
        **patient,
    )


def medical_lines(ctx: MappingContext, notes: str, **patient) -> list[MedicalAlert]:
    """One alert per medical line of a patient's free-text notes (the notes stay whole)."""
    alerts = []
    for line in notes.splitlines():
        line = line.strip()
        found = rules.classify(line)
        if line and found.is_medical:
            alerts.append(medical_alert(ctx, found, line, **patient))
    return alerts


class PatientAlertMapper(BaseMapper):
    entity = "patient_alert"
    record = SourcePatientAlert
    model = MedicalAlert
    depends_on = ("patient",)

    def references(self, record: SourcePatientAlert):
        yield "patient", record.patient_uuid

    def shares_row_with(self, record: SourcePatientAlert) -> tuple[str, str]:
        # The alert the same line of the patient's notes became (`medical_lines`).
        return "patient" + EXTRA_SUFFIX, record.patient_uuid

    def prepare(self, records, ctx: MappingContext) -> None:
        patients = {ctx.resolve("patient", r.patient_uuid) for r in records} - {None}
        # The default order without its join on the patients (kind and name decide
        # within a patient, as before).
        existing = (
            MedicalAlert.objects.filter(clinic=ctx.clinic, patient_id__in_ids=patients)
            .order_by("patient_id", "kind", "name")
            .only("pk", "patient_id", "kind", "text")  # all a row mapped to one reads
        )
        # The same text already came from the patient's notes: link to it, never twice.
        ctx.chunk["known"] = {(a.patient_id, rules.fold(a.text)): a for a in existing}

    def map(self, record: SourcePatientAlert, ctx: MappingContext):
        # Unlike the reference importer, an alert whose patient is missing is reported.
        patient_id = ctx.require("patient", record.patient_uuid, code=self.entity, what="patient")
        if not record.text:
            raise MappingWarning("patient_alert.empty_text", "alert without text", severity="info")
        found = rules.classify(record.text)
        if found.is_medical:
            known = ctx.chunk["known"].get((patient_id, rules.fold(record.text)))
            # While updating (a later file changed it), the row is built anew to be merged
            # into the alert it became, which `known` may well be.
            if known is not None and known.kind == found.kind and not ctx.updating:
                return known
            return medical_alert(
                ctx,
                found,
                record.text,
                flagged=record.flagged,
                recorded_on=record.created_on,
                patient_id=patient_id,
            )
        if found.kind == rules.GENERAL:
            ctx.note(
                "patient_alert.unknown_category",
                # Never the alert's text: it is clinical, and sealed where it is stored.
                "no keyword matched; kept as a general note",
            )
        written = (
            dt.datetime.combine(record.created_on, dt.time(), tzinfo=dt.UTC)
            if record.created_on
            else None
        )
        return build(
            ClinicalNote,
            clinic=ctx.clinic,
            patient_id=patient_id,
            kind=NOTE_KINDS[found.kind],
            written_at=written,
            text=record.text,
        )
