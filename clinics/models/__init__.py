"""Clinic domain models, one module per area."""

from clinics.models.billing import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentMethod,
)
from clinics.models.calendars import (
    AppointmentRecurrence,
    WorkCalendar,
    WorkCalendarDay,
    WorkCalendarShift,
)
from clinics.models.catalogue import (
    CatalogItem,
    Chair,
    TreatmentCatalogItem,
    TreatmentCatalogVariant,
    TreatmentPhaseTemplate,
)
from clinics.models.clinic import Clinic, Membership, Role
from clinics.models.clinical import (
    AlertKind,
    AlertStatus,
    ClinicalNote,
    CodeSystem,
    MedicalAlert,
    Medication,
    MedicationStatus,
    NoteKind,
    NoteType,
    Severity,
)
from clinics.models.communications import (
    Communication,
    CommunicationChannel,
    CommunicationDirection,
)
from clinics.models.consents import Consent
from clinics.models.documents import Document, DocumentStatus
from clinics.models.ledger import DebtPaymentApplication, EntryKind, LedgerEntry
from clinics.models.people import (
    Client,
    Patient,
    PatientClientLink,
    Professional,
    Sex,
    StaffRole,
)
from clinics.models.prescriptions import Prescription, PrescriptionItem
from clinics.models.recalls import Recall, RecallStatus
from clinics.models.scheduling import Appointment, AppointmentStatus
from clinics.models.treatments import (
    AppliedTreatment,
    AppliedTreatmentPhase,
    Budget,
    BudgetLine,
    BudgetStatus,
    TreatmentScope,
    TreatmentStatus,
)

__all__ = [
    "CommunicationChannel",
    "Communication",
    "Consent",
    "DebtPaymentApplication",
    "CommunicationDirection",
    "EntryKind",
    "LedgerEntry",
    "Prescription",
    "PrescriptionItem",
    "AppliedTreatment",
    "AppliedTreatmentPhase",
    "AppointmentRecurrence",
    "Budget",
    "BudgetLine",
    "BudgetStatus",
    "CatalogItem",
    "Chair",
    "Recall",
    "RecallStatus",
    "TreatmentCatalogItem",
    "TreatmentCatalogVariant",
    "TreatmentPhaseTemplate",
    "TreatmentScope",
    "TreatmentStatus",
    "WorkCalendar",
    "WorkCalendarDay",
    "WorkCalendarShift",
    "AlertKind",
    "AlertStatus",
    "ClinicalNote",
    "CodeSystem",
    "MedicalAlert",
    "Medication",
    "MedicationStatus",
    "NoteKind",
    "NoteType",
    "Severity",
    "Appointment",
    "AppointmentStatus",
    "Client",
    "Clinic",
    "Document",
    "DocumentStatus",
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "Membership",
    "Patient",
    "PatientClientLink",
    "Payment",
    "PaymentMethod",
    "Professional",
    "Role",
    "Sex",
    "StaffRole",
]
