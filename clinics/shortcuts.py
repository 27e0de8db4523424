"""Lookups that never cross tenants."""

from django.http import Http404
from django_scopes import scopes_disabled

from clinics.error_pages import ElsewhereInYourClinics
from clinics.middleware import clinics_for
from clinics.permissions import has_clinic_perm


def get_for_clinic_or_404(request, model, **lookup):
    """Return the row of `model` matching `lookup` in the request's clinic, or 404.

    A row of a clinic the user is not a member of is reported exactly like a missing one. A row
    of another of the user's own clinics raises `ElsewhereInYourClinics` (a 404 to anything that
    does not know it), which the error pages turn into an offer to switch clinic. Only a clinic
    where the user holds the permission the view asked for is offered: in any other, the row is
    reported as missing, so that a member with no right to it cannot learn that it exists.
    """
    clinic = getattr(request, "clinic", None)
    if clinic is None:
        raise Http404("No clinic selected")
    obj = model.objects.for_clinic(clinic).filter(**lookup).first()
    if obj is None:
        elsewhere = _users_other_clinic_holding(request, model, clinic, lookup)
        if elsewhere is not None:
            raise ElsewhereInYourClinics(elsewhere)
        raise Http404(f"No {model._meta.verbose_name} matches the given query.")
    return obj


def _users_other_clinic_holding(request, model, clinic, lookup):
    """The user's other clinic holding the row, or None (never a clinic they are not in)."""
    others = clinics_for(request.user).exclude(pk=clinic.pk)
    with scopes_disabled():
        row = model.objects.filter(clinic__in=others, **lookup).select_related("clinic").first()
    if row is None:
        return None
    needed = getattr(request, "clinic_permission", None)
    if needed and not has_clinic_perm(request.user, row.clinic, needed):
        return None
    return row.clinic
