"""What the importer's admin shows in place of code names: record kinds by their human names,
a mapping's source id and a link to the clinic row it became; the importer's own marker rows
(`_warnings`, copied once per file) are not listed."""

from functools import cache

from django.apps import apps
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dentalpin_import import names
from dentalpin_import.loader.source_files import COPIED_MARKER
from dentalpin_import.models.records import EXTRA_SUFFIX, SKIP_SUFFIX, SKIP_TABLE


class LabelledRows:
    """Puts the labelled columns (`shown_first`) at the top of a read-only row's page."""

    shown_first: tuple[str, ...] = ()

    def get_fields(self, request, obj=None):
        return [*self.shown_first, *super().get_fields(request, obj)]


def without_markers(queryset):
    """Mappings without the importer's markers (a file's warnings already copied)."""
    return queryset.exclude(entity_type=COPIED_MARKER)


@admin.display(description=gettext_lazy("record kind"), ordering="entity_type")
def record_kind(self, obj) -> str:
    kind = names.entity_label(obj.entity_type)
    if obj.entity_type.endswith(SKIP_SUFFIX):
        return _("%(kind)s (left out by the import rules)") % {"kind": kind}
    if obj.entity_type.endswith(EXTRA_SUFFIX):
        return _("%(kind)s (a further clinic row of the same source record)") % {"kind": kind}
    return kind


@admin.display(description=gettext_lazy("owner's record kind"), ordering="parent_entity_type")
def owner_kind(self, obj) -> str:
    return names.entity_label(obj.parent_entity_type)


@admin.display(description=gettext_lazy("source id"), ordering="canonical_uuid")
def source_key(self, obj) -> str:
    return obj.canonical_uuid


@cache
def _models_by_table() -> dict:
    return {model._meta.db_table: model for model in apps.get_models()}


def target_url(table: str, target_id: str) -> str | None:
    """The admin page of a clinic row, or None when the admin has no page for its kind.

    The page itself decides who may open it (another clinic's row answers 404 there).
    """
    model = _models_by_table().get(table)
    if model is None or not admin.site.is_registered(model):
        return None
    opts = model._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[target_id])
    except NoReverseMatch:
        return None


@admin.display(description=gettext_lazy("clinic row"), ordering="target_table")
def target_row(self, obj) -> str:
    if obj.target_table == SKIP_TABLE:
        return _("none: not imported, by rule")
    label = f"{names.table_label(obj.target_table)} #{obj.target_id}"
    url = target_url(obj.target_table, obj.target_id)
    return label if url is None else format_html('<a href="{}">{}</a>', url, label)


# The most values a list filter lists. Warning codes and record kinds come from the file,
# as many as it holds: 50,000 codes made the warnings list a page of 3.6 MB (and its
# "Show counts" one query of 50,000 counts). The search box finds the others.
FILTER_CHOICES = 100


class Capped:
    """A list filter of the first `cap` values; `capped` when there are more, which its
    template says below them (`pointer`, or a line that fits any list of values)."""

    template = "admin/dentalpin_import/capped_filter.html"
    cap = FILTER_CHOICES
    capped = False
    pointer = None

    def first_values(self, values) -> list:
        """The first `cap` of `values` (a query: one more row is read, never all of them)."""
        found = list(values[: self.cap + 1])
        self.capped = len(found) > self.cap
        return found[: self.cap]


class CappedValues(Capped, admin.AllValuesFieldListFilter):
    """Django's filter by every value of a field, capped (for a code the file chose)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lookup_choices = self.first_values(self.lookup_choices)


class NewestJobs(Capped, admin.RelatedOnlyFieldListFilter):
    """By import: the newest `cap` imports of the rows listed, so never another clinic's.

    A clinic that imports a sheet a day has hundreds of imports; the search box finds the
    rows of an older one by its id (the admin's search field `=job__id`).
    """

    @property
    def pointer(self) -> str:
        return _(
            "Only the newest %(n)s imports are listed: type an import's id in the search box "
            "to find the rows of an older one."
        ) % {"n": self.cap}

    def field_choices(self, field, request, model_admin):
        # As Django's: only imports the visible rows (the user's clinics) belong to.
        visible = model_admin.get_queryset(request).values_list(f"{self.field_path}__pk")
        jobs = (
            field.related_model._default_manager.filter(pk__in=visible)
            .only("id", "original_name", "clinic", "status", "created_at")
            .order_by("-created_at", "-pk")
        )
        return [(job.pk, str(job)) for job in self.first_values(jobs)]


def labelled_filter(field: str, title, label):
    """A list filter on `field` whose choices read as `label(value)`, never as the code."""

    class LabelledFilter(Capped, admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request, model_admin):
            values = self.first_values(
                model_admin.get_queryset(request)
                .values_list(field, flat=True)
                .distinct()
                .order_by(field)
            )
            return [(value, label(value)) for value in values]

        def queryset(self, request, queryset):
            value = self.value()
            return queryset if value is None else queryset.filter(**{field: value})

    LabelledFilter.title = title
    return LabelledFilter


BY_KIND = labelled_filter("entity_type", gettext_lazy("record kind"), names.entity_label)
BY_OWNER_KIND = labelled_filter(
    "parent_entity_type", gettext_lazy("owner's record kind"), names.entity_label
)
BY_TABLE = labelled_filter("target_table", gettext_lazy("clinic table"), names.table_label)
