"""Read-only admin for jobs and what they leave behind (staff see their clinics' rows only)."""

import json

from django.apps import apps
from django.contrib import admin, messages
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinics.admin_scale import LightPages
from clinics.admin_search import PrivateSearchAdmin
from clinics.admin_tenancy import ClinicTenancyAdmin, restrict
from clinics.permissions import clinic_ids_granting
from dentalpin_import import admin_labels
from dentalpin_import.models import (
    AgentToken,
    AuditEntry,
    EntityMapping,
    FileStaging,
    ImportJob,
    ImportWarning,
    RawEntity,
    SheetColumnMapping,
)

# Every JSON field of the importer's models is shown pretty-printed (`<name>_json`), headed
# by its translated name (a name means the same on every model that has it).
JSON_FIELDS = {
    field.name: field.verbose_name
    for model in apps.get_app_config("dentalpin_import").get_models()
    for field in model._meta.fields
    if isinstance(field, models.JSONField)
}
# Filters list only values present in the visible rows, never another clinic's jobs. The
# imports listed are the newest 100; the search box finds an older import's rows by its id.
BY_JOB = ("job", admin_labels.NewestJobs)
BY_JOB_ID = "=job__id"
BY_CLINIC = ("clinic", admin.RelatedOnlyFieldListFilter)


def _pretty(name: str, heading):
    @admin.display(description=heading)
    def show(self, obj):
        value = json.dumps(
            getattr(obj, name), indent=2, ensure_ascii=False, sort_keys=True, default=str
        )
        return format_html('<pre class="json">{}</pre>', value)

    return show


class ReadOnlyAdmin(LightPages, ClinicTenancyAdmin, admin.ModelAdmin):
    """Every field read-only, JSON pretty-printed, rows of the clinics where the user may see."""

    def get_fields(self, request, obj=None):
        return [
            f"{f.name}_json" if isinstance(f, models.JSONField) else f.name
            for f in self.model._meta.fields
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


for _name, _heading in JSON_FIELDS.items():
    setattr(ReadOnlyAdmin, f"{_name}_json", _pretty(_name, _heading))


@admin.register(ImportJob)
class ImportJobAdmin(PrivateSearchAdmin, ReadOnlyAdmin):
    """Searched by the uploaded file's name, often a clinic's or a patient's: the term stays out
    of addresses (clinics/admin_search.py). The lists searched by ids, keys and warning codes
    (mappings, raw rows, warnings, audit, column mappings) keep Django's box."""

    list_display = (
        "original_name",
        "clinic",
        "status",
        "dry_run",
        "processed_entities",
        "warnings_count",
        "created_at",
    )
    list_filter = ("status", "dry_run", "source_kind", BY_CLINIC)
    search_fields = ("id", "original_name", "file_sha256")


@admin.register(EntityMapping)
class EntityMappingAdmin(admin_labels.LabelledRows, ReadOnlyAdmin):
    """Source key → clinic row, the row linked; the importer's own markers are not listed."""

    list_display = ("record_kind", "source_key", "target_row", "job")
    list_filter = (admin_labels.BY_KIND, admin_labels.BY_TABLE, BY_JOB)
    search_fields = ("canonical_uuid", "target_id", BY_JOB_ID)
    shown_first = ("record_kind", "source_key", "target_row")

    def get_queryset(self, request):
        return admin_labels.without_markers(super().get_queryset(request))

    record_kind = admin_labels.record_kind
    source_key = admin_labels.source_key
    target_row = admin_labels.target_row


@admin.register(RawEntity)
class RawEntityAdmin(admin_labels.LabelledRows, ReadOnlyAdmin):
    list_display = ("record_kind", "source_id", "canonical_uuid", "job")
    list_filter = (admin_labels.BY_KIND, BY_JOB)
    search_fields = ("canonical_uuid", "source_id", "entity_type", BY_JOB_ID)
    shown_first = ("record_kind",)
    record_kind = admin_labels.record_kind


@admin.register(ImportWarning)
class ImportWarningAdmin(admin_labels.LabelledRows, ReadOnlyAdmin):
    list_display = ("job", "record_kind", "source_id", "severity", "code", "message")
    list_filter = ("severity", admin_labels.BY_KIND, ("code", admin_labels.CappedValues), BY_JOB)
    search_fields = ("code", "source_id", "canonical_uuid", "entity_type", BY_JOB_ID)
    shown_first = ("record_kind",)
    record_kind = admin_labels.record_kind


@admin.register(FileStaging)
class FileStagingAdmin(PrivateSearchAdmin, admin_labels.LabelledRows, ReadOnlyAdmin):
    """Searched by the document's path in the export, which may name the patient: the term
    stays out of addresses (clinics/admin_search.py)."""

    list_display = ("relative_path", "status", "owner_kind", "sha256", "job")
    list_filter = ("status", admin_labels.BY_OWNER_KIND, BY_JOB)
    search_fields = (
        "sha256",
        "relative_path",
        "file_uuid",
        "parent_canonical_uuid",
        "parent_entity_type",
        BY_JOB_ID,
    )
    shown_first = ("owner_kind",)
    owner_kind = admin_labels.owner_kind


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "outcome", "clinic", "user", "job_ref")
    list_filter = ("action", "outcome", BY_CLINIC)
    search_fields = ("job_ref", "file_sha256")


@admin.register(AgentToken)
class AgentTokenAdmin(ReadOnlyAdmin):
    list_display = ("hint", "job", "created_at", "expires_at", "revoked_at", "last_used_at")
    actions = ["revoke"]

    # A token is issued by starting an import, so stopping one takes the same permission there.
    def _revoking_clinics(self, request):
        if request.user.is_active and request.user.is_superuser:
            return None
        return clinic_ids_granting(request.user, "job_execute")

    def has_revoke_permission(self, request):
        clinic_ids = self._revoking_clinics(request)
        return clinic_ids is None or bool(clinic_ids)

    @admin.action(description=gettext_lazy("Revoke selected tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        allowed = restrict(queryset, self._revoking_clinics(request))
        for token in allowed:
            token.revoke()
        if allowed.count() < queryset.count():
            messages.error(
                request,
                _(
                    "Some tokens were left alone: they belong to imports of a clinic where you "
                    "may not run imports. Ask someone who may run imports there."
                ),
            )


@admin.register(SheetColumnMapping)
class SheetColumnMappingAdmin(ReadOnlyAdmin):
    """Saved column mappings: seen and deleted (the wizard offers one no more) clinic by clinic."""

    list_display = ("sheet_type", "headers", "clinic", "updated_by", "updated_at")
    list_filter = ("sheet_type", BY_CLINIC)
    search_fields = ("signature",)

    def has_delete_permission(self, request, obj=None):
        return ClinicTenancyAdmin.has_delete_permission(self, request, obj)
