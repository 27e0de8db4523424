"""Lookups that never cross tenants."""

from django.http import Http404


def get_for_clinic_or_404(request, model, **lookup):
    """Return the row of `model` matching `lookup` in the request's clinic, or 404.

    A row of another clinic is reported exactly like a missing one.
    """
    clinic = getattr(request, "clinic", None)
    if clinic is None:
        raise Http404("No clinic selected")
    obj = model.objects.for_clinic(clinic).filter(**lookup).first()
    if obj is None:
        raise Http404(f"No {model._meta.verbose_name} matches the given query.")
    return obj
