"""Read-only admin for jobs and what they leave behind."""

from django.contrib import admin

from clinics.admin import visible_to
from dentalpin_import.models import (
    AgentToken,
    AuditEntry,
    EntityMapping,
    FileStaging,
    ImportJob,
    ImportWarning,
    RawEntity,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        return visible_to(request, super().get_queryset(request))

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = (
        "original_name",
        "clinic",
        "status",
        "dry_run",
        "processed_entities",
        "warnings_count",
        "created_at",
    )
    list_filter = ("status", "dry_run", "clinic")


@admin.register(EntityMapping)
class EntityMappingAdmin(ReadOnlyAdmin):
    list_display = ("entity_type", "canonical_uuid", "target_table", "target_id", "job")
    list_filter = ("entity_type",)
    search_fields = ("canonical_uuid",)


@admin.register(RawEntity)
class RawEntityAdmin(ReadOnlyAdmin):
    list_display = ("entity_type", "source_id", "canonical_uuid", "job")
    list_filter = ("entity_type",)
    search_fields = ("canonical_uuid", "source_id")


@admin.register(ImportWarning)
class ImportWarningAdmin(ReadOnlyAdmin):
    list_display = ("job", "entity_type", "source_id", "severity", "code", "message")
    list_filter = ("severity", "entity_type")
    search_fields = ("code", "source_id", "canonical_uuid")


@admin.register(FileStaging)
class FileStagingAdmin(ReadOnlyAdmin):
    list_display = ("relative_path", "status", "sha256", "job")
    list_filter = ("status",)
    search_fields = ("sha256", "relative_path")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "outcome", "clinic", "user", "job_ref")
    list_filter = ("action", "outcome", "clinic")
    search_fields = ("job_ref", "file_sha256")


@admin.register(AgentToken)
class AgentTokenAdmin(ReadOnlyAdmin):
    list_display = ("hint", "job", "created_at", "expires_at", "revoked_at", "last_used_at")
    actions = ["revoke"]

    def get_queryset(self, request):
        return visible_to(request, admin.ModelAdmin.get_queryset(self, request), "job__clinic")

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            token.revoke()
