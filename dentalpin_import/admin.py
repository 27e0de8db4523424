"""Read-only admin for jobs and what they leave behind."""

from django.contrib import admin

from dentalpin_import.models import EntityMapping, FileStaging, ImportJob, ImportWarning, RawEntity


class ReadOnlyAdmin(admin.ModelAdmin):
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
