"""Read-only admin of fiscal legal records."""

from django.contrib import admin

from clinics.admin import visible_to
from verifactu.models import FiscalLegalRecord


@admin.register(FiscalLegalRecord)
class FiscalLegalRecordAdmin(admin.ModelAdmin):
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

    def get_queryset(self, request):
        # Legal records of other clinics stay out of sight, as every clinic row does.
        return visible_to(request, FiscalLegalRecord._base_manager.all())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
