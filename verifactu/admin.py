"""Read-only admin of fiscal legal records."""

from django.contrib import admin

from verifactu.models import FiscalLegalRecord


@admin.register(FiscalLegalRecord)
class FiscalLegalRecordAdmin(admin.ModelAdmin):
    list_display = ("invoice", "atcud", "hash_control")
    readonly_fields = ("invoice", "legal_hash", "hash", "hash_control", "atcud", "qr_code")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
