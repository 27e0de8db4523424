"""Clinic domain models, one module per area."""

from clinics.models.billing import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentMethod,
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
from clinics.models.scheduling import Appointment, AppointmentStatus

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
