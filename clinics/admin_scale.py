"""Admin pages that weigh the same in a clinic of 100 patients as in one of 100,000."""

from django.conf import settings

# Tables that stay small in any clinic: a change form may offer all of their rows.
SMALL_TABLES = {"clinics.clinic", "clinics.professional", "clinics.chair"}


def small_tables() -> set[str]:
    """`SMALL_TABLES` and the users' table (`label_lower`s)."""
    return SMALL_TABLES | {settings.AUTH_USER_MODEL.lower()}


def foreign_keys(model) -> set[str]:
    """The names of `model`'s foreign keys."""
    return {f.name for f in model._meta.get_fields() if f.many_to_one}


class LightPages:
    """A list joins the rows its columns show; a form never lists a large table's rows.

    Django joins only the non-null foreign keys of a list by itself: a nullable
    one shown as a column (a note's author, a message's patient) would cost a
    query per row. And a form offers every row a foreign key may point at in a
    drop-down: for a patient of a clinic of 10,000 that is a page of several
    megabytes, many seconds to draw. Such a key gets a plain id box with a
    search window instead (`raw_id_fields`), whatever the admin itself lists.
    """

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        small = small_tables()
        large = [
            f.name
            for f in model._meta.fields
            if f.is_relation
            and f.related_model is not None
            and f.related_model._meta.label_lower not in small
        ]
        self.raw_id_fields = tuple(dict.fromkeys([*self.raw_id_fields, *large]))

    def get_list_select_related(self, request):
        keys = foreign_keys(self.model)
        shown = tuple(name for name in self.list_display if name in keys)
        return shown or super().get_list_select_related(request)


class LightInlines:
    """An inline joins its parent and the related rows its fields show (a visit's
    professional, a note's author; a row's name may name its parent): a patient with a
    thousand visits opens in the same few queries as one with a single visit."""

    def get_queryset(self, request):
        keys = foreign_keys(self.model)
        parent = parent_key(self.model, self.parent_model, self.fk_name)
        shown = [name for name in (*(self.fields or ()), *self.readonly_fields) if name in keys]
        return super().get_queryset(request).select_related(*dict.fromkeys([parent, *shown]))


def parent_key(model, parent_model, fk_name: str | None = None) -> str:
    """The foreign key of an inline's rows to its parent (Django's checks make it one)."""
    if fk_name:
        return fk_name
    return next(
        f.name for f in model._meta.fields if f.many_to_one and f.related_model is parent_model
    )
