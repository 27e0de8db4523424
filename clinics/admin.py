"""Admin for the clinic domain: staff see only their clinics; an imported patient opens whole."""

from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from clinics.middleware import clinics_for
from clinics.models import (
    AppliedTreatment,
    AppliedTreatmentPhase,
    Appointment,
    AppointmentRecurrence,
    Budget,
    BudgetLine,
    CatalogItem,
    Chair,
    Client,
    Clinic,
    ClinicalNote,
    Communication,
    Consent,
    DebtPaymentApplication,
    Document,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    MedicalAlert,
    Medication,
    Membership,
    Patient,
    PatientClientLink,
    Payment,
    Prescription,
    PrescriptionItem,
    Professional,
    Recall,
    TreatmentCatalogItem,
    TreatmentCatalogVariant,
    TreatmentPhaseTemplate,
    WorkCalendar,
    WorkCalendarDay,
    WorkCalendarShift,
)


def visible_to(request, queryset, field="clinic"):
    """Restrict a queryset to the user's clinics (superusers see everything)."""
    if request.user.is_superuser:
        return queryset
    return queryset.filter(**{f"{field}__in": clinics_for(request.user)})


# Lists only the clinics present in the visible rows: never another clinic's name.
BY_CLINIC = ("clinic", admin.RelatedOnlyFieldListFilter)


class ClinicScopedAdmin(admin.ModelAdmin):
    list_filter = (BY_CLINIC,)

    def get_queryset(self, request):
        # The base manager is not scoped; scoping is applied here explicitly.
        return visible_to(request, self.model._base_manager.all())

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("no such row in your clinics")  # another clinic's row looks missing
        return obj


class ClinicScopedInline(admin.TabularInline):
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return visible_to(request, self.model._base_manager.all())


class AppointmentInline(ClinicScopedInline):
    model = Appointment
    fields = ("starts_at", "professional", "status", "duration_minutes")
    readonly_fields = fields


class PaymentInline(ClinicScopedInline):
    model = Payment
    fk_name = "patient"
    fields = ("paid_on", "amount", "is_refund", "method")
    readonly_fields = fields


class DocumentInline(ClinicScopedInline):
    model = Document
    fields = ("title", "kind", "status", "mime_type", "file")
    readonly_fields = fields


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "country", "timezone")
    search_fields = ("name", "slug")

    def get_queryset(self, request):
        return visible_to(request, super().get_queryset(request), field="pk")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "clinic", "role")
    list_filter = ("role", BY_CLINIC)

    def get_queryset(self, request):
        return visible_to(request, super().get_queryset(request))


class MedicalAlertInline(ClinicScopedInline):
    model = MedicalAlert
    fields = ("kind", "name", "severity", "status", "onset_date", "clinical_code")
    readonly_fields = fields


class ClinicalNoteInline(ClinicScopedInline):
    model = ClinicalNote
    fk_name = "patient"
    fields = ("written_at", "note_type", "author", "text", "diagnosis")
    readonly_fields = fields  # decrypted for display; ciphertext is never shown


class MedicationInline(ClinicScopedInline):
    model = Medication
    fk_name = "patient"
    fields = ("drug_name", "instructions", "status", "started_on", "quantity")
    readonly_fields = fields


@admin.register(Patient)
class PatientAdmin(ClinicScopedAdmin):
    list_display = ("family_name", "given_name", "national_id", "date_of_birth", "clinic")
    search_fields = ("family_name", "given_name", "national_id", "email", "legacy_id")
    inlines = [
        MedicalAlertInline,
        MedicationInline,
        ClinicalNoteInline,
        AppointmentInline,
        PaymentInline,
        DocumentInline,
    ]


@admin.register(MedicalAlert)
class MedicalAlertAdmin(ClinicScopedAdmin):
    list_display = ("name", "kind", "severity", "status", "patient", "clinic")
    list_filter = ("kind", "severity", "status", BY_CLINIC)
    search_fields = ("name", "clinical_code")
    raw_id_fields = ("patient",)


@admin.register(ClinicalNote)
class ClinicalNoteAdmin(ClinicScopedAdmin):
    """Notes read in clear here (the field decrypts); they are not searchable by text."""

    list_display = ("written_at", "patient", "note_type", "author", "excerpt", "clinic")
    list_filter = ("note_type", "kind", BY_CLINIC)
    raw_id_fields = ("patient", "author", "appointment")

    @admin.display(description=_("text"))
    def excerpt(self, note: ClinicalNote) -> str:
        return note.text if len(note.text) <= 80 else note.text[:79] + "…"


@admin.register(Medication)
class MedicationAdmin(ClinicScopedAdmin):
    list_display = ("drug_name", "status", "started_on", "patient", "clinic")
    list_filter = ("status", BY_CLINIC)
    search_fields = ("drug_name",)
    raw_id_fields = ("patient", "prescriber")


@admin.register(Professional)
class ProfessionalAdmin(ClinicScopedAdmin):
    list_display = ("family_name", "given_name", "role", "is_active", "clinic")
    search_fields = ("family_name", "given_name", "email")


@admin.register(Client)
class ClientAdmin(ClinicScopedAdmin):
    list_display = ("__str__", "national_id", "clinic")
    search_fields = ("given_name", "family_name", "legal_name", "national_id")


@admin.register(PatientClientLink)
class PatientClientLinkAdmin(ClinicScopedAdmin):
    list_display = ("patient", "client", "relationship", "clinic")


@admin.register(Appointment)
class AppointmentAdmin(ClinicScopedAdmin):
    list_display = ("starts_at", "patient", "professional", "status", "clinic")
    list_filter = ("status", BY_CLINIC)


@admin.register(Payment)
class PaymentAdmin(ClinicScopedAdmin):
    list_display = ("paid_on", "patient", "amount", "is_refund", "method", "clinic")
    list_filter = ("is_refund", "method", BY_CLINIC)


class InvoiceLineInline(ClinicScopedInline):
    model = InvoiceLine
    fields = ("line_number", "concept", "units", "base_amount", "vat_amount", "amount")
    readonly_fields = fields


@admin.register(Invoice)
class InvoiceAdmin(ClinicScopedAdmin):
    list_display = ("number", "issued_on", "patient", "total", "status", "clinic")
    search_fields = ("number",)
    inlines = [InvoiceLineInline]


@admin.register(Document)
class DocumentAdmin(ClinicScopedAdmin):
    list_display = ("title", "patient", "kind", "status", "mime_type", "clinic")
    list_filter = ("status", BY_CLINIC)
    search_fields = ("title", "sha256")


class PrescriptionItemInline(ClinicScopedInline):
    model = PrescriptionItem
    fields = ("drug_name", "frequency", "duration_days", "units", "route")
    readonly_fields = fields


@admin.register(Prescription)
class PrescriptionAdmin(ClinicScopedAdmin):
    list_display = ("prescribed_on", "patient", "prescriber", "clinic")
    inlines = [PrescriptionItemInline]


@admin.register(Consent)
class ConsentAdmin(ClinicScopedAdmin):
    list_display = ("title", "patient", "signed_on", "revoked_on", "clinic")
    search_fields = ("title", "template_code")


@admin.register(Communication)
class CommunicationAdmin(ClinicScopedAdmin):
    list_display = ("sent_at", "patient", "client", "channel", "direction", "status", "clinic")
    list_filter = ("channel", "direction", BY_CLINIC)


class DebtPaymentApplicationInline(ClinicScopedInline):
    model = DebtPaymentApplication
    fields = ("payment", "amount", "applied_on")
    readonly_fields = fields


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ClinicScopedAdmin):
    list_display = ("entry_date", "patient", "kind", "amount", "label", "clinic")
    list_filter = ("kind", BY_CLINIC)
    inlines = [DebtPaymentApplicationInline]


@admin.register(Chair)
class ChairAdmin(ClinicScopedAdmin):
    list_display = ("name", "code", "is_active", "clinic")
    search_fields = ("name", "code")


@admin.register(CatalogItem)
class CatalogItemAdmin(ClinicScopedAdmin):
    list_display = ("kind", "name", "code", "is_active", "clinic")
    list_filter = ("kind", BY_CLINIC)
    search_fields = ("name", "code")


class TreatmentCatalogVariantInline(ClinicScopedInline):
    model = TreatmentCatalogVariant
    fields = ("tariff_code", "code", "unit_price")
    readonly_fields = fields


class TreatmentPhaseTemplateInline(ClinicScopedInline):
    model = TreatmentPhaseTemplate
    fields = ("phase_number", "description", "percent_to_bill")
    readonly_fields = fields


@admin.register(TreatmentCatalogItem)
class TreatmentCatalogItemAdmin(ClinicScopedAdmin):
    list_display = ("name", "code", "reference_price", "odontogram_type", "is_active", "clinic")
    search_fields = ("name", "code")
    inlines = [TreatmentCatalogVariantInline, TreatmentPhaseTemplateInline]


class WorkCalendarDayInline(ClinicScopedInline):
    model = WorkCalendarDay
    fields = ("weekday", "is_working_day")
    readonly_fields = fields


@admin.register(WorkCalendar)
class WorkCalendarAdmin(ClinicScopedAdmin):
    list_display = ("name", "professional", "valid_from", "valid_to", "clinic")
    inlines = [WorkCalendarDayInline]


@admin.register(WorkCalendarShift)
class WorkCalendarShiftAdmin(ClinicScopedAdmin):
    list_display = ("day", "starts_at", "ends_at", "chair", "clinic")


@admin.register(AppointmentRecurrence)
class AppointmentRecurrenceAdmin(ClinicScopedAdmin):
    list_display = ("patient", "professional", "rule", "starts_on", "ends_on", "clinic")


class BudgetLineInline(ClinicScopedInline):
    model = BudgetLine
    fields = (
        "position",
        "description",
        "tooth",
        "units",
        "unit_price",
        "total",
        "applied_treatment",
    )
    readonly_fields = fields


@admin.register(Budget)
class BudgetAdmin(ClinicScopedAdmin):
    list_display = ("number", "patient", "quoted_on", "status", "total", "clinic")
    list_filter = ("status", BY_CLINIC)
    search_fields = ("number",)
    inlines = [BudgetLineInline]


class AppliedTreatmentPhaseInline(ClinicScopedInline):
    model = AppliedTreatmentPhase
    fields = ("phase_number", "status", "executed_on", "percent_to_bill", "amount")
    readonly_fields = fields


@admin.register(AppliedTreatment)
class AppliedTreatmentAdmin(ClinicScopedAdmin):
    list_display = ("description", "patient", "status", "started_on", "teeth", "amount", "clinic")
    list_filter = ("status", "scope", BY_CLINIC)
    inlines = [AppliedTreatmentPhaseInline]


@admin.register(Recall)
class RecallAdmin(ClinicScopedAdmin):
    list_display = ("patient", "due_on", "status", "reason", "clinic")
    list_filter = ("status", BY_CLINIC)


admin.site.site_header = _("DentalPin administration")
