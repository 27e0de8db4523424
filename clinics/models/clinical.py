"""A patient's medical background: alerts, notes and medications.

Filled by the DPMF mappers (`patient_alert`, `pharmacological_history`, notes of
appointments and treatments) and by the CSV sheets (clinical background, clinical
notes, medications) alike, so one patient's history reads the same whatever
system it came from.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from clinics.fields import EncryptedTextField
from clinics.models.base import ClinicOwned


class AlertKind(models.TextChoices):
    ALLERGY = "allergy", _("Allergy")
    MEDICATION = "medication", _("Medication")
    ANTICOAGULANT = "anticoagulant", _("Anticoagulant")
    DISEASE = "disease", _("Disease or condition")
    ANAESTHESIA_REACTION = "anaesthesia_reaction", _("Anaesthesia reaction")
    SMOKING = "smoking", _("Smoking")
    PREGNANCY = "pregnancy", _("Pregnancy")
    LACTATION = "lactation", _("Lactation")
    BRUXISM = "bruxism", _("Bruxism")


class Severity(models.TextChoices):
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")
    UNSPECIFIED = "unspecified", _("Unspecified")


class AlertStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RESOLVED = "resolved", _("Resolved")


class CodeSystem(models.TextChoices):
    NONE = "", _("None")
    SNOMED_CT = "snomed", _("SNOMED CT")
    ICD10 = "icd10", _("ICD-10")


class MedicalAlert(ClinicOwned):
    """Something every clinician must see before treating: an allergy, a condition, a flag."""

    patient = models.ForeignKey(
        "clinics.Patient",
        on_delete=models.CASCADE,
        related_name="medical_alerts",
        verbose_name=ngettext_lazy("patient", "patients", 1),
    )
    kind = models.CharField(max_length=24, choices=AlertKind.choices, verbose_name=_("kind"))
    # The allergen, condition or drug, short; `text` keeps the source's words.
    name = models.CharField(max_length=300, verbose_name=_("name"))
    text = models.TextField(blank=True, verbose_name=_("text"))
    severity = models.CharField(
        max_length=12,
        choices=Severity.choices,
        default=Severity.UNSPECIFIED,
        verbose_name=_("severity"),
    )
    status = models.CharField(
        max_length=10,
        choices=AlertStatus.choices,
        default=AlertStatus.ACTIVE,
        verbose_name=_("status"),
    )
    onset_date = models.DateField(null=True, blank=True, verbose_name=_("onset date"))
    clinical_code = models.CharField(max_length=20, blank=True, verbose_name=_("clinical code"))
    code_system = models.CharField(
        max_length=8,
        choices=CodeSystem.choices,
        default=CodeSystem.NONE,
        blank=True,
        verbose_name=_("code system"),
    )
    flagged = models.BooleanField(default=False, verbose_name=_("flagged"))
    recorded_on = models.DateField(null=True, blank=True, verbose_name=_("recorded on"))

    class Meta:
        verbose_name = ngettext_lazy("medical alert", "medical alerts", 1)
        verbose_name_plural = ngettext_lazy("medical alert", "medical alerts", 2)
        ordering = ["patient", "kind", "name"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class NoteKind(models.TextChoices):
    CLINICAL = "clinical", _("Clinical")
    ADMINISTRATIVE = "administrative", _("Administrative")
    GENERAL = "general", _("General")


class NoteType(models.TextChoices):
    GP_NOTE = "gp_note", _("GP note")
    CONSULTATION = "consultation", _("Consultation")
    TRIAGE = "triage", _("Triage")
    REFERRAL = "referral", _("Referral")
    DENTAL_PROGRESS = "dental_progress", _("Dental progress")
    OTHER = "other", _("Other")


class ClinicalNote(ClinicOwned):
    """A dated note on a patient. Text and diagnosis are encrypted at rest."""

    patient = models.ForeignKey(
        "clinics.Patient",
        on_delete=models.CASCADE,
        related_name="clinical_notes",
        verbose_name=ngettext_lazy("patient", "patients", 1),
    )
    author = models.ForeignKey(
        "clinics.Professional",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    appointment = models.ForeignKey(
        "clinics.Appointment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="clinical_notes",
        verbose_name=ngettext_lazy("appointment", "appointments", 1),
    )
    kind = models.CharField(
        max_length=16, choices=NoteKind.choices, default=NoteKind.CLINICAL, verbose_name=_("kind")
    )
    note_type = models.CharField(
        max_length=16,
        choices=NoteType.choices,
        default=NoteType.OTHER,
        blank=True,
        verbose_name=_("note type"),
    )
    written_at = models.DateTimeField(null=True, blank=True, verbose_name=_("written at"))
    text = EncryptedTextField(verbose_name=_("text"))
    diagnosis = EncryptedTextField(blank=True, verbose_name=_("diagnosis"))
    clinical_code = models.CharField(max_length=20, blank=True, verbose_name=_("clinical code"))
    code_system = models.CharField(
        max_length=8,
        choices=CodeSystem.choices,
        default=CodeSystem.NONE,
        blank=True,
        verbose_name=_("code system"),
    )

    class Meta:
        verbose_name = ngettext_lazy("clinical note", "clinical notes", 1)
        verbose_name_plural = ngettext_lazy("clinical note", "clinical notes", 2)
        ordering = ["patient", "-written_at"]

    def __str__(self) -> str:
        when = self.written_at.date() if self.written_at else "—"
        return f"{self.get_kind_display()} note, {when}"


class MedicationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ACUTE = "acute", _("Acute")
    REPEAT = "repeat", _("Repeat")
    DISPENSED = "dispensed", _("Dispensed")
    DISCONTINUED = "discontinued", _("Discontinued")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class Medication(ClinicOwned):
    """A drug the patient takes or was prescribed (the pharmacological history)."""

    patient = models.ForeignKey(
        "clinics.Patient",
        on_delete=models.CASCADE,
        related_name="medications",
        verbose_name=ngettext_lazy("patient", "patients", 1),
    )
    prescriber = models.ForeignKey(
        "clinics.Professional",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("prescriber"),
    )
    drug_name = models.CharField(max_length=300, verbose_name=_("drug name"))
    dose = models.CharField(max_length=120, blank=True, verbose_name=_("dose"))
    instructions = models.TextField(blank=True, verbose_name=_("instructions"))
    route = models.CharField(max_length=60, blank=True, verbose_name=_("route"))
    started_on = models.DateField(null=True, blank=True, verbose_name=_("started on"))
    status = models.CharField(
        max_length=12,
        choices=MedicationStatus.choices,
        default=MedicationStatus.ACTIVE,
        verbose_name=_("status"),
    )
    quantity = models.CharField(max_length=60, blank=True, verbose_name=_("quantity"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))

    class Meta:
        verbose_name = ngettext_lazy("medication", "medications", 1)
        verbose_name_plural = ngettext_lazy("medication", "medications", 2)
        ordering = ["patient", "-started_on"]

    def __str__(self) -> str:
        return f"{self.drug_name} {self.dose}".strip()
