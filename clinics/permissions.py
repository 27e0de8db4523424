"""Who may do what in a clinic: a role grants permissions, and so does a Django permission."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from clinics.models import Membership, Role

IMPORT_PERMISSIONS = ("job_read", "job_write", "job_execute", "binary_write")
ROLE_PERMISSIONS: dict[str, set[str]] = {Role.ADMIN: set(IMPORT_PERMISSIONS)}


def has_clinic_perm(user, clinic, codename: str) -> bool:
    """True when `user` is a member of `clinic` whose role or own permissions grant `codename`."""
    if clinic is None or not user.is_authenticated:
        return False
    member = Membership.objects.filter(user=user, clinic=clinic).first()
    if member is None:
        return False
    return codename in ROLE_PERMISSIONS.get(member.role, set()) or user.has_perm(
        f"dentalpin_import.{codename}"
    )


def clinic_permission_required(codename: str):
    """View decorator: log in first, then 403 unless the selected clinic grants `codename`."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_clinic_perm(request.user, request.clinic, codename):
                raise PermissionDenied("You may not use the importer in this clinic.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
