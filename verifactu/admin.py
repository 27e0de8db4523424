"""Read-only admin of fiscal legal records."""

from django.contrib import admin

from clinics.admin_tenancy import ClinicTenancyAdmin
from verifactu.models import FiscalLegalRecord


@admin.register(FiscalLegalRecord)
class FiscalLegalRecordAdmin(ClinicTenancyAdmin, admin.ModelAdmin):
    """Seen clinic by clinic, like every clinic row; never written here (the import writes them)."""

    list_display = ("invoice", "regime", "atcud", "hash_control")
    list_filter = ("regime",)
    readonly_fields = (
        "invoice",
        "regime",
        "legal_hash",
        "hash",
        "hash_control",
        "atcud",
        "qr_code",
        "extra",
    )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
