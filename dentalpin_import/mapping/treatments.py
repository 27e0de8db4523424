"""`applied_treatment` → `AppliedTreatment` (+ note), `…_phase` → its phases (FORMAT.md §8.6).

Rules, in the order they apply to one row:

1. No patient, or one not imported: `applied_treatment.no_patient` /
   `.unmapped_patient`, skipped.
2. An `IdTipoOdg` outside Gesdén's master: `.unmapped_tipo_odg`, read as no type.
3. Administrative entries, i.e. a type among 1–6 and 9–14 (tooth-state
   markers, new patient, missed visit, annotation, financial note, first visit,
   vouchers) or neither a catalogue variant nor a type: an administrative
   `ClinicalNote` on the patient, `.non_clinical_entry`. The reference also
   turns 38–42 (hygiene, X-rays, fluoride, generic) into notes; here they stay
   treatments — whole-mouth work with a price that debts and payments point
   at — so the clinic keeps them as work done.
4. Status: `status_code` 5 or 6, or an `end_date`, is performed; 3 is planned;
   anything else is kept as unclear (with the code).
5. Planned rows wait for every performed row of the file (a deferred pass),
   then: one with a later performed "twin" (same patient and budget line, or
   same source catalogue id, type and teeth, within 24 months) is a duplicate
   and maps to the twin (`.shadow_planned`); one older than 5 years, or older
   than 2 years with notes over 40 characters, is taken as performed
   (`.completed_by_age`, `.completed_by_notes`).

The notes become a clinical `ClinicalNote` (encrypted) linked from the
treatment. Amounts are decimals, kept with the source's precision.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from clinics.models import (
    AppliedTreatment,
    AppliedTreatmentPhase,
    BudgetLine,
    Client,
    ClinicalNote,
    NoteKind,
    NoteType,
    Professional,
    TreatmentCatalogVariant,
    TreatmentScope,
    TreatmentStatus,
)
from dentalpin_import.mapping.base import BaseMapper, Defer, MappingContext, MappingWarning
from dentalpin_import.mapping.budgets import link_budget_lines
from dentalpin_import.mapping.catalogue import treatment_catalogue
from dentalpin_import.mapping.instances import build
from dentalpin_import.mapping.text import cut, join_lines
from dentalpin_import.reader.care_records import (
    PERFORMED_CODES,
    SourceAppliedTreatment,
    SourceAppliedTreatmentPhase,
    is_planned,
    planned_payload,
)

TIPO_LABELS = {
    **dict.fromkeys(range(1, 7), "Estado de pieza"),
    7: "Banda",
    8: "Bracket",
    9: "Paciente nuevo",
    10: "Falta a cita",
    11: "Anotación",
    12: "Nota económica",
    13: "Primera visita",
    14: "Bonos",
    21: "Endodoncia",
    22: "Obturación",
    23: "Apicectomía",
    24: "Implante",
    25: "Perno",
    26: "Corona",
    27: "Puente",
    28: "Prótesis removible",
    29: "Injerto",
    30: "Membrana",
    31: "Fibra",
    32: "Sellador",
    33: "Carilla",
    34: "Tartrectomía",
    35: "Cirugía",
    36: "Extracción",
    37: "Extracción",
    38: "Higiene",
    39: "Ortopantomografía",
    40: "Telerradiografía",
    41: "Fluorización",
    42: "Genérico",
    44: "Rechazo de implante",
    45: "Retirada de implante",
    46: "Reposición de implante",
}
ADMINISTRATIVE_TYPES = frozenset([*range(1, 7), *range(9, 15)])
TWIN_WINDOW = dt.timedelta(days=730)
AGE_LIMIT = dt.timedelta(days=5 * 365)
NOTES_AGE_LIMIT = dt.timedelta(days=2 * 365)
NOTES_LONG = 40
CENT = Decimal("0.01")
# What the twin search reads of a performed treatment.
TWIN_FIELDS = (
    "pk",
    "patient_id",
    "budget_line_id",
    "source_treatment_code",
    "odontogram_type",
    "teeth",
    "started_on",
    "finished_on",
)


def status_of(record: SourceAppliedTreatment) -> str:
    """Rule 4: performed, planned, or unclear."""
    if record.status_code in PERFORMED_CODES or record.end_date:
        return TreatmentStatus.PERFORMED
    if is_planned(record.status_code, record.end_date):
        return TreatmentStatus.PLANNED
    return TreatmentStatus.UNCLEAR


def at_noon(day: dt.date | None, ctx: MappingContext) -> dt.datetime | None:
    """A date-only event at noon in the clinic's zone: its day reads the same in UTC."""
    if day is None:
        return None
    zone = ctx.state.get("clinic_zone") or ZoneInfo(ctx.clinic.timezone)
    ctx.state["clinic_zone"] = zone
    return dt.datetime.combine(day, dt.time(12), tzinfo=zone)


class AppliedTreatmentMapper(BaseMapper):
    entity = "applied_treatment"
    record = SourceAppliedTreatment
    model = AppliedTreatment
    # Planned rows, the only ones that look at other treatments, wait for the final
    # pass, once every other treatment of the file is in.
    depends_on = (
        "patient",
        "professional",
        "user",
        "client",
        "treatment_catalog_variant",
        "budget_line",
    )

    def references(self, record: SourceAppliedTreatment):
        yield "patient", record.patient_uuid
        yield "professional", record.professional_uuid
        yield "professional", record.user_uuid
        yield "user", record.user_uuid
        yield "client", record.client_uuid
        yield "treatment_catalog_variant", record.treatment_variant_uuid
        yield "budget_line", record.budget_line_uuid

    # A planned row (rule 5) only defers in the first pass: set aside before it is
    # typed (ChunkWriter.new_records).
    waits = staticmethod(planned_payload)

    def prepare(self, records, ctx: MappingContext) -> None:
        variants = {
            ctx.resolve("treatment_catalog_variant", r.treatment_variant_uuid) for r in records
        }
        ctx.chunk["variants"], ctx.chunk["items"] = treatment_catalogue(ctx, variants)
        if ctx.final_pass:
            patients = {ctx.resolve("patient", r.patient_uuid) for r in records} - {None}
            # Plain rows, not instances: a chunk may look at thousands of treatments.
            done = AppliedTreatment.objects.filter(
                clinic=ctx.clinic, patient_id__in_ids=patients, status=TreatmentStatus.PERFORMED
            ).order_by("started_on", "pk")
            twins: dict[int, list] = {}
            for row in done.values_list(*TWIN_FIELDS, named=True):
                twins.setdefault(row.patient_id, []).append(row)
            ctx.chunk["performed"] = twins

    def map(self, record: SourceAppliedTreatment, ctx: MappingContext):
        patient_id = ctx.require("patient", record.patient_uuid, code=self.entity, what="patient")
        tipo = record.odontogram_type
        if tipo is not None and tipo not in TIPO_LABELS:
            ctx.note(
                "applied_treatment.unmapped_tipo_odg",
                f"IdTipoOdg {tipo} is not a known Gesdén type",
                severity="warn",
                params={"tipo": str(tipo)},
            )
            tipo = None
        variant = self.variant(record, ctx)
        item = ctx.chunk["items"].get(variant.item_id) if variant else None
        if tipo is None and item is not None:
            tipo = item.odontogram_type
        if tipo in ADMINISTRATIVE_TYPES or (variant is None and tipo is None):
            return self.administrative_note(record, patient_id, tipo, ctx)
        status = status_of(record)
        if status == TreatmentStatus.PLANNED:
            if not ctx.final_pass:
                raise Defer()  # after every performed row, so a twin is always found
            twin = self.twin(record, patient_id, tipo, ctx)
            if twin is not None:
                ctx.note(
                    "applied_treatment.shadow_planned",
                    f"planned duplicate of performed treatment #{twin.pk}; mapped to it",
                    severity="warn",
                )
                return twin
            status = self.completed_by_age(record, ctx)
        return self.treatment(record, patient_id, status, tipo, variant, item, ctx)

    def variant(self, record, ctx: MappingContext) -> TreatmentCatalogVariant | None:
        if not record.treatment_variant_uuid:
            return None
        variant_id = ctx.resolve("treatment_catalog_variant", record.treatment_variant_uuid)
        if variant_id is None:
            ctx.note(
                "applied_treatment.unmapped_variant",
                f"catalogue variant {record.treatment_variant_uuid} is not in the file or "
                "not imported; kept without a catalogue link",
                severity="warn",
            )
            return None
        return ctx.chunk["variants"].get(variant_id)

    def treatment(self, record, patient_id, status, tipo, variant, item, ctx: MappingContext):
        professional_id = ctx.resolve_as("professional", record.professional_uuid, Professional)
        budget_line_id = ctx.resolve_as("budget_line", record.budget_line_uuid, BudgetLine)
        if record.budget_line_uuid and budget_line_id is None:
            ctx.note(
                "applied_treatment.unmapped_budget_line",
                f"budget line {record.budget_line_uuid} is not in the file or not imported",
            )
        description = item.name if item else TIPO_LABELS.get(tipo) or "Tratamiento"
        note = None
        if record.notes:
            note = build(
                ClinicalNote,
                clinic=ctx.clinic,
                patient_id=patient_id,
                author_id=professional_id,
                kind=NoteKind.CLINICAL,
                note_type=NoteType.DENTAL_PROGRESS,
                written_at=at_noon(record.end_date or record.started_on, ctx),
                text=record.notes,
            )
        treatment = build(
            AppliedTreatment,
            clinic=ctx.clinic,
            patient_id=patient_id,
            professional_id=professional_id,
            author_id=ctx.resolve_as("user", record.user_uuid, Professional)
            or ctx.resolve_as("professional", record.user_uuid, Professional),
            payer_id=ctx.resolve_as("client", record.client_uuid, Client),
            catalog_item=item,
            variant=variant,
            budget_line_id=budget_line_id,
            description=cut(description, 200),
            status=status,
            status_code=record.status_code,
            started_on=record.started_on,
            finished_on=record.end_date,
            amount=record.amount,
            units=max(record.units or 1, 1),
            scope=TreatmentScope.TEETH if record.teeth else TreatmentScope.WHOLE_MOUTH,
            teeth=list(record.teeth),
            odontogram_type=tipo,
            source_treatment_code=cut(record.source_treatment_code, 40),
            # Given to build(), not set afterwards: the descriptor's checks cost more.
            note=note,
        )
        return treatment if note is None else [treatment, note]

    def administrative_note(self, record, patient_id, tipo, ctx: MappingContext) -> ClinicalNote:
        label = TIPO_LABELS.get(tipo) or "Anotación"
        ctx.note(
            "applied_treatment.non_clinical_entry",
            f"{label} (IdTipoOdg {tipo}) kept as an administrative note",
            severity="warn",
            params={"label": str(label)},
        )
        amount = f"Importe de origen: {record.amount}" if record.amount else ""
        return build(
            ClinicalNote,
            clinic=ctx.clinic,
            patient_id=patient_id,
            author_id=ctx.resolve_as("professional", record.professional_uuid, Professional),
            kind=NoteKind.ADMINISTRATIVE,
            note_type=NoteType.OTHER,
            written_at=at_noon(record.end_date or record.started_on, ctx),
            text=join_lines(f"{label}:", record.notes, amount),
        )

    def twin(self, record, patient_id, tipo, ctx: MappingContext) -> AppliedTreatment | None:
        """The later performed treatment this planned row duplicates, if any."""
        line_id = ctx.resolve_as("budget_line", record.budget_line_uuid, BudgetLine)
        start = record.started_on
        for done in ctx.chunk["performed"].get(patient_id, []):
            same_line = line_id is not None and done.budget_line_id == line_id
            same_act = (
                bool(record.source_treatment_code)
                and done.source_treatment_code == record.source_treatment_code
                and done.odontogram_type == tipo
                and sorted(done.teeth) == sorted(record.teeth)
            )
            if not (same_line or same_act):
                continue
            when = done.finished_on or done.started_on
            if start is None or when is None or start <= when <= start + TWIN_WINDOW:
                twin = build(AppliedTreatment, id=done.pk)
                twin._state.adding = False  # saved already: the row maps to it
                return twin
        return None

    def completed_by_age(self, record, ctx: MappingContext) -> str:
        start = record.started_on
        if start is None:
            return TreatmentStatus.PLANNED
        age = dt.date.today() - start
        if age > AGE_LIMIT:
            ctx.note(
                "applied_treatment.completed_by_age",
                f"planned on {start}, over 5 years ago: taken as performed",
                severity="warn",
                params={"date": str(start)},
            )
            return TreatmentStatus.PERFORMED
        if age > NOTES_AGE_LIMIT and len(record.notes) > NOTES_LONG:
            ctx.note(
                "applied_treatment.completed_by_notes",
                f"planned on {start}, over 2 years ago, with notes: taken as performed",
                severity="warn",
                params={"date": str(start)},
            )
            return TreatmentStatus.PERFORMED
        return TreatmentStatus.PLANNED

    def finish(self, ctx: MappingContext) -> None:
        # Budget lines imported by an earlier job still get their link, unless this
        # run's budget lines (whose post-pass comes first) already linked them all.
        if not ctx.state.get("budget_lines_linked"):
            link_budget_lines(ctx)


class AppliedTreatmentPhaseMapper(BaseMapper):
    entity = "applied_treatment_phase"
    record = SourceAppliedTreatmentPhase
    model = AppliedTreatmentPhase
    depends_on = ("applied_treatment", "professional")

    def references(self, record):
        yield "applied_treatment", record.applied_treatment_uuid
        yield "professional", record.professional_uuid

    def prepare(self, records, ctx: MappingContext) -> None:
        parents = {
            ctx.resolve_as("applied_treatment", r.applied_treatment_uuid, AppliedTreatment)
            for r in records
        }
        # Only what a phase reads of its parent: no model instance per parent.
        rows = AppliedTreatment.objects.filter(clinic=ctx.clinic, pk__in_ids=parents)
        rows = rows.order_by()  # by pk into a dict: the default order joined the patients
        ctx.chunk["parents"] = {
            row.pk: row for row in rows.values_list("pk", "status", "amount", named=True)
        }

    def map(self, record: SourceAppliedTreatmentPhase, ctx: MappingContext):
        if not record.applied_treatment_uuid:
            raise MappingWarning("phase.no_parent", "phase without an applied treatment")
        if ctx.resolve("applied_treatment", record.applied_treatment_uuid) is None:
            ctx.check_left_out(
                "applied_treatment", record.applied_treatment_uuid, code="phase", what="parent"
            )
            raise MappingWarning(
                "phase.unmapped_parent",
                f"applied treatment {record.applied_treatment_uuid} is not in the file or "
                "not imported",
            )
        parent_id = ctx.resolve_as(
            "applied_treatment", record.applied_treatment_uuid, AppliedTreatment
        )
        if parent_id is None:
            raise MappingWarning(
                "phase.non_clinical_parent",
                "the applied treatment became an administrative note; phase not imported",
                severity="info",
            )
        parent = ctx.chunk["parents"][parent_id]
        if parent.status == TreatmentStatus.PERFORMED or record.executed_on:
            status = TreatmentStatus.PERFORMED
        else:
            status = parent.status
        amount = None
        if parent.amount is not None and record.percent_to_bill is not None:
            amount = (parent.amount * record.percent_to_bill / 100).quantize(CENT, ROUND_HALF_UP)
        return build(
            AppliedTreatmentPhase,
            clinic=ctx.clinic,
            treatment_id=parent_id,
            professional_id=ctx.resolve_as("professional", record.professional_uuid, Professional),
            phase_number=max(record.phase_number or 1, 1),
            status=status,
            status_code=record.status_code,
            executed_on=record.executed_on,
            percent_to_bill=record.percent_to_bill,
            amount=amount,
            notes=record.notes,
        )
