"""Template context: the selected clinic and the ones the user can switch to."""

from clinics.middleware import clinics_for


def clinic(request):
    user = getattr(request, "user", None)
    return {
        "current_clinic": getattr(request, "clinic", None),
        "available_clinics": list(clinics_for(user)) if user is not None else [],
    }
