"""The admin's tenancy: a member sees, is offered and may write rows of their own clinics only.

Every admin of a clinic-owned model (and every inline) is built on `ClinicTenancy`. For each
action (view, add, change, delete) it asks in which clinics the member holds that model's
permission (clinics/permissions.py) and then:

- lists and opens rows of those clinics only (another clinic's row answers 404);
- offers those clinics in the clinic field, and in every foreign key only rows of them (users: of
  their memberships), so nothing of another clinic is even named;
- keeps the clinic of a saved row fixed (read-only; an inline row takes its parent's);
- refuses, with a form error, a post naming another clinic or linking a row of one clinic to a
  row of another, so nothing is written.

Superusers act in every clinic; a row still cannot point into a clinic other than its own.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth import get_permission_codename, get_user_model
from django.core.exceptions import PermissionDenied
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.utils.translation import gettext as _

from clinics.models import Clinic
from clinics.permissions import clinic_ids_granting


def clinic_lookup(model) -> str | None:
    """The lookup from a row of `model` to its clinic: `pk`, `clinic` or `<fk>__clinic`."""
    if model is Clinic:
        return "pk"
    relations = [f for f in model._meta.concrete_fields if f.is_relation]
    for field in relations:
        if field.name == "clinic" and field.related_model is Clinic:
            return "clinic"
    # One step away (an agent token belongs to a job, the job to a clinic).
    for field in relations:
        if field.related_model is not Clinic and _has_clinic_field(field.related_model):
            return f"{field.name}__clinic"
    return None


def _has_clinic_field(model) -> bool:
    fields = model._meta.concrete_fields
    return any(f.name == "clinic" and f.related_model is Clinic for f in fields)


def clinic_id_of(row) -> int | None:
    """The id of the clinic `row` belongs to (None for a clinic not saved yet)."""
    lookup = clinic_lookup(type(row))
    if lookup == "pk":
        return row.pk
    if lookup == "clinic":
        return row.clinic_id
    carrier = getattr(row, lookup.split("__")[0], None)
    return None if carrier is None else carrier.clinic_id


def restrict(queryset, clinic_ids: set[int] | None):
    """`queryset` cut to rows of `clinic_ids` (None: every clinic)."""
    if clinic_ids is None:
        return queryset
    return queryset.filter(**{f"{clinic_lookup(queryset.model)}__in": clinic_ids})


class Tenancy:
    """What one user may do with one model, clinic by clinic."""

    def __init__(self, user, model):
        self.user = user
        self.model = model
        self.everywhere = user.is_active and user.is_superuser

    def perms(self, action: str) -> list[str]:
        opts = self.model._meta
        # As in Django, the change permission includes seeing.
        actions = ("view", "change") if action == "view" else (action,)
        return [f"{opts.app_label}.{get_permission_codename(a, opts)}" for a in actions]

    def clinic_ids(self, action: str) -> set[int] | None:
        """Clinics where `action` is allowed; None when it is allowed in every clinic."""
        if self.everywhere:
            return None
        return clinic_ids_granting(self.user, *self.perms(action))

    def anywhere(self, action: str) -> bool:
        return self.everywhere or bool(self.clinic_ids(action))

    def allows(self, action: str, clinic_id: int | None) -> bool:
        return self.everywhere or (clinic_id is not None and clinic_id in self.clinic_ids(action))


class ClinicBoundForm(forms.ModelForm):
    """A model form that offers and accepts rows of the clinics its `tenancy` allows only.

    The admin makes a subclass per request with `tenancy` set; an inline's forms also get the
    `parent` row, whose clinic they take.
    """

    tenancy: Tenancy | None = None

    def __init__(self, *args, parent=None, **kwargs):
        self.parent = parent
        super().__init__(*args, **kwargs)
        if self.tenancy is not None:
            self._limit_choices()

    @property
    def action(self) -> str:
        return "add" if self.instance._state.adding else "change"

    @property
    def carrier(self) -> str:
        """The field that names the row's clinic (`clinic`, or `job` for a job's token)."""
        return clinic_lookup(self._meta.model).split("__")[0]

    def _fixed_clinic_id(self) -> int | None:
        if self.parent is not None:
            return clinic_id_of(self.parent)
        if not self.instance._state.adding:
            return clinic_id_of(self.instance)
        return None

    def _limit_choices(self) -> None:
        fixed = self._fixed_clinic_id()
        clinic_ids = {fixed} if fixed is not None else self.tenancy.clinic_ids(self.action)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                self._limit(field, clinic_ids)

    def _limit(self, field, clinic_ids) -> None:
        target = field.queryset.model
        if target is get_user_model():
            if clinic_ids is not None:
                field.queryset = field.queryset.filter(
                    memberships__clinic__in=clinic_ids
                ).distinct()
            field.error_messages["invalid_choice"] = _(
                "That user is not a member of your clinics. Choose a user from the list."
            )
            return
        if clinic_lookup(target) is None:
            return
        # The default manager is scoped to the selected clinic; the rows offered are the
        # clinics' named here, whichever clinic is selected.
        rows = target._base_manager.complex_filter(field.get_limit_choices_to() or {})
        field.queryset = restrict(rows, clinic_ids)
        if target is Clinic:
            message = _(
                "You may not do this in that clinic. Choose one of the clinics in the list."
            )
        elif isinstance(field.widget, ForeignKeyRawIdWidget):
            # A large table's key is an id box (clinics/admin_scale.py): no list to choose from.
            message = _(
                "That %(model)s is not in a clinic where you may do this. Look for one with "
                "the magnifying glass next to the box."
            ) % {"model": target._meta.verbose_name}
        else:
            message = _(
                "That %(model)s is not in a clinic where you may do this. Choose one from the list."
            ) % {"model": target._meta.verbose_name}
        field.error_messages["invalid_choice"] = message
        field.error_messages["invalid_pk_value"] = message

    def clean(self):
        cleaned = super().clean()
        if self.tenancy is None:
            return cleaned
        clinic_id = self._row_clinic_id(cleaned)
        if clinic_id is None:
            return cleaned  # no clinic yet: the clinic field's own error says why
        if not self.tenancy.allows(self.action, clinic_id):
            self.add_error(
                self.carrier if self.carrier in self.fields else None,
                _("You may not do this in %(clinic)s. Choose one of your clinics.")
                % {"clinic": Clinic.objects.get(pk=clinic_id)},
            )
        self._check_links(cleaned, clinic_id)
        if self.parent is not None and clinic_lookup(self._meta.model) == "clinic":
            self.instance.clinic_id = clinic_id  # an inline row lives in its parent's clinic
        return cleaned

    def _row_clinic_id(self, cleaned) -> int | None:
        fixed = self._fixed_clinic_id()
        if fixed is not None or clinic_lookup(self._meta.model) == "pk":
            return fixed
        value = cleaned.get(self.carrier)
        if value is None:
            return None
        return value.pk if isinstance(value, Clinic) else clinic_id_of(value)

    def _check_links(self, cleaned, clinic_id: int) -> None:
        """Refuse a link from this row to a row of another clinic (also for superusers)."""
        for name, field in self.fields.items():
            if name == self.carrier or not isinstance(field, forms.ModelChoiceField):
                continue
            if clinic_lookup(field.queryset.model) is None:
                continue
            value = cleaned.get(name)
            values = value if isinstance(field, forms.ModelMultipleChoiceField) else [value]
            for linked in values or ():
                if linked is not None and clinic_id_of(linked) != clinic_id:
                    self.add_error(name, self._mismatch(linked, clinic_id))
                    break

    def _mismatch(self, linked, clinic_id: int) -> str:
        return _(
            "This %(target)s is in %(other)s, but this %(model)s is in %(clinic)s. "
            "Choose a %(target)s of %(clinic)s."
        ) % {
            "target": linked._meta.verbose_name,
            "other": Clinic.objects.get(pk=clinic_id_of(linked)),
            "model": self._meta.model._meta.verbose_name,
            "clinic": Clinic.objects.get(pk=clinic_id),
        }


def bind_form(form_class, tenancy: Tenancy):
    """A subclass of `form_class` that knows who is posting (one per request)."""
    if not issubclass(form_class, ClinicBoundForm):
        raise TypeError(f"{form_class.__name__} must derive from ClinicBoundForm")
    return type(form_class.__name__, (form_class,), {"tenancy": tenancy})


class ClinicInlineFormSet(BaseInlineFormSet):
    """Gives each inline form its parent row, whose clinic the inline row takes."""

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "parent": self.instance}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # Django looks the posted row ids up through the default manager, which is scoped to the
        # selected clinic; the rows that may be posted are this parent's, whatever is selected.
        row_id = form.fields.get(self._pk_field.name)
        if isinstance(row_id, forms.ModelChoiceField):
            row_id.queryset = self.get_queryset()


class ClinicTenancy:
    """Permissions, rows and forms of a clinic-owned admin or inline, clinic by clinic.

    For an inline, the `obj` Django passes is the parent row; its clinic is the inline's.
    """

    form = ClinicBoundForm

    def tenancy(self, request) -> Tenancy:
        return Tenancy(request.user, self.model)

    def _may(self, request, action: str, obj) -> bool:
        tenancy = self.tenancy(request)
        if obj is None:
            return tenancy.anywhere(action)
        return tenancy.allows(action, clinic_id_of(obj))

    def has_view_permission(self, request, obj=None):
        return self._may(request, "view", obj)

    def has_add_permission(self, request, obj=None):
        return self._may(request, "add", obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, "delete", obj)

    def get_queryset(self, request):
        # The base manager is not scoped to the selected clinic: every clinic where the member
        # may see this model is listed, and no other.
        queryset = self.model._base_manager.get_queryset()
        ordering = self.get_ordering(request)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return restrict(queryset, self.tenancy(request).clinic_ids("view"))

    def fixed_fields(self) -> tuple[str, ...]:
        """Fields that never change once the row exists: what ties it to its clinic."""
        lookup = clinic_lookup(self.model)
        return () if lookup == "pk" else (lookup.split("__")[0],)


class ClinicTenancyAdmin(ClinicTenancy):
    """The `ModelAdmin` side: fixed clinic on change, checks again on save and delete."""

    def has_module_permission(self, request):
        return any(self.get_model_perms(request).values())

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("no such row in your clinics")  # another clinic's row looks missing
        return obj

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is None:
            return fields
        return fields + tuple(f for f in self.fixed_fields() if f not in fields)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return bind_form(form, self.tenancy(request))

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        clinic = getattr(request, "clinic", None)
        if "clinic" in self.fixed_fields() and "clinic" not in initial and clinic is not None:
            if self.tenancy(request).allows("add", clinic.pk):
                initial["clinic"] = clinic.pk  # start from the clinic the member is working in
        return initial

    def save_model(self, request, obj, form, change):
        # The form refused already; this stops a path that skips it (a list edit, an action).
        if not self.tenancy(request).allows("change" if change else "add", clinic_id_of(obj)):
            raise PermissionDenied("not in a clinic where this member may write")
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        if not self.tenancy(request).allows("delete", clinic_id_of(obj)):
            raise PermissionDenied("not in a clinic where this member may delete")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        allowed = self.tenancy(request).clinic_ids("delete")
        super().delete_queryset(request, restrict(queryset, allowed))


class ClinicTenancyInline(ClinicTenancy):
    """The inline side: the clinic is the parent's, never a field of the form."""

    formset = ClinicInlineFormSet

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields + tuple(f for f in self.fixed_fields() if f not in fields)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = bind_form(formset.form, self.tenancy(request))
        return formset
