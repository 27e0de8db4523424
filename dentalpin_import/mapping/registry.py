"""The order entity types are imported in, and which mapper handles each (FORMAT.md §8.1).

The order is the v0.1 dependency order, with one deliberate change: `client`
comes before `patient`, because here clients are real rows the patient
mapper reads (in the reference they are raw). Types without a mapper are kept
verbatim in `RawEntity`; types not listed at all (a future 0.x minor) come
last, alphabetically, and are kept raw too.
"""

from dentalpin_import.mapping.alerts import PatientAlertMapper
from dentalpin_import.mapping.appointments import AppointmentMapper
from dentalpin_import.mapping.base import BaseMapper
from dentalpin_import.mapping.budgets import BudgetLineMapper, BudgetMapper
from dentalpin_import.mapping.calendars import (
    AppointmentRecurrenceMapper,
    WorkCalendarDayMapper,
    WorkCalendarMapper,
    WorkCalendarShiftMapper,
)
from dentalpin_import.mapping.catalogue import (
    CatalogItemMapper,
    TreatmentCatalogItemMapper,
    TreatmentCatalogVariantMapper,
    TreatmentPhaseTemplateMapper,
)
from dentalpin_import.mapping.centres import CenterMapper
from dentalpin_import.mapping.clients import ClientMapper, PatientClientLinkMapper
from dentalpin_import.mapping.communications import CommunicationMapper
from dentalpin_import.mapping.consents import ConsentMapper
from dentalpin_import.mapping.debts import DebtMapper, DebtPaymentApplicationMapper
from dentalpin_import.mapping.documents import PatientDocumentMapper
from dentalpin_import.mapping.invoices import FiscalDocumentLineMapper, FiscalDocumentMapper
from dentalpin_import.mapping.medications import PharmacologicalHistoryMapper
from dentalpin_import.mapping.patients import PatientMapper
from dentalpin_import.mapping.payments import PaymentMapper
from dentalpin_import.mapping.prescriptions import PrescriptionItemMapper, PrescriptionMapper
from dentalpin_import.mapping.professionals import ProfessionalMapper, UserMapper
from dentalpin_import.mapping.recalls import RecallMapper
from dentalpin_import.mapping.sheet_background import SheetAlertMapper
from dentalpin_import.mapping.sheet_medications import SheetMedicationMapper
from dentalpin_import.mapping.sheet_notes import SheetNoteMapper
from dentalpin_import.mapping.sheet_people import SheetPatientMapper, SheetStaffMapper
from dentalpin_import.mapping.treatments import AppliedTreatmentMapper, AppliedTreatmentPhaseMapper

ENTITY_ORDER: tuple[str, ...] = (
    # level 1: identity and masters
    "center",
    "professional",
    "user",
    "catalog_item",
    "treatment_catalog_item",
    "treatment_catalog_variant",
    "treatment_phase_template",
    # level 2: payers and patients
    "client",
    "patient",
    "patient_client_link",
    # level 3: schedules
    "work_calendar",
    "work_calendar_day",
    "work_calendar_shift",
    "appointment_recurrence",
    # level 3.5: budgets
    "budget",
    "budget_line",
    # level 4: clinical
    "appointment",
    "applied_treatment",
    "applied_treatment_phase",
    "patient_alert",
    "recall",
    "consent",
    "pharmacological_history",
    "prescription",
    "prescription_item",
    "communication",
    # level 6: receivables
    "debt",
    "payment",
    "debt_payment_application",
    # level 7: fiscal
    "fiscal_document",
    "fiscal_document_line",
    # last: documents
    "patient_document",
)

LEVELS: dict[str, str] = {
    **dict.fromkeys(ENTITY_ORDER[:7], "1 identity and masters"),
    **dict.fromkeys(ENTITY_ORDER[7:10], "2 patients and payers"),
    **dict.fromkeys(ENTITY_ORDER[10:14], "3 schedules"),
    **dict.fromkeys(ENTITY_ORDER[14:16], "3.5 budgets"),
    **dict.fromkeys(ENTITY_ORDER[16:26], "4 clinical"),
    **dict.fromkeys(ENTITY_ORDER[26:29], "6 receivables"),
    **dict.fromkeys(ENTITY_ORDER[29:31], "7 fiscal"),
    "patient_document": "8 documents",
}

MAPPERS: dict[str, type[BaseMapper]] = {
    m.entity: m
    for m in (
        CenterMapper,
        ProfessionalMapper,
        UserMapper,
        CatalogItemMapper,
        TreatmentCatalogItemMapper,
        TreatmentCatalogVariantMapper,
        TreatmentPhaseTemplateMapper,
        ClientMapper,
        PatientMapper,
        PatientClientLinkMapper,
        WorkCalendarMapper,
        WorkCalendarDayMapper,
        WorkCalendarShiftMapper,
        AppointmentRecurrenceMapper,
        BudgetMapper,
        BudgetLineMapper,
        AppointmentMapper,
        PatientAlertMapper,
        ConsentMapper,
        PharmacologicalHistoryMapper,
        PrescriptionMapper,
        PrescriptionItemMapper,
        CommunicationMapper,
        DebtMapper,
        AppliedTreatmentMapper,
        AppliedTreatmentPhaseMapper,
        RecallMapper,
        PaymentMapper,
        DebtPaymentApplicationMapper,
        FiscalDocumentMapper,
        FiscalDocumentLineMapper,
        PatientDocumentMapper,
    )
}


# The rows of the CSV sheets (docs/manual.en.md): a job imports one sheet, so one or two of
# these types; they go through the same runner, under their own source system.
SHEET_ORDER: tuple[str, ...] = (
    "csv_staff",
    "csv_patient",
    "csv_clinical_background",
    "csv_clinical_note",
    "csv_medication",
)
LEVELS.update(
    {
        "csv_staff": "1 identity and masters",
        "csv_patient": "2 patients and payers",
        "csv_clinical_background": "4 clinical",
        "csv_clinical_note": "4 clinical",
        "csv_medication": "4 clinical",
    }
)
MAPPERS.update(
    {
        m.entity: m
        for m in (
            SheetStaffMapper,
            SheetPatientMapper,
            SheetAlertMapper,
            SheetNoteMapper,
            SheetMedicationMapper,
        )
    }
)
KNOWN_ORDER = ENTITY_ORDER + SHEET_ORDER

# The types some mapper looks up by source key. Only their keys are worth keeping
# in memory during a run: the keys of the others (appointments, phases, recalls…)
# would only crowd the patients out of the bounded cache (`ChunkWriter.keep_keys`).
REFERENCED_TYPES = frozenset(
    {t for m in MAPPERS.values() for t in m.depends_on}
    | {m.entity for m in MAPPERS.values() if m.refers_to_itself}
)


def referenced_after(order: list[str]) -> list[frozenset[str]]:
    """For each type of `order`, the types whose keys some later type still looks up.

    Once a type is done, the run's key store can forget every other type.
    """
    later: list[frozenset[str]] = []
    needed: frozenset[str] = frozenset()
    for entity_type in reversed(order):
        later.append(needed)
        cls = MAPPERS.get(entity_type)
        if cls is not None:
            own = {entity_type} if cls.refers_to_itself else set()
            needed = needed | set(cls.depends_on) | own
    return later[::-1]


def import_order(entity_types) -> list[str]:
    """Return `entity_types` in import order: known types first, unknown ones alphabetically."""
    present = set(entity_types)
    known = [t for t in KNOWN_ORDER if t in present]
    return known + sorted(present - set(KNOWN_ORDER))


def mapper_for(entity_type: str) -> BaseMapper | None:
    """Return a fresh mapper for `entity_type`, or None when it is kept raw."""
    cls = MAPPERS.get(entity_type)
    return cls() if cls else None
