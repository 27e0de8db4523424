"""Admin for the clinic domain: staff see, are offered and write only their clinics' rows, clinic by
clinic as their memberships allow (clinics/admin_tenancy.py); an imported patient opens whole."""

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clinics.admin_scale import LightInlines, LightPages
from clinics.admin_search import PrivateSearchAdmin
from clinics.admin_tenancy import (
    ClinicBoundForm,
    ClinicTenancyAdmin,
    ClinicTenancyInline,
    Tenancy,
    clinic_lookup,
)
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
from clinics.permissions import clinic_permissions, membership_grants


def visible_to(request, queryset, field="clinic"):
    """`queryset` cut to the clinics where the user may see its model (superusers: all)."""
    clinic_ids = Tenancy(request.user, queryset.model).clinic_ids("view")
    if clinic_ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": clinic_ids})


# Lists only the clinics present in the visible rows: never another clinic's name.
BY_CLINIC = ("clinic", admin.RelatedOnlyFieldListFilter)


class ClinicScopedAdmin(LightPages, ClinicTenancyAdmin, admin.ModelAdmin):
    list_filter = (BY_CLINIC,)


class PrivateSearchScopedAdmin(PrivateSearchAdmin, ClinicScopedAdmin):
    """A list searched by what names or describes a person (names, identity numbers, e-mails,
    conditions, a patient's papers): the term stays out of addresses and logs
    (clinics/admin_search.py). Lists searched by numbers or the clinic's own vocabulary
    (invoices, budgets, chairs, catalogues) keep Django's box."""


class ClinicScopedInline(LightInlines, ClinicTenancyInline, admin.TabularInline):
    extra = 0
    show_change_link = True


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
class ClinicAdmin(ClinicTenancyAdmin, admin.ModelAdmin):
    list_display = ("name", "slug", "country", "timezone")
    search_fields = ("name", "slug")

    # Creating or removing a tenant is the operator's work (`create_clinic`), never a member's.
    def has_add_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


def clinic_data_permissions():
    """Permissions that make sense inside one clinic: those of models whose rows have a clinic."""
    models = [m for m in apps.get_models() if clinic_lookup(m)]
    content_types = ContentType.objects.get_for_models(*models).values()
    return Permission.objects.filter(content_type__in=content_types).select_related("content_type")


def _named(perms) -> Q:
    query = Q(pk__in=[])
    for name in perms:
        app_label, codename = name.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    return query


def _described(perms) -> str:
    """Permissions by the names staff see in the admin ("Can add patient")."""
    names = dict(
        (f"{app_label}.{codename}", name)
        for app_label, codename, name in Permission.objects.filter(_named(perms)).values_list(
            "content_type__app_label", "codename", "name"
        )
    )
    return "; ".join(sorted(names.get(p, p) for p in perms))


class MembershipForm(ClinicBoundForm):
    """A member gives only what they may do in that clinic themselves (role included)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "permissions" in self.fields and self.tenancy is not None:
            field = self.fields["permissions"]
            field.queryset = self._grantable()
            field.error_messages["invalid_choice"] = _(
                "You can only give permissions you hold in this clinic yourself. Choose from the "
                "list, or ask an administrator of the clinic."
            )

    def _grantable(self):
        grantable = clinic_data_permissions()
        if self.tenancy.everywhere:
            return grantable
        held = clinic_permissions(self.tenancy.user)
        fixed = self._fixed_clinic_id()
        clinic_ids = {fixed} if fixed is not None else self.tenancy.clinic_ids(self.action)
        names = set().union(*(held.get(cid, ()) for cid in clinic_ids))
        current = self.instance.permissions.all() if self.instance.pk else Permission.objects.none()
        return grantable.filter(_named(names) | Q(pk__in=current.values("pk")))

    def clean(self):
        cleaned = super().clean()
        clinic_id = self._row_clinic_id(cleaned)
        if self.tenancy is None or self.tenancy.everywhere or clinic_id is None:
            return cleaned
        beyond = self._granted(cleaned) - self._granted_before() - self._held(clinic_id)
        if beyond:
            self.add_error(
                None,
                _(
                    "You can only give what you may do in %(clinic)s yourself, and these are "
                    "not yours there: %(perms)s. Ask an administrator of the clinic to give them."
                )
                % {"clinic": Clinic.objects.get(pk=clinic_id), "perms": _described(beyond)},
            )
        return cleaned

    def _held(self, clinic_id):
        return clinic_permissions(self.tenancy.user).get(clinic_id, frozenset())

    def _granted(self, cleaned):
        role = cleaned.get("role", self.instance.role)
        if "permissions" in self.fields:
            perms = cleaned.get("permissions") or Permission.objects.none()
        else:
            saved = self.instance.permissions.select_related("content_type")
            perms = saved if self.instance.pk else ()
        return membership_grants(role, perms)

    def _granted_before(self):
        if self.instance._state.adding:
            return frozenset()
        saved = type(self.instance)._base_manager.get(pk=self.instance.pk)
        return membership_grants(saved.role, saved.permissions.select_related("content_type"))


@admin.register(Membership)
class MembershipAdmin(ClinicTenancyAdmin, admin.ModelAdmin):
    form = MembershipForm
    list_display = ("user", "clinic", "role")
    list_filter = ("role", BY_CLINIC)
    filter_horizontal = ("permissions",)

    def fixed_fields(self):
        return ("clinic", "user")  # a membership is one user in one clinic, for good


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
class PatientAdmin(PrivateSearchScopedAdmin):
    list_display = ("family_name", "given_name", "national_id", "date_of_birth", "clinic")
    search_fields = ("family_name", "given_name", "=national_id", "email", "legacy_id")
    inlines = [
        MedicalAlertInline,
        MedicationInline,
        ClinicalNoteInline,
        AppointmentInline,
        PaymentInline,
        DocumentInline,
    ]


@admin.register(MedicalAlert)
class MedicalAlertAdmin(PrivateSearchScopedAdmin):
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
class MedicationAdmin(PrivateSearchScopedAdmin):
    list_display = ("drug_name", "status", "started_on", "patient", "clinic")
    list_filter = ("status", BY_CLINIC)
    search_fields = ("drug_name",)
    raw_id_fields = ("patient", "prescriber")


@admin.register(Professional)
class ProfessionalAdmin(PrivateSearchScopedAdmin):
    list_display = ("family_name", "given_name", "role", "is_active", "clinic")
    search_fields = ("family_name", "given_name", "email")


@admin.register(Client)
class ClientAdmin(PrivateSearchScopedAdmin):
    list_display = ("__str__", "national_id", "clinic")
    search_fields = ("given_name", "family_name", "legal_name", "=national_id")


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
class DocumentAdmin(PrivateSearchScopedAdmin):
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
class ConsentAdmin(PrivateSearchScopedAdmin):
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


class PrivateSearchUserAdmin(PrivateSearchAdmin, UserAdmin):
    """Django's user admin, searched by username, names and e-mail: the term stays out of
    addresses (clinics/admin_search.py). Who may open it is Django's rule, unchanged: the
    account's `auth` permissions or a superuser, never a clinic membership (docs/security.md)."""


# django.contrib.auth registers its own user admin; it comes before `clinics` in INSTALLED_APPS.
if admin.site.is_registered(User):
    admin.site.unregister(User)
    admin.site.register(User, PrivateSearchUserAdmin)

admin.site.site_header = _("DentalPin administration")
admin.site.site_title = _("DentalPin administration")
